/**
 * The writer's call discipline, kept apart from the XML it guards. A WS_XML_WRITER is used one
 * call at a time and never from inside its own callbacks; here that rule is enforced:
 *
 * - One call at a time. A call that goes on asynchronously (flush, end, an asynchronous pushBytes
 *   or pullBytes) holds the writer until it settles, and binary content an attachment source has
 *   claimed is owed until its producer is handed over: meanwhile every other call is refused.
 * - No call from inside a callback the writer runs (the output, a producer, a pull callback,
 *   onProgress), except that a producer uses its own sink.
 * - No call once the message has ended.
 * - Every refusal and every failure faults the writer, once and for good: later calls throw
 *   WS_E_OBJECT_FAULTED, nothing more reaches the output, `signal` aborts and `closed` rejects.
 *
 * Once end() has handed the message's last byte to the output, the message is done: abort() no
 * longer faults it, other calls are refused without touching it, and end() settles as the output
 * does.
 */
import { invalidOperation, objectFaulted } from './errors.js';
import { isThenable } from './maybe-async.js';

/** A callback the writer runs: while it runs synchronously, only its own sink may be called. */
export type CallbackKind = 'output' | 'producer' | 'pull' | 'progress';

/** What runs on the stack now: a writer call (no callback) or a callback the writer called. */
interface Frame {
  callback: CallbackKind | undefined;
  sink: object | undefined;
}

const WRITER_CALL: Frame = { callback: undefined, sink: undefined };

const CALLBACK_NAMES: Record<CallbackKind, string> = {
  output: 'the output callback',
  producer: 'a pushBytes producer',
  pull: 'a pullBytes callback',
  progress: 'onProgress',
};

/**
 * `writing` until end() hands over the last byte; `handedOver` while that delivery settles (the
 * output holds the whole message); `ended` once end() has resolved.
 */
type Phase = 'writing' | 'handedOver' | 'ended';

/** Binary content claimed now and produced later (an attachment source still opening its file). */
export interface OwedContent {
  /** Runs the operation that writes the content, as the call that claimed it. */
  pay(operation: () => Promise<void> | undefined): Promise<void> | undefined;
  /** The content will never come: faults the writer with `error`. */
  default(error: unknown): void;
}

export class CallDiscipline {
  private readonly frames: Frame[] = [];
  /** The call that holds the writer across an await, or owes binary content; undefined when idle. */
  private holder: object | undefined;
  private holderName = '';
  private phase: Phase = 'writing';
  private failed = false;
  /** The writer failed before its message was done: nothing more reaches the output. */
  private stopped = false;
  private failure: unknown = undefined;
  /** Made when `signal` is first read: most messages never need one. */
  private faults: AbortController | undefined;
  /** How `closed` settled, once it has: `{ error: undefined }` when it resolved. */
  private outcome: { error: unknown } | undefined;
  private closedPromise: Promise<void> | undefined;
  private resolveClosed: ((error?: unknown) => void) | undefined;

  /**
   * Resolves when end() has handed every byte to the output; rejects if the writer faults first.
   * Made when first asked for, settled as it would have been had it existed all along.
   */
  get closed(): Promise<void> {
    if (this.closedPromise === undefined) {
      const outcome = this.outcome;
      this.closedPromise =
        outcome === undefined
          ? new Promise((resolve, reject) => {
              this.resolveClosed = (error) => (error === undefined ? resolve() : reject(error));
            })
          : outcome.error === undefined
            ? Promise.resolve()
            : Promise.reject(outcome.error);
      // Observed or not, a fault reaches callers through the failing call itself.
      this.closedPromise.catch(() => {});
    }
    return this.closedPromise;
  }

  /** Settles `closed` (the first outcome stays): resolved, or rejected with `error`. */
  private settleClosed(error?: unknown): void {
    if (this.outcome !== undefined) return;
    this.outcome = { error };
    this.resolveClosed?.(error);
  }

  /** Whether a failure has faulted the writer. */
  get isFaulted(): boolean {
    return this.failed;
  }

