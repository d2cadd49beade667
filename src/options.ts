/**
 * The writer's options, resolved in one place: `resolveOptions` checks every option (the
 * encoding's included) without mutating the caller's object and returns one `ResolvedOptions`,
 * which the writer and its encoding receive. Names follow WS_XML_WRITER_PROPERTY_ID and
 * WS_XML_WRITER_MTOM_ENCODING; defaults are WWSAPI's unless noted, and each sits in DEFAULTS
 * beside its doc comment.
 */
import { invalidArg } from './errors.js';
import {
  checkBoundary,
  checkContentId,
  checkMediaType,
  checkParameterText,
  randomBoundary,
  randomHex,
} from './headers.js';
import {
  NO_PART_HEADERS,
  resolvePartHeaders,
  type PartHeaderOptions,
  type ResolvedPartHeaders,
} from './part-headers.js';
import type { OutputCallback } from './ring.js';

/** WS_XML_WRITER_TEXT_ENCODING with WS_CHARSET_UTF8. */
export interface TextEncodingOptions {
  type: 'text';
  /** Media type of the document, for `contentType`. Default `application/soap+xml`. */
  mediaType?: string;
  /** SOAP 1.2 action, as the `action` parameter of `contentType`. */
  action?: string;
}

/** Where an MTOM message's SOAP 1.2 action goes in its Content-Type (see MtomEncodingOptions). */
export type ActionPlacement = 'start-info' | 'top-level' | 'both';

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
  /** SOAP 1.2 action (RFC 3902 §1), carried where `actionPlacement` says. */
  action?: string;
  /**
   * Where the SOAP 1.2 `action` goes in the Content-Type. `'start-info'` (default): inside the
   * start-info parameter and the root part's type, as a parameter of application/soap+xml
   * (RFC 3902, SOAP MTOM §3.2). `'top-level'`: as a parameter of multipart/related only.
   * `'both'`: in both places, for services that read only one of them — Mono's WCF server fails
   * on that Content-Type (its parser splits inside the quoted start-info and meets `action` twice).
   */
  actionPlacement?: ActionPlacement;
  /** Content-Transfer-Encoding of the root part. Default `binary`; `8bit` is what WCF sends. */
  rootTransferEncoding?: 'binary' | '8bit';
}

