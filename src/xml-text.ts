/**
 * Characters and bytes on their way into the ring: markup encoded straight into a ring window,
 * text and attribute values staged as UTF-8 in scratch, checked (XML 1.0 §2.2 Char) and escaped
 * by the core, and binary content as canonical base64 (RFC 4648 §4) by the core.
 */
import type { EncodedMarkup } from './encoded-markup.js';
import { invalidFormat } from './errors.js';
import type { RingChannel } from './ring.js';
import { ASCII_STOP } from './wasm.js';

const encoder = new TextEncoder();

/** Markup up to this many UTF-16 units is encoded straight into one ring window. */
const DIRECT_MARKUP = 1024;

/**
 * Escaping of ASCII text as it is copied, the same bytes the core's escaper writes
 * (assembly/escape.ts): XML 1.0 §2.4 for character data (`&`, `<`, `>`, and CR as a reference so
 * that line-end normalization keeps it), §3.3.3 for double-quoted attribute values (also `"`,
 * TAB, LF). Other C0 controls are not XML Chars (§2.2): the general path refuses them.
 */
const REFERENCES = ['', '&amp;', '&lt;', '&gt;', '&#xD;', '&quot;', '&#xA;', '&#x9;'].map((reference) =>
  Uint8Array.from(reference, (c) => c.charCodeAt(0)),
);
function escapeTable(references: Record<string, number>): Uint8Array {
  return Uint8Array.from({ length: 0x80 }, (_, code) => {
    const c = String.fromCharCode(code);
    if (c in references) return references[c];
    return code < 0x20 && c !== '\t' && c !== '\n' ? ASCII_STOP : 0;
  });
}
const TEXT_ESCAPES = escapeTable({ '&': 1, '<': 2, '>': 3, '\r': 4 });
const ATTRIBUTE_ESCAPES = escapeTable({ '&': 1, '<': 2, '>': 3, '\r': 4, '"': 5, '\n': 6, '\t': 7 });
/**
 * Values up to this many UTF-16 units are escaped in JavaScript as they are copied; longer ones
 * cost less through the core (TextEncoder.encodeInto, then the core's SIMD check and escape).
 * encodeInto costs tens of nanoseconds a call in Node and a few hundred in browsers, where it is
 * a binding into the embedder, so the JavaScript copy pays for itself on longer values there.
 */
const ASCII_COPY_LIMIT =
  typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string' ? 24 : 96;

/**
 * `value` as a double-quoted attribute value (XML 1.0 §3.3.3), by the same table the copy uses;
 * undefined when it holds a unit the core must check (non-ASCII, C0 controls).
 */
export function escapedAsciiAttribute(value: string): string | undefined {
  let escaped = '';
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    const reference = code < 0x80 ? ATTRIBUTE_ESCAPES[code] : ASCII_STOP;
    if (reference === ASCII_STOP) return undefined;
    escaped += reference === 0 ? value[i] : String.fromCharCode(...REFERENCES[reference]);
  }
  return escaped;
}

const hasIsWellFormed = typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed === 'function';
const LONE_SURROGATE = /\p{Surrogate}/u;

/** Whether a string is well-formed UTF-16 (no lone surrogates), which TextEncoder would replace. */
export function isWellFormedString(value: string): boolean {
  return hasIsWellFormed ? (value as string & { isWellFormed(): boolean }).isWellFormed() : !LONE_SURROGATE.test(value);
}

/** Values up to this many UTF-16 units are staged and escaped into the markup window in one crossing. */
const STAGED_MARKUP_LIMIT = 1024;

function invalidText(byteOffset: number): Error {
  return invalidFormat(
    `byte ${byteOffset} of the text is malformed UTF-8 or a character XML 1.0 does not allow (§2.2 Char)`,
  );
}

/** Index in `bytes` where a chunk ending before `end` should stop so no UTF-8 sequence is split. */
function utf8ChunkEnd(bytes: Uint8Array, start: number, end: number): number {
  if (end >= bytes.length) return bytes.length;
  let cut = end;
  while (cut > start && (bytes[cut] & 0xc0) === 0x80) cut--;
  return cut > start ? cut : end;
}

export class XmlTextOutput {
  constructor(private readonly channel: RingChannel) {}

  /** Markup that needs no escaping (checked names and fixed syntax), encoded in place. */
  markup(value: string): void {
    const { core } = this.channel;
    if (value.length > DIRECT_MARKUP) {
      this.forEachChunk(value, (length) => this.channel.move((o, n) => core.copyFromScratch(o, n), 0, length, false));
    } else if (!core.writeMarkup(value)) {
      this.channel.retry(() => core.writeMarkup(value), false);
    }
  }

  /** Markup encoded once (a cached name's tags, fixed syntax), written four bytes per store. */
  encodedMarkup(markup: EncodedMarkup): void {
    const { core } = this.channel;
    const { words, length } = markup;
    if (!core.writeMarkupWords(words, length)) this.channel.retry(() => core.writeMarkupWords(words, length), false);
  }

