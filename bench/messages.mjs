// (b) Messages per second for a ~2 KB SOAP 1.2 envelope plus one 100 KiB attachment, output
// buffered (end() resolves with a Uint8Array): the writer (MTOM; the attachment through pushBytes
// + sink.write, and through writeBytes becoming a part) against building the same message the way
// SOAP clients on npm do today (template strings, then Buffer.concat). And the XML alone (text
// encoding, no attachment) against fast-xml-parser's XMLBuilder. Then where the writer's time goes:
// per-writer fixed costs timed one by one, and a --cpu-prof profile summarised.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { instantiate as loaderInstantiate } from '@assemblyscript/loader';
import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import { createXmlWriter } from '../dist/index.js';
import { Core } from '../dist/wasm.js';
import { BUILDER_OPTIONS, builderObject, sampleData, templateEnvelope, writeEnvelope } from './lib/envelope.mjs';
import { compare, KiB, pseudoRandomBytes, ratio, verdict } from './lib/harness.mjs';
import { boundaryOf, bytesEqual, splitMultipart } from './lib/mtom.mjs';
import { check, fmt, header, QUICK, readBuild, ROUNDS, SECONDS, table, writeResults } from './lib/report.mjs';

const XOP = 'http://www.w3.org/2004/08/xop/include';
const ATTACHMENT = pseudoRandomBytes(100 * KiB, 7);
const data = sampleData();
const TARGET = 1;

// ---- the ways of building a message ----

async function writerPushBytes() {
  const w = await createXmlWriter({ encoding: { type: 'mtom' } });
  writeEnvelope(w, data, (w) => w.pushBytes((sink) => sink.write(ATTACHMENT)));
  return { body: await w.end(), contentType: w.contentType };
}

async function writerWriteBytes() {
  // maxInlineByteCount stays at its default (767 B), so the 100 KiB become a part; the part's
  // bytes are held until the root part ends, which needs maxMimePartsBufferSize ≥ 100 KiB.
  const w = await createXmlWriter({ encoding: { type: 'mtom' }, maxMimePartsBufferSize: 128 * KiB });
  writeEnvelope(w, data, (w) => w.writeBytes(ATTACHMENT));
  return { body: await w.end(), contentType: w.contentType };
}

function templateMessage() {
  const boundary = `uuid:${crypto.randomUUID()}`;
  const rootId = `root.${crypto.randomUUID()}@example.com`;
  const partId = `${crypto.randomUUID()}@example.com`;
  const xml = templateEnvelope(data, `<xop:Include xmlns:xop="${XOP}" href="cid:${partId}"/>`);
  const head =
    `--${boundary}\r\nContent-ID: <${rootId}>\r\n` +
    `Content-Type: application/xop+xml; charset=utf-8; type="application/soap+xml"\r\n` +
    `Content-Transfer-Encoding: binary\r\n\r\n${xml}` +
    `\r\n--${boundary}\r\nContent-ID: <${partId}>\r\nContent-Type: ${data.contentType}\r\n` +
    `Content-Transfer-Encoding: binary\r\n\r\n`;
  const tail = `\r\n--${boundary}--\r\n`;
  const contentType =
    `multipart/related; type="application/xop+xml"; boundary="${boundary}"; ` +
    `start="<${rootId}>"; start-info="application/soap+xml"`;
  return { body: Buffer.concat([Buffer.from(head), ATTACHMENT, Buffer.from(tail)]), contentType };
}

const builder = new XMLBuilder(BUILDER_OPTIONS);
const encoder = new TextEncoder();

async function writerXml() {
  const w = await createXmlWriter();
  writeEnvelope(w, data);
  return w.end();
}

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

