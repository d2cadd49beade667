// (b) Messages per second for a ~2 KB SOAP 1.2 envelope plus one 100 KiB attachment, output
// buffered (end() resolves with a Uint8Array): the writer (MTOM; the attachment through pushBytes
// + sink.write, and through writeBytes becoming a part) against building the same message the way
// SOAP clients on npm do today (template strings, then Buffer.concat); and the same writer message
// streamed to an output callback. The XML alone (text encoding, no attachment) against template
// strings + Buffer.from and fast-xml-parser's XMLBuilder, with a writer created per message and
// one reused through reset(). Then where the writer's time goes: per-writer fixed costs timed one
// by one, and a --cpu-prof profile summarised.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { instantiate as loaderInstantiate } from '@assemblyscript/loader';
import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import { createXmlWriter } from '../dist/index.js';
import { Core } from '../dist/wasm.js';
import { XmlWriter } from '../dist/xml-writer.js';
import { BUILDER_OPTIONS, builderObject, sampleData, templateEnvelope, writeEnvelope } from './lib/envelope.mjs';
import { compare, KiB, pseudoRandomBytes, ratio, verdict } from './lib/harness.mjs';
import { MTOM_TEXT_KEYS, messageCases, normaliseMtom } from './lib/message-cases.mjs';
import { bytesEqual } from './lib/mtom.mjs';
import { check, fmt, header, QUICK, readBuild, ROUNDS, SECONDS, table, writeResults } from './lib/report.mjs';

const ATTACHMENT = pseudoRandomBytes(100 * KiB, 7);
const data = sampleData();
/** The goals, each a ratio measured in the same run. */
const TARGETS = {
  pushBytesVsTemplate: 1,
  writeBytesVsTemplate: 0.8,
  streamedVsBuffered: 1.5,
  xmlVsTemplate: 0.5,
  xmlVsXmlBuilder: 3,
  createdVsReused: 0.9,
};

// ---- the ways of building a message (bench/lib/message-cases.mjs, shared with the page) ----

const cases = messageCases({
  data,
  attachment: ATTACHMENT,
  toBytes: (s) => Buffer.from(s),
  concat: (arrays) => Buffer.concat(arrays),
});
const { writerPushBytes, writerWriteBytes, templateMessage, writerXml, writerXmlReused } = cases;

/** The pushBytes message streamed to an output callback that takes each view's length. */
let streamedBytes = 0;
const countStreamed = (bufs) => {
  for (let i = 0; i < bufs.length; i++) streamedBytes += bufs[i].length;
};
const writerStreamed = () => cases.writerStreamed(countStreamed);

const builder = new XMLBuilder(BUILDER_OPTIONS);
const encoder = new TextEncoder();
const canReset = typeof XmlWriter.prototype.reset === 'function';

// ---- profile child: loop one case under --cpu-prof ----
const profileCase = process.argv.find((a) => a.startsWith('--profile-child='))?.split('=')[1];
if (profileCase) {
  const run = profileCase === 'mtom' ? writerPushBytes : writerXml;
  const until = performance.now() + 2500;
  let n = 0;
  while (performance.now() < until) {
    await run();
    n++;
  }
  console.log(JSON.stringify({ messages: n }));
  process.exit(0);
}

header('messages: a ~2 KB SOAP 1.2 envelope (+ one 100 KiB attachment), buffered output (msgs/s)');

// ---- verify before timing ----

