/**
 * What pushBytes and pullBytes callbacks receive (WsPushBytes, WsPullBytes). A sink writes binary
 * content into the encoding's target: inline base64 (text encoding) or a MIME part (MTOM), where
 * `reserve`/`commit` lend a window of the ring itself so a producer fills it with no copy at all.
 */
import type { CallDiscipline } from './call-discipline.js';
import { invalidArg, invalidOperation } from './errors.js';
import { isThenable } from './maybe-async.js';

/** Where binary content goes; each operation returns a promise only if it had to wait for the output. */
export interface BinaryTarget {
  /** Copies caller bytes in. */
  write(bytes: Uint8Array): Promise<void> | undefined;
  /** A writable window of 1 to `n` bytes (as many as are contiguous), replacing an uncommitted one. */
  reserve(n: number): Uint8Array | Promise<Uint8Array>;
  /** Commits the first `k` bytes of the last window. */
  commit(k: number): Promise<void> | undefined;
}

/** The writing side of pushBytes: WS_WRITE_CALLBACK's shape plus in-place reserve/commit. */
export interface BytesSink {
  /**
   * Copies the buffers into the output (the ring). Returns a promise only when it had to wait for
   * an asynchronous output; await it before the next call.
   */
  write(buffers: Uint8Array | readonly Uint8Array[]): void | Promise<void>;
  /**
   * A writable view of 1 to `n` bytes to fill in place (for example with `fs.readSync(fd, view)`),
   * valid until the next sink call. A promise only when it had to wait for the output.
   */
  reserve(n: number): Uint8Array | Promise<Uint8Array>;
  /** Commits the first `k` bytes of the last reserved view. */
  commit(k: number): void | Promise<void>;
}

/** WsPushBytes: writes an element's binary content through the sink. */
export type PushBytesCallback = (sink: BytesSink) => void | PromiseLike<void>;

/** WsPullBytes: fills the view and returns how many bytes it wrote; 0 ends the content. */
export type PullBytesCallback = (view: Uint8Array) => number | PromiseLike<number>;

export class ProducerSink implements BytesSink {
  private pending: Promise<void> | null = null;
  private window: Uint8Array | null = null;
  private closed = false;

  constructor(
    private readonly target: BinaryTarget,
    private readonly discipline: CallDiscipline,
  ) {}

  write(buffers: Uint8Array | readonly Uint8Array[]): void | Promise<void> {
    return this.run(() => {
      const list = buffers instanceof Uint8Array ? [buffers] : buffers;
      if (!Array.isArray(list) || !list.every((b) => b instanceof Uint8Array)) {
        throw invalidArg('sink.write takes a Uint8Array or an array of them');
      }
      this.window = null;
      return writeAll(this.target, list, 0);
    });
  }

  reserve(n: number): Uint8Array | Promise<Uint8Array> {
    let view: Uint8Array | undefined;
    const wait = this.run(() => {
      if (!Number.isSafeInteger(n) || n < 1) throw invalidArg('sink.reserve takes a positive integer');
      const reserved = this.target.reserve(n);
      if (isThenable(reserved)) {
        return reserved.then((w) => {
          this.window = w;
        });
      }
      view = this.window = reserved;
      return undefined;
    });
    return wait ? wait.then(() => this.window as Uint8Array) : (view as Uint8Array);
  }

  commit(k: number): void | Promise<void> {
    return this.run(() => {
      const window = this.window;
      if (!window) throw invalidOperation('sink.commit without a reserved view');
      if (!Number.isSafeInteger(k) || k < 0 || k > window.length) {
        throw invalidArg(`sink.commit takes 0 to ${window.length} bytes`);
      }
      this.window = null;
      return this.target.commit(k);
    });
  }

  /** Resolves when the last operation has finished (a producer may not have awaited it). */
  settled(): Promise<void> | undefined {
    return this.pending ?? undefined;
  }

