// node-soap's MTOM response parsing against the reader, on a 10 MiB MTOM response (SOAP 1.1, one
// 10 MiB part, written by this library's writer).
//
// node-soap (npm `soap`) parses an MTOM reply in HttpClient#handleResponse: the whole body is
// buffered by axios, then `parseMTOMResp(body, boundary, callback)` (lib/utils.js, built on
// formidable's MultipartParser) splits it into parts, and the first part's body becomes the XML
// string node-soap parses. That function is what is timed here, plus the root's toString, on
// the same buffered body. Compared:
//   - the reader, streaming: every node of the root part, the part read with readBytes into
//     Buffers (the same result as node-soap's: the XML's content and the part's bytes);
//   - readMessage: the XML with the part inlined as base64, plus the part (more work than
//     node-soap does: it also builds the base64).
// Memory: one child process per case reads a 10 MiB and a 100 MiB reply from a stream. node-soap
// must buffer the body first (as axios does); the reader reads the stream and hands the part to a
// sink that keeps nothing. Peak RSS above an idle process shows what grows with the message.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { compare, KiB, MiB, pseudoRandomBytes, ratio, verdict } from './lib/harness.mjs';
import {
  QUICK,
  ROUNDS,
  RssSampler,
  SECONDS,
  argValue,
  check,
  fmt,
  header,
  reportIdleRss,
  table,
  writeResults,
} from './lib/report.mjs';

const SOAP11 = 'http://schemas.xmlsoap.org/soap/envelope/';
const SIZE = 10 * MiB;
const TARGET = 10;
const CHUNK = 64 * KiB;

/** A reply with one part of `size` pseudo-random bytes: { body, contentType, boundary, attachment }. */
async function reply(size) {
  const { createXmlWriter } = await import('../dist/index.js');
  const attachment = pseudoRandomBytes(size, 0x50a9);
  const writer = await createXmlWriter({ encoding: { type: 'mtom', startInfo: 'text/xml' } });
  writer.writeStartElement('soap', 'Envelope', SOAP11);
  writer.writeStartElement('soap', 'Body', SOAP11);
  writer.writeStartElement('m', 'GetDocumentResponse', 'urn:example:documents');
  writer.writeStartElement('m', 'Name', 'urn:example:documents');
  writer.writeChars('report.bin');
  writer.writeEndElement();
  writer.writeStartElement('m', 'Content', 'urn:example:documents');
  writer.pushBytes((sink) => sink.write(attachment), { contentType: 'application/octet-stream' });
  writer.writeEndElement();
  writer.writeEndElement();
  writer.writeEndElement();
  writer.writeEndElement();
  const body = Buffer.from(await writer.end());
  const boundary = /boundary="([^"]+)"/.exec(writer.contentType)[1];
  return { body, contentType: writer.contentType, boundary, attachment };
}

/** node-soap's own parser, called as HttpClient#handleResponse calls it. */
async function nodeSoapParse(parseMTOMResp, body, boundary) {
  const parsed = await new Promise((resolve, reject) =>
    parseMTOMResp(body, boundary, (error, result) => (error ? reject(error) : resolve(result))),
  );
  const root = parsed.parts.shift();
  return { xml: root.body.toString('utf8'), parts: parsed.parts.map((p) => p.body) };
}

/** The reader: every node, each part read into Buffers (kept, or only counted). */
async function readerParse(createXmlReader, input, contentType, keep = true) {
  const reader = await createXmlReader({ input, encoding: { type: 'mtom', contentType } });
  const view = new Uint8Array(CHUNK);
  const parts = [];
  let nodes = 0;
  let bytes = 0;
  for await (const node of reader) {
    nodes++;
    if (node.type !== 'bytes') continue;
    const chunks = [];
    for (;;) {
      const n = await reader.readBytes(view);
      if (n === 0) break;
      bytes += n;
      if (keep) chunks.push(Buffer.from(view.subarray(0, n)));
    }
    if (keep) parts.push(Buffer.concat(chunks));
  }
  return { nodes, parts, bytes };
}

// ---- child mode: peak RSS reading a reply of --bytes from a stream ----
if (argValue('rss')) {
  const mode = argValue('rss');
  const { parseMTOMResp } = await import('soap/lib/utils.js');
  const { createXmlReader } = await import('../dist/reader/index.js');
  await import('../dist/xml-parser.js');
  if (mode === 'idle') await reportIdleRss();
  const size = Number(argValue('bytes'));
  const { body, contentType, boundary } = await reply(size);
  // The reply arrives as fresh 64 KiB chunks, as from a socket; the generated body is dropped.
  const source = async function* (tick) {
    for (let at = 0; at < body.length; at += CHUNK) {
      tick(at);
      yield Uint8Array.prototype.slice.call(body, at, at + CHUNK);
    }
  };
  const total = body.length;
  const sampler = new RssSampler();
  const before = sampler.sample(0);
  let next = 0;
  const tick = (at) => {
    if (at >= next) {
      sampler.sample(at);
      next += MiB;
    }
  };
  let size_ = 0;
  if (mode === 'node-soap') {
    const chunks = [];
    for await (const c of source(tick)) chunks.push(c); // what axios does with responseType arraybuffer
    const parsed = await nodeSoapParse(parseMTOMResp, Buffer.concat(chunks), boundary);
    sampler.sample(total);
    size_ = parsed.parts[0].length;
  } else {
    size_ = (await readerParse(createXmlReader, source(tick), contentType, false)).bytes;
  }
  sampler.sample(total);
  console.log(JSON.stringify({ before, peak: sampler.peak, size: size_ }));
  process.exit(0);
}