/** What must be equal between two MTOM messages: parts, their types, the XML with hrefs numbered, the attachment. */
function normalise({ body, contentType }) {
  const parts = splitMultipart(body, boundaryOf(contentType));
  check(parts.length === 2, 'two parts');
  const ids = [];
  const xml = new TextDecoder().decode(parts[0].body).replace(/href="cid:([^"]+)"/g, (_, id) => {
    ids.push(id);
    return `href="cid:#${ids.length}"`;
  });
  check(
    /start="<([^>]+)>"/.exec(contentType)[1] === parts[0].headers['content-id'].slice(1, -1),
    'start names the root part',
  );
  check(parts[1].headers['content-id'] === `<${ids[0]}>`, 'the xop:Include names the part');
  return {
    rootType: parts[0].headers['content-type'],
    rootEncoding: parts[0].headers['content-transfer-encoding'],
    xml,
    partType: parts[1].headers['content-type'],
    partEncoding: parts[1].headers['content-transfer-encoding'],
    attachment: parts[1].body,
  };
}
const ours = normalise(await writerPushBytes());
const viaWriteBytes = normalise(await writerWriteBytes());
const theirs = normalise(templateMessage());
for (const [name, x] of [
  ['pushBytes', ours],
  ['writeBytes', viaWriteBytes],
]) {
  for (const key of ['rootType', 'rootEncoding', 'xml', 'partType', 'partEncoding']) {
    check(x[key] === theirs[key], `${name}: ${key} differs:\n${x[key]}\n${theirs[key]}`);
  }
  check(bytesEqual(x.attachment, ATTACHMENT) && bytesEqual(theirs.attachment, ATTACHMENT), `${name}: attachment bytes`);
}
const mtomXmlBytes = Buffer.byteLength(ours.xml);
const messageBytes = (await writerPushBytes()).body.length;

const xmlOurs = Buffer.from(await writerXml()).toString('utf8');
const xmlBuilt = builder.build(builderObject(data));
check(xmlOurs === xmlBuilt, 'writer and XMLBuilder give byte-identical XML');
check(xmlOurs === templateEnvelope(data), 'template gives the same XML');
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
      name: 'template strings + Buffer.concat',
      run: (n) => {
        for (let i = 0; i < n; i++) keep += templateMessage().body.length;
      },
    },
  ],
  { seconds: SECONDS, rounds: ROUNDS },
);
const mtomRatio = ratio(mtom[0], mtom[2]);
console.log('(b) 2 KB envelope + 100 KiB attachment, whole message as bytes:');
table(
  mtom.map((r) => ({
    builder: r.name,
    'msgs/s': fmt.int(r.rate),
    'µs/msg': (1e6 / r.rate).toFixed(1),
    'vs template': fmt.x(ratio(r, mtom[2])),
    target: r === mtom[0] ? `≥ ${TARGET}×: ${verdict(mtomRatio, TARGET)}` : '',
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
    { name: 'XMLBuilder.build(object) → string', run: loopSync(() => builder.build(builderObject(data))) },
    {
      name: 'XMLBuilder.build(object) → TextEncoder bytes',
      run: loopSync(() => encoder.encode(builder.build(builderObject(data)))),
    },
    { name: 'template string → TextEncoder bytes', run: loopSync(() => encoder.encode(templateEnvelope(data))) },
  ],
  { seconds: SECONDS, rounds: ROUNDS },
);
const xmlRatio = ratio(xml[0], xml[1]);
console.log('the ~2 KB envelope alone:');
table(
  xml.map((r) => ({
    builder: r.name,
    'msgs/s': fmt.int(r.rate),
    'µs/msg': (1e6 / r.rate).toFixed(2),
    'vs XMLBuilder (string)': fmt.x(ratio(r, xml[1])),
    target: r === xml[0] ? `≥ ${TARGET}×: ${verdict(xmlRatio, TARGET)}` : '',
  })),
);

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
  usXmlBuilder: 1e6 / xml[1].rate,
  usPerMtomMessage: usMtom,
  usTemplateMtom: 1e6 / mtom[2].rate,
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
  mtom: mtom.map((r) => ({ name: r.name, msgsPerSec: r.rate, rounds: r.rounds, vsTemplate: ratio(r, mtom[2]) })),
  mtomTarget: { writerVsTemplate: TARGET, value: mtomRatio, pass: mtomRatio >= TARGET },
  xml: xml.map((r) => ({ name: r.name, msgsPerSec: r.rate, rounds: r.rounds, vsXmlBuilder: ratio(r, xml[1]) })),
  xmlTarget: { writerVsXmlBuilder: TARGET, value: xmlRatio, pass: xmlRatio >= TARGET },
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
