// Buffered output (no output callback) of messages larger than the ring: end() returns exactly the
// bytes an output callback receives, whether the length was known before the parts (gathered
// straight into the returned array) or not (gathered as copies).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createXmlWriter } from '../../src/index.js';
import type { XmlWriter, XmlWriterOptions } from '../../src/index.js';
import { collectingOutput, randomBytes } from './mtom-reader.js';

const RING = { ringSize: 16 * 1024, scratchSize: 4096 };
const FIXED: XmlWriterOptions = { ...RING, encoding: { type: 'mtom', boundary: 'uuid:buf', startUri: 'root@buf' } };

type Write = (w: XmlWriter) => void;

async function bothWays(options: XmlWriterOptions, write: Write): Promise<[Uint8Array, Uint8Array]> {
  const buffered = await createXmlWriter(options);
  write(buffered);
  const message = (await buffered.end()) as Uint8Array;
  const { output, bytes } = collectingOutput();
  const streamed = await createXmlWriter({ ...options, output });
  write(streamed);
  await streamed.end();
  return [message, bytes()];
}

const cases: [string, Write][] = [
  [
    'writeBytes parts (length known at end())',
    (w) => {
      w.writeStartElement('', 'r', 'urn:b');
      for (let i = 0; i < 6; i++) {
        w.writeStartElement('', 'v', 'urn:b');
        w.writeBytes(randomBytes(9000 + i, i));
        w.writeEndElement();
      }
    },
  ],
  [
    'pushBytes with declared sizes (length known at end())',
    (w) => {
      w.writeStartElement('', 'r', 'urn:b');
      w.writeStartElement('', 'v', 'urn:b');
      const data = randomBytes(100_000, 9);
      void w.pushBytes((sink) => sink.write(data), { size: data.length });
    },
  ],
  [
    'pushBytes without a size (length unknown)',
    (w) => {
      w.writeStartElement('', 'r', 'urn:b');
      w.writeStartElement('', 'v', 'urn:b');
      const data = randomBytes(70_000, 10);
      void w.pushBytes((sink) => sink.write(data));
    },
  ],
  [
    'a root part larger than the ring, then a part of known size',
    (w) => {
      w.writeStartElement('', 'r', 'urn:b');
      for (let i = 0; i < 2000; i++) {
        w.writeStartElement('', 't', 'urn:b');
        w.writeChars(`text ${i} & more`);
        w.writeEndElement();
      }
      w.writeStartElement('', 'v', 'urn:b');
      w.writeBytes(randomBytes(30_000, 11));
    },
  ],
];

for (const [name, write] of cases) {
  test(`buffered equals streamed: ${name}`, async () => {
    const [buffered, streamed] = await bothWays(FIXED, write);
    assert.ok(buffered.length > RING.ringSize, 'larger than the ring');
    assert.equal(buffered.length, streamed.length);
    assert.deepEqual(Buffer.from(buffered), Buffer.from(streamed));
    assert.equal(buffered.byteOffset, 0);
    assert.equal(buffered.buffer.byteLength, buffered.length, 'an array of its own, exactly the message');
  });
}

test('small buffered messages stay as they were while later ones are made, each a plain Uint8Array', async () => {
  // In Node a small message may share its ArrayBuffer with others (Buffer's pool); its bytes are its own.
  const kept: [Uint8Array, string][] = [];
  for (let i = 0; i < 300; i++) {
    const w = await createXmlWriter();
    w.writeStartElement('', 'm', 'urn:b');
    w.writeChars(`message ${i} ${'x'.repeat(i % 97)}`);
    w.writeEndElement();
    const bytes = (await w.end()) as Uint8Array;
    assert.equal(Object.getPrototypeOf(bytes), Uint8Array.prototype, 'not a Buffer: slice() copies as everywhere');
    kept.push([bytes, `<m xmlns="urn:b">message ${i} ${'x'.repeat(i % 97)}</m>`]);
  }
  for (const [bytes, expected] of kept) assert.equal(new TextDecoder().decode(bytes), expected);
});
