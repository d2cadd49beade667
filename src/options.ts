/**
 * The writer's options, each with its default. Names follow WS_XML_WRITER_PROPERTY_ID and
 * WS_XML_WRITER_MTOM_ENCODING; defaults are WWSAPI's unless noted.
 */
import { invalidArg } from './errors.js';
import type { PartProgress } from './encodings/mtom.js';
import type { OutputCallback } from './ring.js';

/** WS_XML_WRITER_TEXT_ENCODING with WS_CHARSET_UTF8. */
export interface TextEncodingOptions {
  type: 'text';
  /** Media type of the document, for `contentType`. Default `application/soap+xml`. */
  mediaType?: string;
  /** SOAP 1.2 action, as the `action` parameter of `contentType`. */
  action?: string;
}

/** WS_XML_WRITER_MTOM_ENCODING. */
export interface MtomEncodingOptions {
  type: 'mtom';
  /** Content type of the XML inside: `application/soap+xml` (SOAP 1.2, default) or `text/xml` (SOAP 1.1). */
  startInfo?: string;
  /** The MIME boundary. Default: `uuid:` plus a random UUID (122 bits of entropy). RFC 2046 §5.1.1. */
  boundary?: string;
  /**
   * Content-ID of the root part, without angle brackets. Default: generated. When set, part
   * Content-IDs are `1.` + startUri, `2.` + startUri, …, so fixed boundary and startUri give
   * byte-identical messages.
   */
  startUri?: string;
  /** Binary content of one element up to this many bytes is written inline as base64. Default 767 (as WCF). */
  maxInlineByteCount?: number;
  /** Start the body with `MIME-Version` and `Content-Type` headers. Default false (keep it off over HTTP). */
  writeMimeHeader?: boolean;
  /** SOAP 1.2 action, carried as `action="…"` in start-info and the root part's type. */
  action?: string;
  /** Content-Transfer-Encoding of the root part. Default `binary`; `8bit` is what WCF sends. */
  rootTransferEncoding?: 'binary' | '8bit';
}

export interface XmlWriterOptions {
  /** How the document is encoded. Default `{ type: 'text' }`. */
  encoding?: TextEncodingOptions | MtomEncodingOptions;
  /**
   * WS_WRITE_CALLBACK: receives views into the ring, valid until it returns or its promise
   * settles. A returned promise is backpressure. Without it, `end()` resolves with the whole
   * message (WS_XML_WRITER_BUFFER_OUTPUT).
   */
  output?: OutputCallback;
  /** WS_XML_WRITER_PROPERTY_MAX_DEPTH: open elements at most. Default 32. */
  maxDepth?: number;
  /** WS_XML_WRITER_PROPERTY_MAX_ATTRIBUTES: attributes on one element at most. Default 128. */
  maxAttributes?: number;
  /** WS_XML_WRITER_PROPERTY_MAX_NAMESPACES: namespace declarations on one element at most. Default 32. */
  maxNamespaces?: number;
  /** WS_XML_WRITER_PROPERTY_MAX_MIME_PARTS_BUFFER_SIZE: bytes of writeBytes content held for MIME parts. Default 65536. */
  maxMimePartsBufferSize?: number;
  /** WS_XML_WRITER_PROPERTY_WRITE_DECLARATION: write `<?xml version="1.0" encoding="utf-8"?>`. Default false. */
  writeDeclaration?: boolean;
  /**
   * Bytes of the output ring in WebAssembly memory. It is also the bound on bytes buffered
   * between two awaited calls when the output callback is asynchronous. Default 262144.
   */
  ringSize?: number;
  /** Force the SIMD (`true`) or scalar (`false`) core. Default: detected. */
  simd?: boolean;
  /** MTOM: called after each commit into a part being emitted, and when the part ends. */
  onProgress?: (progress: PartProgress) => void;
  /** Aborting it stops the writer with WS_E_OPERATION_ABORTED; no close delimiter is written. */
  signal?: AbortSignal;
}

export interface ResolvedOptions {
  maxDepth: number;
  maxAttributes: number;
  maxNamespaces: number;
  maxMimePartsBufferSize: number;
  writeDeclaration: boolean;
  ringSize: number;
  scratchSize: number;
  simd: boolean | undefined;
}

const MIN_RING = 4096;
const MAX_RING = 1 << 30;

function count(value: number | undefined, fallback: number, what: string, min = 0, max = 0x7fffffff): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw invalidArg(`${what} must be an integer from ${min} to ${max}`);
  }
  return value;
}

/** Validates the writer's options without mutating them. */
export function resolveOptions(options: XmlWriterOptions): ResolvedOptions {
  if (options.output !== undefined && typeof options.output !== 'function') {
    throw invalidArg('output must be a function');
  }
  const ringSize = count(options.ringSize, 256 * 1024, 'ringSize', MIN_RING, MAX_RING);
  return {
    maxDepth: count(options.maxDepth, 32, 'maxDepth', 1),
    maxAttributes: count(options.maxAttributes, 128, 'maxAttributes'),
    maxNamespaces: count(options.maxNamespaces, 32, 'maxNamespaces', 1),
    maxMimePartsBufferSize: count(options.maxMimePartsBufferSize, 65536, 'maxMimePartsBufferSize'),
    writeDeclaration: options.writeDeclaration ?? false,
    ringSize,
    scratchSize: 64 * 1024,
    simd: options.simd,
  };
}

export { count as checkCount };
