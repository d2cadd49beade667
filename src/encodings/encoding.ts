/**
 * What the XML writer asks of an encoding: where an element's binary content goes. The writer
 * knows elements and names; the encoding knows bytes on the wire (WS_XML_WRITER_ENCODING).
 */
import { invalidFormat } from '../errors.js';
import type { ResolvedBinaryOptions, ResolvedWriteBytesOptions } from '../options.js';
import type { PullBytesCallback, PushBytesCallback } from '../sink.js';

/** The element whose binary content is being written. */
export interface BinaryElement {
  /** The value of its xmime:contentType attribute, if it has one. */
  xmimeContentType: string | undefined;
  /** Options of its writeBytes content, for the part it may become (MTOM). */
  bytesOptions: ResolvedWriteBytesOptions | undefined;
}

export interface Encoding {
  /** The value for an HTTP Content-Type header. */
  readonly contentType: string;
  /**
   * Whether document bytes may still be written after the root element (comments, whitespace).
   * MTOM: only until the first part's headers, which end the root part.
   */
  readonly documentOpen: boolean;
  /** Writes what precedes the document (MTOM: the MIME header and the root part's headers). */
  begin(): void;
  /** WsWriteBytes: part of the element's binary content; the start tag is closed. */
  writeBytes(bytes: Uint8Array, element: BinaryElement): void;
  /** The element's writeBytes content is complete; its end tag comes next. */
  endBytes(element: BinaryElement): void;
  /** WsPushBytes: the element's whole binary content; a promise if the encoding awaits the callback now. */
  pushBytes(
    callback: PushBytesCallback,
    options: ResolvedBinaryOptions,
    element: BinaryElement,
  ): Promise<void> | undefined;
  /** WsPullBytes: the element's whole binary content. */
  pullBytes(
    callback: PullBytesCallback,
    options: ResolvedBinaryOptions,
    element: BinaryElement,
  ): Promise<void> | undefined;
  /** The whole message's length, if it is known now (see XmlWriter.expectedLength). */
  expectedLength(bytesWritten: number): number | undefined;
  /** Throws if the boundary has been found in the bytes written so far. */
  checkBoundary(): void;
  /** After the document's root element: emits the parts deferred so far (WsFlushWriter); a promise if it waits. */
  emitParts(): Promise<void> | undefined;
  /** After the document: deferred parts and the close delimiter; a promise if it waits. */
  finish(): Promise<void> | undefined;
}

/**
 * Binary content with a declared `size` (either encoding): more bytes are refused as they
 * arrive, fewer when the producer is done — WS_E_INVALID_FORMAT either way.
 */
export class DeclaredSize {
  /** Bytes of the content so far. */
  written = 0;

  constructor(readonly declared: number | undefined) {}

  /** Counts `n` more bytes, refusing them if they pass the declared size. */
  add(n: number): void {
    if (this.declared !== undefined && this.written + n > this.declared) {
      throw invalidFormat(`binary content declared ${this.declared} bytes but its producer wrote more`);
    }
    this.written += n;
  }

  /** The producer is done: a declared size must have been met exactly. */
  end(): void {
    if (this.declared !== undefined && this.written !== this.declared) {
      throw invalidFormat(`binary content declared ${this.declared} bytes but its producer wrote ${this.written}`);
    }
  }
}
