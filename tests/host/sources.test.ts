import { parseMultipart } from '@mjackson/multipart-parser';
import assert from 'node:assert/strict';
import { mkdtemp, open, rm, truncate, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { createXmlWriter, sourceSize, writeAttachment as writeUniversal, type XmlWriter } from '../../src/index.js';
import { nodeSourceSize, writeAttachment, type NodeAttachmentSource } from '../../src/node.js';
import { createXmlWriterStream } from '../../src/streams.js';
import { randomBytes as pattern } from './mtom-reader.js';
import { canListOpenFiles, isOpen } from './open-files.js';

const BOUNDARY = 'MIME_boundary-sources.test';
const MTOM = { type: 'mtom', boundary: BOUNDARY, startUri: 'root.sources@test' } as const;
const CLOSE = `\r\n--${BOUNDARY}--\r\n`;
const NS = 'urn:sources-test';

function chunksOf(bytes: Uint8Array<ArrayBuffer>, size: number): Uint8Array<ArrayBuffer>[] {
  const chunks: Uint8Array<ArrayBuffer>[] = [];
  for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.slice(at, at + size));
  return chunks;
}

interface Parsed {
  root: string;
  hrefs: string[];
  parts: { id: string; type: string | null; bytes: Uint8Array }[];
}

/** Parses with an MTOM-independent MIME parser; checks that each xop:Include names the next part. */
function parseMtom(message: Uint8Array): Parsed {
  const all = [...parseMultipart(message, { boundary: BOUNDARY, maxFileSize: 1 << 30 })];
  assert.ok(Buffer.from(message).toString('latin1').endsWith(CLOSE));
  const [root, ...parts] = all;
  assert.equal(root.headers.get('Content-ID'), '<root.sources@test>');
  const xml = new TextDecoder().decode(root.bytes);
  const hrefs = [
    ...xml.matchAll(/<xop:Include xmlns:xop="http:\/\/www\.w3\.org\/2004\/08\/xop\/include" href="cid:([^"]+)"\/>/g),
  ].map((m) => m[1]);
  const parsed = parts.map((p) => ({
    id: p.headers.get('Content-ID')!.replace(/^<|>$/g, ''),
    type: p.headers.get('Content-Type'),
    bytes: p.bytes,
  }));
  assert.deepEqual(
    parsed.map((p) => p.id),
    hrefs,
    'parts come in the order of their xop:Include elements',
  );
  return { root: xml, hrefs, parts: parsed };
}

/** One element per source, each written with writeAttachment; resolves with the buffered message. */
async function writeSources(
  writer: XmlWriter,
  sources: readonly NodeAttachmentSource[],
  options: { contentType?: string; size?: number }[] = [],
): Promise<void> {
  writer.writeStartElement(undefined, 'attachments', NS);
  for (const [i, source] of sources.entries()) {
    writer.writeStartElement(undefined, 'item', NS);
    await writeAttachment(writer, source, options[i]);
    writer.writeEndElement();
  }
  writer.writeEndElement();
}

async function* generate(chunks: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const chunk of chunks) {
    await Promise.resolve();
    yield chunk;
  }
}

function streamOf(chunks: readonly Uint8Array[], type?: 'bytes'): ReadableStream<Uint8Array> {
  let i = 0;
  if (type === 'bytes') {
    return new ReadableStream({
      type: 'bytes',
      pull(controller) {
        if (i < chunks.length) controller.enqueue(chunks[i++].slice());
        else controller.close();
      },
    }) as ReadableStream<Uint8Array>;
  }
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(chunks[i++]);
      else controller.close();
    },
  });
}

