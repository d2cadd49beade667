/**
 * The failure of a streaming upload (`upload: 'stream'`, a ReadableStream request body with
 * `duplex: 'half'`, Fetch §5.3) where the browser cannot stream: Firefox and Safari do not send
 * stream bodies at all, and Chromium sends them only over HTTP/2 or later. A TypeError, as fetch's
 * own failures are, with a message that says what to do and fetch's error as `cause`.
 */
export class RequestStreamError extends TypeError {
  override readonly name = 'RequestStreamError';
  /** Stable code: `ERR_REQUEST_STREAM_UNSUPPORTED` (refused before sending) or `ERR_REQUEST_STREAM_FAILED`. */
  readonly code: 'ERR_REQUEST_STREAM_UNSUPPORTED' | 'ERR_REQUEST_STREAM_FAILED';

  constructor(code: RequestStreamError['code'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

const WHAT_TO_DO = "use upload: 'blob' (the default in browsers), which works over any HTTP version";

/** This fetch cannot send a stream body: refused before anything is sent. */
export function requestStreamsUnsupported(): RequestStreamError {
  return new RequestStreamError(
    'ERR_REQUEST_STREAM_UNSUPPORTED',
    `this browser's fetch cannot send a ReadableStream request body (only Chromium-based browsers can); ${WHAT_TO_DO}`,
  );
}

/** fetch failed while it was to stream the body: in Chromium, most often an HTTP/1.1 server. */
export function requestStreamFailed(cause: unknown): RequestStreamError {
  const why = cause instanceof Error ? ` (${cause.message})` : '';
  return new RequestStreamError(
    'ERR_REQUEST_STREAM_FAILED',
    `the streaming upload failed${why}: Chromium streams request bodies only over HTTP/2 or later (HTTPS), ` +
      `so a plain http:// or HTTP/1.1 server refuses them; ${WHAT_TO_DO}`,
    { cause },
  );
}
