/**
 * Text content that may turn out to be base64 binary: a TextRun gathers an element's character
 * data, checking as it goes that it is still base64 (RFC 4648 §4 alphabet, XML whitespace
 * allowed, `=` padding only at the end), and moves it to a Spool file once it is large, so that
 * a multi-gigabyte base64 element never sits in memory. The decision — part or text — is made
 * when the element ends; either way the text is read back from where it was kept.
 */
import { closeSync, mkdtempSync, openSync, read, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CliError, InputError } from './errors.js';

const readAsync = promisify(read);

/** A region of the spool. */
export interface SpoolRegion {
  offset: number;
  length: number;
}

/** An append-only temporary file of ASCII text, created on first use and removed by close(). */
export class Spool {
  private dir: string | undefined;
  private fd = -1;
  private size = 0;

  /** Appends ASCII text; returns where it starts. */
  append(text: string): number {
    if (this.fd < 0) {
      this.dir = mkdtempSync(join(tmpdir(), 'mtom-stream-'));
      this.fd = openSync(join(this.dir, 'base64.spool'), 'w+', 0o600);
    }
    const at = this.size;
    const bytes = Buffer.from(text, 'latin1');
    for (let done = 0; done < bytes.length; ) done += writeSync(this.fd, bytes, done, bytes.length - done, at + done);
    this.size += bytes.length;
    return at;
  }

  /** Reads spooled text back, synchronously (while the document is being written). */
  readSync(offset: number, length: number): string {
    const buffer = Buffer.allocUnsafe(length);
    for (let done = 0; done < length; ) {
      const n = readSync(this.fd, buffer, done, length - done, offset + done);
      if (n === 0) throw new CliError('the temporary base64 spool file was truncated');
      done += n;
    }
    return buffer.toString('latin1');
  }

  /** Reads spooled text back (while parts are emitted). */
  async read(offset: number, length: number): Promise<string> {
    const buffer = Buffer.allocUnsafe(length);
    for (let done = 0; done < length; ) {
      const { bytesRead } = await readAsync(this.fd, buffer, done, length - done, offset + done);
      if (bytesRead === 0) throw new CliError('the temporary base64 spool file was truncated');
      done += bytesRead;
    }
    return buffer.toString('latin1');
  }

  /** Closes and removes the file. */
  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    if (this.dir !== undefined) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }
}

const enum Char {
  Tab = 0x09,
  Lf = 0x0a,
  Cr = 0x0d,
  Space = 0x20,
  Plus = 0x2b,
  Slash = 0x2f,
  Equals = 0x3d,
}

function isBase64Digit(c: number): boolean {
  return (
    (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === Char.Plus || c === Char.Slash
  );
}

/** Characters of text one slice of the read-back holds at most. */
export const TEXT_SLICE = 64 * 1024;

/** An element's character data since its start tag, while it may still be base64. */
export class TextRun {
  private pieces: string[] = [];
  private memoryChars = 0;
  private spooled: SpoolRegion | undefined;
  private digits = 0;
  private padding = 0;
  /** Whether every character so far fits base64 (whitespace included). */
  private base64 = true;
  private whitespace = true;

  constructor(
    private readonly spool: Spool,
    /** Characters kept in memory before the run moves to the spool. */
    private readonly spillAt: number,
  ) {}

  get isEmpty(): boolean {
    return this.memoryChars === 0 && this.spooled === undefined;
  }

  /** Whether the run is only XML whitespace (or empty). */
  get isWhitespace(): boolean {
    return this.whitespace;
  }

  /** Whether every character so far fits base64: once false, the run is plain text. */
  get mayBeBase64(): boolean {
    return this.base64;
  }

  add(text: string): void {
    if (text.length === 0) return;
    if (this.base64) this.check(text);
    this.pieces.push(text);
    this.memoryChars += text.length;
    if (this.base64 && this.memoryChars >= this.spillAt) this.spill();
  }

  /** The decoded byte count, if the whole run is base64 of at least one byte (RFC 4648 §4). */
  decodedSize(): number | undefined {
    const quanta = this.digits + this.padding;
    if (!this.base64 || this.digits === 0 || quanta % 4 !== 0) return undefined;
    // One `=` ends a quantum of 3 digits, two end one of 2: the padding fills the last quantum.
    if (this.padding > 0 && this.digits % 4 !== 4 - this.padding) return undefined;
    return (quanta / 4) * 3 - this.padding;
  }

  /** Moves the whole run to the spool (it is base64, so ASCII) and returns its region. */
  toSpool(): SpoolRegion {
    this.spill();
    return this.spooled as SpoolRegion;
  }

  /** The run's text in order, in slices of at most TEXT_SLICE characters. */
  *slices(): Generator<string> {
    if (this.spooled) {
      const { offset, length } = this.spooled;
      for (let at = 0; at < length; at += TEXT_SLICE) {
        yield this.spool.readSync(offset + at, Math.min(TEXT_SLICE, length - at));
      }
    }
    for (const piece of this.pieces) yield* sliceText(piece);
  }

  /** Empties the run for the next stretch of text. */
  reset(): void {
    this.pieces = [];
    this.memoryChars = 0;
    this.spooled = undefined;
    this.digits = 0;
    this.padding = 0;
    this.base64 = true;
    this.whitespace = true;
  }

  private check(text: string): void {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === Char.Space || c === Char.Lf || c === Char.Tab || c === Char.Cr) continue;
      this.whitespace = false;
      if (c === Char.Equals) {
        if (++this.padding > 2) this.base64 = false;
      } else if (this.padding === 0 && isBase64Digit(c)) {
        this.digits++;
      } else {
        this.base64 = false;
      }
      if (!this.base64) {
        // The rest is plain text; only whether it is whitespace still matters, and it is not.
        return;
      }
    }
  }

  private spill(): void {
    if (this.memoryChars === 0) return;
    const text = this.pieces.join('');
    const at = this.spool.append(text);
    if (this.spooled) this.spooled.length += text.length;
    else this.spooled = { offset: at, length: text.length };
    this.pieces = [];
    this.memoryChars = 0;
  }
}

/** Splits text into slices of at most TEXT_SLICE characters, never between a surrogate pair. */
export function* sliceText(text: string): Generator<string> {
  for (let at = 0; at < text.length; ) {
    let end = Math.min(text.length, at + TEXT_SLICE);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--;
    yield text.slice(at, end);
    at = end;
  }
}

/** Decodes spooled base64 text, chunk by chunk: yields the bytes of whole 4-digit quanta. */
export async function* decodeSpooled(spool: Spool, region: SpoolRegion, chunkChars = 256 * 1024): AsyncGenerator<Uint8Array> {
  let carry = '';
  const end = region.offset + region.length;
  for (let at = region.offset; at < end; ) {
    const n = Math.min(chunkChars, end - at);
    const digits = carry + (await spool.read(at, n)).replace(/[\t\n\r ]+/g, '');
    at += n;
    const whole = digits.length - (digits.length % 4);
    carry = digits.slice(whole);
    if (whole > 0) yield Buffer.from(digits.slice(0, whole), 'base64');
  }
  if (carry.length > 0) throw new InputError('base64 content ended inside a quantum');
}
