/**
 * Reader options, each default beside its doc comment, resolved once per reader (the
 * counterparts of WS_XML_READER_PROPERTY_* and the MTOM reader encoding's quotas).
 */
import { readerInvalidArg } from './errors.js';
import type { ReaderInput } from './input.js';

/** MTOM: `contentType` is the HTTP Content-Type value (taken from a Response when omitted). */
export interface MtomReaderEncoding {
  type: 'mtom';
  contentType?: string;
}

/** Plain XML (a SOAP message without attachments). */
export interface TextReaderEncoding {
  type: 'text';
}

export interface XmlReaderLimits {
  /** Open elements at most (WS_XML_READER_PROPERTY_MAX_DEPTH). Default 32. */
  maxDepth?: number;
  /**
   * Attributes per element, namespace declarations not counted
   * (WS_XML_READER_PROPERTY_MAX_ATTRIBUTES). Default 128.
   */
  maxAttributes?: number;
  /** Characters in a qualified name. Default 1024. */
  maxNameLength?: number;
  /** Bytes of the root part (the XML; with the text encoding the whole message). Default 8 MiB. */
  maxRootPartSize?: number;
  /** MIME parts at most, the root part included (WS_MTOM_ENCODING maxMimeParts). Default 1000. */
  maxMimeParts?: number;
  /**
   * Bytes of parts held in memory because they arrived before the element that refers to them
   * was reached. Default 4 MiB.
   */
  maxMimePartsBufferSize?: number;
  /** Bytes of one MIME header block. Default 8192. */
  maxHeaderBytes?: number;
}

export interface XmlReaderOptions extends XmlReaderLimits {
  /** What to read. A fetch Response (or Node IncomingMessage) also gives its Content-Type. */
  input: ReaderInput;
  /**
   * `{ type: 'mtom', contentType }` or `{ type: 'text' }`. Default: from the Content-Type (a
   * multipart type is MTOM, an XML type is text); with none, from the body's first bytes.
   */
  encoding?: MtomReaderEncoding | TextReaderEncoding;
  /** Aborting it stops the reader with WS_E_OPERATION_ABORTED and releases the input. */
  signal?: AbortSignal;
  /** Force the wasm SIMD (`true`) or scalar (`false`) core; default: detected. */
  simd?: boolean;
}

export interface ResolvedLimits {
  maxDepth: number;
  maxAttributes: number;
  maxNameLength: number;
  maxRootPartSize: number;
  maxMimeParts: number;
  maxMimePartsBufferSize: number;
  maxHeaderBytes: number;
  /** Bytes of input at most (readMessage's maxSize); Infinity for a reader. */
  maxSize: number;
}

const DEFAULTS: ResolvedLimits = {
  maxDepth: 32,
  maxAttributes: 128,
  maxNameLength: 1024,
  maxRootPartSize: 8 * 1024 * 1024,
  maxMimeParts: 1000,
  maxMimePartsBufferSize: 4 * 1024 * 1024,
  maxHeaderBytes: 8192,
  maxSize: Infinity,
};

export function resolveLimits(options: XmlReaderLimits & { maxSize?: number }): ResolvedLimits {
  const resolved = { ...DEFAULTS };
  for (const key of Object.keys(DEFAULTS) as (keyof ResolvedLimits)[]) {
    const value = options[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !(value >= 1) || (!Number.isInteger(value) && value !== Infinity)) {
      throw readerInvalidArg(`${key} must be a positive integer`);
    }
    resolved[key] = value;
  }
  return resolved;
}
