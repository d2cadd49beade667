// Property (seeded): every message the writer produces reads back to the same document and the
// same parts, in both encodings, whatever call delivered the binary content (writeBytes,
// pushBytes write and reserve/commit, pullBytes), however the message was delivered (the buffered
// result, an output callback, the writer's ReadableStream read by the reader as it is written),
// and however the reader receives it (whole through readMessage, or in random chunks).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { createXmlWriter, createXmlWriterStream, type XmlWriter, type XmlWriterOptions } from '../../src/index.js';
import { createXmlReader, readMessage } from '../../src/reader/index.js';
import { chunked, infoset, readerInfoset } from './reader-infoset.js';
import { randomBytes } from './mtom-reader.js';

type Binary = { call: 'writeBytes' | 'push' | 'reserve' | 'pull'; bytes: Uint8Array; split: number };
type Node =
  | { type: 'element'; ns: string; name: string; attributes: [string, string][]; children: Node[] }
  | { type: 'text'; value: string }
  | { type: 'binary'; binary: Binary };

const name = fc.constantFrom('a', 'Data', 'x-y', 'é', 'n.1');
const ns = fc.constantFrom('', 'urn:one', 'http://example.org/a?b&c');
const text = fc.string({
  unit: fc.constantFrom('a', ' ', '<', '&', '>', '"', '\r', '\n', '\t', 'é', '😀', ']]>', '--'),
});
const binary: fc.Arbitrary<Binary> = fc.record({
  call: fc.constantFrom('writeBytes', 'push', 'reserve', 'pull'),
  bytes: fc.oneof(
    fc.uint8Array({ maxLength: 40 }),
    fc.integer({ min: 700, max: 20_000 }).map((n) => randomBytes(n, n)),
  ),
  split: fc.integer({ min: 1, max: 5000 }),
});
const node: fc.Arbitrary<Node> = fc.letrec<{ node: Node }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    text.map((value): Node => ({ type: 'text', value })),
    fc.record({
      type: fc.constant('element' as const),
      ns,
      name,
      attributes: fc.uniqueArray(fc.tuple(name, text), { maxLength: 3, selector: ([k]) => k }),
      children: fc.oneof(
        fc.array(tie('node'), { maxLength: 4 }).map((children) => children.filter((c) => c.type !== 'binary')),
        binary.map((b): Node[] => [{ type: 'binary', binary: b }]),
      ),
    }),
  ),
})).node;
const document = fc.record({
  type: fc.constant('element' as const),
  ns,
  name,
  attributes: fc.constant([] as [string, string][]),
  children: fc.array(node, { maxLength: 5 }),
});

async function writeBinary(writer: XmlWriter, { call, bytes, split }: Binary): Promise<void> {
  const pieces: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += split) pieces.push(bytes.subarray(at, at + split));
  if (call === 'writeBytes') {
    writer.writeBytes(bytes.subarray(0, 0));
    for (const p of pieces) writer.writeBytes(p);
  } else if (call === 'push') {
    await writer.pushBytes((sink) => sink.write(pieces));
  } else if (call === 'reserve') {
    await writer.pushBytes(async (sink) => {
      for (let at = 0; at < bytes.length; ) {
        const view = await sink.reserve(Math.min(split, bytes.length - at));
        view.set(bytes.subarray(at, at + view.length));
        await sink.commit(view.length);
        at += view.length;
      }
    });
  } else {
    let at = 0;
    await writer.pullBytes((view) => {
      const n = Math.min(view.length, split, bytes.length - at);
      view.set(bytes.subarray(at, at + n));
      at += n;
      return n;
    });
  }
}

/** `flush`: await the output after each element (an asynchronous output needs it, see the README's pitfalls). */
async function writeNode(writer: XmlWriter, n: Node, flush: boolean): Promise<void> {
  if (n.type === 'text') return writer.writeChars(n.value);
  if (n.type === 'binary') return writeBinary(writer, n.binary);
  writer.writeStartElement(undefined, n.name, n.ns);
  for (const [k, v] of n.attributes) writer.writeAttribute(undefined, k, '', v);
  for (const child of n.children) await writeNode(writer, child, flush);
  writer.writeEndElement();
  if (flush) await writer.flush();
}

