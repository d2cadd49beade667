// Base64, RFC 4648 §4 (standard alphabet), canonical: no line breaks, "="
// padding only after the last quantum (§3.1, §3.2).
//
// The SIMD encoder follows Muła and Lemire ("Faster Base64 Encoding and Decoding
// using AVX2 Instructions", 2018) on 128-bit lanes: 12 input bytes -> 16 sextets
// per step (swizzle, then two 16-bit multiplies and a shift in place of mulhi/mullo),
// then sextet -> ASCII by adding an offset looked up with a swizzle.
import { ringReserve, ringReserved, ringReservedLength, ringCommitChecked } from "./ring";

// RFC 4648 §4, Table 1
const ALPHABET: usize = memory.data<u8>([
  0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f, 0x50,
  0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66,
  0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f, 0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76,
  0x77, 0x78, 0x79, 0x7a, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x2b, 0x2f,
]);

const CARRY: usize = memory.data(4, 4);
let carryLen: u32 = 0;

export function simdBuild(): i32 {
  return ASC_FEATURE_SIMD ? 1 : 0;
}

@inline
function sextet(v: u32): u32 {
  return <u32>load<u8>(ALPHABET + (v & 63));
}

/** Encodes full 3-byte groups (len % 3 == 0), no padding. */
function encodeGroupsScalar(src: usize, len: u32, dst: usize): void {
  let end = src + len;
  while (src < end) {
    let w = (<u32>load<u8>(src) << 16) | (<u32>load<u8>(src, 1) << 8) | <u32>load<u8>(src, 2);
    store<u32>(dst, sextet(w >> 18) | (sextet(w >> 12) << 8) | (sextet(w >> 6) << 16) | (sextet(w) << 24));
    src += 3;
    dst += 4;
  }
}

/** Encodes the last 1 or 2 bytes as one padded quantum (RFC 4648 §4 cases 2, 3). */
function encodeFinal(src: usize, rem: u32, dst: usize): u32 {
  if (rem == 0) return 0;
  let w = <u32>load<u8>(src) << 16;
  if (rem == 2) w |= <u32>load<u8>(src, 1) << 8;
  store<u8>(dst, <u8>sextet(w >> 18));
  store<u8>(dst, <u8>sextet(w >> 12), 1);
  store<u8>(dst, rem == 2 ? <u8>sextet(w >> 6) : 0x3d, 2);
  store<u8>(dst, 0x3d, 3);
  return 4;
}

/**
 * 12 input bytes (of the 16 loaded at src) -> 16 base64 characters. Each 3-byte group
 * b0 b1 b2 becomes the 16-bit lanes (b0 << 8 | b1) and (b1 << 8 | b2), which hold its
 * sextets at bits 10-15 and 4-9, and 6-11 and 0-5. Two multiplies (shifts by a per-lane
 * amount, dropping the bits above 16) move each sextet to its byte, then each sextet gets
 * the ASCII offset of its class.
 *
 * Every operand is a constant: engines keep them in registers across the loop, and a
 * swizzle by constant indices all below 16 compiles to a bare byte shuffle (pshufb).
 */
@inline
function encode12(src: usize): v128 {
  let x = i8x16.swizzle(v128.load(src), i8x16(1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10));
  // Sextets 0 and 2 to the low bytes: (lane << 0 or 4) >> 10 leaves bits 10-15 or 6-11.
  // (SSSE3 does this with a mask and one high multiply, which wasm SIMD lacks.)
  let s02 = i16x8.shr_u(i16x8.mul(x, i16x8(1, 16, 1, 16, 1, 16, 1, 16)), 10);
  // Sextets 1 and 3 to the high bytes: (lane << 4 or 8) & 0x3f00 leaves bits 4-9 or 0-5.
  let s13 = v128.and(i16x8.mul(x, i16x8(16, 256, 16, 256, 16, 256, 16, 256)), i16x8.splat(0x3f00));
  let idx = v128.or(s02, s13);
  // Class: 0 for 0..25, 1 for 26..51, 2..11 for 52..61, 12 for 62, 13 for 63; then its
  // offset: 'A', 'a' - 26, '0' - 52 (10 times), '+' - 62, '/' - 63.
  let cls = i8x16.sub(i8x16.sub_sat_u(idx, i8x16.splat(51)), i8x16.gt_s(idx, i8x16.splat(25)));
  let offsets = i8x16(65, 71, -4, -4, -4, -4, -4, -4, -4, -4, -4, -4, -19, -16, 0, 0);
  return i8x16.add(idx, i8x16.swizzle(offsets, cls));
}

/**
 * SIMD part of the encoder: consumes a multiple of 12 bytes (reading 16 bytes at
 * a time, so it stops while 16 bytes remain readable) and returns the count.
 * 48 bytes -> 64 characters per step, then 12 -> 16.
 */
