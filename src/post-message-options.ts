/** postMessage's options: the writer's, plus how the request is made and its body sent. */
import type { XmlWriterStreamOptions } from './streams.js';

/** How postMessage sends the body (see PostMessageOptions.upload). */
export type UploadMode = 'blob' | 'stream';

export interface PostMessageOptions extends XmlWriterStreamOptions {
  /** The fetch to send with. Default `globalThis.fetch`. */
  fetch?: typeof globalThis.fetch;
  /** Default `POST`. */
  method?: string;
  /**
   * Extra request headers (Authorization; SOAPAction for SOAP 1.1). Content-Type, MIME-Version
   * and Content-Length are set from the writer and override these.
   */
  headers?: HeadersInit;
  /**
   * Other fetch options (credentials, mode, …). Default `{ redirect: 'error', window: null }`: a
   * streamed body cannot be replayed, and following redirects would make fetch keep a copy of it.
   */
  init?: Omit<RequestInit, 'body' | 'method' | 'headers' | 'signal' | 'duplex'>;
  /**
   * How the body is sent. `'blob'`: the message is written into a Blob that references Blob and
   * File attachments without reading them (MTOM), then sent with XMLHttpRequest, whose progress
   * counts bytes really sent; works over any HTTP version (src/browser-upload.ts). `'stream'`:
   * a ReadableStream body with fetch, written as it is sent (Chromium over HTTP/2 or later, Node);
   * where that cannot work it fails with a RequestStreamError. Default: `'blob'` in browsers
   * (windows and workers) and wherever fetch cannot stream, else `'stream'` (Node).
   */
  upload?: UploadMode;
  /** Older spelling: `true` is `upload: 'blob'`, `false` is `upload: 'stream'`. */
  bufferBody?: boolean;
}
