// Base64 decoding, RFC 4648 §4 (standard alphabet), for text that arrives in
// chunks: inline xs:base64Binary content and parts sent with
// Content-Transfer-Encoding: base64 (RFC 2045 §6.8, lines of at most 76 characters).
//
// Whitespace (space, tab, CR, LF) is skipped anywhere, as xs:base64Binary and
// RFC 2045 §6.8 allow; "=" padding may only close the last quantum (§3.2), and
// only whitespace may follow it. Any other character is an error: the decoder
// never skips what it does not understand (RFC 4648 §3.3).
//
// The SIMD path follows Muła and Lemire ("Faster Base64 Encoding and Decoding
// using AVX2 Instructions", 2018) on 128-bit lanes: 16 characters are checked
// with two nibble lookups, turned into sextets by a lookup on the high nibble,
// and packed into 12 bytes; a block holding anything else (whitespace, padding,
// an invalid character) goes to the scalar path, which handles one character at
// a time. Carried sextets make any split of the text decode the same.

// Sextet per byte value; 64: '=', 65: whitespace, 255: not base64
const DECODE: usize = memory.data<u8>([
  255, 255, 255, 255, 255, 255, 255, 255, 255, 65, 65, 255, 255, 65, 255, 255,
  255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
  65, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 62, 255, 255, 255, 63,
  52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 255, 255, 255, 64, 255, 255,
  255, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
  15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 255, 255, 255, 255, 255,
  255, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
  41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 255, 255, 255, 255, 255,
  255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
  255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
  255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
  255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
  255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
  255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
  255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
  255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
]);

// For each position in a quantum, per byte value: its sextet's bits placed
// where they go in the three decoded bytes read as a little-endian u32, or
// NOT_SEXTET for anything outside the alphabet. Built from DECODE on first use.
const QUAD: usize = memory.data(4 * 256 * 4, 4);
const NOT_SEXTET: u32 = 0x01000000;
let quadTablesBuilt = false;

function buildQuadTables(): void {
  for (let c = 0; c < 256; c++) {
    let v = <u32>load<u8>(DECODE + <usize>c);
    let at = QUAD + (<usize>c << 2);
    if (v >= 64) {
      store<u32>(at, NOT_SEXTET);
      store<u32>(at, NOT_SEXTET, 1024);
      store<u32>(at, NOT_SEXTET, 2048);
      store<u32>(at, NOT_SEXTET, 3072);
    } else {
      store<u32>(at, v << 2); // aaaaaa.. ........ ........
      store<u32>(at, (v >> 4) | ((v & 15) << 12), 1024); // ......bb bbbb.... ........
      store<u32>(at, ((v >> 2) << 8) | ((v & 3) << 22), 2048); // ........ ....cccc cc......
      store<u32>(at, v << 16, 3072); // ........ ........ ..dddddd
    }
  }
  quadTablesBuilt = true;
}

const PAD: u32 = 64;
const SPACE: u32 = 65;

// The vector constants below are written as v128 immediates, not loaded from
// memory: the engine then keeps them in registers across the loop, and a
// swizzle by a constant index vector below 16 needs no index range fix-up.

let quad: u32 = 0; // sextets of the open quantum
let quadLen: u32 = 0; // 0-3
let pads: u32 = 0; // "=" seen in the open quantum
let closed: bool = false; // a padded quantum ended the text
let errorAt: i32 = -1;

/** Starts a new base64 text. */
export function base64DecodeReset(): void {
  quad = 0;
  quadLen = 0;
  pads = 0;
  closed = false;
  errorAt = -1;
}

/** Offset (in the last call's input) of the character that made it fail, or -1. */
export function base64DecodeErrorAt(): i32 {
  return errorAt;
}

/**
 * Whether any of the 16 characters is outside the alphabet (two nibble lookups,
 * Muła–Lemire): valid when LO[low nibble] & HI[high nibble] == 0. `hi` is the
 * high nibble of each character.
 */
@inline
function invalid16(s: v128, hi: v128): v128 {
  let lo = v128.and(s, i8x16.splat(0x0f));
  return v128.and(
    i8x16.swizzle(i8x16(0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x13, 0x1a, 0x1b, 0x1b, 0x1b, 0x1a), lo),
    i8x16.swizzle(i8x16(0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10), hi),
  );
}

/** 16 valid characters (high nibbles in `hi`) -> 12 bytes (in the low 12 lanes; the top 4 are scratch). */
@inline
function decode16(s: v128, hi: v128): v128 {
  // offset from character to sextet by high nibble, '/' moved to index 1 (0x2f + 0xff = 0x2e)
  let roll = i8x16.swizzle(
    i8x16(0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0),
    i8x16.add(i8x16.eq(s, i8x16.splat(0x2f)), hi),
  );
  let sextets = i8x16.add(s, roll);
  // 00aaaaaa 00bbbbbb per 16-bit lane -> aaaaaabbbbbb
  let pairs = v128.or(i16x8.shl(v128.and(sextets, i16x8.splat(0x00ff)), 6), i16x8.shr_u(sextets, 8));
  // two 12-bit halves per 32-bit lane -> 24 bits (i32x4.dot: high * 0x1000 + low * 1)
  let words = i32x4.dot_i16x8_s(pairs, i32x4.splat(0x00011000));
  // bytes 2,1,0 of each 32-bit lane, most significant first
  return i8x16.swizzle(words, i8x16(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, 3, 7, 11, 15));
}

/**
 * SIMD blocks: decodes 16 characters to 12 bytes while every character is in
 * the alphabet; returns the characters consumed (a multiple of 16). 64
 * characters are checked per step with one branch, then 16 at a time. Writes
 * 16 bytes per block (4 past the 12 it keeps), so dst needs 4 bytes of slack.
 */
