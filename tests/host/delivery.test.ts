// The same message for every way of delivering the bytes: producers (one write, many small
// writes, reserve/commit, pull; sync and async) × outputs (buffered, sync and async callbacks) ×
// rings (tiny and large).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { createXmlWriter } from '../../src/index.js';
import type { BytesSink, OutputCallback, XmlWriter } from '../../src/index.js';
import { randomBytes } from './mtom-reader.js';

// With maxInlineByteCount 0, writeBytes content becomes a part as pushBytes and pullBytes do
// (zero-byte content would stay inline; zero-byte parts are covered in fixtures.test.ts).
const ATTACHMENTS = [randomBytes(300_000, 7), randomBytes(1, 8), randomBytes(70_001, 10)];

type Producer = (writer: XmlWriter, bytes: Uint8Array) => void | Promise<void>;

const producers: Record<string, Producer> = {
  'writeBytes, one call': (w, b) => w.writeBytes(b),
  'pushBytes, one write': (w, b) => w.pushBytes((sink) => sink.write(b)),
  'pushBytes, many small writes (sync)': (w, b) =>
    w.pushBytes((sink) => {
      for (let at = 0, n = 1; at < b.length; at += n, n = (n * 7) % 1013 || 1) sink.write(b.subarray(at, at + n));
    }),
  'pushBytes, awaited writes of buffer lists': (w, b) =>
    w.pushBytes(async (sink) => {
      for (let at = 0; at < b.length; at += 9000)
        await sink.write([b.subarray(at, at + 4000), b.subarray(at + 4000, at + 9000)]);
    }),
  'pushBytes, reserve/commit (sync fill)': (w, b) =>
    w.pushBytes(async (sink: BytesSink) => {
      for (let at = 0; at < b.length; ) {
        const view = await sink.reserve(b.length - at);
        const n = Math.min(view.length, 5003);
        view.set(b.subarray(at, at + n));
        await sink.commit(n);
        at += n;
      }
    }),
  'pullBytes, sync': (w, b) => {
    let at = 0;
    return w.pullBytes(
      (view) => {
        const n = Math.min(view.length, b.length - at, 3001);
        view.set(b.subarray(at, at + n));
        at += n;
        return n;
      },
      { chunkSize: 8192 },
    );
  },
  'pullBytes, async': (w, b) => {
    let at = 0;
    return w.pullBytes(async (view) => {
      await tick();
      const n = Math.min(view.length, b.length - at);
      view.set(b.subarray(at, at + n));
      at += n;
      return n;
    });
  },
};

type Output = { output?: OutputCallback; result: () => Uint8Array };

const outputs: Record<string, () => Output> = {
  buffered: () => ({ result: () => new Uint8Array() }),
  'sync callback': () => {
    const chunks: Uint8Array[] = [];
    return {
      output: (views) => {
        for (const v of views) chunks.push(v.slice());
      },
      result: () => Buffer.concat(chunks),
    };
  },
  'async callback that reads the views late': () => {
    const chunks: Uint8Array[] = [];
    return {
      output: async (views) => {
        await tick();
        // The views must still hold their bytes: the ring reuses them only after this settles.
        for (const v of views) chunks.push(v.slice());
      },
      result: () => Buffer.concat(chunks),
    };
  },
};

async function writeMessage(
  encoding: 'text' | 'mtom',
  produce: Producer,
  out: Output,
  ringSize: number,
): Promise<Uint8Array> {
  const writer = await createXmlWriter({
    encoding:
      encoding === 'mtom'
        ? { type: 'mtom', boundary: 'uuid:delivery', startUri: 'root@delivery', maxInlineByteCount: 0 }
        : { type: 'text' },
    output: out.output,
    ringSize,
    maxMimePartsBufferSize: 1 << 20,
  });
  writer.writeStartElement('s', 'Envelope', 'http://www.w3.org/2003/05/soap-envelope');
  writer.writeStartElement('s', 'Body', 'http://www.w3.org/2003/05/soap-envelope');
  for (const bytes of ATTACHMENTS) {
    writer.writeStartElement(undefined, 'item', 'urn:delivery');
    writer.writeChars('label & more');
    writer.writeEndElement();
    writer.writeStartElement(undefined, 'data', 'urn:delivery');
    await produce(writer, bytes);
    writer.writeEndElement();
    if (out.output) await writer.flush();
  }
  writer.writeEndElement();
  writer.writeEndElement();
  const message = await writer.end();
  return message ?? out.result();
}

/**
 * Synchronous producers cannot wait for an asynchronous output: when the ring fills they fail
 * with a clear error instead (tested in errors.test.ts), so they are paired with sync outputs.
 */
const SYNC_ONLY = new Set(['pushBytes, many small writes (sync)']);
const syncOnly = (encoding: string, producer: string) =>
  SYNC_ONLY.has(producer) || (encoding === 'text' && producer === 'writeBytes, one call');

for (const encoding of ['text', 'mtom'] as const) {
  test(`${encoding}: every producer, output and ring size gives the same message`, async (t) => {
    const reference = await writeMessage(encoding, producers['writeBytes, one call'], outputs.buffered(), 1 << 20);
    assert.ok(reference.length > 370_000);
    for (const [producerName, produce] of Object.entries(producers)) {
      for (const [outputName, makeOutput] of Object.entries(outputs)) {
        if (outputName.startsWith('async') && syncOnly(encoding, producerName)) continue;
        for (const ringSize of [4096, 65536, 1 << 20]) {
          await t.test(`${producerName} → ${outputName}, ring ${ringSize}`, async () => {
            const message = await writeMessage(encoding, produce, makeOutput(), ringSize);
            assert.equal(message.length, reference.length);
            assert.ok(Buffer.from(message).equals(reference), 'bytes differ');
          });
        }
      }
    }
  });
}