  /** Aborts with the failure when the writer faults before its message is done. */
  get signal(): AbortSignal {
    if (this.faults === undefined) {
      this.faults = new AbortController();
      if (this.stopped) this.faults.abort(this.failure);
    }
    return this.faults.signal;
  }

  /** Whether end() has delivered the message: the writer may start another (XmlWriter.reset). */
  get hasEnded(): boolean {
    return this.phase === 'ended';
  }

  /** Whether nothing more may reach the output: the writer failed before the message was done. */
  get outputStopped(): boolean {
    return this.stopped;
  }

  /** Throws WS_E_OBJECT_FAULTED, with the first failure as its cause, once the writer is faulted. */
  checkNotFaulted(): void {
    if (this.failed) throw objectFaulted(this.failure);
  }

  /** Faults the writer (once). Before the message is done this stops the output and aborts `signal`. */
  fail(error: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.failure = error;
    if (this.phase !== 'writing') return;
    this.stopped = true;
    this.faults?.abort(error);
    this.settleClosed(error);
  }

  /** abort(): faults the writer with `error`, unless its message is already done. */
  abort(error: unknown): void {
    if (this.phase === 'writing') this.fail(error);
  }

  /**
   * A synchronous writer call; `after` checks what it wrote. A failure inside it, or a fault it
   * meets, faults the writer and is thrown.
   */
  call<T>(name: string, operation: () => T, after?: () => void): T {
    this.checkCallable(name);
    this.frames.push(WRITER_CALL);
    try {
      const result = operation();
      after?.();
      if (this.failed) {
        // A callback it ran faulted the writer (a refused call it caught or rethrew, abort()):
        // that failure is this call's, and what the call left running ends unobserved.
        if (isThenable(result)) result.then(undefined, () => {});
        throw this.failure;
      }
      return result;
    } catch (error) {
      throw this.failInFlight(error);
    } finally {
      this.frames.pop();
    }
  }

  /**
   * The start of a synchronous writer call written out by the caller, as `call` runs one but with
   * no closure (the writer's hottest calls): `enter`, then the work and its checks in a try whose
   * catch throws `thrown(error)`, then `leave`.
   */
  enter(name: string): void {
    this.checkCallable(name);
    this.frames.push(WRITER_CALL);
  }

  /** The end of an entered call that returned: a callback it ran may have faulted the writer. */
  leave(): void {
    this.frames.pop();
    if (this.failed) throw this.failure;
  }

  /** An entered call threw `error`: it faults the writer; returns what the call throws. */
  thrown(error: unknown): unknown {
    this.frames.pop();
    return this.failInFlight(error);
  }

  /** A writer call that may go on asynchronously: it holds the writer until its promise settles. */
  callMaybeAsync(name: string, operation: () => Promise<void> | undefined): Promise<void> | undefined {
    const pending = this.call(name, operation);
    return pending && this.hold(name, pending);
  }

