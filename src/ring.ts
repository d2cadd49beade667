/**
 * The host's side of the ring: reservations, commits, and handing committed spans to the output
 * callback (WS_WRITE_CALLBACK) — or collecting copies of them when the writer buffers the whole
 * message (WS_XML_WRITER_BUFFER_OUTPUT).
 *
 * Views lent to the output callback stay valid until it returns or its promise settles; the ring
 * releases (and so reuses) that memory only after.
 *
 * Operations that may need room take `mayWait`. Synchronous API calls pass false: when the ring
 * is full they deliver through a synchronous callback and go on, but an asynchronous callback
 * cannot be awaited there, which is WS_E_QUOTA_EXCEEDED. Producers (pushBytes, pullBytes) pass
 * true and get a promise back only when they actually had to wait.
 */
import type { CallDiscipline } from './call-discipline.js';
import { quotaExceeded } from './errors.js';
import { isThenable } from './maybe-async.js';
import { messageArray } from './message-array.js';
import type { Core } from './wasm.js';

/** WS_WRITE_CALLBACK: receives views into the ring, valid until it returns or its promise settles. */
export type OutputCallback = (buffers: readonly Uint8Array[]) => void | PromiseLike<void>;

/** A core operation moving `length` staged scratch bytes from `offset`; returns bytes consumed. */
export type MoveFromScratch = (offset: number, length: number) => number;

const ringFullWhileAsync = () =>
  quotaExceeded(
    'the ring filled during a synchronous write while the output callback was busy; ' +
      'await flush() more often, write large binary content with pushBytes, or raise ringSize',
  );

const ringTooSmall = () => quotaExceeded('the write does not fit in an empty ring; raise ringSize');

/** A buffered message is gathered straight into its final array when its length is known and at most this. */
const DIRECT_MESSAGE_LIMIT = 2 ** 30;

export class RingChannel {
  /** Copies of drained bytes, when there is no output callback and the message's length is not known yet. */
  private readonly collected: Uint8Array[] = [];
  private collectedBytes = 0;
  /** The message itself, once its exact length is known (expectLength): drained bytes go straight in. */
  private message: Uint8Array | undefined;
  private delivered = 0;
  private inFlight: Promise<void> | null = null;

  constructor(
    readonly core: Core,
    private readonly output: OutputCallback | undefined,
    private readonly discipline: CallDiscipline,
  ) {}

  /** Whether bytes go to an output callback (WS_XML_WRITER_STREAM_OUTPUT) rather than a buffer. */
  get hasOutput(): boolean {
    return this.output !== undefined;
  }

  /** Bytes handed to the output callback (or collected) so far. */
  get bytesDelivered(): number {
    return this.delivered;
  }

  /**
   * Hands every committed byte to the output. Returns a promise only if the callback returned
   * one; the spans are released when it settles.
   */
  private deliver(): Promise<void> | undefined {
    // After a fault nothing more reaches the output, so a failed message never looks complete.
    if (this.discipline.outputStopped) return undefined;
    const spans = this.core.spans();
    if (spans.length === 0) return undefined;
    let length = 0;
    for (const span of spans) length += span.length;
    const done = () => {
      this.core.release(length);
      this.delivered += length;
      this.inFlight = null;
    };
    if (!this.output) {
      this.gather(spans);
    } else {
      const output = this.output;
      const result = this.discipline.inCallback('output', undefined, () => output(spans));
      if (isThenable(result)) {
        this.inFlight = Promise.resolve(result).then(done);
        // A writer that failed meanwhile may never await this; its failure reaches the caller
        // through the writer's fault, so an unobserved rejection here must not end the process.
        this.inFlight.catch(() => {});
        return this.inFlight;
      }
    }
    done();
    return undefined;
  }

  /** Delivers what is committed; a promise if an earlier or this delivery is still in flight. */
  private makeRoom(): Promise<void> | undefined {
    this.discipline.checkNotFaulted();
    return this.inFlight ?? this.deliver();
  }

  /**
   * The step every writing loop takes when the ring is full: deliver now (undefined: go on), or
   * a promise to wait on when the output is asynchronous and waiting is allowed. An empty ring
   * that still lacks room, or a full one that may not wait, is WS_E_QUOTA_EXCEEDED.
   */
  private makeRoomOrWait(mayWait: boolean): Promise<void> | undefined {
    if (this.core.used === 0 && !this.inFlight) throw ringTooSmall();
    const wait = this.makeRoom();
    if (wait && !mayWait) throw ringFullWhileAsync();
    return wait;
  }

