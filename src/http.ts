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
import { queueToReadableStream, type XmlWriterStreamOptions } from './streams.js';

export type { BuildMessage } from './http-message.js';

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
   * Collect the message into a Blob and send that, for browsers without streaming request bodies
   * (memory: the whole message). Default: only where `supportsRequestStreams()` is false.
   */
  bufferBody?: boolean;
}

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
  const { fetch: fetchImpl = globalThis.fetch, method = 'POST', headers: extra, init, bufferBody, ...writerOptions } =
    options;
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
    return await (bufferBody ?? !supportsRequestStreams()
      ? sendBuffered(message, outcome, fetchImpl, url, request)
      : sendStreamed(message, outcome, fetchImpl, url, request));
  } finally {
    link.unlink();
  }
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
    throw outcome.failure(error);
  }
  // Aborting the writer must not error the body under the answer, which would cut the answer short too.
  const failed = await outcome.answered(response.status, () => body.detach());
  if (failed) {
    await response.body?.cancel().catch(() => {});
    throw failed.failure;
  }
  return response;
}

/** Collects the whole message into a Blob, then sends it with its exact length. */
async function sendBuffered(
  message: PreparedMessage,
  outcome: RequestOutcome,
  fetchImpl: typeof globalThis.fetch,
  url: string | URL,
  request: RequestInit,
): Promise<Response> {
  let blob: Blob;
  try {
    [blob] = await Promise.all([new Response(queueToReadableStream(message.queue)).blob(), message.done]);
  } catch (error) {
    throw outcome.failure(error);
  }
  (request.headers as Headers).delete('Content-Length');
  try {
    return await fetchImpl(url, { ...request, body: blob });
  } catch (error) {
    outcome.transportFailed(error);
    throw outcome.failure(error);
  }
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
 * Whether fetch here streams a ReadableStream request body (Chromium ≥ 105, Node, Deno; not
 * Firefox or Safari as of 2025). Chromium streams only over HTTP/2 or later.
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
