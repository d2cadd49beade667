/**
 * The writer's output as a stream. The output callback (WS_WRITE_CALLBACK) lends ring views to an
 * OutputQueue and returns a promise that settles only once the consumer has taken every byte, so
 * a slow reader slows the writer and the ring stays the only buffer (plus the copies handed out).
 * The front end is a WHATWG readable byte stream with an underlying pull source (Streams §4.7, the
 * spec's "readable byte stream with an underlying pull source" example); src/node.ts adds a Node
 * Readable over the same queue.
 */
import { createXmlWriter } from './create-writer.js';
import { operationAborted } from './errors.js';
import type { XmlWriterOptions } from './options.js';
import type { OutputCallback } from './ring.js';
import type { XmlWriter } from './xml-writer.js';

/** Progress of the whole message, reported after each chunk handed to the consumer. */
export interface TransferProgress {
  /** Bytes handed to the consumer (the reader, or the HTTP transport) so far. */
  bytesSent: number;
  /** The whole message's length, once `writer.expectedLength()` knows it; else undefined. */
  totalBytes: number | undefined;
}

/** createXmlWriter's options; `output` is the stream's own. */
export interface XmlWriterStreamOptions extends Omit<XmlWriterOptions, 'output'> {
  /** Called after each chunk handed to the consumer. Default: none. */
  onTransferProgress?: (progress: TransferProgress) => void;
}

export interface XmlWriterStream {
  writer: XmlWriter;
  /** The message's bytes. Closes when `writer.end()` has delivered them all; errors when the writer fails. */
  readable: ReadableStream<Uint8Array>;
}

type State = 'open' | 'ended' | 'failed';

/**
 * Holds the views of the one delivery in flight (the ring delivers one at a time) until the
 * consumer has taken them. Views are read only before the delivery settles (src/ring.ts).
 */
export class OutputQueue {
  private spans: readonly Uint8Array[] = [];
  private index = 0;
  private offset = 0;
  private settle: ((error?: unknown) => void) | undefined;
  private wake: (() => void) | undefined;
  private firstOutput: (() => void) | undefined;
  private readonly failureListeners: ((reason: unknown) => void)[] = [];
  private sent = 0;
  private total: number | undefined;
  private writer: XmlWriter | undefined;
  state: State = 'open';
  failure: unknown;
  /** Resolves on the first delivery (or the end, or a failure): the output has started. */
  readonly started: Promise<void>;

  constructor(private readonly onProgress?: (progress: TransferProgress) => void) {
    this.started = new Promise((resolve) => {
      this.firstOutput = resolve;
    });
  }

  /** The output callback: lends the spans and resolves once the consumer has taken them all. */
  readonly output: OutputCallback = (buffers) => {
    this.firstOutput?.();
    if (this.state === 'failed') return this.writerFailed ? undefined : Promise.reject(this.failure);
    return new Promise<void>((resolve, reject) => {
      this.spans = buffers;
      this.index = 0;
      this.offset = 0;
      this.settle = (error) => {
        this.spans = [];
        this.settle = undefined;
        if (error === undefined) resolve();
        else reject(error);
      };
      this.advance();
      this.notify();
    });
  };

  /** Follows the writer: its failure fails the queue, and its end() closes it. */
  attach(writer: XmlWriter): void {
    this.writer = writer;
    const { signal } = writer;
    signal.addEventListener('abort', () => this.fail(signal.reason), { once: true });
    // `closed` resolves once end() has delivered every byte, and every byte was taken (drain).
    writer.closed.then(
      () => this.finish(),
      () => {},
    );
  }

  /** Whether the writer itself has failed (its output is then stopped). */
  private get writerFailed(): boolean {
    return this.writer?.signal.aborted ?? false;
  }

  /** Calls `listener` with the reason if the queue fails (the writer failed or the consumer left). */
  onFailure(listener: (reason: unknown) => void): void {
    if (this.state === 'failed') listener(this.failure);
    else this.failureListeners.push(listener);
  }

  /** The whole message's length, once the writer knows it (expectedLength() is exact at any moment). */
  snapshotTotal(): number | undefined {
    const writer = this.writer;
    if (this.total === undefined && writer && !writer.isFaulted) {
      this.total = writer.expectedLength();
    }
    return this.total;
  }

  /** Undefined if bytes, the end or a failure are there now; else a promise for when they are. */
  ready(): Promise<void> | undefined {
    if (this.state !== 'open' || this.settle) return undefined;
    return new Promise((resolve) => {
      this.wake = resolve;
    });
  }

  /** Whether bytes are waiting to be taken. */
  get hasBytes(): boolean {
    return this.settle !== undefined;
  }

  /** Copies up to `view.length` bytes into `view` (a BYOB reader's buffer); returns the count. */
  fill(view: Uint8Array): number {
    let filled = 0;
    while (filled < view.length && this.settle) {
      const span = this.spans[this.index];
      const n = Math.min(view.length - filled, span.length - this.offset);
      view.set(span.subarray(this.offset, this.offset + n), filled);
      filled += n;
      this.offset += n;
      this.advance();
    }
    this.report(filled);
    return filled;
  }