const noProc = !canListOpenFiles;

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mtom-stream-sources-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeAttachment: every source kind round trips', () => {
  test('through MTOM parts, with exact sizes declared where they are known', async () => {
    const data = Array.from({ length: 14 }, (_, i) => pattern(1000 + i * 7919, i + 1));
    const filePath = join(dir, 'roundtrip-path.bin');
    const urlPath = join(dir, 'roundtrip-url.bin');
    const handlePath = join(dir, 'roundtrip-handle.bin');
    await writeFile(filePath, data[10]);
    await writeFile(urlPath, data[11]);
    await writeFile(handlePath, data[12]);
    const handle = await open(handlePath, 'r');
    const backing = new Uint8Array(data[0].length + 10);
    backing.set(data[0], 3);
    const int16 = new Int16Array(data[2].buffer.slice(0, data[2].length & ~1));
    const sources: NodeAttachmentSource[] = [
      backing.subarray(3, 3 + data[0].length),
      data[1].slice().buffer,
      int16,
      new Blob([data[3]], { type: 'image/png' }),
      new File([data[4].subarray(0, 500), data[4].subarray(500)], 'report.pdf', { type: 'application/pdf' }),
      streamOf(chunksOf(data[5], 3000)),
      streamOf(chunksOf(data[6], 4096), 'bytes'),
      generate(chunksOf(data[7], 1000)),
      Readable.from(chunksOf(data[8], 1500).map((c) => Buffer.from(c))),
      new DataView(data[9].buffer, 5, 1000),
      { path: filePath },
      { path: pathToFileURL(urlPath) },
      handle,
      new Uint8Array(0),
    ];
    const expected = [
      data[0],
      data[1],
      data[2].subarray(0, data[2].length & ~1),
      data[3],
      data[4],
      data[5],
      data[6],
      data[7],
      data[8],
      data[9].subarray(5, 1005),
      data[10],
      data[11],
      data[12],
      new Uint8Array(0),
    ];
    try {
      const writer = await createXmlWriter({ encoding: MTOM, ringSize: 8192 });
      await writeSources(writer, sources);
      assert.equal(writer.expectedLength(), undefined, 'streams and iterables have no size');
      const message = (await writer.end())!;
      const { parts } = parseMtom(message);
      assert.equal(parts.length, expected.length);
      for (const [i, part] of parts.entries()) {
        assert.deepEqual(Buffer.from(part.bytes), Buffer.from(expected[i]), `source ${i}`);
      }
      assert.equal(parts[3].type, 'image/png', "a Blob's type is the part's Content-Type");
      assert.equal(parts[4].type, 'application/pdf');
      assert.equal(parts[0].type, 'application/octet-stream');
      // A FileHandle stays the caller's: still open.
      assert.equal((await handle.stat()).size, data[12].length);
    } finally {
      await handle.close();
    }
  });

  test('gives expectedLength() exactly when every source has a size', async () => {
    const filePath = join(dir, 'sized.bin');
    await writeFile(filePath, pattern(70_000, 4));
    const writer = await createXmlWriter({ encoding: MTOM, ringSize: 8192 });
    await writeSources(
      writer,
      [pattern(5000), new Blob([pattern(3000, 2)]), { path: filePath }, generate([pattern(100), pattern(23)])],
      [{ contentType: 'text/plain' }, {}, {}, { size: 123 }],
    );
    const expected = writer.expectedLength();
    assert.equal(typeof expected, 'number');
    const message = (await writer.end())!;
    assert.equal(message.length, expected);
    const { parts } = parseMtom(message);
    assert.equal(parts[0].type, 'text/plain');
    assert.equal(parts[3].bytes.length, 123);
  });

  test('inline as canonical base64 with the text encoding (differential against Buffer)', async () => {
    const data = pattern(100_000, 7);
    const writer = await createXmlWriter({ encoding: { type: 'text' }, ringSize: 8192 });
    const sink: Uint8Array[] = [];
    const output = await createXmlWriter({
      encoding: { type: 'text' },
      output: (views) => void sink.push(...views.map((v) => v.slice())),
    });
    for (const w of [writer, output]) {
      w.writeStartElement('', 'a', NS);
      for (const source of [
        new Blob([data]),
        streamOf(chunksOf(data, 777)),
        generate(chunksOf(data, 4096)),
        Readable.from([Buffer.from(data)]),
      ]) {
        w.writeStartElement('', 'b', NS);
        await writeAttachment(w, source);
        w.writeEndElement();
      }
      w.writeEndElement();
    }
    const message = new TextDecoder().decode((await writer.end())!);
    await output.end();
    const b64 = Buffer.from(data).toString('base64');
    // assert.ok, not assert.equal: a 500 KB diff helps no one.
    assert.ok(message === `<a xmlns="${NS}">${`<b>${b64}</b>`.repeat(4)}</a>`, message.slice(0, 200));
    assert.ok(new TextDecoder().decode(Buffer.concat(sink)) === message);
  });

  test('sourceSize and nodeSourceSize know buffers, Blobs and files, not streams', async () => {
    const filePath = join(dir, 'size.bin');
    await writeFile(filePath, pattern(4321));
    assert.equal(sourceSize(new Uint8Array(10)), 10);
    assert.equal(sourceSize(new ArrayBuffer(11)), 11);
    assert.equal(sourceSize(new Float64Array(3)), 24);
    assert.equal(sourceSize(new Blob(['abc'])), 3);
    assert.equal(sourceSize(streamOf([])), undefined);
    assert.equal(sourceSize(generate([])), undefined);
    assert.equal(await nodeSourceSize({ path: filePath }), 4321);
    assert.equal(await nodeSourceSize(Readable.from([])), undefined);
    assert.equal(await nodeSourceSize(new Uint8Array(5)), 5);
  });

  test('rejects what is not a source, and chunks that are not bytes', async () => {
    const writer = await createXmlWriter({ encoding: MTOM });
    writer.writeStartElement(undefined, 'a', NS);
    assert.throws(() => writeUniversal(writer, 'text' as never), { code: 'E_INVALIDARG' });

    const second = await createXmlWriter({ encoding: MTOM });
    let cancelled: unknown;
    const strings = new ReadableStream({
      pull: (c) => c.enqueue('not bytes'),
      cancel: (reason) => {
        cancelled = reason;
      },
    });
    second.writeStartElement(undefined, 'a', NS);
    writeAttachment(second, strings as ReadableStream<Uint8Array>);
    await assert.rejects(second.end(), { code: 'E_INVALIDARG' });
    assert.equal((cancelled as { code?: string }).code, 'E_INVALIDARG');
  });
});

