/**
 * Sending a message over HTTP with fetch, streaming it as it is written. When the whole length is
 * known before the first byte goes out (every part sized) the request carries an exact
 * Content-Length; otherwise the body streams with chunked transfer (HTTP/1.1) or HTTP/2 framing.
 * Two steps: prepare (src/http-message.ts: check the headers, write the document, work out the
 * request headers), then the transport (here: fetch; src/node-http.ts: node:http).
 */
import {
  invalidHeader,
  prepareMessage,
  RequestOutcome,
  type BuildMessage,
  type PreparedMessage,
} from './http-message.js';
import { inBrowser, postBlobMessage } from './browser-upload.js';
import { invalidArg } from './errors.js';
import type { PostMessageOptions, UploadMode } from './post-message-options.js';
import { requestStreamFailed, requestStreamsUnsupported } from './request-stream-error.js';
import { queueToReadableStream } from './streams.js';

export type { BuildMessage } from './http-message.js';

export type { PostMessageOptions, UploadMode } from './post-message-options.js';

/**
 * Writes a message with `build` and sends it with fetch as it is written; resolves with the
 * Response once the server has answered. An answer that comes before the whole message was sent
 * (401, 413) is returned at once, and the writer is aborted. Rejects with the first failure:
 * build's error, the writer's (the request body then errors, so the server never sees a close
 * delimiter), or the transport's (the writer is then aborted and its sources released).
 */
export async function postMessage(
  url: string | URL,
  build: BuildMessage,
  options: PostMessageOptions = {},
): Promise<Response> {
  const { fetch: fetchImpl = globalThis.fetch, method = 'POST', headers: extra, init, bufferBody, ...rest } = options;
  const { upload: chosen, ...writerOptions } = rest;
  const upload = chosen ?? (bufferBody === undefined ? defaultUpload() : bufferBody ? 'blob' : 'stream');
  if (upload === 'blob') return postBlobMessage(url, build, options);
  if (upload !== 'stream') throw invalidArg("upload is 'blob' or 'stream'");
  // Never hand fetch a stream it would send as the text "[object ReadableStream]".
  if (!supportsRequestStreams()) throw requestStreamsUnsupported();
  let headers: Headers;
  try {
    headers = new Headers(extra);
  } catch (error) {
    throw invalidHeader(error);
  }
  const message = await prepareMessage(build, writerOptions);
  for (const [name, value] of Object.entries(message.headers)) headers.set(name, value);
  // fetch keeps its listener on a signal until the request is collected: it gets one of its own,
  // so that a long-lived signal shared by many requests gathers none.
  const link = linkSignal(options.signal);
  const request: RequestInit = { redirect: 'error', window: null, ...init, method, headers, signal: link.signal };
  const outcome = new RequestOutcome(message, options.signal);
  try {
    return await sendStreamed(message, outcome, fetchImpl, url, request);
  } finally {
    link.unlink();
  }
}

/** `'blob'` in browsers (windows and workers) and wherever fetch cannot stream a body; else `'stream'`. */
function defaultUpload(): UploadMode {
  return inBrowser() || !supportsRequestStreams() ? 'blob' : 'stream';
}

/** A signal of the request's own that follows `signal` until unlinked. */
function linkSignal(signal: AbortSignal | undefined): { signal: AbortSignal | undefined; unlink(): void } {
  if (!signal) return { signal: undefined, unlink() {} };
  const controller = new AbortController();
  const follow = () => controller.abort(signal.reason);
  if (signal.aborted) follow();
  else signal.addEventListener('abort', follow, { once: true });
  return { signal: controller.signal, unlink: () => signal.removeEventListener('abort', follow) };
}

/** Sends the body as it is written; an early answer leaves the request, the writer is aborted. */
async function sendStreamed(
  message: PreparedMessage,
  outcome: RequestOutcome,
  fetchImpl: typeof globalThis.fetch,
  url: string | URL,
  request: RequestInit,
): Promise<Response> {
  const body = detachableBody(queueToReadableStream(message.queue));
  let response: Response;
  try {
    // Fetch §5.3: a ReadableStream body needs duplex 'half'.
    response = await fetchImpl(url, { ...request, body: body.stream, duplex: 'half' } as RequestInit);
  } catch (error) {
    outcome.transportFailed(error);
    const failure = outcome.failure(error);
    // In a browser a network failure of a stream body is most often the HTTP version: say so.
    throw failure === error && inBrowser() && error instanceof TypeError ? requestStreamFailed(error) : failure;
  }
  // Aborting the writer must not error the body under the answer, which would cut the answer short too.
  const failed = await outcome.answered(response.status, () => body.detach());
  if (failed) {
    await response.body?.cancel().catch(() => {});
    throw failed.failure;
  }
  return response;
}

/**
 * The request body handed to fetch: it relays the message's stream chunk by chunk, and once
 * detached it neither errors nor ends, so the writer can be aborted while the answer is read.
 */
function detachableBody(source: ReadableStream<Uint8Array>): { stream: ReadableStream<Uint8Array>; detach(): void } {
  const reader = source.getReader();
  let detached = false;
  const never = new Promise<void>(() => {});
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } catch (error) {
          if (detached) return never;
          throw error;
        }
        if (detached) return never;
        if (chunk.done) controller.close();
        else controller.enqueue(chunk.value);
        return undefined;
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
  return {
    stream,
    detach() {
      detached = true;
    },
  };
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
