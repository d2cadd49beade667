import { base64EncodeScalar } from "../../assembly/base64";
import {
  base64DecodeErrorAt,
  base64DecodeFinish,
  base64DecodeReset,
  base64DecodeWrite,
} from "../../assembly/base64-decode";
import { seedRandom, xorshift, randomBytes, bytesOf } from "./helpers";

seedRandom(0x2545f491);

/** Decodes `text` fed in pieces of `step` characters (0: one piece); null on error. */
function decode(text: Uint8Array, step: i32): Uint8Array | null {
  let out = new Uint8Array(text.length + 16);
  base64DecodeReset();
  let o = 0;
  let piece = step > 0 ? step : text.length;
  for (let at = 0; at < text.length; at += piece) {
    let n = min(piece, text.length - at);
    let written = base64DecodeWrite(text.dataStart + at, n, out.dataStart + o);
    if (written < 0) return null;
    o += written;
  }
  let last = base64DecodeFinish(out.dataStart + o);
  if (last < 0) return null;
  return out.slice(0, o + last);
}

function encode(src: Uint8Array): Uint8Array {
  let out = new Uint8Array(((src.length + 2) / 3) * 4 + 16);
  let n = base64EncodeScalar(src.dataStart, src.length, out.dataStart);
  return out.slice(0, n);
}

function same(a: Uint8Array | null, b: Uint8Array): bool {
  if (a == null) return false;
  let x = <Uint8Array>a;
  if (x.length != b.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] != b[i]) return false;
  return true;
}

function text(s: string): string {
  let d = decode(bytesOf(s), 0);
  return d == null ? "<error>" : String.UTF8.decode((<Uint8Array>d).buffer);
}

/** `src` with CRLF after every 76 characters, as RFC 2045 §6.8 writes it. */
function wrap(src: Uint8Array): Uint8Array {
  let out = new Uint8Array(src.length + (src.length / 76) * 2 + 2);
  let o = 0;
  for (let i = 0; i < src.length; i++) {
    out[o++] = src[i];
    if ((i + 1) % 76 == 0) {
      out[o++] = 13;
      out[o++] = 10;
    }
  }
  return out.slice(0, o);
}

/** Where a text of whole quanta fails with byte `v` at `at`: "=" as a quantum's third or fourth character is accepted and the next character refused (RFC 4648 §3.2). */
function padErrorAt(v: i32, at: i32): i32 {
  return v == 61 && at % 4 >= 2 ? at + 1 : at;
}