/** Progress of the part being emitted (MTOM), reported after each commit into it. */
export interface PartProgress {
  /** Content-ID of the part, without angle brackets. */
  contentId: string | undefined;
  /** Bytes of this part written so far. */
  partBytes: number;
  /** The part's declared size, if known. */
  partSize: number | undefined;
  /** Bytes of the whole message written so far. */
  bytesWritten: number;
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

/** Options of one pushBytes / pullBytes call (and of writeAttachment). */
export interface BinaryOptions extends PartHeaderOptions {
  /** Content-Type of the MIME part when the element has no xmime:contentType attribute. */
  contentType?: string;
  /** pullBytes: the largest window lent to the callback at once, in bytes. Default 65536. */
  chunkSize?: number;
  /**
   * The exact byte count the callback will write, when known (buffers, Blobs, files). It lets
   * `expectedLength()` give a Content-Length before the first byte is sent; with either
   * encoding, a producer that writes more or fewer bytes fails the writer with
   * WS_E_INVALID_FORMAT.
   */
  size?: number;
}

/**
 * Options of writeBytes content that becomes an MTOM part (more than maxInlineByteCount bytes);
 * inline base64 has no part, so they are only checked.
 */
export interface WriteBytesOptions extends PartHeaderOptions {
  /** Content-Type of the MIME part when the element has no xmime:contentType attribute. */
  contentType?: string;
}

/** Every default, beside what it means. */
export const DEFAULTS = {
  /** WS_XML_WRITER_PROPERTY_MAX_DEPTH: open elements at most. */
  maxDepth: 32,
  /** WS_XML_WRITER_PROPERTY_MAX_ATTRIBUTES: attributes on one element at most. */
  maxAttributes: 128,
  /** WS_XML_WRITER_PROPERTY_MAX_NAMESPACES: namespace declarations on one element at most. */
  maxNamespaces: 32,
  /** WS_XML_WRITER_PROPERTY_MAX_MIME_PARTS_BUFFER_SIZE, in bytes. */
  maxMimePartsBufferSize: 65536,
  /** WS_XML_WRITER_PROPERTY_WRITE_DECLARATION. */
  writeDeclaration: false,
  /** Bytes of the output ring (256 KiB); at least MIN_RING_SIZE. */
  ringSize: 256 * 1024,
  /** Bytes of the scratch area where text and producer bytes are staged for the core. */
  scratchSize: 64 * 1024,
  /** The text encoding's media type (SOAP 1.2). */
  mediaType: 'application/soap+xml',
  /** MTOM start-info: the type of the XML inside (SOAP 1.2). */
  startInfo: 'application/soap+xml',
  /** MTOM: inline base64 up to this many bytes of one element's writeBytes content, as WCF. */
  maxInlineByteCount: 767,
  /** MTOM: no MIME header before the first boundary (it belongs in the HTTP header). */
  writeMimeHeader: false,
  /** MTOM: the SOAP 1.2 action inside start-info only, where RFC 3902 puts it and every tested stack takes it. */
  actionPlacement: 'start-info',
  /** MTOM: the root part's Content-Transfer-Encoding. */
  rootTransferEncoding: 'binary',
  /** pullBytes: the largest window lent to the callback at once, in bytes. */
  chunkSize: 65536,
} as const;

/** The smallest ring: room for a MIME part header with the longest boundary and Content-ID. */
export const MIN_RING_SIZE = 4096;
const MAX_RING_SIZE = 1 << 30;

/** The text encoding, resolved. */
export interface ResolvedTextEncoding {
  type: 'text';
  /** The document's media type, checked (RFC 2045 §5.1). */
  mediaType: string;
  /** The SOAP 1.2 action, checked; undefined for none. */
  action: string | undefined;
}

/** The MTOM encoding, resolved: every value checked, every default filled in. */
export interface ResolvedMtomEncoding {
  type: 'mtom';
  /** The XML's own media type (start-info), checked. */
  startInfo: string;
  /** The boundary, checked or generated. */
  boundary: string;
  /** Whether the caller chose the boundary (every message keeps it) or it is generated per message. */
  fixedBoundary: boolean;
  /** Whether the caller chose startUri (every message keeps the Content-IDs) or they are generated per message. */
  fixedStartUri: boolean;
  /** The root part's Content-ID, checked or generated. */
  startUri: string;
  /** What follows `N.` in part Content-IDs: startUri when the caller chose it, else a generated one. */
  partIdSuffix: string;
  maxInlineByteCount: number;
  writeMimeHeader: boolean;
  /** The SOAP 1.2 action, checked; undefined for none. */
  action: string | undefined;
  actionPlacement: ActionPlacement;
  rootTransferEncoding: 'binary' | '8bit';
}

/** Every option of a writer, checked, with its default filled in. */
export interface ResolvedOptions {
  encoding: ResolvedTextEncoding | ResolvedMtomEncoding;
  output: OutputCallback | undefined;
  maxDepth: number;
  maxAttributes: number;
  maxNamespaces: number;
  maxMimePartsBufferSize: number;
  writeDeclaration: boolean;
  ringSize: number;
  scratchSize: number;
  /** undefined: detected. */
  simd: boolean | undefined;
  onProgress: ((progress: PartProgress) => void) | undefined;
  signal: AbortSignal | undefined;
}

/** Options of one pushBytes / pullBytes call, checked. */
export interface ResolvedBinaryOptions {
  /** The part's Content-Type, checked; undefined when the caller gave none. */
  contentType: string | undefined;
  chunkSize: number;
  /** The declared byte count; undefined when unknown. */
  size: number | undefined;
  /** The part's Content-ID and extra headers, checked. */
  headers: ResolvedPartHeaders;
}

/** writeBytes options, checked. */
export type ResolvedWriteBytesOptions = Pick<ResolvedBinaryOptions, 'contentType' | 'headers'>;

/** A count option: an integer in [min, max], or `fallback` when it is undefined. */
export function checkCount(value: unknown, fallback: number, what: string, min = 0, max = 0x7fffffff): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw invalidArg(`${what} must be an integer from ${min} to ${max}`);
  }
  return value;
}

function checkFlag(value: unknown, fallback: boolean, what: string): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw invalidArg(`${what} must be true or false`);
  return value;
}

function checkFunction<T>(value: T | undefined, what: string): T | undefined {
  if (value !== undefined && typeof value !== 'function') throw invalidArg(`${what} must be a function`);
  return value;
}

/** Checks the writer's options, fills in every default, and never mutates the caller's object. */
export function resolveOptions(options: XmlWriterOptions = {}): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw invalidArg('the options must be an object');
  const { signal } = options;
  if (signal !== undefined && typeof signal?.addEventListener !== 'function') {
    throw invalidArg('signal must be an AbortSignal');
  }
  return {
    encoding: resolveEncoding(options.encoding ?? { type: 'text' }),
    output: checkFunction(options.output, 'output'),
    maxDepth: checkCount(options.maxDepth, DEFAULTS.maxDepth, 'maxDepth', 1),
    maxAttributes: checkCount(options.maxAttributes, DEFAULTS.maxAttributes, 'maxAttributes'),
    maxNamespaces: checkCount(options.maxNamespaces, DEFAULTS.maxNamespaces, 'maxNamespaces', 1),
    maxMimePartsBufferSize: checkCount(
      options.maxMimePartsBufferSize,
      DEFAULTS.maxMimePartsBufferSize,
      'maxMimePartsBufferSize',
    ),
    writeDeclaration: checkFlag(options.writeDeclaration, DEFAULTS.writeDeclaration, 'writeDeclaration'),
    ringSize: checkCount(options.ringSize, DEFAULTS.ringSize, 'ringSize', MIN_RING_SIZE, MAX_RING_SIZE),
    scratchSize: DEFAULTS.scratchSize,
    simd: options.simd === undefined ? undefined : checkFlag(options.simd, false, 'simd'),
    onProgress: checkFunction(options.onProgress, 'onProgress'),
    signal,
  };
}

