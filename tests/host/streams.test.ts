import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, test } from 'node:test';
import { createXmlWriter, type XmlWriter, type XmlWriterOptions } from '../../src/index.js';
import { createXmlWriterReadable } from '../../src/node.js';
import { createXmlWriterStream, type TransferProgress } from '../../src/streams.js';
import { randomBytes as pattern } from './mtom-reader.js';

const BOUNDARY = 'MIME_boundary-streams.test';
const MTOM = { type: 'mtom', boundary: BOUNDARY, startUri: 'root.streams@test' } as const;
const CLOSE = `\r\n--${BOUNDARY}--\r\n`;
const RING = 16 * 1024;

/** A SOAP-like document with one large pushBytes attachment and one small writeBytes value. */
async function writeDocument(writer: XmlWriter, attachment: Uint8Array, declareSize = true): Promise<void> {
  const ns = 'urn:streams-test';
  writer.writeStartElement('s', 'Envelope', 'http://www.w3.org/2003/05/soap-envelope');
  writer.writeStartElement('s', 'Body', 'http://www.w3.org/2003/05/soap-envelope');
  writer.writeStartElement(undefined, 'upload', ns);
  writer.writeStartElement(undefined, 'name', ns);
  writer.writeChars('report <2024> & "more"');
  writer.writeEndElement();
  writer.writeStartElement(undefined, 'small', ns);
  writer.writeBytes(pattern(100, 9));
  writer.writeEndElement();
  writer.writeStartElement(undefined, 'data', ns);
  // MTOM defers the callback to end(); the text encoding runs it now.
  await writer.pushBytes(
    async (sink) => {
      for (let at = 0; at < attachment.length; at += 10_000) await sink.write(attachment.subarray(at, at + 10_000));
    },
    declareSize ? { size: attachment.length } : {},
  );
  writer.writeEndElement();
  writer.writeEndElement();
  writer.writeEndElement();
  writer.writeEndElement();
}

/** The message as `end()` returns it with buffered output (WS_XML_WRITER_BUFFER_OUTPUT). */
async function buffered(options: XmlWriterOptions, attachment: Uint8Array): Promise<Uint8Array> {
  const writer = await createXmlWriter(options);
  const writing = writeDocument(writer, attachment);
  await writing;
  return (await writer.end())!;
}

/** Part Content-IDs carry a per-writer random nonce: the same length is kept, so only it differs. */
function normalize(bytes: Uint8Array): string {
  return Buffer.from(bytes)
    .toString('latin1')
    .replace(/\.[0-9a-f]{16}@mtom-stream/g, '.NONCE-NONCE-NONC@mtom-stream');
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(chunks));
}

async function readDefault(
  readable: ReadableStream<Uint8Array>,
  onChunk?: (chunk: Uint8Array) => void,
): Promise<Uint8Array> {
  const reader = readable.getReader();
  const chunks: Uint8Array[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return concat(chunks);
    onChunk?.(value);
    chunks.push(value);
  }
}

async function readByob(
  readable: ReadableStream<Uint8Array>,
  sizes: readonly number[],
  onChunk?: (chunk: Uint8Array) => void,
): Promise<Uint8Array> {
  const reader = readable.getReader({ mode: 'byob' });
  const chunks: Uint8Array[] = [];
  for (let i = 0; ; i++) {
    const { done, value } = await reader.read(new Uint8Array(sizes[i % sizes.length]));
    if (done) return concat(chunks);
    assert.ok(value.length > 0 && value.length <= sizes[i % sizes.length]);
    onChunk?.(value);
    chunks.push(value);
  }
}