const normalise = normaliseMtom;
const ours = normalise(await writerPushBytes());
const viaWriteBytes = normalise(await writerWriteBytes());
const theirs = normalise(templateMessage());
for (const [name, x] of [
  ['pushBytes', ours],
  ['writeBytes', viaWriteBytes],
]) {
  for (const key of MTOM_TEXT_KEYS) {
    check(x[key] === theirs[key], `${name}: ${key} differs:\n${x[key]}\n${theirs[key]}`);
  }
  check(bytesEqual(x.attachment, ATTACHMENT) && bytesEqual(theirs.attachment, ATTACHMENT), `${name}: attachment bytes`);
}
{
  const chunks = [];
  const w = await createXmlWriter({
    encoding: { type: 'mtom' },
    output: (bufs) => {
      for (const b of bufs) chunks.push(Buffer.from(b));
    },
  });
  writeEnvelope(w, data, (w) => w.pushBytes((sink) => sink.write(ATTACHMENT)));
  await w.end();
  const streamed = normalise({ body: Buffer.concat(chunks), contentType: w.contentType });
  for (const key of MTOM_TEXT_KEYS) {
    check(streamed[key] === ours[key], `streamed: ${key} differs from the buffered message`);
  }
  check(bytesEqual(streamed.attachment, ATTACHMENT), 'streamed: attachment bytes');
}
const mtomXmlBytes = Buffer.byteLength(ours.xml);
const messageBytes = (await writerPushBytes()).body.length;

const xmlOurs = Buffer.from(await writerXml()).toString('utf8');
const xmlBuilt = builder.build(builderObject(data));
check(xmlOurs === xmlBuilt, 'writer and XMLBuilder give byte-identical XML');
check(xmlOurs === templateEnvelope(data), 'template gives the same XML');
if (canReset) {
  for (let i = 0; i < 3; i++) {
    check(Buffer.from(await writerXmlReused()).toString('utf8') === xmlOurs, 'a reused writer gives the same XML');
  }
}
const parser = new XMLParser({ ignoreAttributes: false });
check(JSON.stringify(parser.parse(xmlOurs)) === JSON.stringify(parser.parse(xmlBuilt)), 'same after parsing');

console.log(
  `MTOM message: ${fmt.int(messageBytes)} B (root XML ${fmt.int(mtomXmlBytes)} B + 100 KiB part); ` +
    `XML alone: ${fmt.int(Buffer.byteLength(xmlOurs))} B. Outputs verified equivalent.\n`,
);

// ---- timing ----
let keep = 0;
const loop = (f) => async (n) => {
  for (let i = 0; i < n; i++) keep += (await f()).body.length;
};
const loopSync = (f) => (n) => {
  for (let i = 0; i < n; i++) keep += f().length;
};

const mtom = await compare(
  [
    { name: 'writer MTOM, pushBytes + sink.write', run: loop(writerPushBytes) },
    { name: 'writer MTOM, writeBytes (becomes a part)', run: loop(writerWriteBytes) },
    {
      name: 'writer MTOM, pushBytes, streamed to an output callback',
      run: async (n) => {
        const before = streamedBytes;
        for (let i = 0; i < n; i++) await writerStreamed();
        check(streamedBytes - before === n * messageBytes, 'every streamed byte delivered');
      },
    },
    {
      name: 'template strings + Buffer.concat',
      run: (n) => {
        for (let i = 0; i < n; i++) keep += templateMessage().body.length;
      },
    },
  ],
  { seconds: SECONDS, rounds: ROUNDS },
);
const [pushed, viaParts, streamed, template] = mtom;
const mtomRatios = {
  pushBytesVsTemplate: ratio(pushed, template),
  writeBytesVsTemplate: ratio(viaParts, template),
  streamedVsBuffered: ratio(streamed, pushed),
};
const goal = (ratios, key, against) => `≥ ${TARGETS[key]}× ${against}: ${verdict(ratios[key], TARGETS[key])}`;
const mtomGoal = (r) =>
  r === pushed
    ? goal(mtomRatios, 'pushBytesVsTemplate', 'template')
    : r === viaParts
      ? goal(mtomRatios, 'writeBytesVsTemplate', 'template')
      : r === streamed
        ? goal(mtomRatios, 'streamedVsBuffered', 'buffered')
        : '';