describe('writeAttachment: sources are released when the writer fails', () => {
  test('sources never read are cancelled, returned or destroyed; a path is never opened', async () => {
    const filePath = join(dir, 'never.bin');
    await writeFile(filePath, pattern(10));
    let streamCancel: unknown = 'not cancelled';
    const stream = new ReadableStream<Uint8Array>({
      cancel: (reason) => {
        streamCancel = reason;
      },
    });
    let returned = false;
    const iterable: AsyncIterable<Uint8Array> = {
      [Symbol.asyncIterator]: () => ({
        next: async () => ({ done: false, value: new Uint8Array(1) }),
        return: async () => {
          returned = true;
          return { done: true, value: undefined };
        },
      }),
    };
    const generator = generate([pattern(10)]);
    const nodeStream = Readable.from([Buffer.from('x')]);
    const writer = await createXmlWriter({ encoding: MTOM });
    await writeSources(writer, [stream, iterable, generator, nodeStream, { path: filePath }]);
    const why = new Error('stop');
    writer.abort(why);
    assert.equal((streamCancel as { code?: string }).code, 'WS_E_OPERATION_ABORTED');
    assert.equal((streamCancel as Error).cause, why);
    await Promise.resolve();
    assert.ok(returned);
    assert.deepEqual(await generator.next(), { done: true, value: undefined }, 'the generator was returned');
    assert.ok(nodeStream.destroyed);
    await assert.rejects(writer.end(), { code: 'WS_E_OBJECT_FAULTED' });
    if (!noProc) assert.ok(!isOpen(filePath));
  });

  test('a failing part releases the sources of the parts after it', async () => {
    let cancelled: unknown;
    const later = new ReadableStream<Uint8Array>({
      cancel: (reason) => {
        cancelled = reason;
      },
    });
    const laterNode = Readable.from([Buffer.from('later')]);
    const failing = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(pattern(100));
        controller.error(new Error('source broke'));
      },
    });
    const writer = await createXmlWriter({ encoding: MTOM });
    await writeSources(writer, [pattern(2000), failing, later, laterNode]);
    await assert.rejects(writer.end(), /source broke/);
    assert.ok(writer.isFaulted);
    assert.match(String((cancelled as Error).message), /source broke/);
    assert.ok(laterNode.destroyed);
  });

  test('a file that changed size since stat fails the writer with WS_E_INVALID_FORMAT', async () => {
    for (const change of ['shrink', 'grow'] as const) {
      const filePath = join(dir, `${change}.bin`);
      await writeFile(filePath, pattern(10_000));
      const writer = await createXmlWriter({ encoding: MTOM });
      await writeSources(writer, [{ path: filePath }]);
      if (change === 'shrink') await truncate(filePath, 5000);
      else await appendFile(filePath, pattern(10));
      await assert.rejects(writer.end(), { code: 'WS_E_INVALID_FORMAT' });
      if (!noProc) assert.ok(!isOpen(filePath));
    }
  });

  test('abort mid-stream: the stream errors, the file is closed, no close delimiter', {
    skip: noProc && 'needs /proc/self/fd',
  }, async () => {
    const filePath = join(dir, 'large.bin');
    await writeFile(filePath, pattern(4 << 20, 11));
    const controller = new AbortController();
    const { writer, readable } = await createXmlWriterStream({
      encoding: MTOM,
      ringSize: 16384,
      signal: controller.signal,
    });
    await writeSources(writer, [{ path: filePath }]);
    let sawOpen = false;
    const received: Uint8Array[] = [];
    let bytes = 0;
    const reading = (async (): Promise<unknown> => {
      const reader = readable.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        received.push(value);
        bytes += value.length;
        sawOpen ||= isOpen(filePath);
        if (bytes > 1 << 20) controller.abort(new Error('user cancelled'));
      }
    })().then(
      () => 'ended',
      (error: unknown) => error,
    );
    await assert.rejects(writer.end(), { code: 'WS_E_OPERATION_ABORTED' });
    assert.equal(((await reading) as { code?: string }).code, 'WS_E_OPERATION_ABORTED');
    assert.ok(sawOpen, 'the file was open while its part streamed');
    // FileHandle.close() waits for a pending read; give it the turns it needs.
    for (let i = 0; i < 1000 && isOpen(filePath); i++) await new Promise((resolve) => setImmediate(resolve));
    assert.ok(!isOpen(filePath), 'the file handle is closed');
    const text = Buffer.concat(received).toString('latin1');
    assert.ok(bytes < 2 << 20);
    assert.ok(!text.endsWith(CLOSE));
    assert.ok(!text.includes(`--${BOUNDARY}--`));
  });
});
