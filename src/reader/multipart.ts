/**
 * The MIME layer of the reader: a multipart body (RFC 2046 §5.1) read from a byte source
 * through the core's input window, one part at a time, in constant memory. Content is handed out
 * as spans of the window up to the next delimiter; the last delimiter length − 1 bytes of a
 * window without a match stay behind, so a delimiter split across chunks is found.
 *
 * The body is read as if it began with CRLF, so a first delimiter at its very start is found
 * like any other and a preamble before it is skipped (RFC 2046 §5.1.1). Also reads a body that is
 * not multipart at all (a plain XML reply): then the whole input is one part.
 */
import type { ReaderCore } from '../wasm.js';
import { readerInvalidFormat, readerQuotaExceeded } from './errors.js';
import type { ByteSource } from './input.js';
import { parseHeaderBlock, type PartHeaders } from './part-headers.js';

/** A span of the input window: valid until the next call on the MimeStream. */
export interface WindowSpan {
  offset: number;
  length: number;
}

/** RFC 5322 §2.1.1 allows 998 characters a line: more transport padding than that is not padding. */
const MAX_PADDING = 998;

const CR = 13;
const LF = 10;
const DASH = 45;

const latin1 = new TextDecoder('latin1');

export class MimeStream {
  /** Unread input is window[start, end). */
  private start = 2;
  private end = 2;
  /** Bytes from `start` up to here are content of the current part. */
  private contentEnd = 2;
  /** Where the current part's delimiter begins in the window, or -1 if not found yet. */
  private delimiterAt = -1;
  /** Search resumes here (positions before it hold no delimiter). */
  private searchFrom = 2;
  private delimiterLength = 0;
  /** The rest of the last input chunk, not yet in the window. */
  private pending: Uint8Array | undefined;
  private inputDone = false;
  /** Whether the current part's content has all been handed out (its delimiter consumed). */
  private partEnded = true;
  /** The close delimiter has been read. */
  closed = false;
  /** Input bytes taken from the source so far. */
  bytesRead = 0;
  /** Parts whose headers have been read. */
  partCount = 0;

  constructor(
    private readonly core: ReaderCore,
    private readonly source: ByteSource,
    private readonly limits: { maxHeaderBytes: number; maxMimeParts: number; maxSize: number },
    private readonly signal: AbortSignal | undefined,
  ) {}

  /** Rejects the read of the input in progress, if any. */
  private rejectRead: ((reason: unknown) => void) | undefined;

  /** The reader failed: a pending read of the input (one that may never answer) is given up. */
  interrupt(reason: unknown): void {
    this.rejectRead?.(reason);
  }

  private readInput(): Promise<Uint8Array | undefined> {
    return new Promise((resolve, reject) => {
      this.rejectRead = reject;
      this.source.read().then(resolve, reject);
    }).finally(() => {
      this.rejectRead = undefined;
    }) as Promise<Uint8Array | undefined>;
  }

  /** Whether a delimiter has been set (the body is multipart). */
  get multipart(): boolean {
    return this.delimiterLength > 0;
  }

  /** Moves unread bytes to the window's start, then copies in more input; false at the end of it. */
  private async fill(): Promise<boolean> {
    const window = this.core.window;
    if (this.start > 0) {
      const shift = this.start;
      window.copyWithin(0, shift, this.end);
      this.start = 0;
      this.end -= shift;
      this.contentEnd -= shift;
      this.searchFrom = Math.max(0, this.searchFrom - shift);
      if (this.delimiterAt >= 0) this.delimiterAt -= shift;
    }
    while (!this.pending || this.pending.length === 0) {
      if (this.inputDone) return false;
      this.signal?.throwIfAborted();
      const chunk = await this.readInput();
      this.signal?.throwIfAborted();
      if (chunk === undefined) {
        this.inputDone = true;
        return false;
      }
      this.bytesRead += chunk.length;
      if (this.bytesRead > this.limits.maxSize) {
        throw readerQuotaExceeded(`the message is larger than maxSize (${this.limits.maxSize} bytes)`);
      }
      this.pending = chunk;
    }
    const n = Math.min(this.pending.length, window.length - this.end);
    if (n === 0) return true;
    window.set(this.pending.subarray(0, n), this.end);
    this.end += n;
    this.pending = n === this.pending.length ? undefined : this.pending.subarray(n);
    return true;
  }

  /** At least `n` unread bytes (fewer only at the end of the input) as a view; for sniffing. */
  async peek(n: number): Promise<Uint8Array> {
    while (this.end - this.start < n && (await this.fill()));
    return this.core.window.subarray(this.start, Math.min(this.end, this.start + n));
  }

  /**
   * Reads a header block at the current position up to and including its blank line (RFC 2045
   * §3), within maxHeaderBytes. An immediate CRLF is an empty block.
   */
  async readHeaderBlock(what: string): Promise<PartHeaders> {
    const window = this.core.window;
    const max = this.limits.maxHeaderBytes;
    // Bytes after `start` known not to begin the blank line; relative, so fill() keeps it valid.
    let checked = 0;
    for (;;) {
      if (this.end - this.start >= 2 && window[this.start] === CR && window[this.start + 1] === LF) {
        this.start += 2;
        return new Map();
      }
      for (let i = this.start + checked; i + 3 < this.end; i++) {
        if (window[i] === CR && window[i + 1] === LF && window[i + 2] === CR && window[i + 3] === LF) {
          if (i - this.start > max) break;
          const text = latin1.decode(window.subarray(this.start, i));
          this.start = i + 4;
          return parseHeaderBlock(text);
        }
      }
      if (this.end - this.start > max) {
        throw readerQuotaExceeded(`the ${what} headers are longer than maxHeaderBytes (${max})`);
      }
      checked = Math.max(0, this.end - this.start - 3);
      if (!(await this.fill())) throw readerInvalidFormat(`the message ends inside the ${what} headers`);
    }
  }