describe("base64 decode", () => {
  it("decodes the RFC 4648 §10 test vectors", () => {
    expect(text("")).toBe("");
    expect(text("Zg==")).toBe("f");
    expect(text("Zm8=")).toBe("fo");
    expect(text("Zm9v")).toBe("foo");
    expect(text("Zm9vYg==")).toBe("foob");
    expect(text("Zm9vYmE=")).toBe("fooba");
    expect(text("Zm9vYmFy")).toBe("foobar");
  });

  it("decodes every alphabet character in every lane of a SIMD block", () => {
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (let shift = 0; shift < 64; shift += 5) {
      let s = alphabet.substring(shift) + alphabet.substring(0, shift);
      let bytes = decode(bytesOf(s), 0);
      expect(bytes).not.toBeNull();
      expect(same(encode(<Uint8Array>bytes), bytesOf(s))).toBe(true);
    }
  });

  it("checks every byte value in every lane of the 64- and 16-character SIMD blocks", () => {
    // 96 characters: one 64-character step and two 16-character blocks
    let src = randomBytes(72);
    let b64 = encode(src);
    let out = new Uint8Array(128);
    let failures = 0;
    for (let v = 0; v < 256; v++) {
      let isAlphabet =
        (v >= 65 && v <= 90) || (v >= 97 && v <= 122) || (v >= 48 && v <= 57) || v == 43 || v == 47;
      let isSpace = v == 32 || v == 9 || v == 10 || v == 13;
      for (let at = 0; at < 96; at++) {
        // replaced: an alphabet character decodes to what re-encodes to the text; any other fails there
        let replaced = b64.slice(0);
        replaced[at] = <u8>v;
        base64DecodeReset();
        let n = base64DecodeWrite(replaced.dataStart, replaced.length, out.dataStart);
        if (isAlphabet) {
          if (n != 72 || !same(encode(out.slice(0, 72)), replaced)) failures++;
        } else if (isSpace) {
          // 95 characters: an unpadded final quantum of 3
          if (n != 69 || base64DecodeFinish(out.dataStart + n) != 2) failures++;
        } else if (v == 61 && at == 95) {
          if (n != 71) failures++; // "xyz=" closes the text
        } else if (n != -1 || base64DecodeErrorAt() != padErrorAt(v, at)) failures++;
        // inserted: whitespace is skipped; anything else fails there ("=" is followed by sextets)
        let inserted = new Uint8Array(97);
        for (let k = 0; k < at; k++) inserted[k] = b64[k];
        inserted[at] = <u8>v;
        for (let k = at; k < 96; k++) inserted[k + 1] = b64[k];
        base64DecodeReset();
        n = base64DecodeWrite(inserted.dataStart, inserted.length, out.dataStart);
        if (isSpace) {
          if (n != 72 || !same(out.slice(0, 72), src)) failures++;
        } else if (!isAlphabet && (n != -1 || base64DecodeErrorAt() != padErrorAt(v, at))) failures++;
      }
    }
    expect(failures).toBe(0);
  });

  it("round-trips random bytes of every length up to 300, whole and in pieces", () => {
    let failures = 0;
    for (let n = 0; n <= 300; n++) {
      let src = randomBytes(n);
      let b64 = encode(src);
      if (!same(decode(b64, 0), src)) failures++;
      if (!same(decode(b64, 1 + <i32>(xorshift() % 37)), src)) failures++;
      if (!same(decode(b64, 1), src)) failures++;
    }
    expect(failures).toBe(0);
  });

  it("skips whitespace anywhere: RFC 2045 line breaks and XML indentation", () => {
    let src = randomBytes(5000);
    let wrapped = wrap(encode(src));
    expect(same(decode(wrapped, 0), src)).toBe(true);
    expect(same(decode(wrapped, 7), src)).toBe(true);
    expect(text("\n  Zm9v\r\n\tYmFy  \n")).toBe("foobar");
    expect(text("Zm9vYg= =")).toBe("foob");
    expect(text("Zm9v \r\n\t \r\n  YmFy\r\n\r\n")).toBe("foobar");
    base64DecodeReset();
    let out = new Uint8Array(16);
    let input = bytesOf("Zm9v \r\n\t*mFy");
    expect(base64DecodeWrite(input.dataStart, input.length, out.dataStart)).toBe(-1);
    expect(base64DecodeErrorAt()).toBe(8);
  });

  it("accepts an unpadded final quantum of 2 or 3 characters", () => {
    expect(text("Zm9vYg")).toBe("foob");
    expect(text("Zm9vYmE")).toBe("fooba");
  });

  it("refuses characters outside the alphabet and says where", () => {
    let bad = ["Zm9v-mFy", "Zm9v_mFy", "Zm9vYm\u00e9y", "Zm9vYmF\0", "Zm:v"];
    for (let i = 0; i < bad.length; i++) expect(decode(bytesOf(bad[i]), 0)).toBeNull();
    base64DecodeReset();
    let out = new Uint8Array(64);
    let input = bytesOf("QUJDREVGR0hJSktMTU5PUFFSU1RVVldY*WVo=");
    expect(base64DecodeWrite(input.dataStart, input.length, out.dataStart)).toBe(-1);
    expect(base64DecodeErrorAt()).toBe(32);
  });

  it("refuses misplaced or incomplete padding and a cut quantum", () => {
    let bad = ["=", "Z===", "Zg=", "Zg==Zg==", "Zm9vY", "Zm8=Zm8=", "Z", "Zm=v"];
    for (let i = 0; i < bad.length; i++) expect(decode(bytesOf(bad[i]), 0)).toBeNull();
  });

  it("gives the same bytes for any split of a long text (SIMD blocks across seams)", () => {
    let src = randomBytes(100000);
    let b64 = encode(src);
    let steps: i32[] = [3, 16, 17, 63, 64, 65, 4095, 65536];
    for (let k = 0; k < steps.length; k++) expect(same(decode(b64, steps[k]), src)).toBe(true);
  });
});
