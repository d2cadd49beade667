/**
 * Sending a message over HTTP with fetch, streaming it as it is written. When the whole length is
 * known before the first byte goes out (every part sized, wire-format doc §8) the request carries
 * an exact Content-Length; otherwise the body streams with chunked transfer (HTTP/1.1) or HTTP/2
 * framing. src/node.ts adds the same over node:http.
 */
import { inBrowser, postBlobMessage, type UploadMode } from './browser-upload.js';
import { invalidArg } from './errors.js';
import { requestStreamFailed, requestStreamsUnsupported } from './request-stream-error.js';
import { createOutputQueue, queueToReadableStream, type OutputQueue, type XmlWriterStreamOptions } from './streams.js';
import type { XmlWriter } from './xml-writer.js';

/** Writes the document (elements, attachments); may be async. Need not call `writer.end()`. */
export type BuildMessage = (writer: XmlWriter) => void | PromiseLike<void>;

/** A message whose document is written and whose request headers are known. */
export interface PreparedMessage {
  writer: XmlWriter;
  queue: OutputQueue;
  /** Content-Type (the writer's), MIME-Version for MTOM, and Content-Length when it is known. */
  headers: Record<string, string>;
  /** The exact length, or undefined when the request must be chunked. */
  contentLength: number | undefined;
  /** Resolves once the rest of `build` and `writer.end()` have handed over every byte. */
  done: Promise<void>;
  /** The failure to report: the build's error, else the writer's, else `error`. */
  failure(error: unknown): unknown;
}

/**
 * Creates a stream writer and runs `build`. If build finishes before any output is delivered,
 * the root part is still in the ring and `expectedLength()` gives the Content-Length. If the
 * output starts first (the document outgrew the ring and build awaited `writer.flush()`), the
 * request starts at once, chunked, while build goes on.
 */
export async function prepareMessage(build: BuildMessage, options: XmlWriterStreamOptions = {}): Promise<PreparedMessage> {
  if (options.encoding?.type === 'mtom' && options.encoding.writeMimeHeader) {
    // Wire-format doc §1: over HTTP the MIME header belongs to HTTP, never to the body.
    throw invalidArg('writeMimeHeader must stay off when the message is sent over HTTP');
  }
  const { writer, queue } = await createOutputQueue(options);
  let buildFailed = false;
  let buildError: unknown;
  const built = (async () => build(writer))().catch((error: unknown) => {
    buildFailed = true;
    buildError = error;
    writer.abort(error);
    throw error;
  });
  const failure = (error: unknown) => (buildFailed ? buildError : writer.signal.aborted ? writer.signal.reason : error);
  let documentDone: boolean;
  try {
    documentDone = await Promise.race([built.then(() => true), queue.started.then(() => false)]);
  } catch (error) {
    throw failure(error);
  }
  if (writer.isFaulted) {
    built.catch(() => {});
    throw failure(undefined);
  }
  const contentLength = documentDone ? queue.snapshotTotal() : undefined;
  const headers: Record<string, string> = { 'Content-Type': writer.contentType };
  // RFC 2045 §4: a MIME entity declares its version; the multipart/related body is one.
  if (/^multipart\//i.test(writer.contentType)) headers['MIME-Version'] = '1.0';
  if (contentLength !== undefined) headers['Content-Length'] = String(contentLength);
  const done = built.then(() => writer.end()).then(() => undefined);
  done.catch(() => {});
  return { writer, queue, headers, contentLength, done, failure };
}

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
  /** Other fetch options (credentials, mode, …). */
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

/**
 * Writes a message with `build` and sends it with fetch as it is written; resolves with the
 * Response once the server has answered and every byte was sent. It rejects with the first
 * failure: build's error, the writer's (the request body then errors, so the server never sees a
 * close delimiter), or the transport's (the writer is then aborted and its sources released).
 */
export async function postMessage(url: string | URL, build: BuildMessage, options: PostMessageOptions = {}): Promise<Response> {
  const { bufferBody } = options;
  const upload = options.upload ?? (bufferBody === undefined ? defaultUpload() : bufferBody ? 'blob' : 'stream');
  if (upload === 'blob') return postBlobMessage(url, build, options);
  if (upload !== 'stream') throw invalidArg("upload is 'blob' or 'stream'");
  // Never hand fetch a stream it would send as the text "[object ReadableStream]".
  if (!supportsRequestStreams()) throw requestStreamsUnsupported();
  const { fetch: fetchImpl = globalThis.fetch, method = 'POST', headers: extra, init, ...rest } = options;
  const { upload: _upload, bufferBody: _bufferBody, ...writerOptions } = rest;
  const message = await prepareMessage(build, writerOptions);
  const { writer } = message;
  const headers = new Headers(extra);
  for (const [name, value] of Object.entries(message.headers)) headers.set(name, value);
  const readable = queueToReadableStream(message.queue);
  let transportError: unknown;
  let transportFailed = false;
  const send = (body: BodyInit) => {
    // Fetch §5.3: a ReadableStream body needs duplex 'half'.
    const request = { ...init, method, headers, body, duplex: 'half', signal: options.signal } as RequestInit;
    return fetchImpl(url, request).catch((error: unknown) => {
      if (!writer.signal.aborted) {
        transportFailed = true;
        transportError = error;
        writer.abort(error);
      }
      throw error;
    });
  };
  try {
    const [response] = await Promise.all([send(readable), message.done]);
    return response;
  } catch (error) {
    if (!transportFailed) throw message.failure(error);
    // In a browser a network failure of a stream body is most often the HTTP version: say so.
    throw inBrowser() && transportError instanceof TypeError ? requestStreamFailed(transportError) : transportError;
  }
}

/** `'blob'` in browsers (windows and workers) and wherever fetch cannot stream a body; else `'stream'`. */
function defaultUpload(): UploadMode {
  return inBrowser() || !supportsRequestStreams() ? 'blob' : 'stream';
}

/**
 * Whether fetch here accepts a ReadableStream request body (Chromium ≥ 105, Node, Deno; not
 * Firefox or Safari). It says nothing of the connection: Chromium sends one only over HTTP/2 or
 * later, and fails over HTTP/1.1 (postMessage then rejects with a RequestStreamError).
 */
export function supportsRequestStreams(): boolean {
  try {
    let duplexAccessed = false;
    const init = {
      body: new ReadableStream(),
      method: 'POST',
      get duplex() {
        duplexAccessed = true;
        return 'half';
      },
    };
    const hasContentType = new Request('http://localhost/', init as RequestInit).headers.has('Content-Type');
    return duplexAccessed && !hasContentType;
  } catch {
    return false;
  }
}