/** The document's infoset as `infoset()` writes it, binary content as base64. */
function expectedInfoset(doc: Node): string[] {
  const events: string[] = [];
  let text = '';
  const flush = () => {
    if (text.trim() !== '') events.push(`"${text}`);
    text = '';
  };
  const visit = (n: Node) => {
    if (n.type === 'text') text += n.value;
    else if (n.type === 'binary') text += Buffer.from(n.binary.bytes).toString('base64');
    else {
      flush();
      const attributes = n.attributes.map(([k, v]) => `{}${k}=${JSON.stringify(v)}`).sort();
      events.push(`<{${n.ns}}${n.name} ${attributes.join(' ')}`);
      n.children.forEach(visit);
      flush();
      events.push('/');
    }
  };
  visit(doc);
  return events;
}

/** Binary contents in document order. */
function binaries(doc: Node, out: Binary[] = []): Binary[] {
  if (doc.type === 'binary') out.push(doc.binary);
  if (doc.type === 'element') for (const c of doc.children) binaries(c, out);
  return out;
}

/** What MTOM sends as parts: writeBytes content over maxInlineByteCount, all pushed and pulled content. */
const sentAsPart = (b: Binary, inline: number) => b.call !== 'writeBytes' || b.bytes.length > inline;

type Delivery = 'buffered' | 'callback' | 'stream';

async function writeMessage(doc: Node, options: XmlWriterOptions, delivery: Delivery) {
  if (delivery === 'buffered') {
    const writer = await createXmlWriter(options);
    await writeNode(writer, doc, false);
    return { input: (await writer.end())!, contentType: writer.contentType };
  }
  if (delivery === 'callback') {
    const chunks: Buffer[] = [];
    const writer = await createXmlWriter({
      ...options,
      output: (views) => {
        for (const v of views) chunks.push(Buffer.from(v));
      },
    });
    await writeNode(writer, doc, false);
    await writer.end();
    return { input: new Uint8Array(Buffer.concat(chunks)), contentType: writer.contentType };
  }
  // The reader reads the writer's stream while it is being written.
  const { writer, readable } = await createXmlWriterStream({ ...options, ringSize: 64 * 1024 });
  const written = (async () => {
    await writeNode(writer, doc, true);
    await writer.end();
  })();
  return { input: readable, contentType: writer.contentType, written };
}

test('every message the writer produces reads back to the same document and parts', async () => {
  let partsRead = 0;
  await fc.assert(
    fc.asyncProperty(
      document,
      fc.constantFrom<'text' | 'mtom'>('text', 'mtom'),
      fc.constantFrom<Delivery>('buffered', 'callback', 'stream'),
      fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 4 }),
      fc.boolean(),
      async (doc, encoding, delivery, splits, simd) => {
        const options: XmlWriterOptions = {
          encoding: encoding === 'mtom' ? { type: 'mtom', maxInlineByteCount: 767 } : { type: 'text' },
          ringSize: 4096,
        };
        const expected = expectedInfoset(doc);
        const sent = await writeMessage(doc, options, delivery);
        let read: Awaited<ReturnType<typeof readerInfoset>>;
        if (sent.input instanceof Uint8Array) {
          const message = await readMessage(sent.input, { contentType: sent.contentType, simd });
          assert.deepEqual(infoset(message.xml), expected);
          const reader = await createXmlReader({
            input: chunked(sent.input, splits),
            encoding: { type: 'mtom', contentType: sent.contentType },
            simd,
          });
          read = await readerInfoset(reader, splits[0]);
        } else {
          const reader = await createXmlReader({
            input: sent.input,
            encoding: { type: 'mtom', contentType: sent.contentType },
            simd,
          });
          [read] = await Promise.all([readerInfoset(reader, splits[0]), sent.written]);
        }
        assert.deepEqual(read.events, expected);
        // With MTOM, content sent as parts arrived as parts, byte for byte.
        const parts = binaries(doc).filter((b) => encoding === 'mtom' && sentAsPart(b, 767));
        assert.deepEqual(
          read.parts.map((p) => new Uint8Array(p.bytes)),
          parts.map((b) => b.bytes),
        );
        partsRead += read.parts.length;
      },
    ),
    { seed: 0x5eed10, numRuns: 120 },
  );
  assert.ok(partsRead > 30, `only ${partsRead} parts were read`);
});
