/**
 * postMessage with `upload: 'blob'` (the default in browsers): the message is written into a Blob
 * of the writer's bytes and the attachments' own Blobs and Files (src/blob-message.ts), whose size
 * is the exact Content-Length, then sent with XMLHttpRequest, whose `upload.onprogress` counts the
 * body bytes really sent (XMLHttpRequest §3.5.6, "process request body chunk length"). That works
 * over HTTP/1.1 and every later version, in every browser. Without XMLHttpRequest (Node, service
 * workers) or with a `fetch` option, the Blob is sent with fetch, which reports no progress until
 * the response: progress then comes once, when the whole body has been sent.
 */
import { BlobMessageOutput } from './blob-message.js';
import { createXmlWriter } from './create-writer.js';
import { invalidArg, invalidFormat, operationAborted } from './errors.js';
import { invalidHeader, type BuildMessage } from './http-message.js';
import type { PostMessageOptions } from './post-message-options.js';

export type { UploadMode } from './post-message-options.js';

/** Writes the whole message into a Blob (attachments by reference), then sends it. */
export async function postBlobMessage(
  url: string | URL,
  build: BuildMessage,
  options: PostMessageOptions,
): Promise<Response> {
  const {
    fetch: fetchImpl,
    method = 'POST',
    headers: extra,
    init,
    upload: _upload,
    bufferBody: _bufferBody,
    onTransferProgress,
    ...writerOptions
  } = options;
  if (writerOptions.encoding?.type === 'mtom' && writerOptions.encoding.writeMimeHeader) {
    throw invalidArg('writeMimeHeader must stay off when the message is sent over HTTP');
  }
  // Bad request headers are refused before anything is written or claimed.
  let headers: Headers;
  try {
    headers = new Headers(extra);
  } catch (error) {
    throw invalidHeader(error);
  }
  const message = new BlobMessageOutput();
  const writer = await createXmlWriter({ ...writerOptions, output: message.output });
  if (writerOptions.encoding?.type === 'mtom') message.follow(writer);
  try {
    await build(writer);
  } catch (error) {
    // A build stopped by an abort fails with the abort, not with the call that met it.
    const reason = writer.signal.aborted ? writer.signal.reason : error;
    writer.abort(error);
    throw reason;
  }
  try {
    await writer.end();
  } catch (error) {
    // Aborted (by `signal` or the writer's own failure): the writer's fault says so.
    throw writer.signal.aborted ? writer.signal.reason : error;
  }
  const body = message.toBlob();
  // One source for each wire fact: the Blob must be exactly the message the writer counted.
  if (body.size !== writer.bytesWritten) {
    throw invalidFormat(`the message Blob has ${body.size} bytes but the writer wrote ${writer.bytesWritten}`);
  }
  headers.set('Content-Type', writer.contentType);
  // RFC 2045 §4: a MIME entity declares its version; the multipart/related body is one.
  if (/^multipart\//i.test(writer.contentType)) headers.set('MIME-Version', '1.0');
  // The browser sets Content-Length from the Blob (script may not set it).
  headers.delete('Content-Length');
  const report = (bytesSent: number) => onTransferProgress?.({ bytesSent, totalBytes: body.size });
  const { signal } = options;
  if (fetchImpl === undefined && typeof XMLHttpRequest === 'function') {
    return sendWithXhr(url, method, headers, body, { signal, credentials: init?.credentials, report });
  }
  const response = await (fetchImpl ?? globalThis.fetch)(url, { ...init, method, headers, body, signal });
  // fetch says nothing while it sends; once the response is there, every byte was sent.
  report(body.size);
  return response;
}

/**
 * Whether this is a browser (a window or a worker), where fetch cannot be trusted to stream a
 * body: Chromium sends one only over HTTP/2, and a service worker has no XMLHttpRequest.
 */
export function inBrowser(): boolean {
  return (
    typeof XMLHttpRequest === 'function' ||
    typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope === 'function'
  );
}

interface XhrOptions {
  signal: AbortSignal | undefined;
  credentials: RequestCredentials | undefined;
  report: (bytesSent: number) => void;
}

/** Sends `body` with XMLHttpRequest; resolves with the answer as a fetch Response. */
function sendWithXhr(
  url: string | URL,
  method: string,
  headers: Headers,
  body: Blob,
  options: XhrOptions,
): Promise<Response> {
  const { signal, credentials, report } = options;
  return new Promise<Response>((resolve, reject) => {
    const aborted = () => operationAborted('the request was aborted', signal?.reason);
    if (signal?.aborted) return reject(aborted());
    const xhr = new XMLHttpRequest();
    xhr.open(method, String(url));
    xhr.responseType = 'blob';
    xhr.withCredentials = credentials === 'include';
    headers.forEach((value, name) => {
      xhr.setRequestHeader(name, value);
    });
    let sent = 0;
    const progress = (loaded: number) => {
      if (loaded <= sent) return;
      sent = loaded;
      report(loaded);
    };
    // A listener on xhr.upload before send() is what makes the browser report upload progress.
    xhr.upload.addEventListener('progress', (event) => progress(event.loaded));
    xhr.upload.addEventListener('load', () => progress(body.size));
    const onAbort = () => xhr.abort();
    const settle = () => signal?.removeEventListener('abort', onAbort);
    xhr.addEventListener('load', () => {
      settle();
      progress(body.size);
      resolve(toResponse(xhr));
    });
    xhr.addEventListener('error', () => {
      settle();
      reject(new TypeError(`the request to ${String(url)} failed: a network error (XMLHttpRequest)`));
    });
    xhr.addEventListener('timeout', () => {
      settle();
      reject(new TypeError(`the request to ${String(url)} timed out (XMLHttpRequest)`));
    });
    xhr.addEventListener('abort', () => {
      settle();
      reject(aborted());
    });
    signal?.addEventListener('abort', onAbort, { once: true });
    xhr.send(body);
  });
}

/** Fetch §2.2.3: these statuses answer with no body. */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/** The XMLHttpRequest's answer as a fetch Response (status, headers, body, url). */
function toResponse(xhr: XMLHttpRequest): Response {
  const headers = new Headers();
  for (const line of xhr.getAllResponseHeaders().split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  const body = NULL_BODY_STATUSES.has(xhr.status) ? null : (xhr.response as Blob);
  const response = new Response(body, { status: xhr.status, statusText: xhr.statusText, headers });
  Object.defineProperty(response, 'url', { value: xhr.responseURL });
  return response;
}