/** Lets every pending callback, promise job and I/O turn run, a fixed number of event-loop turns. */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe('createXmlWriterStream', () => {
  const attachment = pattern(300_000);

  test('a BYOB reader gets exactly the bytes end() returns with buffered output', async () => {
    const expected = await buffered({ encoding: MTOM }, attachment);
    for (const sizes of [[1], [777, 4096, 13], [RING * 4]]) {
      const limit = sizes[0] === 1 ? 5000 : attachment.length;
      const data = attachment.subarray(0, limit);
      const want = sizes[0] === 1 ? await buffered({ encoding: MTOM }, data) : expected;
      const { writer, readable } = await createXmlWriterStream({ encoding: MTOM, ringSize: RING });
      await writeDocument(writer, data);
      const [bytes] = await Promise.all([readByob(readable, sizes), writer.end()]);
      assert.equal(bytes.length, want.length);
      assert.equal(normalize(bytes), normalize(want));
      assert.ok(normalize(bytes).endsWith(CLOSE));
    }
  });

  test('a default reader gets copies it may keep, equal to the buffered output', async () => {
    const expected = await buffered({ encoding: MTOM }, attachment);
    const { writer, readable } = await createXmlWriterStream({ encoding: MTOM, ringSize: RING });
    await writeDocument(writer, attachment);
    const kept: Uint8Array[] = [];
    const [bytes] = await Promise.all([readDefault(readable, (c) => kept.push(c)), writer.end()]);
    assert.ok(kept.length > attachment.length / RING, 'the ring was reused many times');
    // Had the chunks been views into the ring, later output would have overwritten them.
    assert.ok(kept.every((c) => c.byteOffset === 0 && c.buffer.byteLength === c.byteLength && c.byteLength <= RING));
    assert.equal(normalize(bytes), normalize(expected));
  });

  test('the text encoding streams byte-identically to buffered output', async () => {
    const options = { encoding: { type: 'text' } } as const;
    const expected = await buffered(options, attachment);
    const { writer, readable } = await createXmlWriterStream({ ...options, ringSize: RING });
    // With the text encoding pushBytes runs at once: write the document while reading.
    const reading = readByob(readable, [5000]);
    const writing = writeDocument(writer, attachment).then(() => writer.end());
    const [bytes] = await Promise.all([reading, writing]);
    assert.deepEqual(Buffer.from(bytes), Buffer.from(expected));
  });

  test('a reader that never reads holds the writer: end() waits and nothing beyond the ring is produced', async () => {
    const progress: TransferProgress[] = [];
    const { writer, readable } = await createXmlWriterStream({
      encoding: MTOM,
      ringSize: RING,
      onTransferProgress: (p) => progress.push(p),
    });
    await writeDocument(writer, pattern(1 << 20));
    const reader = readable.getReader();
    let outcome: unknown = 'pending';
    const ending = writer.end().then(
      () => (outcome = 'resolved'),
      (error: unknown) => (outcome = error),
    );
    await turns(50);
    assert.equal(outcome, 'pending');
    assert.equal(progress.length, 0);
    assert.equal(writer.bytesFlushed, 0);
    assert.ok(writer.bytesWritten <= RING, `${writer.bytesWritten} bytes written into a ${RING}-byte ring`);

    // One read lets the writer go on by at most one ring.
    const first = await reader.read();
    assert.ok(first.value && first.value.length <= RING);
    await turns(50);
    assert.equal(outcome, 'pending');
    assert.ok(writer.bytesWritten <= first.value.length + RING);

    // Cancelling the stream aborts the writer: end() rejects with WS_E_OPERATION_ABORTED.
    const why = new Error('consumer left');
    await reader.cancel(why);
    await ending;
    assert.equal((outcome as { code?: string }).code, 'WS_E_OPERATION_ABORTED');
    assert.equal((outcome as unknown as Error).cause, why);
    assert.ok(writer.isFaulted);
    assert.equal(writer.signal.reason, outcome);
  });

  test('a slow reader bounds the writer: never more than one ring ahead of what was read', async () => {
    const { writer, readable } = await createXmlWriterStream({ encoding: MTOM, ringSize: RING });
    await writeDocument(writer, pattern(1 << 20, 3));
    let received = 0;
    let checks = 0;
    const reading = (async () => {
      const reader = readable.getReader();
      const chunks: Uint8Array[] = [];
      for (;;) {
        // Slow: the writer gets event-loop turns to run ahead, if it could.
        await turns(2);
        const { done, value } = await reader.read();
        if (done) return concat(chunks);
        chunks.push(value);
        received += value.length;
        checks++;
        assert.ok(writer.bytesWritten <= received + RING, `${writer.bytesWritten} written, ${received} read`);
      }
    })();
    const [bytes] = await Promise.all([reading, writer.end()]);
    assert.ok(checks > 60);
    assert.equal(bytes.length, writer.bytesWritten);
  });

  test('reports total progress, with the total known from the start when every part is sized', async () => {
    const progress: TransferProgress[] = [];
    const { writer, readable } = await createXmlWriterStream({
      encoding: MTOM,
      ringSize: RING,
      onTransferProgress: (p) => progress.push({ ...p }),
    });
    await writeDocument(writer, attachment);
    const expected = writer.expectedLength();
    assert.equal(typeof expected, 'number');
    const [bytes] = await Promise.all([readByob(readable, [10_000]), writer.end()]);
    assert.equal(bytes.length, expected);
    assert.ok(progress.length > 2);
    assert.ok(progress.every((p) => p.totalBytes === expected));
    assert.ok(progress.every((p, i) => i === 0 || p.bytesSent > progress[i - 1].bytesSent));
    assert.equal(progress.at(-1)!.bytesSent, expected);
  });

  test('progress has no total while a part of unknown size is still to come', async () => {
    const progress: TransferProgress[] = [];
    const { writer, readable } = await createXmlWriterStream({
      encoding: MTOM,
      ringSize: 4096,
      onTransferProgress: (p) => progress.push(p),
    });
    await writeDocument(writer, pattern(20_000), false);
    assert.equal(writer.expectedLength(), undefined);
    const [bytes] = await Promise.all([readDefault(readable), writer.end()]);
    assert.equal(progress.at(-1)!.bytesSent, bytes.length);
    assert.equal(progress[0].totalBytes, undefined);
    // Once the unsized part has gone out, the rest is known, and the total is exact.
    assert.ok(progress.every((p) => p.totalBytes === undefined || p.totalBytes === bytes.length));
  });

  test('a writer failure errors the stream with that failure, and no close delimiter is sent', async () => {
    const { writer, readable } = await createXmlWriterStream({ encoding: MTOM, ringSize: RING });
    writer.writeStartElement(undefined, 'a', 'urn:x');
    // Declares 100 000 bytes but writes 50 000: WS_E_INVALID_FORMAT.
    writer.pushBytes((sink) => sink.write(pattern(50_000)), { size: 100_000 });
    writer.writeEndElement();
    const chunks: Uint8Array[] = [];
    const reading = readDefault(readable, (c) => chunks.push(c));
    const ending = writer.end();
    await assert.rejects(ending, { code: 'WS_E_INVALID_FORMAT' });
    await assert.rejects(reading, (error) => error === writer.signal.reason);
    assert.ok(chunks.length > 0);
    assert.ok(!normalize(concat(chunks)).includes(`--${BOUNDARY}--`));
  });

  test('aborting through the signal option mid-stream errors the stream with WS_E_OPERATION_ABORTED', async () => {
    const controller = new AbortController();
    const { writer, readable } = await createXmlWriterStream({
      encoding: MTOM,
      ringSize: RING,
      signal: controller.signal,
      onTransferProgress: (p) => {
        if (p.bytesSent > 100_000) controller.abort(new Error('enough'));
      },
    });
    await writeDocument(writer, pattern(1 << 20));
    const chunks: Uint8Array[] = [];
    const reading = readByob(readable, [8192], (c) => chunks.push(c)).catch((error: unknown) => error);
    const ending = writer.end();
    await assert.rejects(ending, { code: 'WS_E_OPERATION_ABORTED' });
    const error = (await reading) as { code?: string };
    assert.equal(error.code, 'WS_E_OPERATION_ABORTED');
    assert.ok(writer.bytesFlushed < (1 << 20) / 2);
    assert.ok(concat(chunks).length > 50_000);
    assert.ok(!normalize(concat(chunks)).endsWith(CLOSE));
  });

  test('a synchronous write that overfills the ring fails the writer and errors the stream', async () => {
    const { writer, readable } = await createXmlWriterStream({ encoding: { type: 'text' }, ringSize: 4096 });
    const reading = readDefault(readable).catch((error: unknown) => error);
    writer.writeStartElement(undefined, 'a', 'urn:x');
    assert.throws(
      () => {
        for (let i = 0; i < 1000; i++) writer.writeChars('0123456789');
      },
      { code: 'WS_E_QUOTA_EXCEEDED' },
    );
    assert.equal(((await reading) as { code?: string }).code, 'WS_E_QUOTA_EXCEEDED');
    await assert.rejects(writer.end(), { code: 'WS_E_OBJECT_FAULTED' });
    // The test runner fails a test that leaves an unhandled rejection behind.
    await turns(5);
  });

  test('a cancel during the final delivery still rejects end()', async () => {
    const { writer, readable } = await createXmlWriterStream({ encoding: { type: 'text' } });
    writer.writeStartElement(undefined, 'a', 'urn:x');
    writer.writeChars('x'.repeat(1000));
    const reader = readable.getReader();
    const ending = writer.end();
    await turns(5);
    await reader.cancel(new Error('gone'));
    await assert.rejects(ending, { code: 'WS_E_OPERATION_ABORTED' });
  });
});