function decodeBlocksSimd(src: usize, len: u32, dst: usize): u32 {
  let i: u32 = 0;
  if (ASC_FEATURE_SIMD) {
    if (len < 16) return 0;
    let o = dst;
    if (len >= 64) {
      let last = len - 64;
      while (i <= last) {
        // Each block is decoded and stored before the one check: a block with
        // anything outside the alphabet only leaves bytes past `o`, which the
        // scalar path then overwrites (64 characters never decode to more than
        // the 48 bytes stored, plus the 4 of slack).
        let p = src + i;
        let s0 = v128.load(p);
        let h0 = v128.and(i16x8.shr_u(s0, 4), i8x16.splat(0x0f));
        let bad = invalid16(s0, h0);
        v128.store(o, decode16(s0, h0));
        let s1 = v128.load(p, 16);
        let h1 = v128.and(i16x8.shr_u(s1, 4), i8x16.splat(0x0f));
        bad = v128.or(bad, invalid16(s1, h1));
        v128.store(o, decode16(s1, h1), 12);
        let s2 = v128.load(p, 32);
        let h2 = v128.and(i16x8.shr_u(s2, 4), i8x16.splat(0x0f));
        bad = v128.or(bad, invalid16(s2, h2));
        v128.store(o, decode16(s2, h2), 24);
        let s3 = v128.load(p, 48);
        let h3 = v128.and(i16x8.shr_u(s3, 4), i8x16.splat(0x0f));
        bad = v128.or(bad, invalid16(s3, h3));
        v128.store(o, decode16(s3, h3), 36);
        if (v128.any_true(bad)) break;
        i += 64;
        o += 48;
      }
    }
    let last = len - 16;
    while (i <= last) {
      let s = v128.load(src + i);
      let h = v128.and(i16x8.shr_u(s, 4), i8x16.splat(0x0f));
      if (v128.any_true(invalid16(s, h))) break;
      v128.store(o, decode16(s, h));
      i += 16;
      o += 12;
    }
  }
  return i;
}

/**
 * Decodes `len` characters at src into dst, carrying an open quantum between
 * calls. Returns the bytes written (at most 3 * ceil((len + 3) / 4)), or -1 for
 * a character that is not base64 or misplaced padding (base64DecodeErrorAt).
 * dst needs 4 bytes more than the bytes written.
 */
export function base64DecodeWrite(src: usize, len: u32, dst: usize): i32 {
  if (!quadTablesBuilt) buildQuadTables();
  let i: u32 = 0;
  let o = dst;
  while (i < len) {
    if (quadLen == 0 && !closed) {
      let n = decodeBlocksSimd(src + i, len - i, o);
      i += n;
      o += (n >> 2) * 3;
      // scalar blocks of four alphabet characters: four lookups OR into the
      // three bytes in memory order, stored as one u32 (its fourth byte is slack)
      while (i + 4 <= len) {
        let p = src + i;
        let w =
          load<u32>(QUAD + (<usize>load<u8>(p) << 2)) |
          load<u32>(QUAD + (<usize>load<u8>(p, 1) << 2), 1024) |
          load<u32>(QUAD + (<usize>load<u8>(p, 2) << 2), 2048) |
          load<u32>(QUAD + (<usize>load<u8>(p, 3) << 2), 3072);
        if (w >= NOT_SEXTET) break;
        store<u32>(o, w);
        o += 3;
        i += 4;
      }
      if (i >= len) break;
    }
    let v = <u32>load<u8>(DECODE + <usize>load<u8>(src + i));
    if (v == SPACE) {
      // a run of whitespace (a line break, indentation) at once, then back to the blocks
      do i++;
      while (i < len && <u32>load<u8>(DECODE + <usize>load<u8>(src + i)) == SPACE);
      continue;
    }
    if (v < 64) {
      if (closed || pads > 0) return fail(i);
      quad = (quad << 6) | v;
      if (++quadLen == 4) {
        store<u8>(o, <u8>(quad >> 16));
        store<u8>(o, <u8>(quad >> 8), 1);
        store<u8>(o, <u8>quad, 2);
        o += 3;
        quad = 0;
        quadLen = 0;
      }
    } else if (v == PAD) {
      // §3.2: "xx==" or "xxx=" only
      if (closed || quadLen < 2) return fail(i);
      pads++;
      if (quadLen + pads == 4) {
        o += flushPartial(o);
        closed = true;
      }
    } else {
      return fail(i);
    }
    i++;
  }
  return <i32>(o - dst);
}

/** Writes the 1 or 2 bytes of an open quantum of 2 or 3 sextets; returns the count. */
function flushPartial(dst: usize): u32 {
  let n = quadLen - 1;
  let w = quad << (6 * (4 - quadLen));
  store<u8>(dst, <u8>(w >> 16));
  if (n == 2) store<u8>(dst, <u8>(w >> 8), 1);
  quad = 0;
  quadLen = 0;
  pads = 0;
  return n;
}

/**
 * Ends the text: 0 when it ended on a quantum boundary or with padding; 1 or 2
 * bytes written to dst for an unpadded final quantum of 2 or 3 characters; -1
 * for a text cut inside a quantum (one character, or padding left incomplete).
 */
export function base64DecodeFinish(dst: usize): i32 {
  if (quadLen == 0) return 0;
  if (quadLen == 1 || pads > 0) {
    errorAt = -1;
    return -1;
  }
  return <i32>flushPartial(dst);
}

function fail(at: u32): i32 {
  errorAt = <i32>at;
  return -1;
}