console.log('(b) 2 KB envelope + 100 KiB attachment, whole message as bytes:');
table(
  mtom.map((r) => ({
    builder: r.name,
    'msgs/s': fmt.int(r.rate),
    'µs/msg': (1e6 / r.rate).toFixed(1),
    'vs template': fmt.x(ratio(r, template)),
    'vs buffered pushBytes': fmt.x(ratio(r, pushed)),
    target: mtomGoal(r),
  })),
);

const xml = await compare(
  [
    {
      name: 'writer, text encoding → Uint8Array',
      run: async (n) => {
        for (let i = 0; i < n; i++) keep += (await writerXml()).length;
      },
    },
    ...(canReset
      ? [
          {
            name: 'writer reused through reset() → Uint8Array',
            run: async (n) => {
              for (let i = 0; i < n; i++) keep += (await writerXmlReused()).length;
            },
          },
        ]
      : []),
    { name: 'XMLBuilder.build(object) → string', run: loopSync(() => builder.build(builderObject(data))) },
    {
      name: 'XMLBuilder.build(object) → TextEncoder bytes',
      run: loopSync(() => encoder.encode(builder.build(builderObject(data)))),
    },
    { name: 'template string → Buffer.from bytes', run: loopSync(() => Buffer.from(templateEnvelope(data))) },
    { name: 'template string → TextEncoder bytes', run: loopSync(() => encoder.encode(templateEnvelope(data))) },
  ],
  { seconds: SECONDS, rounds: ROUNDS },
);
const xmlFresh = xml[0];
const xmlReused = canReset ? xml[1] : undefined;
const xmlBuilder = xml.find((r) => r.name.startsWith('XMLBuilder'));
const xmlTemplate = xml.find((r) => r.name.includes('Buffer.from'));
const xmlRatios = {
  xmlVsTemplate: ratio(xmlFresh, xmlTemplate),
  xmlVsXmlBuilder: ratio(xmlFresh, xmlBuilder),
  createdVsReused: xmlReused ? ratio(xmlFresh, xmlReused) : undefined,
};
const xmlGoal = (r) =>
  r === xmlFresh
    ? `${goal(xmlRatios, 'xmlVsTemplate', 'template')}; ${goal(xmlRatios, 'xmlVsXmlBuilder', 'XMLBuilder')}`
    : r === xmlReused
      ? `created per message ${goal(xmlRatios, 'createdVsReused', 'reused')}`
      : '';
console.log('the ~2 KB envelope alone:');
table(
  xml.map((r) => ({
    builder: r.name,
    'msgs/s': fmt.int(r.rate),
    'µs/msg': (1e6 / r.rate).toFixed(2),
    'vs template + Buffer.from': fmt.x(ratio(r, xmlTemplate)),
    'vs XMLBuilder (string)': fmt.x(ratio(r, xmlBuilder)),
    target: xmlGoal(r),
  })),
);
if (!canReset) console.log('a writer reused through reset(): not measured (this build has no reset())\n');