  /** After the producer is done, the sink refuses every call. */
  close(): void {
    this.closed = true;
    this.window = null;
  }

  /**
   * One operation at a time, and only where the writer's call discipline allows a sink call;
   * failures fault the writer as well as reaching the producer.
   */
  private run(operation: () => Promise<void> | undefined): Promise<void> | undefined {
    return this.discipline.sinkCall(this, () => {
      if (this.closed) throw invalidOperation('the sink is used after its callback has finished');
      if (this.pending) throw invalidOperation('a sink call was made before the previous one settled');
      const wait = operation();
      if (!wait) return undefined;
      this.pending = wait.then(
        () => {
          this.pending = null;
        },
        (error: unknown) => {
          this.pending = null;
          this.discipline.fail(error);
          throw error;
        },
      );
      // The failure has faulted the writer; a producer that did not await still gets it there.
      this.pending.catch(() => {});
      return this.pending;
    });
  }
}

/**
 * Runs a WsPushBytes callback with a sink of its own, under the call discipline (only that sink
 * may be called from inside it). A promise only if the callback, or a sink call it left, is still
 * running; the sink refuses every call once it is done.
 */
export function runProducer(
  discipline: CallDiscipline,
  target: BinaryTarget,
  callback: PushBytesCallback,
): Promise<void> | undefined {
  const sink = new ProducerSink(target, discipline);
  let result: void | PromiseLike<void>;
  try {
    result = discipline.inCallback('producer', sink, () => callback(sink));
  } catch (error) {
    sink.close();
    throw error;
  }
  const wait = isThenable(result) ? Promise.resolve(result).then(() => sink.settled()) : sink.settled();
  if (!wait) {
    sink.close();
    return undefined;
  }
  return wait.then(
    () => sink.close(),
    (error: unknown) => {
      sink.close();
      throw error;
    },
  );
}

/** Writes buffers in order through a target, waiting only where it must. */
export function writeAll(target: BinaryTarget, list: readonly Uint8Array[], from: number): Promise<void> | undefined {
  for (let i = from; i < list.length; i++) {
    const wait = target.write(list[i]);
    if (wait) return wait.then(() => writeAll(target, list, i + 1));
  }
  return undefined;
}

/** Drives a WsPullBytes callback: lend a window, let it fill, commit, until it returns 0. */
export function runPull(
  discipline: CallDiscipline,
  target: BinaryTarget,
  pullCallback: PullBytesCallback,
  chunkSize: number,
): Promise<void> | undefined {
  // While it runs synchronously, the callback may call nothing of the writer's.
  const callback = (view: Uint8Array) => discipline.inCallback('pull', undefined, () => pullCallback(view));
  for (;;) {
    const view = target.reserve(chunkSize);
    if (isThenable(view)) return view.then((v) => pullAsync(target, callback, chunkSize, v));
    const filled = callback(view);
    if (isThenable(filled)) {
      return Promise.resolve(filled).then(async (n) => {
        if (checkFilled(n, view) === 0) return;
        await target.commit(n);
        await pullAsync(target, callback, chunkSize);
      });
    }
    if (checkFilled(filled, view) === 0) return undefined;
    const wait = target.commit(filled);
    if (wait) return wait.then(() => pullAsync(target, callback, chunkSize));
  }
}

async function pullAsync(
  target: BinaryTarget,
  callback: PullBytesCallback,
  chunkSize: number,
  first?: Uint8Array,
): Promise<void> {
  for (let view = first ?? (await target.reserve(chunkSize)); ; view = await target.reserve(chunkSize)) {
    const filled = checkFilled(await callback(view), view);
    if (filled === 0) return;
    await target.commit(filled);
  }
}

function checkFilled(filled: unknown, view: Uint8Array): number {
  if (typeof filled !== 'number' || !Number.isSafeInteger(filled) || filled < 0 || filled > view.length) {
    throw invalidArg(`a pullBytes callback must return a byte count from 0 to ${view.length}`);
  }
  return filled;
}