function resolveEncoding(
  encoding: TextEncodingOptions | MtomEncodingOptions,
): ResolvedTextEncoding | ResolvedMtomEncoding {
  if (typeof encoding !== 'object' || encoding === null) throw invalidArg("encoding is { type: 'text' | 'mtom', … }");
  const action = encoding.action === undefined ? undefined : checkParameterText(encoding.action, 'action');
  if (encoding.type === 'text') {
    return { type: 'text', mediaType: checkMediaType(encoding.mediaType ?? DEFAULTS.mediaType, 'mediaType'), action };
  }
  if (encoding.type !== 'mtom') throw invalidArg("encoding.type is 'text' or 'mtom'");
  const startInfo = checkMediaType(encoding.startInfo ?? DEFAULTS.startInfo, 'startInfo');
  if (startInfo !== DEFAULTS.startInfo && /^application\/xop\+xml\b/i.test(startInfo)) {
    throw invalidArg('startInfo is the type of the XML inside, never application/xop+xml');
  }
  const actionPlacement = encoding.actionPlacement ?? DEFAULTS.actionPlacement;
  if (actionPlacement !== 'start-info' && actionPlacement !== 'top-level' && actionPlacement !== 'both') {
    throw invalidArg("actionPlacement is 'start-info', 'top-level' or 'both'");
  }
  const transfer = encoding.rootTransferEncoding ?? DEFAULTS.rootTransferEncoding;
  if (transfer !== 'binary' && transfer !== '8bit') throw invalidArg("rootTransferEncoding is 'binary' or '8bit'");
  // Part IDs are `N.` + the start URI when the caller chose one, so that a caller who fixes
  // boundary and startUri gets byte-identical messages; otherwise `N.<nonce>@mtom-stream`.
  const nonce = randomHex(8);
  const startUri =
    encoding.startUri === undefined ? `root.${nonce}@mtom-stream` : checkContentId(encoding.startUri, 'startUri');
  return {
    type: 'mtom',
    startInfo,
    boundary: encoding.boundary === undefined ? randomBoundary() : checkBoundary(encoding.boundary),
    fixedBoundary: encoding.boundary !== undefined,
    startUri,
    fixedStartUri: encoding.startUri !== undefined,
    partIdSuffix: encoding.startUri === undefined ? `${nonce}@mtom-stream` : startUri,
    maxInlineByteCount: checkCount(encoding.maxInlineByteCount, DEFAULTS.maxInlineByteCount, 'maxInlineByteCount'),
    writeMimeHeader: checkFlag(encoding.writeMimeHeader, DEFAULTS.writeMimeHeader, 'writeMimeHeader'),
    action,
    actionPlacement,
    rootTransferEncoding: transfer,
  };
}

/**
 * The MTOM settings of a writer's next message (XmlWriter.reset): a new boundary and new
 * Content-IDs, each unless the caller fixed it, generated as for the first message.
 */
export function nextMessageEncoding(encoding: ResolvedMtomEncoding): ResolvedMtomEncoding {
  if (encoding.fixedBoundary && encoding.fixedStartUri) return encoding;
  const nonce = randomHex(8);
  return {
    ...encoding,
    boundary: encoding.fixedBoundary ? encoding.boundary : randomBoundary(),
    startUri: encoding.fixedStartUri ? encoding.startUri : `root.${nonce}@mtom-stream`,
    partIdSuffix: encoding.fixedStartUri ? encoding.partIdSuffix : `${nonce}@mtom-stream`,
  };
}

/** Checks one pushBytes / pullBytes call's options; the same checks with either encoding. */
export function resolveBinaryOptions(options: BinaryOptions | undefined): ResolvedBinaryOptions {
  if (options === undefined) {
    return { contentType: undefined, chunkSize: DEFAULTS.chunkSize, size: undefined, headers: NO_PART_HEADERS };
  }
  if (typeof options !== 'object' || options === null) throw invalidArg('the binary content options must be an object');
  const { contentType } = options;
  return {
    contentType: contentType === undefined ? undefined : checkMediaType(contentType, 'contentType'),
    chunkSize: checkCount(options.chunkSize, DEFAULTS.chunkSize, 'chunkSize', 1),
    size: options.size === undefined ? undefined : checkCount(options.size, 0, 'size', 0, Number.MAX_SAFE_INTEGER),
    headers: resolvePartHeaders(options),
  };
}

/** Checks writeBytes options (undefined: none). */
export function resolveWriteBytesOptions(
  options: WriteBytesOptions | undefined,
): ResolvedWriteBytesOptions | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null) throw invalidArg('the writeBytes options must be an object');
  const { contentType } = options;
  return {
    contentType: contentType === undefined ? undefined : checkMediaType(contentType, 'contentType'),
    headers: resolvePartHeaders(options),
  };
}
