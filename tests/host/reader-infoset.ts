/**
 * Shared by the reader tests: the infoset of a document as a list of events (for comparing
 * documents that differ only in prefixes, declarations and indentation), the same list built
 * from reader nodes, and inputs split into chunks.
 */
import { SaxesParser } from 'saxes';
import type { XmlNode, XmlReader } from '../../src/reader/index.js';

const XMLNS = 'http://www.w3.org/2000/xmlns/';

/**
 * An XML text's infoset as events: `<{ns}local a="v"…` with attributes by expanded name, text
 * runs joined and whitespace-only ones dropped, `/` for an end tag. Prefixes and namespace
 * declarations do not count (XML Namespaces §6).
 */
export function infoset(xml: string): string[] {
  const events: string[] = [];
  let text = '';
  const flush = () => {
    if (text.trim() !== '') events.push(`"${text}`);
    text = '';
  };
  const parser = new SaxesParser({ xmlns: true });
  parser.on('opentag', (tag) => {
    flush();
    const attributes = Object.values(tag.attributes)
      .filter((a) => a.uri !== XMLNS && a.name !== 'xmlns')
      .map((a) => `{${a.uri}}${a.local}=${JSON.stringify(a.value)}`)
      .sort();
    events.push(`<{${tag.uri}}${tag.local} ${attributes.join(' ')}`);
  });
  parser.on('closetag', () => {
    flush();
    events.push('/');
  });
  parser.on('text', (t) => (text += t));
  parser.on('cdata', (t) => (text += t));
  parser.write(xml).close();
  return events;
}

/**
 * Reads every node and builds the same events, each bytes node's content read with readBytes
 * through a view of `viewSize` bytes and written as base64 (as XOP §3.2 reconstructs it).
 */
export async function readerInfoset(
  reader: XmlReader,
  viewSize = 64 * 1024,
): Promise<{ events: string[]; parts: { node: XmlNode & { type: 'bytes' }; bytes: Buffer }[] }> {
  const events: string[] = [];
  const parts: { node: XmlNode & { type: 'bytes' }; bytes: Buffer }[] = [];
  let text = '';
  const flush = () => {
    if (text.trim() !== '') events.push(`"${text}`);
    text = '';
  };
  const view = new Uint8Array(viewSize);
  for await (const node of reader) {
    if (node.type === 'element') {
      flush();
      const attributes = node.attributes.map((a) => `{${a.namespace}}${a.localName}=${JSON.stringify(a.value)}`).sort();
      events.push(`<{${node.namespace}}${node.localName} ${attributes.join(' ')}`);
    } else if (node.type === 'end') {
      flush();
      events.push('/');
    } else if (node.type === 'text' || node.type === 'cdata') {
      text += node.value;
    } else if (node.type === 'bytes') {
      const chunks: Buffer[] = [];
      for (let n = await reader.readBytes(view); n > 0; n = await reader.readBytes(view)) {
        chunks.push(Buffer.from(view.subarray(0, n)));
      }
      const bytes = Buffer.concat(chunks);
      parts.push({ node, bytes });
      text += bytes.toString('base64');
    }
  }
  flush();
  return { events, parts };
}

/** `bytes` as an async iterable of chunks of the given sizes (cycled). */
export async function* chunked(bytes: Uint8Array, sizes: number[]): AsyncGenerator<Uint8Array> {
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const n = sizes[i % sizes.length];
    yield bytes.slice(at, at + n);
    at += n;
  }
}
