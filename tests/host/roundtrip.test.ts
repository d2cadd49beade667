// Round trips through an independent MIME reader: random documents written with MTOM, parsed by
// @mjackson/multipart-parser and rebuilt as an XOP receiver does, equal the same documents
// written with the text encoding.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { createXmlWriter } from '../../src/index.js';
import type { XmlWriter, XmlWriterOptions } from '../../src/index.js';
import { contentTypeParameter, parseMtom, randomBytes, rebuildXml } from './mtom-reader.js';
import { xmlDocument, type XmlDocumentNode } from './xml-document-arbitrary.js';

type Binary = { kind: 'writeBytes' | 'push' | 'reserve' | 'pull'; bytes: Uint8Array; splits: number[] };
type Node = XmlDocumentNode<Binary>;

const name = fc.constantFrom('a', 'b', 'Data', 'x-y', 'é', 'n.1');
const ns = fc.constantFrom('', 'urn:one', 'urn:two', 'http://example.org/a?b&c');
const text = fc.string({ unit: fc.constantFrom('a', ' ', '<', '&', '>', '"', '\r', '\n', '\t', 'é', '😀', ']]>') });
const binary: fc.Arbitrary<Binary> = fc.record({
  kind: fc.constantFrom('writeBytes', 'push', 'reserve', 'pull'),
  bytes: fc.oneof(
    fc.uint8Array({ maxLength: 40 }),
    fc.integer({ min: 700, max: 9000 }).map((n) => randomBytes(n, n)),
  ),
  splits: fc.array(fc.integer({ min: 1, max: 5000 }), { maxLength: 4 }),
});

const document = xmlDocument({ name, ns, text, binary });

/** Chunks of `bytes` at the given split lengths (cycled). */
function chunks(bytes: Uint8Array, splits: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const n = splits.length ? splits[i % splits.length] : bytes.length;
    out.push(bytes.subarray(at, at + n));
    at += n;
  }
  return out;
}

function writeBinary(writer: XmlWriter, { kind, bytes, splits }: Binary): void | Promise<void> {
  if (kind === 'writeBytes') {
    for (const c of chunks(bytes, splits)) writer.writeBytes(c);
    if (bytes.length === 0) writer.writeBytes(bytes);
  } else if (kind === 'push') {
    return writer.pushBytes((sink) => sink.write(chunks(bytes, splits)));
  } else if (kind === 'reserve') {
    return writer.pushBytes(async (sink) => {
      for (let at = 0; at < bytes.length; ) {
        const view = await sink.reserve(Math.min(splits[0] ?? 4096, bytes.length - at));
        view.set(bytes.subarray(at, at + view.length));
        await sink.commit(view.length);
        at += view.length;
      }
    });
  } else {
    let at = 0;
    return writer.pullBytes((view) => {
      const n = Math.min(view.length, bytes.length - at);
      view.set(bytes.subarray(at, at + n));
      at += n;
      return n;
    });
  }
}

async function writeNode(writer: XmlWriter, n: Node): Promise<void> {
  if (n.type === 'text') return writer.writeChars(n.value);
  if (n.type === 'binary') {
    await writeBinary(writer, n.binary);
    return;
  }
  writer.writeStartElement(undefined, n.name, n.ns);
  for (const [k, v] of n.attributes) writer.writeAttribute(undefined, k, '', v);
  for (const child of n.children) await writeNode(writer, child);
  writer.writeEndElement();
}

async function write(doc: Node, options: XmlWriterOptions): Promise<{ bytes: Uint8Array; contentType: string }> {
  const writer = await createXmlWriter(options);
  await writeNode(writer, doc);
  const bytes = (await writer.end())!;
  return { bytes, contentType: writer.contentType };
}

test('MTOM rebuilt by an independent reader equals the text encoding', async () => {
  let partsSeen = 0;
  await fc.assert(
    fc.asyncProperty(document, fc.constantFrom(4096, 65536), async (doc, ringSize) => {
      const text = await write(doc, { encoding: { type: 'text' }, ringSize });
      const mtom = await write(doc, { encoding: { type: 'mtom', startInfo: 'application/soap+xml' }, ringSize });
      const parsed = parseMtom(mtom.bytes, mtom.contentType);
      const root = parsed.parts[0];
      assert.equal(root.headers['content-id'], parsed.start);
      assert.equal(root.headers['content-transfer-encoding'], 'binary');
      assert.equal(contentTypeParameter(root.headers['content-type'], 'type'), 'application/soap+xml');
      assert.equal(rebuildXml(parsed), new TextDecoder().decode(text.bytes));
      partsSeen += parsed.parts.length - 1;
    }),
    { numRuns: 150 },
  );
  // The generator must actually exercise attachments, not only inline content.
  assert.ok(partsSeen > 30, `only ${partsSeen} parts were generated`);
});