// ---- main ----
const env = header('reader-soap: parsing a 10 MiB MTOM reply, node-soap (npm soap) vs the reader (replies per second)');
const { parseMTOMResp } = await import('soap/lib/utils.js');
const { createXmlReader, readMessage } = await import('../dist/reader/index.js');
const { body, contentType, boundary, attachment } = await reply(SIZE);

// Verify before timing: both give the part byte for byte and the same root XML content.
{
  const soap = await nodeSoapParse(parseMTOMResp, body, boundary);
  check(soap.parts.length === 1 && Buffer.compare(soap.parts[0], attachment) === 0, 'node-soap reads the part');
  check(soap.xml.includes('<xop:Include'), 'node-soap leaves the xop:Include in the XML');
  const ours = await readerParse(createXmlReader, body, contentType);
  check(ours.parts.length === 1 && Buffer.compare(ours.parts[0], attachment) === 0, 'the reader reads the part');
  const message = await readMessage(body, { contentType });
  check(Buffer.compare(message.parts[0].bytes, attachment) === 0, 'readMessage reads the part');
  check(
    message.xml.includes(`<m:Content>${Buffer.from(attachment).toString('base64')}</m:Content>`),
    'readMessage inlines the base64',
  );
}

let keep = 0;
const alts = [
  {
    name: 'mtom-stream reader (nodes + part bytes)',
    unitsPerOp: 1,
    run: async (n) => {
      for (let i = 0; i < n; i++) keep += (await readerParse(createXmlReader, body, contentType)).nodes;
    },
  },
  {
    name: 'mtom-stream readMessage (XML with base64 + part)',
    unitsPerOp: 1,
    run: async (n) => {
      for (let i = 0; i < n; i++) keep += (await readMessage(body, { contentType })).xml.length;
    },
  },
  {
    name: 'node-soap parseMTOMResp + root toString',
    unitsPerOp: 1,
    run: async (n) => {
      for (let i = 0; i < n; i++) keep += (await nodeSoapParse(parseMTOMResp, body, boundary)).xml.length;
    },
  },
];
const res = await compare(alts, { seconds: SECONDS * 2, rounds: ROUNDS });
const soap = res[2];
const value = ratio(res[0], soap);
table(
  res.map((r) => ({
    alternative: r.name,
    'replies/s': r.rate.toFixed(1),
    'MB/s': fmt.mbs(r.rate * body.length),
    'vs node-soap': fmt.x(ratio(r, soap)),
    target: r === res[0] ? `≥ ${TARGET}×: ${verdict(value, TARGET)}` : '',
  })),
);

// Memory, one child per case and size.
const self = fileURLToPath(import.meta.url);
const child = (...args) =>
  JSON.parse(
    execFileSync(process.execPath, [self, ...args], { encoding: 'utf8', maxBuffer: 1 << 24 })
      .trim()
      .split('\n')
      .pop(),
  );
const idle = [child('--rss=idle').rss, child('--rss=idle').rss, child('--rss=idle').rss].sort((a, b) => a - b)[1];
const sizes = QUICK ? [SIZE, 50 * MiB] : [SIZE, 100 * MiB];
const memory = [];
for (const mode of ['reader', 'node-soap']) {
  for (const size of sizes) {
    const r = child(`--rss=${mode}`, `--bytes=${size}`);
    check(r.size === size, `${mode} read ${size} bytes`);
    memory.push({ mode, size, peakAboveIdleMiB: (r.peak - idle) / MiB, beforeAboveIdleMiB: (r.before - idle) / MiB });
  }
}
console.log(
  `peak RSS reading the reply from a stream of fresh 64 KiB chunks, minus an idle process (${fmt.mib(idle)} MiB); "before" holds the generated reply itself`,
);
table(
  memory.map((m) => ({
    case: m.mode,
    reply: `${m.size / MiB} MiB`,
    'before − idle MiB': m.beforeAboveIdleMiB.toFixed(1),
    'peak − idle MiB': m.peakAboveIdleMiB.toFixed(1),
    'growth while reading MiB': (m.peakAboveIdleMiB - m.beforeAboveIdleMiB).toFixed(1),
  })),
);
if (keep === 0.5) console.log(keep);
writeResults('reader-soap', {
  note: 'node-soap = npm soap lib/utils.js parseMTOMResp (formidable MultipartParser) on the buffered body, plus the root part toString; ratio = median of per-round ratios',
  env,
  replyBytes: body.length,
  alternatives: res.map((r) => ({ name: r.name, perSecond: r.rate, rounds: r.rounds })),
  target: { readerVsNodeSoap: value, goal: TARGET, pass: value >= TARGET },
  memory,
});
