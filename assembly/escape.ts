// XML character data: well-formedness check (XML 1.0 §2.2 Char over UTF-8,
// RFC 3629 §4) and escaping of text (§2.4) and double-quoted attribute values
// (§3.3.3: TAB, LF, CR are written as references so normalization keeps them).
import { ringReserve, ringReservedLength, ringCommitChecked } from "./ring";

// References, 8 bytes per slot: 1 &amp; 2 &lt; 3 &gt; 4 &#xD; 5 &quot; 6 &#xA; 7 &#x9;
const REFS: usize = memory.data<u8>(
  [
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // (unused)
    0x26, 0x61, 0x6d, 0x70, 0x3b, 0x00, 0x00, 0x00, // &amp;
    0x26, 0x6c, 0x74, 0x3b, 0x00, 0x00, 0x00, 0x00, // &lt;
    0x26, 0x67, 0x74, 0x3b, 0x00, 0x00, 0x00, 0x00, // &gt;
    0x26, 0x23, 0x78, 0x44, 0x3b, 0x00, 0x00, 0x00, // &#xD;
    0x26, 0x71, 0x75, 0x6f, 0x74, 0x3b, 0x00, 0x00, // &quot;
    0x26, 0x23, 0x78, 0x41, 0x3b, 0x00, 0x00, 0x00, // &#xA;
    0x26, 0x23, 0x78, 0x39, 0x3b, 0x00, 0x00, 0x00, // &#x9;
  ],
  8,
);
const REF_LEN: usize = memory.data<u8>([0x00, 0x05, 0x04, 0x04, 0x05, 0x06, 0x05, 0x05]);

// byte -> reference slot (0: copied as is)
const TEXT_CLASS: usize = memory.data<u8>([
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 3, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
]);
const ATTR_CLASS: usize = memory.data<u8>([
  0, 0, 0, 0, 0, 0, 0, 0, 0, 7, 6, 0, 0, 4, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 5, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 3, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
]);

// Nibble lookups: a byte is special iff LO[b & 15] & HI[b >> 4] != 0
// (bit 0: 0x0_, bit 1: 0x2_, bit 2: 0x3_)
const TEXT_LO: usize = memory.data<u8>(
  [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x01, 0x04, 0x00],
  16,
);
const ATTR_LO: usize = memory.data<u8>(
  [0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x01, 0x01, 0x00, 0x04, 0x01, 0x04, 0x00],
  16,
);
const SPECIAL_HI: usize = memory.data<u8>(
  [0x01, 0x00, 0x02, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00],
  16,
);
// Stop bytes for the ASCII fast path: C0 controls but TAB, LF, CR (bits 0, 1) and
// bytes >= 0x80 (bit 2)
const STOP_LO: usize = memory.data<u8>(
  [0x07, 0x07, 0x07, 0x07, 0x07, 0x07, 0x07, 0x07, 0x07, 0x06, 0x06, 0x07, 0x07, 0x06, 0x07, 0x07],
  16,
);
const STOP_HI: usize = memory.data<u8>(
  [0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04],
  16,
);
const LOW_NIBBLE: usize = memory.data<u8>(
  [0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f],
  16,
);
const ZERO: usize = memory.data(16, 16);

let lastWritten: u32 = 0;

/**
 * Length of the UTF-8 sequence at p if it is well formed (RFC 3629 §4) and an XML
 * Char (not U+FFFE, U+FFFF), else 0. Lead byte >= 0x80.
 */
function sequenceLength(p: usize, rem: u32): u32 {
  let b0 = <u32>load<u8>(p);
  if (b0 < 0xc2) return 0; // continuation byte or overlong C0/C1
  if (b0 < 0xe0) {
    if (rem < 2) return 0;
    let b1 = <u32>load<u8>(p, 1);
    return b1 - 0x80 < 0x40 ? 2 : 0;
  }
  if (b0 < 0xf0) {
    if (rem < 3) return 0;
    let b1 = <u32>load<u8>(p, 1);
    let b2 = <u32>load<u8>(p, 2);
    let lo: u32 = b0 == 0xe0 ? 0xa0 : 0x80; // no overlongs
    let hi: u32 = b0 == 0xed ? 0x9f : 0xbf; // no surrogates D800-DFFF
    if (b1 < lo || b1 > hi || b2 - 0x80 >= 0x40) return 0;
    if (b0 == 0xef && b1 == 0xbf && b2 >= 0xbe) return 0; // U+FFFE, U+FFFF
    return 3;
  }
  if (b0 < 0xf5) {
    if (rem < 4) return 0;
    let b1 = <u32>load<u8>(p, 1);
    let lo: u32 = b0 == 0xf0 ? 0x90 : 0x80; // no overlongs
    let hi: u32 = b0 == 0xf4 ? 0x8f : 0xbf; // <= U+10FFFF
    if (b1 < lo || b1 > hi) return 0;
    if (<u32>load<u8>(p, 2) - 0x80 >= 0x40 || <u32>load<u8>(p, 3) - 0x80 >= 0x40) return 0;
    return 4;
  }
  return 0;
}

/** Checks [i, end) one character at a time; returns the bad offset or ~next. */
@inline
function checkScalar(src: usize, len: u32, i: u32, end: u32): i32 {
  while (i < end) {
    let b = <u32>load<u8>(src + i);
    if (b < 0x80) {
      if (b < 0x20 && b != 0x09 && b != 0x0a && b != 0x0d) return <i32>i;
      i++;
    } else {
      let n = sequenceLength(src + i, len - i);
      if (n == 0) return <i32>i;
      i += n;
    }
  }
  return ~<i32>i;
}