describe('createXmlWriterReadable (Node)', () => {
  test('works with stream.pipeline and gives the buffered output', async () => {
    const attachment = pattern(200_000, 5);
    const expected = await buffered({ encoding: MTOM }, attachment);
    const { writer, readable } = await createXmlWriterReadable({ encoding: MTOM, ringSize: RING });
    await writeDocument(writer, attachment);
    const chunks: Buffer[] = [];
    const sink = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk);
        setImmediate(callback);
      },
    });
    await Promise.all([pipeline(readable, sink), writer.end()]);
    assert.equal(normalize(Buffer.concat(chunks)), normalize(expected));
  });

  test('a destination that fails aborts the writer; the writer failing destroys the Readable', async () => {
    const { writer, readable } = await createXmlWriterReadable({ encoding: MTOM, ringSize: RING });
    await writeDocument(writer, pattern(1 << 20));
    let received = 0;
    const failing = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        received += chunk.length;
        callback(received > 50_000 ? new Error('disk full') : null);
      },
    });
    const piping = pipeline(readable, failing);
    await assert.rejects(writer.end(), { code: 'WS_E_OPERATION_ABORTED' });
    await assert.rejects(piping, /disk full/);
    assert.ok(readable.destroyed);

    const second = await createXmlWriterReadable({ encoding: MTOM });
    const errored = new Promise((resolve) => second.readable.once('error', resolve));
    second.writer.abort(new Error('stop'));
    assert.equal(((await errored) as { code?: string }).code, 'WS_E_OPERATION_ABORTED');
  });
});
