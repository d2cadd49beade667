/**
 * What the XML writer asks of an encoding: where an element's binary content goes. The writer
 * knows elements and names; the encoding knows bytes on the wire (WS_XML_WRITER_ENCODING).
 */
import { checkCount } from '../options.js';
import type { PullBytesCallback, PushBytesCallback } from '../sink.js';

export interface BinaryOptions {
  /** Content-Type of the MIME part when the element has no xmime:contentType attribute. */
  contentType?: string;
  /** pullBytes: the largest window lent to the callback at once, in bytes. Default 65536. */
  chunkSize?: number;
  /**
   * The exact byte count the callback will write, when known (buffers, Blobs, files). It lets
   * `expectedLength()` give a Content-Length before the first byte is sent; a producer that
   * writes more or fewer bytes fails the writer with WS_E_INVALID_FORMAT.
   */
  size?: number;
}

/** The element whose binary content is being written. */
export interface BinaryElement {
  /** The value of its xmime:contentType attribute, if it has one. */
  xmimeContentType: string | undefined;
}

export interface Encoding {
  /** The value for an HTTP Content-Type header. */
  readonly contentType: string;
  /** Writes what precedes the document (MTOM: the MIME header and the root part's headers). */
  begin(): void;
  /** WsWriteBytes: part of the element's binary content; the start tag is closed. */
  writeBytes(bytes: Uint8Array, element: BinaryElement): void;
  /** The element's writeBytes content is complete; its end tag comes next. */
  endBytes(element: BinaryElement): void;
  /** WsPushBytes: the element's whole binary content; a promise if the encoding awaits the callback now. */
  pushBytes(callback: PushBytesCallback, options: BinaryOptions, element: BinaryElement): Promise<void> | undefined;
  /** WsPullBytes: the element's whole binary content. */
  pullBytes(callback: PullBytesCallback, options: BinaryOptions, element: BinaryElement): Promise<void> | undefined;
  /** The whole message's length, if it is known now (see XmlWriter.expectedLength). */
  expectedLength(bytesWritten: number): number | undefined;
  /** Throws if the boundary has been found in the bytes written so far. */
  checkBoundary(): void;
  /** After the document's root element: emits the parts deferred so far (WsFlushWriter). */
  emitParts(): Promise<void>;
  /** After the document: deferred parts and the close delimiter. */
  finish(): Promise<void>;
}

/** The largest window lent to a pullBytes callback (`chunkSize`, default 65536). */
export function pullChunkSize(options: BinaryOptions): number {
  return checkCount(options.chunkSize, 65536, 'chunkSize', 1);
}
