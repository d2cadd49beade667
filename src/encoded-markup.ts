/**
 * Markup made once and written many times: a cached name's start tag, end tag and attribute head,
 * and the fixed pieces of syntax. Its UTF-8 bytes are packed into little-endian 32-bit words so
 * that the core's markup window takes four bytes per store (Core.writeMarkupWords).
 */
const encoder = new TextEncoder();

export class EncodedMarkup {
  /** The bytes, four per word, the last word padded with zeros. */
  readonly words: Int32Array;
  /** The bytes' count (the padding is not written). */
  readonly length: number;

  constructor(text: string) {
    const bytes = encoder.encode(text);
    this.length = bytes.length;
    const padded = new Uint8Array(Math.ceil(bytes.length / 4) * 4);
    padded.set(bytes);
    const view = new DataView(padded.buffer);
    this.words = Int32Array.from({ length: padded.length / 4 }, (_, i) => view.getInt32(4 * i, true));
  }
}

/** `>`: ends a start tag before content. */
export const START_TAG_END = new EncodedMarkup('>');
/** `/>`: ends an empty element's start tag. */
export const EMPTY_ELEMENT_END = new EncodedMarkup('/>');
/** `"`: ends an attribute value. */
export const ATTRIBUTE_VALUE_END = new EncodedMarkup('"');