  /**
   * Character data (writeChars) or a double-quoted attribute value, escaped: short ASCII as it is
   * copied, anything else by the core.
   */
  text(value: string, attribute: boolean): void {
    if (
      value.length <= ASCII_COPY_LIMIT &&
      this.writeAsciiEscaped(value, attribute ? ATTRIBUTE_ESCAPES : TEXT_ESCAPES)
    ) {
      return;
    }
    if (!isWellFormedString(value)) throw invalidFormat('the string holds a lone surrogate (not well-formed UTF-16)');
    if (value.length <= STAGED_MARKUP_LIMIT && this.writeStagedEscaped(value, attribute)) return;
    this.forEachChunk(value, (length) => this.escapeStaged(length, attribute));
  }

  /**
   * Stages a value in scratch and has the core check and escape it into the markup window, one
   * crossing; false if the ring has no window for it now (the caller takes the chunked path).
   */
  private writeStagedEscaped(value: string, attribute: boolean): boolean {
    const { core } = this.channel;
    const { written } = encoder.encodeInto(value, core.scratch);
    const result = core.escapeStagedIntoMarkup(written, attribute);
    if (result > 0) throw invalidText(result - 1);
    return result === 0;
  }

  /** Writes a short ASCII value, escaped as it is copied; false if it holds a unit the core must handle. */
  private writeAsciiEscaped(value: string, escapes: Uint8Array): boolean {
    const { core } = this.channel;
    let written = core.writeAsciiEscaped(value, escapes, REFERENCES);
    if (written < 0) {
      // Synchronous (mayWait false): a full ring is delivered through a synchronous output or refused.
      this.channel.retry(() => {
        written = core.writeAsciiEscaped(value, escapes, REFERENCES);
        return written >= 0;
      }, false);
    }
    return written === 1;
  }

  /** UTF-8 character data (writeCharsUtf8) or attribute value, checked and escaped by the core. */
  textUtf8(bytes: Uint8Array, attribute: boolean): void {
    const { scratch } = this.channel.core;
    for (let start = 0; start < bytes.length; ) {
      const end = utf8ChunkEnd(bytes, start, start + scratch.length);
      scratch.set(bytes.subarray(start, end));
      this.escapeStaged(end - start, attribute);
      start = end;
    }
  }

  /**
   * Base64 of binary content, streaming (the core carries 0–2 bytes between calls): the bytes are
   * copied straight into ring windows and encoded there. A promise only when `mayWait` and the
   * ring had to wait for an asynchronous output.
   */
  base64(bytes: Uint8Array, mayWait?: false): undefined;
  base64(bytes: Uint8Array, mayWait: boolean): Promise<void> | undefined;
  base64(bytes: Uint8Array, mayWait = false): Promise<void> | undefined {
    const { core } = this.channel;
    return this.channel.move((offset, length) => core.base64FromBytes(bytes, offset, length), 0, bytes.length, mayWait);
  }

  /** Base64 of `length` bytes a producer staged at the start of scratch. */
  base64Staged(length: number, mayWait: boolean): Promise<void> | undefined {
    return this.channel.move(this.encodeBase64, 0, length, mayWait);
  }

  /** Ends a base64 value: the padded final quantum. */
  base64End(mayWait?: false): undefined;
  base64End(mayWait: boolean): Promise<void> | undefined;
  base64End(mayWait = false): Promise<void> | undefined {
    const { core } = this.channel;
    return this.channel.retry(() => core.base64Finish(), mayWait);
  }

  private readonly encodeBase64 = (offset: number, length: number) =>
    this.channel.core.base64FromScratch(offset, length);

  /** Text written as it is, once checked (comments: XML 1.0 §2.5 has no references). */
  verbatim(value: string): void {
    if (!isWellFormedString(value)) throw invalidFormat('the string holds a lone surrogate (not well-formed UTF-16)');
    const { core } = this.channel;
    this.forEachChunk(value, (length) => {
      this.checkStaged(length);
      this.channel.move((o, n) => core.copyFromScratch(o, n), 0, length, false);
    });
  }

  private escapeStaged(length: number, attribute: boolean): void {
    const { core } = this.channel;
    this.checkStaged(length);
    this.channel.move((o, n) => core.escapeFromScratch(o, n, attribute), 0, length, false);
  }

  /** Refuses staged bytes that are malformed UTF-8 or not XML 1.0 Chars (§2.2). */
  private checkStaged(length: number): void {
    const invalid = this.channel.core.findInvalidInScratch(0, length);
    if (invalid >= 0) throw invalidText(invalid);
  }

  /** Encodes a string into scratch chunk by chunk (never splitting a surrogate pair). */
  private forEachChunk(value: string, consume: (length: number) => void): void {
    const { scratch } = this.channel.core;
    let rest = value;
    while (rest.length > 0) {
      const { read, written } = encoder.encodeInto(rest, scratch);
      consume(written);
      rest = rest.slice(read);
    }
  }
}