function encodeGroupsSimd(src: usize, len: u32, dst: usize): u32 {
  let i: u32 = 0;
  if (ASC_FEATURE_SIMD) {
    if (len < 16) return 0;
    let o: usize = dst;
    if (len >= 52) {
      let last = len - 52;
      while (i <= last) {
        let s = src + i;
        v128.store(o, encode12(s));
        v128.store(o, encode12(s + 12), 16);
        v128.store(o, encode12(s + 24), 32);
        v128.store(o, encode12(s + 36), 48);
        i += 48;
        o += 64;
      }
    }
    let last = len - 16;
    while (i <= last) {
      v128.store(o, encode12(src + i));
      i += 12;
      o += 16;
    }
  }
  return i;
}

/** Encodes full groups (len % 3 == 0) with SIMD when available. */
function encodeGroups(src: usize, len: u32, dst: usize): void {
  let done = encodeGroupsSimd(src, len, dst);
  encodeGroupsScalar(src + done, len - done, dst + (done / 3) * 4);
}

/** One-shot padded encoder, scalar. Returns bytes written, 4 * ceil(len / 3). */
export function base64EncodeScalar(src: usize, len: u32, dst: usize): u32 {
  let full = len - len % 3;
  encodeGroupsScalar(src, full, dst);
  let out = (full / 3) * 4;
  return out + encodeFinal(src + full, len - full, dst + out);
}

/** One-shot padded encoder, SIMD (the scalar path in a build without SIMD). */
export function base64EncodeSimd(src: usize, len: u32, dst: usize): u32 {
  let full = len - len % 3;
  encodeGroups(src, full, dst);
  let out = (full / 3) * 4;
  return out + encodeFinal(src + full, len - full, dst + out);
}

/** Forgets the carried bytes (a new base64 text). */
export function base64Reset(): void {
  carryLen = 0;
}

/**
 * Encodes into the ring, carrying 0-2 bytes between calls, so any split of the
 * input gives the same output. Returns the input bytes consumed (carried bytes
 * count); fewer than len when the ring has no room.
 */
export function base64Write(src: usize, len: u32): u32 {
  let done: u32 = 0;
  if (carryLen > 0) {
    if (carryLen + len < 3) {
      memory.copy(CARRY + carryLen, src, len);
      carryLen += len;
      return len;
    }
    let p = ringReserve(4, 4);
    if (p == 0) return 0;
    let take = 3 - carryLen;
    memory.copy(CARRY + carryLen, src, take);
    encodeGroupsScalar(CARRY, 3, p);
    ringCommitChecked(4, true);
    carryLen = 0;
    done = take;
  }
  while (len - done >= 3) {
    let groups = (len - done) / 3;
    let want: u32 = groups > 0x3fffffff ? 0xfffffffc : groups * 4;
    let p = ringReserve(4, want);
    if (p == 0) return done;
    let n = (ringReservedLength() >> 2) * 3;
    encodeGroups(src + done, n, p);
    ringCommitChecked((n / 3) * 4, true);
    done += n;
  }
  let rest = len - done;
  memory.copy(CARRY, src + done, rest);
  carryLen = rest;
  return len;
}

/**
 * Input bytes that base64WriteReserved takes from a reservation of `reserved` bytes:
 * their characters, plus a carried group's 4 and 4 bytes of slack, fit before them.
 */
export function base64ReservedInput(reserved: u32): u32 {
  return reserved < 12 ? 0 : ((reserved - 8) >> 2) * 3;
}

/**
 * Encodes, in place, the len input bytes the host copied to the end of the current ring
 * reservation (len <= base64ReservedInput(its length)), carrying 0-2 bytes between calls
 * as base64Write does, and commits the characters from the reservation's start. Returns
 * len, or 0 (nothing done) when len does not fit.
 *
 * In place is safe: writing 16 characters per 12 bytes read, the output stays at least
 * 4 bytes behind the next unread input byte (the 8 bytes of slack, less a carried group).
 */
export function base64WriteReserved(len: u32): u32 {
  let p = ringReserved();
  let reserved = ringReservedLength();
  if (len == 0 || len > base64ReservedInput(reserved)) return 0;
  let src = p + reserved - len;
  let o = p;
  let done: u32 = 0;
  if (carryLen > 0) {
    let take = min(3 - carryLen, len);
    memory.copy(CARRY + carryLen, src, take);
    carryLen += take;
    done = take;
    if (carryLen == 3) {
      encodeGroupsScalar(CARRY, 3, o);
      o += 4;
      carryLen = 0;
    }
  }
  let n = ((len - done) / 3) * 3;
  encodeGroups(src + done, n, o);
  o += (n / 3) * 4;
  done += n;
  let rest = len - done;
  memory.copy(CARRY + carryLen, src + done, rest);
  carryLen += rest;
  ringCommitChecked(<u32>(o - p), true);
  return len;
}

/** Writes the padded final quantum: 0 or 4 bytes, or -1 if the ring has no room. */
export function base64Finish(): i32 {
  if (carryLen == 0) return 0;
  let p = ringReserve(4, 4);
  if (p == 0) return -1;
  encodeFinal(CARRY, carryLen, p);
  ringCommitChecked(4, true);
  carryLen = 0;
  return 4;
}