  /**
   * A copy of the rest of the current span: the consumer may keep it. Typed as `slice` returns, so
   * the declaration reads `Uint8Array` for TypeScript before 5.7 (not generic there) too.
   */
  take(): ReturnType<Uint8Array['slice']> {
    if (!this.settle) return new Uint8Array(0);
    const chunk = this.spans[this.index].slice(this.offset);
    this.offset += chunk.length;
    this.advance();
    this.report(chunk.length);
    return chunk;
  }

  /** The consumer went away: the writer is aborted (WS_E_OPERATION_ABORTED), the delivery rejected. */
  cancel(reason: unknown): void {
    this.writer?.abort(reason);
    // Once end() has handed over the last byte, abort() leaves the message alone; the consumer
    // has not taken it, so the final delivery fails and end() rejects.
    this.fail(operationAborted('the output stream was cancelled', reason));
  }

  /** Everything was delivered and taken. */
  private finish(): void {
    if (this.state !== 'open') return;
    this.state = 'ended';
    this.firstOutput?.();
    this.notify();
  }

  private fail(reason: unknown): void {
    if (this.state !== 'open') return;
    this.state = 'failed';
    this.failure = reason;
    this.firstOutput?.();
    // When the writer has failed, the delivery resolves: a rejection would go unhandled in the
    // ring if the writer failed in a synchronous call while the delivery was pending. Whatever
    // waited on it then meets the stopped output. Otherwise (a cancel once end() has handed
    // over the last byte) the waiting end() receives the rejection.
    this.settle?.(this.writerFailed ? undefined : reason);
    this.notify();
    for (const listener of this.failureListeners.splice(0)) listener(reason);
  }

  /** Skips taken spans; settles the delivery once all are taken, so the ring may reuse them. */
  private advance(): void {
    while (this.index < this.spans.length && this.offset >= this.spans[this.index].length) {
      this.index++;
      this.offset = 0;
    }
    if (this.index >= this.spans.length) this.settle?.();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private report(n: number): void {
    if (n === 0) return;
    this.sent += n;
    this.onProgress?.({ bytesSent: this.sent, totalBytes: this.snapshotTotal() });
  }
}

/** createXmlWriter with its output going to a new OutputQueue. */
export async function createOutputQueue(
  options: XmlWriterStreamOptions = {},
): Promise<{ writer: XmlWriter; queue: OutputQueue }> {
  const { onTransferProgress, ...writerOptions } = options;
  const queue = new OutputQueue(onTransferProgress);
  const writer = await createXmlWriter({ ...writerOptions, output: queue.output });
  queue.attach(writer);
  return { writer, queue };
}

/**
 * A readable byte stream over the queue. It produces only in pull(), which the stream calls only
 * while a read is pending (highWaterMark 0). A BYOB read is filled from the lent views and
 * answered with respond(n); a default read gets a copy (Streams §4.7.3, byobRequest).
 */
export function queueToReadableStream(queue: OutputQueue): ReadableStream<Uint8Array> {
  let controller!: ReadableByteStreamController;
  const serve = () => {
    if (queue.state === 'failed') return controller.error(queue.failure);
    const request = controller.byobRequest;
    if (queue.state === 'ended' && !queue.hasBytes) {
      controller.close();
      // A pending BYOB read is released by responding 0 bytes to it after close().
      request?.respond(0);
      return;
    }
    const view = request?.view;
    if (request && view) request.respond(queue.fill(new Uint8Array(view.buffer, view.byteOffset, view.byteLength)));
    else controller.enqueue(queue.take());
  };
  const source: UnderlyingByteSource = {
    type: 'bytes',
    start(c) {
      controller = c;
    },
    pull() {
      const wait = queue.ready();
      if (wait) return wait.then(serve);
      serve();
      return undefined;
    },
    cancel(reason) {
      queue.cancel(reason);
    },
  };
  // Without byte streams (WebKit), a default stream with the same pull: reads get copies.
  const stream = hasByteStreams()
    ? new ReadableStream(source)
    : new ReadableStream({ ...source, type: undefined } as UnderlyingDefaultSource<Uint8Array>, { highWaterMark: 0 });
  // A failure errors the stream at once, even with no read pending (a no-op once cancelled).
  queue.onFailure((reason) => controller.error(reason));
  return stream as ReadableStream<Uint8Array>;
}

let byteStreams: boolean | undefined;

/** Whether this engine has readable byte streams (Streams §4.7); WebKit does not implement them. */
function hasByteStreams(): boolean {
  if (byteStreams === undefined) {
    try {
      new ReadableStream({ type: 'bytes' });
      byteStreams = true;
    } catch {
      byteStreams = false;
    }
  }
  return byteStreams;
}

/**
 * createXmlWriter whose output is a readable byte stream. Write the document, then call
 * `writer.end()` while (not before) the stream is read: end() resolves when the consumer has
 * read every byte. Cancelling the stream aborts the writer; a writer failure errors the stream.
 */
export async function createXmlWriterStream(options: XmlWriterStreamOptions = {}): Promise<XmlWriterStream> {
  const { writer, queue } = await createOutputQueue(options);
  return { writer, readable: queueToReadableStream(queue) };
}
