/**
 * Text content that may turn out to be base64 binary: a TextRun gathers an element's character
 * data, checking as it goes that it is still base64 (RFC 4648 §4 alphabet, XML whitespace allowed,
 * `=` padding only at the end). Past a threshold it moves the text to a TextStore (in Node a
 * temporary file, so a multi-gigabyte base64 element never sits in memory). Whether it becomes a
 * part or stays text is decided when the element ends; either way it is read back from the store.
 */

/** Where long runs of possible base64 text wait (ASCII only). */
export interface TextStore {
  /** Appends ASCII text; returns the offset where it starts. */
  append(text: string): number;
  /** Reads text back while the document is being written. */
  readSync(offset: number, length: number): string;
  /** Reads text back while parts are emitted. */
  read(offset: number, length: number): Promise<string>;
  /** Lets go of everything stored. */
  close(): void;
}

/** A TextStore in memory: the universal default (browsers have no temporary files). */
export class MemoryTextStore implements TextStore {
  private readonly pieces: string[] = [];
  private readonly starts: number[] = [];
  private size = 0;

  append(text: string): number {
    const at = this.size;
    this.pieces.push(text);
    this.starts.push(at);
    this.size += text.length;
    return at;
  }

  readSync(offset: number, length: number): string {
    let out = '';
    for (let i = 0; i < this.pieces.length && out.length < length; i++) {
      const start = this.starts[i];
      const piece = this.pieces[i];
      if (start + piece.length <= offset + out.length) continue;
      const from = offset + out.length - start;
      out += piece.slice(from, from + length - out.length);
    }
    return out;
  }

  read(offset: number, length: number): Promise<string> {
    return Promise.resolve(this.readSync(offset, length));
  }

  close(): void {
    this.pieces.length = 0;
    this.starts.length = 0;
  }
}

export interface StoredText {
  offset: number;
  length: number;
}

enum Char {
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
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x30 && c <= 0x39) ||
    c === Char.Plus ||
    c === Char.Slash
  );
}

/** Characters of text one slice of the read-back holds at most. */
export const TEXT_SLICE = 16 * 1024;

/** An element's character data since its start tag, while it may still be base64. */
export class TextRun {
  private pieces: string[] = [];
  private memoryChars = 0;
  private stored: StoredText | undefined;
  private digits = 0;
  private padding = 0;
  private base64 = true;
  private whitespace = true;

  constructor(
    private readonly store: TextStore,
    /** Characters kept in memory before the run moves to the store. */
    private readonly spillAt: number,
  ) {}

  get isEmpty(): boolean {
    return this.memoryChars === 0 && this.stored === undefined;
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

  /** Moves the whole run to the store (it is base64, so ASCII) and returns where it is. */
  toStore(): StoredText {
    this.spill();
    return this.stored as StoredText;
  }

  /** The run's text in order, in slices of at most TEXT_SLICE characters. */
  *slices(): Generator<string> {
    if (this.stored) {
      const { offset, length } = this.stored;
      for (let at = 0; at < length; at += TEXT_SLICE)
        yield this.store.readSync(offset + at, Math.min(TEXT_SLICE, length - at));
    }
    for (const piece of this.pieces) yield* sliceText(piece);
  }

  /** Empties the run for the next stretch of text. */
  reset(): void {
    this.pieces = [];
    this.memoryChars = 0;
    this.stored = undefined;
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
      // The rest is plain text; only whether it is whitespace still matters, and it is not.
      if (!this.base64) return;
    }
  }

  private spill(): void {
    if (this.memoryChars === 0) return;
    const text = this.pieces.join('');
    const at = this.store.append(text);
    if (this.stored) this.stored.length += text.length;
    else this.stored = { offset: at, length: text.length };
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

/** Decodes stored base64 text chunk by chunk (RFC 4648 §4): yields the bytes of whole 4-digit quanta. */
export async function* decodeStored(
  store: TextStore,
  region: StoredText,
  chunkChars = 256 * 1024,
): AsyncGenerator<Uint8Array> {
  let carry = '';
  const end = region.offset + region.length;
  for (let at = region.offset; at < end; ) {
    const n = Math.min(chunkChars, end - at);
    const digits = carry + (await store.read(at, n)).replace(/[\t\n\r ]+/g, '');
    at += n;
    const whole = digits.length - (digits.length % 4);
    carry = digits.slice(whole);
    if (whole > 0) yield decodeBase64(digits.slice(0, whole));
  }
  if (carry.length > 0) throw new Error('base64 content ended inside a quantum');
}

/** Base64 digits (whole quanta, checked by TextRun) to bytes, with what every engine has. */
function decodeBase64(digits: string): Uint8Array {
  const binary = atob(digits);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