function findInvalidSimd(src: usize, len: u32): i32 {
  let i: u32 = 0;
  if (ASC_FEATURE_SIMD) {
    let stopLo = v128.load(STOP_LO);
    let stopHi = v128.load(STOP_HI);
    let nib = v128.load(LOW_NIBBLE);
    let zero = v128.load(ZERO);
    while (i < len) {
      while (len - i >= 16) {
        let v = v128.load(src + i);
        let hit = v128.and(i8x16.swizzle(stopLo, v128.and(v, nib)), i8x16.swizzle(stopHi, i8x16.shr_u(v, 4)));
        if (v128.any_true(hit)) {
          i += <u32>ctz(i8x16.bitmask(i8x16.ne(hit, zero)));
          break;
        }
        i += 16;
      }
      // up to 16 bytes one character at a time, then back to blocks
      let end = len - i > 16 ? i + 16 : len;
      let r = checkScalar(src, len, i, end);
      if (r >= 0) return r;
      i = <u32>~r;
    }
  }
  return -1;
}

/**
 * Offset of the first byte of the first malformed UTF-8 sequence or forbidden
 * character (XML 1.0 §2.2 Char), or -1.
 */
export function xmlFindInvalid(src: usize, len: u32): i32 {
  if (ASC_FEATURE_SIMD) return findInvalidSimd(src, len);
  let r = checkScalar(src, len, 0, len);
  return r >= 0 ? r : -1;
}

/** Number of leading bytes in [p, p + n) that need no reference. */
function plainRun(p: usize, n: u32, attribute: bool): u32 {
  let i: u32 = 0;
  if (ASC_FEATURE_SIMD) {
    if (n >= 16) {
      let lo = v128.load(attribute ? ATTR_LO : TEXT_LO);
      let hi = v128.load(SPECIAL_HI);
      let nib = v128.load(LOW_NIBBLE);
      let zero = v128.load(ZERO);
      let last = n - 16;
      while (i <= last) {
        let v = v128.load(p + i);
        let hit = v128.and(i8x16.swizzle(lo, v128.and(v, nib)), i8x16.swizzle(hi, i8x16.shr_u(v, 4)));
        if (v128.any_true(hit)) return i + <u32>ctz(i8x16.bitmask(i8x16.ne(hit, zero)));
        i += 16;
      }
    }
  }
  let cls = attribute ? ATTR_CLASS : TEXT_CLASS;
  while (i < n && load<u8>(cls + <usize>load<u8>(p + i)) == 0) i++;
  return i;
}

/**
 * Escapes [src, src + len) into [dst, dst + room); never splits a reference.
 * Returns source bytes consumed; bytes written go to lastWritten.
 */
function escapeInto(src: usize, len: u32, dst: usize, room: u32, attribute: bool): u32 {
  let cls = attribute ? ATTR_CLASS : TEXT_CLASS;
  let i: u32 = 0;
  let o: u32 = 0;
  while (i < len) {
    let free = room - o;
    let limit = len - i < free ? len - i : free;
    let run = plainRun(src + i, limit, attribute);
    memory.copy(dst + o, src + i, run);
    i += run;
    o += run;
    if (i >= len || o == room) break;
    let r = <usize>load<u8>(cls + <usize>load<u8>(src + i));
    let rl = <u32>load<u8>(REF_LEN + r);
    if (rl > room - o) break;
    let rp = REFS + (r << 3);
    let d = dst + o;
    store<u32>(d, load<u32>(rp));
    if (rl > 4) store<u8>(d, load<u8>(rp, 4), 4);
    if (rl > 5) store<u8>(d, load<u8>(rp, 5), 5);
    o += rl;
    i++;
  }
  lastWritten = o;
  return i;
}

/**
 * Checks [src, src + len) as xmlFindInvalid does and escapes it into [dst, dst + 6 * len), which
 * the caller has reserved (6 bytes per source byte: the longest reference, &quot;). Returns the
 * bytes written, or -1 - offset of the first invalid byte (nothing is written then). One call for
 * a value staged in scratch and written into an open ring reservation.
 */
export function escapeCheckedInto(src: usize, len: u32, dst: usize, attribute: i32): i32 {
  let invalid = xmlFindInvalid(src, len);
  if (invalid >= 0) return -1 - invalid;
  escapeInto(src, len, dst, len * 6, attribute != 0);
  return <i32>lastWritten;
}

/**
 * Escapes UTF-8 text (attribute = 0) or a double-quoted attribute value
 * (attribute = 1) into the ring. Returns source bytes consumed: fewer than len
 * when the ring lacks room.
 */
export function escapeWrite(src: usize, len: u32, attribute: i32): u32 {
  let done: u32 = 0;
  while (done < len) {
    let rem = len - done;
    let want: u32 = rem > 0x2aaaaaaa ? 0xffffffff : rem * 6;
    let p = ringReserve(6, want); // room for the longest reference
    if (p == 0) break;
    let n = escapeInto(src + done, rem, p, ringReservedLength(), attribute != 0);
    ringCommitChecked(lastWritten, true);
    done += n;
    if (n == 0) break;
  }
  return done;
}

