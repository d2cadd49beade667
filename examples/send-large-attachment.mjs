// The main job: writes a SOAP 1.2 envelope carrying a 64 MiB attachment, produced in place in
// the writer's ring through pushBytes (reserve/commit), and one small inline binary value, to a
// file as an MTOM message. Prints the Content-Type, the sizes and the throughput.
//
//   npm start                      (builds, then runs this with the defaults)
//   node examples/send-large-attachment.mjs [MiB] [output file]
import { closeSync, mkdirSync, openSync, statSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createXmlWriter } from '../dist/index.js';

const SOAP = 'http://www.w3.org/2003/05/soap-envelope';
const XMIME = 'http://www.w3.org/2005/05/xmlmime';
const mebibytes = Number(process.argv[2] ?? 64);
const file = resolve(process.argv[3] ?? 'out/large-attachment.mtom');
const attachmentSize = mebibytes * 1024 * 1024;

// Sample data: a 1 MiB pseudo-random pattern (xorshift32) the producer lays into the ring.
const pattern = new Uint8Array(1 << 20);
for (let i = 0, x = 2463534242; i < pattern.length; i++) {
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  pattern[i] = x & 0xff;
}

mkdirSync(dirname(file), { recursive: true });
const fd = openSync(file, 'w');
const writer = await createXmlWriter({
  encoding: { type: 'mtom', startInfo: 'application/soap+xml', action: 'urn:example:upload' },
  ringSize: 1 << 20,
  // WS_WRITE_CALLBACK: the views are valid until this returns; a synchronous write consumes them.
  output: (buffers) => {
    for (const view of buffers) writeSync(fd, view);
  },
});

const started = performance.now();
writer.writeStartElement('s', 'Envelope', SOAP);
writer.writeStartElement('s', 'Body', SOAP);
writer.writeStartElement('m', 'UploadReport', 'urn:example:reports');
writer.writeStartElement('m', 'Title', 'urn:example:reports');
writer.writeChars('Quarterly sensor dump — Q3 & Q4');
writer.writeEndElement();
writer.writeStartElement('m', 'Checksum', 'urn:example:reports');
writer.writeBytes(new Uint8Array([0xde, 0xad, 0xbe, 0xef, 0x00, 0x2a])); // small: inline base64
writer.writeEndElement();
writer.writeStartElement('m', 'Data', 'urn:example:reports');
writer.writeAttribute('xmime', 'contentType', XMIME, 'application/octet-stream');
// With MTOM the xop:Include is written now and the producer runs when end() emits its part;
// awaiting is what runs a producer that returns a promise with the text encoding.
await writer.pushBytes(
  async (sink) => {
    // WsPushBytes: fill ring windows in place; nothing is copied on the way to the output.
    for (let written = 0; written < attachmentSize; ) {
      const view = await sink.reserve(Math.min(attachmentSize - written, 256 * 1024));
      for (let at = 0; at < view.length; ) {
        const from = (written + at) % pattern.length;
        const n = Math.min(view.length - at, pattern.length - from);
        view.set(pattern.subarray(from, from + n), at);
        at += n;
      }
      await sink.commit(view.length);
      written += view.length;
    }
  },
  { size: attachmentSize },
);
writer.writeEndElement();
writer.writeEndElement();
writer.writeEndElement();
writer.writeEndElement();

const expected = writer.expectedLength();
await writer.end();
closeSync(fd);
const seconds = (performance.now() - started) / 1000;
const fileSize = statSync(file).size;
if (fileSize !== expected) throw new Error(`wrote ${fileSize} bytes, expected ${expected}`);

const mib = (n) => `${(n / 1048576).toFixed(1)} MiB`;
console.log(`Content-Type: ${writer.contentType}`);
console.log(`message:    ${file}`);
console.log(`size:       ${fileSize} bytes (${mib(fileSize)}), as predicted before the first part byte`);
console.log(`attachment: ${attachmentSize} bytes (${mib(attachmentSize)}) in one MIME part`);
console.log(`core:       ${writer.simd ? 'wasm SIMD' : 'wasm scalar'}`);
console.log(`time:       ${seconds.toFixed(3)} s, ${(fileSize / 1e6 / seconds).toFixed(0)} MB/s to the file`);
