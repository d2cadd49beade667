// Loading the core: inlined bytes (also with no Buffer, as in a browser), the scalar build where
// wasm SIMD is missing, and memory that never grows, so lent views never detach.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createXmlWriter, engineSupportsSimd } from '../../src/index.js';
import type { XmlWriterOptions } from '../../src/index.js';
import { randomBytes } from './mtom-reader.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

async function sampleMessage(options: XmlWriterOptions): Promise<Uint8Array> {
  const writer = await createXmlWriter({
    encoding: { type: 'mtom', boundary: 'uuid:core', startUri: 'root@core', maxInlineByteCount: 5000 },
    maxMimePartsBufferSize: 1 << 20,
    ...options,
  });
  writer.writeStartElement(undefined, 'r', 'urn:core');
  for (const size of [0, 1, 2, 3, 47, 1000, 4999, 5001, 100_000]) {
    writer.writeStartElement(undefined, 'b', '');
    writer.writeBytes(randomBytes(size, size + 1));
    writer.writeEndElement();
    writer.writeStartElement(undefined, 't', '');
    writer.writeAttribute(undefined, 'v', '', `"${'<&>\t\n\r'.repeat(size % 13)}"`);
    writer.writeChars(`${'x&<>\r'.repeat(size % 700)}é😀`);
    writer.writeEndElement();
  }
  writer.writeEndElement();
  return (await writer.end())!;
}

test('this engine runs wasm SIMD, and a writer uses the SIMD core by default', async () => {
  assert.equal(engineSupportsSimd(), true);
  const writer = await createXmlWriter();
  assert.equal(writer.simd, true);
});

test('the scalar core is chosen when feature detection finds no wasm SIMD', () => {
  // Detection runs once per process, so it is checked in a fresh one with validate() saying no.
  const script = `
    WebAssembly.validate = () => false;
    const { createXmlWriter, engineSupportsSimd } = await import('./dist/index.js');
    const writer = await createXmlWriter();
    writer.writeStartElement(undefined, 'a', '');
    writer.writeBytes(new Uint8Array([1, 2, 3]));
    writer.writeEndElement();
    const message = new TextDecoder().decode(await writer.end());
    console.log(engineSupportsSimd(), writer.simd, message);
  `;
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
  assert.equal(output.trim(), 'false false <a>AQID</a>');
});

test('the SIMD and scalar cores write identical bytes', async () => {
  const simd = await sampleMessage({ simd: true });
  const scalar = await sampleMessage({ simd: false });
  assert.ok(simd.length > 100_000);
  assert.ok(Buffer.from(simd).equals(Buffer.from(scalar)));
});

test('with the text encoding, the SIMD and scalar cores write the same canonical base64', async () => {
  const pieces = [0, 1, 2, 3, 47, 1000, 4999, 5001, 100_000].map((size) => randomBytes(size, size + 7));
  const want = `<r>${pieces.map((p) => `<b>${Buffer.from(p).toString('base64')}</b>`).join('')}</r>`;
  for (const simd of [true, false]) {
    for (const ringSize of [4096, 1 << 16]) {
      const writer = await createXmlWriter({ simd, ringSize });
      assert.equal(writer.simd, simd);
      writer.writeStartElement(undefined, 'r', '');
      for (const piece of pieces) {
        writer.writeStartElement(undefined, 'b', '');
        writer.writeBytes(piece);
        writer.writeEndElement();
      }
      writer.writeEndElement();
      assert.equal(new TextDecoder().decode((await writer.end())!), want, `simd ${simd}, ring ${ringSize}`);
    }
  }
});

test('the package loads from its inlined bytes with no Buffer and no fs, as in a browser', () => {
  const script = `
    void Response; // Node loads its fetch internals lazily, and they need Buffer
    delete globalThis.Buffer;
    const { createXmlWriter } = await import('./dist/index.js');
    const writer = await createXmlWriter({ encoding: { type: 'mtom', boundary: 'b', startUri: 'r' } });
    writer.writeStartElement(undefined, 'a', '');
    writer.writeBytes(new Uint8Array([1, 2, 3]));
    writer.writeEndElement();
    const message = await writer.end();
    console.log(typeof Buffer, new TextDecoder().decode(message).includes('<a>AQID</a>'));
  `;
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
  assert.equal(output.trim(), 'undefined true');
});

test('memory never grows: a view lent early is still attached after megabytes went through', async () => {
  let lent: Uint8Array | undefined;
  let delivered = 0;
  const writer = await createXmlWriter({
    encoding: { type: 'mtom' },
    ringSize: 65536,
    output: (views) => {
      for (const v of views) delivered += v.length;
    },
  });
  writer.writeStartElement(undefined, 'r', '');
  writer.pushBytes(async (sink) => {
    for (let i = 0; i < 200; i++) {
      const view = await sink.reserve(65536);
      lent ??= view;
      view.fill(i);
      await sink.commit(view.length);
    }
  });
  writer.writeEndElement();
  await writer.end();
  assert.ok(delivered > 4_000_000);
  assert.ok(lent && lent.byteLength > 0 && lent.buffer.byteLength > 0, 'the view detached');
});

test('instances reused after a writer ends start clean, and interleaved writers do not disturb each other', async () => {
  const first = await sampleMessage({});
  const firstWriter = await createXmlWriter({ encoding: { type: 'mtom', boundary: 'x', startUri: 'y' } });
  firstWriter.writeStartElement(undefined, 'a', '');
  const firstLength = (await firstWriter.end())!.length;
  // Two writers alive at once, written in alternation, each with a text and an MTOM encoding.
  const [again, other] = await Promise.all([sampleMessage({}), sampleMessage({ encoding: { type: 'text' } })]);
  assert.ok(Buffer.from(again).equals(Buffer.from(first)));
  assert.ok(other.length > 0 && !Buffer.from(other).equals(Buffer.from(first)));
  assert.equal(firstWriter.bytesWritten, firstLength, 'counters of an ended writer stay put');
  assert.equal(firstWriter.expectedLength(), firstLength);
});

test('a faulted writer does not hand its instance to the next writer while a view may be lent', async () => {
  let release!: () => void;
  const lent: Uint8Array[] = [];
  const writer = await createXmlWriter({
    output: (views) => {
      lent.push(...views);
      return new Promise<void>((resolve) => (release = resolve));
    },
  });
  writer.writeStartElement(undefined, 'kept', '');
  const flushing = writer.flush();
  writer.abort();
  const next = await createXmlWriter({ ringSize: 262144 });
  next.writeStartElement(undefined, 'other-writer-text', '');
  await next.end();
  assert.equal(new TextDecoder().decode(lent[0]), '<kept');
  release();
  await assert.rejects(flushing);
});