  /**
   * A writer call that answers with a promise (flush, end). When the operation finishes
   * synchronously the call is over at once; only a promise it returns holds the writer.
   */
  callAsync<T>(name: string, operation: () => T | Promise<T>): Promise<T> {
    try {
      const result = this.call(name, operation);
      return isThenable(result) ? this.hold(name, result as Promise<T>) : Promise.resolve(result);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Binary content claimed by the call `name` and produced later: the writer is held, so that a
   * caller who forgot to await the source gets a refused call (and a faulted writer) rather than a
   * message without the content.
   */
  owe(name: string): OwedContent {
    const debt = {};
    this.holder = debt;
    this.holderName = `${name} (its binary content is still owed)`;
    const settle = () => {
      if (this.holder === debt) this.holder = undefined;
    };
    return {
      pay: (operation) => {
        settle();
        return this.callMaybeAsync(name, operation);
      },
      default: (error) => {
        settle();
        this.fail(error);
      },
    };
  }

  /** Runs a callback of the writer: while it runs synchronously, only its own sink may be called. */
  inCallback<T>(callback: CallbackKind, sink: object | undefined, run: () => T): T {
    this.frames.push({ callback, sink });
    try {
      return run();
    } finally {
      this.frames.pop();
    }
  }

  /** A sink call: allowed outside every callback, or straight from the producer the sink was lent to. */
  sinkCall<T>(sink: object, operation: () => T): T {
    try {
      this.checkNotFaulted();
      const top = this.frames.length > 0 ? this.frames[this.frames.length - 1] : undefined;
      if (top && top.sink !== sink) {
        throw invalidOperation(`a sink was used from inside ${this.describe(top)}`);
      }
      return operation();
    } catch (error) {
      throw this.failInFlight(error);
    }
  }

  /** end() is handing the last byte to the output: from now on the message is done. */
  handOver(): void {
    if (!this.failed) this.phase = 'handedOver';
  }

  /**
   * reset() replaces a message nothing was written to: it is over, `closed` resolves (nothing
   * was lost), and later calls on it are refused as after end().
   */
  abandon(): void {
    this.phase = 'ended';
    this.settleClosed();
  }

  /** end() has delivered everything. */
  end(): void {
    if (this.outputStopped) throw this.failure;
    this.phase = 'ended';
    this.settleClosed();
  }

  /** Refuses a writer call made out of turn, faulting the writer (unless its message is done). */
  private checkCallable(name: string): void {
    if (!this.failed && this.frames.length === 0 && this.phase === 'writing' && this.holder === undefined) return;
    this.checkNotFaulted();
    let problem: string | undefined;
    const top = this.frames.length > 0 ? this.frames[this.frames.length - 1] : undefined;
    if (top) {
      problem = `${name} was called from inside ${this.describe(top)}; only a producer's own sink may be used there`;
    } else if (this.phase === 'ended') problem = `${name}: the writer has ended`;
    else if (this.phase === 'handedOver') problem = `${name}: the message is complete and end() is delivering it`;
    else if (this.holder) problem = `${name} was called before ${this.holderName} settled; await it first`;
    if (problem === undefined) return;
    const error = invalidOperation(problem);
    // A message already handed over stays as it is: the refusal reaches only this caller.
    if (this.phase !== 'handedOver') this.fail(error);
    throw error;
  }

  /** Holds the writer while `pending` runs; it settles as `pending` does, or as soon as the writer faults. */
  private hold<T>(name: string, pending: Promise<T>): Promise<T> {
    const token = {};
    this.holder = token;
    this.holderName = name;
    const release = () => {
      if (this.holder === token) this.holder = undefined;
    };
    const alreadyReported = () => this.failed;
    const settled: Promise<T> = this.whileHealthy(pending).then(
      (value) => {
        release();
        if (this.outputStopped) throw this.failure;
        return value;
      },
      (error: unknown) => {
        release();
        // A call that fails because the writer was faulted by something else (abort(), a refused
        // call, a consumer that left) repeats a failure already reported; not awaiting it is no crash.
        if (alreadyReported()) settled.catch(() => {});
        const reported = this.failInFlight(error);
        // end() failing while it hands over the last byte: the output did not take the message.
        this.settleClosed(reported);
        throw reported;
      },
    );
    return settled;
  }

  /**
   * Settles as `pending` does, or rejects as soon as the writer faults: an aborted call returns
   * at once even if the output callback it waits on never settles.
   */
  private whileHealthy<T>(pending: Promise<T>): Promise<T> {
    pending.catch(() => {});
    return Promise.race([pending, this.closed.then(() => pending)]);
  }

  /**
   * Faults the writer with a failure met inside a call. A call in flight when something else
   * faulted the writer (abort(), the signal, a refused call in a callback) reports that failure,
   * not the WS_E_OBJECT_FAULTED or other error its next step met: the first failure is the one.
   */
  private failInFlight(error: unknown): unknown {
    const faultedBefore = this.failed;
    this.fail(error);
    return faultedBefore && this.failure !== undefined ? this.failure : error;
  }

  private describe(frame: Frame): string {
    return frame.callback ? CALLBACK_NAMES[frame.callback] : 'another writer call';
  }
}
