// The reader's browser scenarios, bundled (with the package) by tests/browser/reader.mjs and run
// in the page; the runner runs the same functions in Node and compares. Results are digests, so
// the comparison is exact without moving megabytes between the two.
import { createXmlReader, createXmlWriter, readMessage } from '../../dist/index.js';

const hex = (buffer) => [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, '0')).join('');
const sha256 = async (bytes) => hex(await crypto.subtle.digest('SHA-256', bytes));

/** The current node's content, read with readBytes through `view` until it gives 0 bytes. */
async function readContent(reader, view) {
  const chunks = [];
  for (let n = await reader.readBytes(view); n > 0; n = await reader.readBytes(view)) chunks.push(view.slice(0, n));
  const bytes = new Uint8Array(chunks.reduce((size, c) => size + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.length;
  }
  return bytes;
}

/** `bytes` as a ReadableStream of `size`-byte chunks. */
function chunkStream(bytes, size) {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
}

/** Reads every node, parts through readBytes with a 7-byte view; a digest of what was read. */
async function streamDigest(reader) {
  const view = new Uint8Array(7);
  const events = [];
  const parts = [];
  for await (const node of reader) {
    if (node.type === 'bytes') {
      const bytes = await readContent(reader, view);
      parts.push(`${node.contentId} ${node.contentType} ${bytes.length} ${await sha256(bytes)}`);
      events.push('bytes');
    } else {
      events.push(JSON.stringify(node));
    }
  }
  return { events: await sha256(new TextEncoder().encode(events.join('\n'))), parts };
}

/**
 * Every peer message: readMessage on the whole body, and the streaming reader on a stream of
 * 13-byte chunks. `load(name)` gives { body, contentType }.
 */
export async function peerScenarios(names, load, simd) {
  const results = {};
  for (const name of names) {
    try {
      const { body, contentType } = await load(name);
      const message = await readMessage(body, { contentType, simd });
      const parts = [];
      for (const p of message.parts)
        parts.push(`${p.contentId} ${p.contentType} ${p.bytes.length} ${await sha256(p.bytes)}`);
      const reader = await createXmlReader({
        input: chunkStream(body, 13),
        encoding: { type: 'mtom', contentType },
        simd,
      });
      const streamed = await streamDigest(reader);
      results[name] = {
        xml: await sha256(new TextEncoder().encode(message.xml)),
        parts,
        streamed,
        simdUsed: reader.simd,
      };
    } catch (error) {
      results[name] = { error: `${error?.name}: ${error?.message}` };
    }
  }
  return results;
}

/** A message the writer produces (a 1 MiB part, a small inline one) read back; both cores. */
export async function writerRoundTrip(simd) {
  const big = new Uint8Array(1 << 20);
  for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
  const writer = await createXmlWriter({ encoding: { type: 'mtom' }, simd });
  writer.writeStartElement('s', 'Envelope', 'http://www.w3.org/2003/05/soap-envelope');
  writer.writeStartElement('', 'Big', 'urn:x');
  writer.pushBytes((sink) => sink.write(big), { contentType: 'application/octet-stream' });
  writer.writeEndElement();
  writer.writeStartElement('', 'Small', 'urn:x');
  writer.writeBytes(new TextEncoder().encode('small'));
  writer.writeEndElement();
  writer.writeEndElement();
  const message = await writer.end();
  const reader = await createXmlReader({
    input: new Blob([message]),
    encoding: { type: 'mtom', contentType: writer.contentType },
    simd,
  });
  const got = [];
  const view = new Uint8Array(65536);
  for await (const node of reader) {
    if (node.type === 'bytes' || (node.type === 'text' && node.value === 'c21hbGw=')) {
      const bytes = await readContent(reader, view);
      got.push(await sha256(bytes));
    }
  }
  return { got, want: [await sha256(big), await sha256(new TextEncoder().encode('small'))], simdUsed: reader.simd };
}

/** A fetch Response (Content-Type from its headers) read with readMessage, in the page only. */
export async function fetchScenario(url) {
  const { xml, parts } = await readMessage(await fetch(url));
  return { xml: await sha256(new TextEncoder().encode(xml)), parts: parts.length };
}
