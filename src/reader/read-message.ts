/**
 * readMessage: the one-shot convenience over the reader. The whole message is read (within
 * maxSize) into the XOP infoset as XML text, each xop:Include replaced by the base64 of its part
 * (XOP §3.2, the form any XML parser or SOAP library reads), plus the parts themselves.
 */
import { ReaderCore } from '../wasm.js';
import { readerInvalidArg } from './errors.js';
import { toByteSource, type ReaderInput } from './input.js';
import type { ElementNode } from './nodes.js';
import { resolveLimits, type XmlReaderLimits } from './options.js';
import { cdataSection, comment, endTag, escapeText, startTag } from './serialize.js';
import { XmlReader } from './xml-reader.js';

export interface ReadMessageOptions extends XmlReaderLimits {
  /** The HTTP Content-Type value; default: the input's (a Response's), else decided from the body. */
  contentType?: string;
  /** Bytes of input at most; more is WS_E_QUOTA_EXCEEDED. Default 64 MiB. */
  maxSize?: number;
  /** `'text'`: read the input as plain XML whatever its Content-Type. Default `'mtom'`. */
  encoding?: 'mtom' | 'text';
  signal?: AbortSignal;
  simd?: boolean;
}

export interface MessagePart {
  /** Content-ID without angle brackets (what follows `cid:`). */
  contentId: string;
  /** The part's Content-Type; `application/octet-stream` when it has none. */
  contentType: string;
  /** MIME headers by lower-case name. */
  headers: Record<string, string>;
  /** The decoded content. */
  bytes: Uint8Array;
}

export interface ReadMessageResult {
  /** The document with every xop:Include replaced by the base64 of its part (no XML declaration). */
  xml: string;
  /** Parts referenced by the document, in document order, then parts nothing references, in message order. */
  parts: MessagePart[];
}

const DEFAULT_MAX_SIZE = 64 * 1024 * 1024;
const FIRST_BLOCK = 4096;
const LARGEST_BLOCK = 16 * 1024 * 1024;

/** Encodes parts as base64 text; one small core instance per process, used synchronously. */
let encoder: Promise<ReaderCore> | undefined;

/** Reads a whole MTOM (or plain XML) message; see ReadMessageResult. */
export async function readMessage(input: ReaderInput, options: ReadMessageOptions = {}): Promise<ReadMessageResult> {
  if (options.encoding !== undefined && options.encoding !== 'mtom' && options.encoding !== 'text') {
    throw readerInvalidArg(`encoding must be 'mtom' or 'text'`);
  }
  const maxSize = options.maxSize ?? DEFAULT_MAX_SIZE;
  const limits = resolveLimits({
    ...options,
    maxSize,
    maxMimePartsBufferSize: options.maxMimePartsBufferSize ?? maxSize,
  });
  options.signal?.throwIfAborted();
  const reader = await XmlReader.create({
    source: toByteSource(input),
    limits,
    contentType: options.contentType,
    text: options.encoding === 'text',
    signal: options.signal,
    simd: options.simd,
    keepUnreferenced: true,
  });
  encoder ??= ReaderCore.create({ windowSize: 64 * 1024 });
  const core = await encoder;
  const xml: string[] = [];
  const parts: MessagePart[] = [];
  const open: ElementNode[] = [];
  for await (const node of reader) {
    switch (node.type) {
      case 'element':
        open.push(node);
        xml.push(startTag(node));
        break;
      case 'end': {
        // The reader ends only an element it started, so the stack is never empty here.
        const element = open.pop();
        if (element) xml.push(endTag(element));
        break;
      }
      case 'text':
        xml.push(escapeText(node.value));
        break;
      case 'cdata':
        xml.push(cdataSection(node.value));
        break;
      case 'comment':
        xml.push(comment(node.value));
        break;
      case 'bytes': {
        const bytes = await readPart(reader, node.size);
        xml.push(core.encodeBase64(bytes));
        parts.push({ contentId: node.contentId, contentType: node.contentType, headers: node.headers, bytes });
        break;
      }
    }
  }
  for (const contentId of reader.unreferencedParts) {
    const part = reader.unreferencedPart(contentId);
    if (!part) continue;
    const headers = Object.fromEntries(part.headers);
    parts.push({
      contentId,
      contentType: headers['content-type'] ?? 'application/octet-stream',
      headers,
      bytes: part.bytes,
    });
  }
  return { xml: xml.join(''), parts };
}

/** The current bytes node's content, read straight into blocks that double in size (or one block of the known size). */
async function readPart(reader: XmlReader, size: number | undefined): Promise<Uint8Array> {
  const blocks: Uint8Array[] = [];
  let block = new Uint8Array(size !== undefined ? size + 1 : FIRST_BLOCK);
  let filled = 0;
  let total = 0;
  for (;;) {
    if (filled === block.length) {
      blocks.push(block);
      block = new Uint8Array(Math.min(block.length * 2, LARGEST_BLOCK));
      filled = 0;
    }
    const n = await reader.readBytes(block.subarray(filled));
    if (n === 0) break;
    filled += n;
    total += n;
  }
  blocks.push(block.subarray(0, filled));
  return join(blocks, total);
}

function join(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