  /**
   * Starts reading multipart content with this boundary: the rest of the input is the body.
   * Skips the preamble up to the first delimiter.
   */
  async beginMultipart(boundary: string): Promise<void> {
    const delimiter = new TextEncoder().encode(`\r\n--${boundary}`);
    this.core.setDelimiter(delimiter);
    this.delimiterLength = delimiter.length;
    // The body is read as if it began with CRLF (RFC 2046 §5.1.1: the CRLF before the first
    // delimiter belongs to it).
    if (this.start < 2) {
      this.core.window.copyWithin(2, this.start, this.end);
      this.end += 2 - this.start;
      this.start = 2;
    }
    this.start -= 2;
    this.core.window[this.start] = CR;
    this.core.window[this.start + 1] = LF;
    this.beginContent();
    while (await this.takeContent(Infinity));
    if (this.closed) throw readerInvalidFormat('the multipart body has no parts');
  }

  private beginContent(): void {
    this.partEnded = false;
    this.contentEnd = this.start;
    this.searchFrom = this.start;
    this.delimiterAt = -1;
  }

  /**
   * Reads the next part's headers once the current part's content has been read to its end;
   * undefined after the close delimiter. Counts the part against maxMimeParts.
   */
  async nextPart(): Promise<PartHeaders | undefined> {
    if (!this.partEnded) throw new Error('nextPart before the end of the current part');
    if (this.closed) return undefined;
    if (++this.partCount > this.limits.maxMimeParts) {
      throw readerQuotaExceeded(`the message has more than maxMimeParts (${this.limits.maxMimeParts}) parts`);
    }
    const headers = await this.readHeaderBlock('part');
    this.beginContent();
    return headers;
  }

  /** Starts the one part of a body that is not multipart: all of the input. */
  beginSinglePart(): void {
    this.beginContent();
  }

  /** The next span of content already known to be the current part's, without reading input; undefined if none. */
  contentNow(max: number): WindowSpan | undefined {
    if (this.contentEnd <= this.start) return undefined;
    const length = Math.min(max, this.contentEnd - this.start);
    const span = { offset: this.start, length };
    this.start += length;
    return span;
  }

  /**
   * The next span of the current part's content, at most `max` bytes; undefined once the part
   * has ended (its delimiter is consumed). The span is valid until the next call.
   */
  async takeContent(max: number): Promise<WindowSpan | undefined> {
    for (;;) {
      if (this.contentEnd > this.start) {
        const length = Math.min(max, this.contentEnd - this.start);
        const span = { offset: this.start, length };
        this.start += length;
        return span;
      }
      if (this.partEnded) return undefined;
      await this.findContent();
    }
  }

  /** Skips the rest of the current part's content. */
  async skipContent(): Promise<void> {
    while (await this.takeContent(Infinity));
  }

  /** Advances contentEnd past more content, or ends the part at its delimiter. */
  private async findContent(): Promise<void> {
    if (!this.multipart) {
      this.contentEnd = this.end;
      if (this.contentEnd > this.start) return;
      if (!(await this.fill())) this.partEnded = true;
      this.contentEnd = this.end;
      return;
    }
    for (;;) {
      if (this.delimiterAt >= 0) {
        const after = this.afterDelimiter();
        if (after === 'more') {
          if (!(await this.fill()))
            throw readerInvalidFormat('the message ends inside a MIME delimiter: it was cut short');
          continue;
        }
        if (after === 'content') {
          // "--boundary" followed by other characters: not a delimiter (RFC 2046 §5.1.1).
          this.delimiterAt = -1;
          this.contentEnd = this.start + 1;
          this.searchFrom = this.start + 1;
          return;
        }
        this.delimiterAt = -1;
        this.partEnded = true;
        return;
      }
      const from = Math.max(this.searchFrom, this.start);
      const found = this.core.findDelimiter(from, this.end - from);
      if (found >= 0) {
        this.delimiterAt = from + found;
        this.contentEnd = this.delimiterAt;
        if (this.contentEnd > this.start) return;
        continue;
      }
      const safe = this.end - (this.delimiterLength - 1);
      this.searchFrom = Math.max(this.start, safe);
      if (safe > this.start) {
        this.contentEnd = safe;
        return;
      }
      if (!(await this.fill())) {
        throw readerInvalidFormat('the message ends inside a MIME part, without its close delimiter: it was cut short');
      }
    }
  }

  /**
   * At a delimiter (start === delimiterAt): consumes it with its transport padding and CRLF
   * ('next'), or with "--" ('close'); 'more' if the window does not hold enough to tell;
   * 'content' if what follows makes it no delimiter.
   */
  private afterDelimiter(): 'next' | 'close' | 'more' | 'content' {
    const window = this.core.window;
    const p = this.start + this.delimiterLength;
    if (this.end - p < 2) return 'more';
    if (window[p] === DASH && window[p + 1] === DASH) {
      this.start = p + 2;
      this.closed = true;
      return 'close';
    }
    let q = p;
    while (q < this.end && (window[q] === 32 || window[q] === 9) && q - p <= MAX_PADDING) q++;
    if (q - p > MAX_PADDING) return 'content';
    if (this.end - q < 2) return 'more';
    if (window[q] === CR && window[q + 1] === LF) {
      this.start = q + 2;
      return 'next';
    }
    return 'content';
  }

  /** Stops reading the input (the epilogue after the close delimiter is not read). */
  release(): void {
    this.pending = undefined;
    this.source.release();
  }
}
