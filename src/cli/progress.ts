/**
 * A one-line progress bar on stderr, drawn only on a terminal and only when the work lasts long
 * enough to be worth watching. It is redrawn on a timer from a snapshot, so the writer's
 * onProgress callback (called after every commit into a part) stays a few assignments.
 */

export interface ProgressSnapshot {
  /** Bytes of the message written so far. */
  done: number;
  /** The message's length, once known (after the root element). */
  total: number | undefined;
  /** What is being written: the document, or a part's label. */
  label: string;
}

const MIB = 1024 * 1024;

function size(bytes: number): string {
  return bytes >= MIB ? `${(bytes / MIB).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
}

/** The bar's text for a snapshot, fitted to `columns`. */
export function formatProgress(snapshot: ProgressSnapshot, columns: number): string {
  const { done, total, label } = snapshot;
  let line: string;
  if (total === undefined || total === 0) {
    line = `packing ${size(done)}  ${label}`;
  } else {
    const fraction = Math.min(1, done / total);
    const width = 24;
    const filled = Math.round(fraction * width);
    const bar = `${'='.repeat(filled)}${filled < width ? '>' : ''}${' '.repeat(Math.max(0, width - filled - 1))}`;
    line = `[${bar}] ${(fraction * 100).toFixed(0).padStart(3)}%  ${size(done)} / ${size(total)}  ${label}`;
  }
  return line.length > columns - 1 ? `${line.slice(0, Math.max(0, columns - 2))}…` : line;
}

export class ProgressBar {
  private timer: ReturnType<typeof setInterval> | undefined;
  private drawn = false;
  private readonly started = Date.now();

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly snapshot: () => ProgressSnapshot,
    /** Nothing is drawn before this many milliseconds: short runs print no bar at all. */
    private readonly delay = 500,
    private readonly interval = 100,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.draw(), this.interval);
    this.timer.unref();
  }

  /** Stops redrawing and clears the line. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
  }

  private draw(): void {
    if (Date.now() - this.started < this.delay) return;
    this.stream.write(`\r${formatProgress(this.snapshot(), this.stream.columns || 80)}\x1b[K`);
    this.drawn = true;
  }
}