  /**
   * Delivers every committed byte and waits for the output to be done with it. `beforeLast` runs
   * just before the last committed byte is handed over (end(): the message is then done).
   */
  async drain(beforeLast?: () => void): Promise<void> {
    if (this.inFlight) await this.inFlight;
    beforeLast?.();
    await this.deliver();
  }

  /** A contiguous ring window of [min, max] bytes, making room as needed. */
  reserve(min: number, max: number, mayWait: boolean): Uint8Array | Promise<Uint8Array> {
    for (;;) {
      const window = this.core.reserve(min, max);
      if (window) return window;
      const wait = this.makeRoomOrWait(mayWait);
      if (wait) return wait.then(() => this.reserve(min, max, true));
    }
  }

  /** Runs a core move over staged scratch bytes until all are consumed, making room as needed. */
  move(op: MoveFromScratch, offset: number, length: number, mayWait: false): undefined;
  move(op: MoveFromScratch, offset: number, length: number, mayWait: boolean): Promise<void> | undefined;
  move(op: MoveFromScratch, offset: number, length: number, mayWait: boolean): Promise<void> | undefined {
    while (length > 0) {
      const consumed = op(offset, length);
      offset += consumed;
      length -= consumed;
      if (length === 0 || consumed > 0) continue;
      const wait = this.makeRoomOrWait(mayWait);
      if (wait) return wait.then(() => this.move(op, offset, length, true));
    }
    return undefined;
  }

  /** Runs a fixed-size core write (MIME framing, base64 padding) once there is room for it. */
  retry(write: () => boolean, mayWait: false): undefined;
  retry(write: () => boolean, mayWait: boolean): Promise<void> | undefined;
  retry(write: () => boolean, mayWait: boolean): Promise<void> | undefined {
    while (!write()) {
      const wait = this.makeRoomOrWait(mayWait);
      if (wait) return wait.then(() => this.retry(write, true));
    }
    return undefined;
  }

  /**
   * The whole message will be `length` bytes (XmlWriter.expectedLength, exact): without an output
   * callback, the bytes drained from now on are copied once, straight into the array end() returns.
   */
  expectLength(length: number): void {
    if (this.output || this.message || length > DIRECT_MESSAGE_LIMIT || length < this.collectedBytes) return;
    const message = messageArray(length);
    let at = 0;
    for (const chunk of this.collected) {
      message.set(chunk, at);
      at += chunk.length;
    }
    this.message = message;
    this.forgetCollected();
  }

  /** Keeps drained bytes for the buffered message: in the message itself when it exists, else as copies. */
  private gather(spans: readonly Uint8Array[]): void {
    for (const span of spans) {
      const at = this.collectedBytes;
      if (this.message && at + span.length <= this.message.length) this.message.set(span, at);
      else {
        if (this.message) this.unexpected();
        this.collected.push(span.slice());
      }
      this.collectedBytes += span.length;
    }
  }

  /** Drops the copies (an empty array is left as it is: setting its length is a runtime call). */
  private forgetCollected(): void {
    if (this.collected.length > 0) this.collected.length = 0;
  }

  /** The message outgrew the length it was to have: back to copies, so no byte is lost. */
  private unexpected(): void {
    const message = this.message as Uint8Array;
    this.message = undefined;
    this.collected.push(message.subarray(0, this.collectedBytes));
  }

  /** The whole message, when there is no output callback: what was drained plus the ring. */
  takeMessage(): Uint8Array {
    this.discipline.checkNotFaulted();
    const spans = this.core.spans();
    let length = 0;
    for (const span of spans) length += span.length;
    const total = this.collectedBytes + length;
    let message = this.message;
    let at = this.collectedBytes;
    if (message === undefined || total !== message.length) {
      if (message) this.unexpected();
      message = messageArray(total);
      at = 0;
      for (const chunk of this.collected) {
        message.set(chunk, at);
        at += chunk.length;
      }
    }
    for (const span of spans) {
      message.set(span, at);
      at += span.length;
    }
    this.core.release(length);
    this.delivered += length;
    this.forgetCollected();
    this.collectedBytes = 0;
    this.message = undefined;
    return message;
  }
}