// ---- where the writer's time goes: fixed per-writer costs, one by one ----
const simdModule = await WebAssembly.compile(readBuild('mtom-stream.wasm'));
const PAGES = Math.ceil((64 * KiB + 64 * KiB + 256 * KiB) / 65536); // what Core.create asks for by default
const parts = await compare(
  [
    {
      name: 'createXmlWriter() + <a/> + end() (text)',
      run: async (n) => {
        for (let i = 0; i < n; i++) {
          const w = await createXmlWriter();
          w.writeStartElement('', 'a', '');
          keep += (await w.end()).length;
        }
      },
    },
    {
      name: 'createXmlWriter({mtom}) + <a/> + end()',
      run: async (n) => {
        for (let i = 0; i < n; i++) {
          const w = await createXmlWriter({ encoding: { type: 'mtom' } });
          w.writeStartElement('', 'a', '');
          keep += (await w.end()).length;
        }
      },
    },
    {
      name: 'Core.create (default sizes)',
      run: async (n) => {
        for (let i = 0; i < n; i++)
          keep += (await Core.create({ ringSize: 256 * KiB, scratchSize: 64 * KiB })).scratch.length;
      },
    },
    {
      name: '@assemblyscript/loader instantiate (compiled module)',
      run: async (n) => {
        for (let i = 0; i < n; i++) {
          const memory = new WebAssembly.Memory({ initial: PAGES, maximum: PAGES });
          keep += (await loaderInstantiate(simdModule, { env: { memory } })).exports.init(64 * KiB, 256 * KiB) + 1;
        }
      },
    },
    {
      name: 'WebAssembly.instantiate (compiled module)',
      run: async (n) => {
        for (let i = 0; i < n; i++) {
          const memory = new WebAssembly.Memory({ initial: PAGES, maximum: PAGES });
          keep +=
            (await WebAssembly.instantiate(simdModule, { env: { memory } })).exports.init(64 * KiB, 256 * KiB) + 1;
        }
      },
    },
    {
      name: 'new WebAssembly.Instance (sync)',
      run: (n) => {
        for (let i = 0; i < n; i++) {
          const memory = new WebAssembly.Memory({ initial: PAGES, maximum: PAGES });
          keep += new WebAssembly.Instance(simdModule, { env: { memory } }).exports.init(64 * KiB, 256 * KiB) + 1;
        }
      },
    },
    {
      name: `new WebAssembly.Memory(${PAGES} pages)`,
      run: (n) => {
        for (let i = 0; i < n; i++)
          keep += new WebAssembly.Memory({ initial: PAGES, maximum: PAGES }).buffer.byteLength;
      },
    },
    {
      name: 'new Uint8Array(100 KiB).slice() (one attachment copy)',
      run: (n) => {
        for (let i = 0; i < n; i++) keep += ATTACHMENT.slice().length;
      },
    },
  ],
  { seconds: QUICK ? SECONDS / 2 : SECONDS * 0.67, rounds: ROUNDS },
);
const us = (r) => 1e6 / r.rate;
console.log('per-writer fixed costs (each timed alone):');
table(parts.map((r) => ({ step: r.name, 'µs/op': us(r).toFixed(2), 'ops/s': fmt.int(r.rate) })));
const usXml = 1e6 / xml[0].rate;
const usFixed = us(parts[0]);
const usMtom = 1e6 / mtom[0].rate;
const findings = {
  usPerXmlMessage: usXml,
  usPerWriterFixed: usFixed,
  fixedShareOfXmlMessage: usFixed / usXml,
  usWritingEnvelope: usXml - usFixed,
  usXmlBuilder: 1e6 / xmlBuilder.rate,
  usPerMtomMessage: usMtom,
  usTemplateMtom: 1e6 / template.rate,
  usCoreCreate: us(parts[2]),
  usLoaderInstantiate: us(parts[3]),
  usRawInstantiate: us(parts[4]),
  usSyncInstance: us(parts[5]),
  usMemory: us(parts[6]),
};
console.log(
  `XML alone: ${usXml.toFixed(1)} µs/msg, of which ${usFixed.toFixed(1)} µs ` +
    `(${(100 * findings.fixedShareOfXmlMessage).toFixed(0)}%) is creating a writer and ending a trivial document; ` +
    `writing the envelope's ~95 calls takes ${findings.usWritingEnvelope.toFixed(1)} µs ` +
    `(XMLBuilder: ${findings.usXmlBuilder.toFixed(1)} µs for all of it).`,
);

