/**
 * What every HTTP transport shares (fetch in src/http.ts, node:http in src/node-http.ts): the
 * prepare step that writes the document and works out the request headers, and the rules for how
 * a request ends — the server's answer, a transport failure, the caller's signal.
 */
import { invalidArg, operationAborted, XmlWriterError } from './errors.js';
import { createOutputQueue, type OutputQueue, type XmlWriterStreamOptions } from './streams.js';
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

/** Names of the request headers that are always the writer's, lower case. */
export const MESSAGE_HEADERS = ['content-type', 'content-length', 'mime-version', 'transfer-encoding'];

/** E_INVALIDARG for a request header the transport refuses (CR/LF in a value, a bad name). */
export function invalidHeader(cause: unknown): XmlWriterError {
  const why = cause instanceof Error ? `: ${cause.message}` : '';
  return new XmlWriterError('E_INVALIDARG', `a request header is not valid HTTP (RFC 9110 §5)${why}`, { cause });
}

/**
 * Creates a stream writer and runs `build`. If build finishes before any output is delivered,
 * the root part is still in the ring and `expectedLength()` gives the Content-Length. If the
 * output starts first (the document outgrew the ring and build awaited `writer.flush()`), the
 * request starts at once, chunked, while build goes on. Check the caller's request headers
 * before: a request that cannot be sent should fail before build claims any source.
 */
export async function prepareMessage(
  build: BuildMessage,
  options: XmlWriterStreamOptions = {},
): Promise<PreparedMessage> {
  if (typeof build !== 'function') {
    throw invalidArg(
      'the message is a build callback here; to send XML text, import postMessage or requestMessage from mtom-stream/xml',
    );
  }
  if (options.encoding?.type === 'mtom' && options.encoding.writeMimeHeader) {
    // SOAP MTOM §4.3 (HTTP): the multipart/related header is the HTTP Content-Type, never part of the body.
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
  /**
   * The writer failed before the request started. A build that aborted the writer itself (as
   * writeXml does on malformed XML) throws its own error afterwards, perhaps after an await: that
   * error is the one to report, so the build is given time to settle — unless the caller's signal
   * stopped everything, whose abort is the answer.
   */
  const failedEarly = async (error: unknown) => {
    const { signal } = options;
    if (!signal?.aborted) {
      const aborted = abortOf(signal);
      try {
        await Promise.race([built.catch(() => {}), aborted.promise]);
      } finally {
        aborted.stop();
      }
    }
    return failure(error);
  };
  let documentDone: boolean;
  try {
    documentDone = await Promise.race([built.then(() => true), queue.started.then(() => false)]);
  } catch (error) {
    throw await failedEarly(error);
  }
  if (writer.isFaulted) {
    built.catch(() => {});
    throw await failedEarly(undefined);
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

/** A promise that resolves when `signal` aborts (never without one), and `stop()` to remove its listener. */
function abortOf(signal: AbortSignal | undefined): { promise: Promise<void>; stop(): void } {
  let stop = () => {};
  const promise = new Promise<void>((resolve) => {
    if (!signal) return;
    const onAbort = () => resolve();
    signal.addEventListener('abort', onAbort, { once: true });
    stop = () => signal.removeEventListener('abort', onAbort);
  });
  return { promise, stop };
}

/**
 * How a request ends, for one prepared message: the transport reports the answer or its failure
 * here, and learns what to resolve or reject with.
 */
export class RequestOutcome {
  private transportFailure: { error: unknown } | undefined;
  private sent = false;

  constructor(
    private readonly message: PreparedMessage,
    private readonly signal: AbortSignal | undefined,
  ) {
    message.done.then(
      () => (this.sent = true),
      () => {},
    );
  }

  /**
   * The transport failed (or the caller's signal stopped it). Unless the writer has already
   * failed, it is aborted with that error, so every source not yet read is released.
   */
  transportFailed(error: unknown): void {
    const { writer } = this.message;
    if (this.transportFailure || writer.signal.aborted) return;
    this.transportFailure = { error: this.typed(error) };
    writer.abort(this.transportFailure.error);
  }

  /** What the request rejects with: the transport's failure if it came first, else build's or the writer's. */
  failure(error: unknown): unknown {
    if (this.transportFailure) return this.transportFailure.error;
    const failure = this.message.failure(error);
    return failure === error ? this.typed(error) : failure;
  }

  /**
   * The server has answered. If the transport has not taken the whole message by then, the
   * server answered without reading it all (401, 413, a proxy's refusal) and will read no more:
   * the writer is aborted — no close delimiter, every source released — and the answer stands.
   * `beforeAbort` runs first, to take the body out of the transport's hands. Returns the failure
   * to reject with instead, if the writer had failed before the answer.
   */
  async answered(status: number, beforeAbort?: () => void): Promise<{ failure: unknown } | undefined> {
    const { message } = this;
    if (!this.sent && message.writer.signal.aborted) return { failure: this.failure(undefined) };
    // The last bytes taken settle the writer's end() in microtasks; give them one turn.
    if (!this.sent) {
      await Promise.race([message.done.catch(() => {}), new Promise((resolve) => setTimeout(resolve, 0))]);
    }
    // Sent, or the writer stopped meanwhile (the transport let go of the body): the answer stands.
    if (this.sent || message.writer.signal.aborted) return undefined;
    beforeAbort?.();
    message.writer.abort(operationAborted(`the server answered (HTTP ${status}) before the whole message was sent`));
    return undefined;
  }

  /** A redirect refused by fetch, or the caller's signal, as a typed error; anything else as it is. */
  private typed(error: unknown): unknown {
    if (error instanceof XmlWriterError) return error;
    if (this.signal?.aborted) return operationAborted('the request was aborted', this.signal.reason);
    const cause = (error as { cause?: { message?: unknown } } | undefined)?.cause;
    if (error instanceof TypeError && cause?.message === 'unexpected redirect') {
      return new XmlWriterError(
        'WS_E_INVALID_OPERATION',
        'the server answered with a redirect; a streamed upload is not replayed to another URL: ' +
          'send it to the final URL',
        { cause: error },
      );
    }
    return error;
  }
}
