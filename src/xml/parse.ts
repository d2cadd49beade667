/**
 * The XML source of writeXml, parsed as it arrives: saxes (namespace-aware, XML 1.0) fed one
 * chunk at a time. The events of one chunk are queued and handed over together, so that between
 * them the copy can wait for the writer's output.
 */
import { SaxesParser, type SaxesTagNS, type XMLDecl } from '../xml-parser.js';
import { invalidArg, invalidFormat } from '../errors.js';

import type { XmlSource } from './source.js';

export type { XmlSource } from './source.js';

export type ParseEvent =
  | { kind: 'decl'; decl: XMLDecl }
  | { kind: 'open'; tag: SaxesTagNS }
  | { kind: 'close' }
  | { kind: 'text'; text: string }
  | { kind: 'cdata'; text: string }
  | { kind: 'comment'; text: string }
  | { kind: 'pi'; target: string; data: string };

// saxes 6 states (saxes.js): character data, and the inside of a CDATA section.
const S_TEXT = 13;
const S_CDATA = 20;
/** Text saxes has gathered past this many characters is taken out between chunks (see drainText). */
const DRAIN_TEXT_AT = 64 * 1024;
const DOCTYPE_REFUSED = 'the XML has a DOCTYPE, which SOAP messages may not have (SOAP 1.2 Part 1 §5)';
/** Characters fed to the parser at a time when the source is one string or one buffer. */
const FEED_CHUNK = 64 * 1024;

/**
 * Parses `source`, calling `apply` with each chunk's events; resolves once the document has ended
 * and every event was applied. Malformed XML, a DOCTYPE, UTF-16 or invalid UTF-8 reject with
 * WS_E_INVALID_FORMAT.
 */
export async function parseXml(
  source: XmlSource,
  apply: (events: ParseEvent[]) => Promise<void>,
  { namespaces = {}, sourceName }: { namespaces?: Readonly<Record<string, string>>; sourceName?: string } = {},
): Promise<void> {
  const queue: ParseEvent[] = [];
  let parser: SaxesParser<{ xmlns: true; fragment: boolean }> | undefined;
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  let offset = 0;
  const start = (first: string) => {
    // A declaration makes it a document (one root element); anything else may be a fragment.
    const fragment = !/^\uFEFF?<\?xml[ \t\r\n]/.test(first);
    const p = new SaxesParser({ xmlns: true, fragment, additionalNamespaces: { ...namespaces }, fileName: sourceName });
    p.on('xmldecl', (decl) => queue.push({ kind: 'decl', decl }));
    p.on('doctype', () => {
      throw invalidFormat(DOCTYPE_REFUSED);
    });
    p.on('opentag', (tag) => queue.push({ kind: 'open', tag }));
    p.on('closetag', () => queue.push({ kind: 'close' }));
    p.on('text', (text) => queue.push({ kind: 'text', text }));
    p.on('cdata', (text) => queue.push({ kind: 'cdata', text }));
    p.on('comment', (text) => queue.push({ kind: 'comment', text }));
    p.on('processinginstruction', (pi) => queue.push({ kind: 'pi', target: pi.target, data: pi.body }));
    return p;
  };
  const feed = (text: string, last: boolean) => {
    parser ??= start(text);
    try {
      parser.write(text);
      if (last) parser.close();
    } catch (error) {
      if (error instanceof Error && 'code' in error) throw error;
      // In a fragment saxes reports a DOCTYPE as misplaced rather than as a doctype event.
      if (/doctype/i.test(String(error))) throw invalidFormat(DOCTYPE_REFUSED);
      throw invalidFormat(`malformed XML: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (!last) drainText(parser, queue);
  };
  const flushQueue = async () => {
    if (queue.length === 0) return;
    const events = queue.splice(0, queue.length);
    await apply(events);
  };
  for await (const chunk of chunksOf(source)) {
    let text: string;
    if (typeof chunk === 'string') {
      text = chunk;
    } else {
      if (offset === 0 && ((chunk[0] === 0xfe && chunk[1] === 0xff) || (chunk[0] === 0xff && chunk[1] === 0xfe))) {
        throw invalidFormat('the XML is UTF-16; writeXml reads UTF-8 (or a string)');
      }
      try {
        text = decoder.decode(chunk, { stream: true });
      } catch {
        throw invalidFormat(`the XML is not valid UTF-8 (in bytes ${offset} to ${offset + chunk.length})`);
      }
      offset += chunk.length;
    }
    if (text.length === 0) continue;
    feed(text, false);
    await flushQueue();
  }
  let rest: string;
  try {
    rest = decoder.decode();
  } catch {
    throw invalidFormat('the XML ends inside a UTF-8 sequence');
  }
  if (!parser && rest.length === 0) throw invalidFormat('the XML source is empty');
  feed(rest, true);
  await flushQueue();
}

/**
 * saxes gathers a text node (or CDATA section) whole before reporting it, which would hold a
 * large base64 element in one string. Between chunks, in those two states, the text gathered so
 * far is complete (entities resolved, line ends normalized), so it is taken out and reported as
 * a text event of its own. This reads two saxes 6 internals.
 */
function drainText(parser: SaxesParser<{ xmlns: true; fragment: boolean }>, queue: ParseEvent[]): void {
  const internals = parser as unknown as { state: unknown; text: unknown };
  if ((internals.state === S_TEXT || internals.state === S_CDATA) && typeof internals.text === 'string') {
    if (internals.text.length >= DRAIN_TEXT_AT) {
      // A CDATA section taken out in pieces is copied as consecutive sections: the same text.
      queue.push({ kind: internals.state === S_CDATA ? 'cdata' : 'text', text: internals.text });
      internals.text = '';
    }
  }
}

async function* chunksOf(source: XmlSource): AsyncGenerator<Uint8Array | string> {
  if (typeof source === 'string') {
    for (let at = 0; at < source.length; at += FEED_CHUNK) yield source.slice(at, at + FEED_CHUNK);
    return;
  }
  if (source instanceof Uint8Array) {
    for (let at = 0; at < source.length; at += FEED_CHUNK) yield source.subarray(at, at + FEED_CHUNK);
    return;
  }
  if (typeof (source as ReadableStream<Uint8Array>)?.getReader === 'function') {
    const reader = (source as ReadableStream<Uint8Array>).getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield value;
      }
    } finally {
      // On an early exit (a failure while copying), the stream is cancelled.
      await reader.cancel().catch(() => {});
      reader.releaseLock();
    }
  }
  if (typeof (source as AsyncIterable<Uint8Array>)?.[Symbol.asyncIterator] === 'function') {
    for await (const chunk of source as AsyncIterable<Uint8Array | string>) {
      if (typeof chunk !== 'string' && !(chunk instanceof Uint8Array))
        throw invalidArg('an XML stream yields Uint8Array or string chunks');
      yield chunk;
    }
    return;
  }
  throw invalidArg('an XML source is a string, a Uint8Array, a ReadableStream<Uint8Array> or an AsyncIterable of them');
}