// ---- --cpu-prof of the two writer cases, summarised ----
const profiles = {};
for (const which of ['mtom', 'xml']) {
  const dir = mkdtempSync(`${os.tmpdir()}/mtom-stream-prof-`);
  try {
    execFileSync(
      process.execPath,
      ['--cpu-prof', `--cpu-prof-dir=${dir}`, fileURLToPath(import.meta.url), `--profile-child=${which}`],
      { encoding: 'utf8' },
    );
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    profiles[which] = summariseProfile(JSON.parse(readFileSync(`${dir}/${file}`, 'utf8')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`--cpu-prof, writer ${which === 'mtom' ? 'MTOM message' : 'XML alone'}, 2.5 s loop: top self time`);
  table(profiles[which].self.slice(0, 12).map((f) => ({ function: f.name, 'self %': f.pct.toFixed(1) })));
  console.log("inclusive time of the writer's steps:");
  table(profiles[which].inclusive.map((f) => ({ function: f.name, 'total %': f.pct.toFixed(1) })));
}

writeResults('messages', {
  note: 'msgs/s of whole messages; ratios are medians of per-round ratios',
  messageBytes,
  xmlBytes: Buffer.byteLength(xmlOurs),
  targets: [
    { measure: 'MTOM message buffered, pushBytes, vs template + Buffer.concat', key: 'pushBytesVsTemplate' },
    { measure: 'MTOM message buffered, writeBytes, vs template + Buffer.concat', key: 'writeBytesVsTemplate' },
    { measure: 'MTOM message streamed to an output callback vs buffered', key: 'streamedVsBuffered' },
    { measure: 'envelope alone vs template + Buffer.from', key: 'xmlVsTemplate' },
    { measure: 'envelope alone vs XMLBuilder', key: 'xmlVsXmlBuilder' },
    {
      measure: 'envelope alone, writer created per message vs one reused',
      key: 'createdVsReused',
      note: canReset ? undefined : 'this build has no reset()',
    },
  ].map(({ key, ...t }) => ({ ...t, value: mtomRatios[key] ?? xmlRatios[key], target: TARGETS[key] })),
  mtom: mtom.map((r) => ({
    name: r.name,
    msgsPerSec: r.rate,
    rounds: r.rounds,
    vsTemplate: ratio(r, template),
    vsBuffered: ratio(r, pushed),
  })),
  xml: xml.map((r) => ({
    name: r.name,
    msgsPerSec: r.rate,
    rounds: r.rounds,
    vsTemplate: ratio(r, xmlTemplate),
    vsXmlBuilder: ratio(r, xmlBuilder),
  })),
  fixedCosts: parts.map((r) => ({ name: r.name, usPerOp: us(r) })),
  findings,
  profiles,
  sink: keep > 0,
});

/** Self time per function and inclusive time of selected steps, as % of samples. */
function summariseProfile(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfTime = new Map();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    selfTime.set(id, (selfTime.get(id) ?? 0) + dt);
    total += dt;
  });
  const label = (n) => {
    const f = n.callFrame;
    const file = f.url ? f.url.split('/').slice(-2).join('/') : '';
    return `${f.functionName || '(anonymous)'}${file ? ` ${file}:${f.lineNumber + 1}` : ''}`;
  };
  const self = new Map();
  for (const [id, t] of selfTime) {
    const key = label(byId.get(id));
    self.set(key, (self.get(key) ?? 0) + t);
  }
  // Inclusive: a function's time counts once per sample stack even under recursion.
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const WATCH = [
    'createXmlWriter',
    'create',
    'instantiate',
    'compileCore',
    'writeEnvelope',
    'end',
    'takeMessage',
    'finish',
    'emitParts',
    'write',
    'markup',
    'text',
    'writeStartElement',
    'writeChars',
    'writeEndElement',
    'writeAttribute',
    'run',
    'garbage collector',
  ];
  const incl = new Map();
  for (const [id, t] of selfTime) {
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const name = byId.get(at).callFrame.functionName.replace(/^\(|\)$/g, '');
      if (WATCH.includes(name) && !seen.has(name)) {
        seen.add(name);
        incl.set(name, (incl.get(name) ?? 0) + t);
      }
    }
  }
  const pct = (t) => (100 * t) / total;
  return {
    totalMs: total / 1000,
    self: [...self]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 25)
      .map(([name, t]) => ({ name, pct: pct(t) })),
    inclusive: WATCH.filter((n) => incl.has(n)).map((name) => ({ name, pct: pct(incl.get(name)) })),
  };
}
