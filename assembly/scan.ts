// Boundary scan: finds the first occurrence of a pattern (a MIME boundary,
// RFC 2046 §5.1.1: 1-70 characters) in a stream fed in chunks, across seams.
//
// The last patLen-1 bytes of the stream are kept in SEAM; before a chunk is
// searched, (those bytes ++ the chunk's first patLen-1 bytes) is searched for a
// match that starts in the kept bytes.
//
// Search: a candidate position is one where the pattern's first and last bytes
// both match; only candidates get the full comparison. With SIMD, 64 positions
// are filtered per step (one branch per 64 bytes). Without SIMD, a Horspool skip
// loop (on the byte under the pattern's last position) reads about one byte per
// patLen on data that rarely holds pattern bytes, and a word-at-a-time filter
// (8 positions per u64) takes over where the skips stay short.
//
// No search reads outside [hay, hay + len).

const MAX_PATTERN: u32 = 70;

const PATTERN: usize = memory.data(80, 16);
const SEAM: usize = memory.data(160, 16); // tail (<= 69) ++ chunk head (<= 69)
// Horspool shifts of PATTERN, one byte per byte value
const SKIP: usize = memory.data(256, 16);

// Horspool: below this pattern length, or this many candidate positions, the
// word-at-a-time filter alone is faster
const SKIP_MIN_PATTERN: u32 = 8;
const SKIP_MIN_POSITIONS: u32 = 1024;
// Horspool rounds of ROUND_STEPS shifts; a round that advances fewer than
// ROUND_STEPS * SHORT_SHIFT bytes hands SWAR_RUN positions to the word filter
const ROUND_STEPS: u32 = 16;
const SHORT_SHIFT: u32 = 8;
const SWAR_RUN: u32 = 1024;

const ONES: u64 = 0x0101010101010101;
const HIGHS: u64 = 0x8080808080808080;

let patLen: u32 = 0;
let enabled: bool = false;
let tailLen: u32 = 0;
let offset: u64 = 0; // stream bytes fed since scanReset
let found: i32 = 0;
let foundAt: u64 = 0;

/** Copies the pattern, resets the scan and turns scanning on. */
export function scanSetPattern(ptr: usize, len: u32): i32 {
  if (len == 0 || len > MAX_PATTERN) return -1;
  memory.copy(PATTERN, ptr, len);
  patLen = len;
  buildSkip(PATTERN, len, SKIP);
  scanReset();
  enabled = true;
  return 0;
}

export function scanEnable(on: i32): void {
  enabled = on != 0;
}

/** Starts a new part: forgets the seam, the found flag and the offset. */
export function scanReset(): void {
  tailLen = 0;
  offset = 0;
  found = 0;
  foundAt = 0;
}

export function scanFound(): i32 {
  return found;
}

/** Stream offset of the first match's first byte since scanReset, or -1. */
export function scanFoundOffset(): f64 {
  return found ? <f64>foundAt : -1.0;
}

/** Feeds the next chunk of the stream; returns 1 once the pattern was found (sticky). */
export function scanFeed(ptr: usize, len: u32): i32 {
  if (found) return 1;
  if (!enabled || patLen == 0 || len == 0) return 0;
  if (seamFound(ptr, len)) return 1;
  // A chunk shorter than the pattern holds no match of its own: one would start in the tail.
  if (len < patLen) return chunkSearched(ptr, len, -1);
  return chunkSearched(ptr, len, search(ptr, len, PATTERN, patLen, SKIP));
}

/**
 * Copies len bytes from src to dst (regions that do not overlap) and feeds them to the scan,
 * as memory.copy then scanFeed(dst, len) would, reading the bytes once: with SIMD the search
 * runs over the vectors the copy loads. Returns 1 once the pattern was found (sticky).
 */
export function scanFeedCopy(dst: usize, src: usize, len: u32): i32 {
  if (found || !enabled || patLen == 0 || len == 0) {
    memory.copy(dst, src, len);
    return found;
  }
  if (seamFound(src, len)) {
    memory.copy(dst, src, len);
    return 1;
  }
  let idx = ASC_FEATURE_SIMD
    ? copyIndexOfSimd(dst, src, len, PATTERN, patLen)
    : copyFindScalar(dst, src, len, PATTERN, patLen, SKIP);
  return chunkSearched(src, len, idx);
}

/** copyIndexOfSimd without SIMD: memory.copy, then the scalar search over the copy (still in cache). */
export function copyFindScalar(dst: usize, src: usize, len: u32, pat: usize, patLen: u32, skip: usize): i32 {
  memory.copy(dst, src, len);
  return findScalar(dst, len, pat, patLen, skip);
}

/** Whether a match starts in the kept tail and runs into the chunk at ptr (its head is copied after the tail). */
@inline
function seamFound(ptr: usize, len: u32): bool {
  let keep = patLen - 1;
  let head = len < keep ? len : keep;
  memory.copy(SEAM + tailLen, ptr, head);
  if (tailLen > 0) {
    let idx = search(SEAM, tailLen + head, PATTERN, patLen, SKIP);
    if (idx >= 0 && <u32>idx < tailLen) {
      found = 1;
      foundAt = offset - tailLen + <u64>idx;
      return true;
    }
  }
  return false;
}

/** After the chunk at ptr was searched (idx: first match in it, or -1): records a match, or keeps its tail. */
@inline
function chunkSearched(ptr: usize, len: u32, idx: i32): i32 {
  if (idx >= 0) {
    found = 1;
    foundAt = offset + <u64>idx;
    return 1;
  }
  let keep = patLen - 1;
  if (len >= keep) {
    memory.copy(SEAM, ptr + len - keep, keep);
    tailLen = keep;
  } else {
    let total = tailLen + len; // SEAM already holds tail ++ chunk
    if (total > keep) {
      memory.copy(SEAM, SEAM + total - keep, keep);
      tailLen = keep;
    } else {
      tailLen = total;
    }
  }
  offset += len;
  return 0;
}

/** The search scanFeed runs: SIMD in a SIMD build, with the prepared shifts otherwise. */
@inline
function search(hay: usize, len: u32, pat: usize, patLen: u32, skip: usize): i32 {
  if (ASC_FEATURE_SIMD) return indexOfSimd(hay, len, pat, patLen);
  return findScalar(hay, len, pat, patLen, skip);
}

/** Horspool shifts: patLen - 1 - (last index of the byte in pat[0, patLen - 1)), or patLen. */
function buildSkip(pat: usize, patLen: u32, skip: usize): void {
  memory.fill(skip, <u8>patLen, 256);
  for (let k: u32 = 0; k + 1 < patLen; k++) {
    store<u8>(skip + <usize>load<u8>(pat + k), <u8>(patLen - 1 - k));
  }
}

/** Bytes 1 .. patLen-2 of a and b are equal (first and last already match). */
@inline
function middleEquals(a: usize, b: usize, patLen: u32): bool {
  if (patLen <= 2) return true;
  let n = patLen - 2;
  a += 1;
  b += 1;
  if (n >= 8) {
    let k: u32 = 0;
    while (k + 8 < n) {
      if (load<u64>(a + k) != load<u64>(b + k)) return false;
      k += 8;
    }
    return load<u64>(a + n - 8) == load<u64>(b + n - 8);
  }
  if (n >= 4) return load<u32>(a) == load<u32>(b) && load<u32>(a + n - 4) == load<u32>(b + n - 4);
  if (n >= 2) return load<u16>(a) == load<u16>(b) && load<u16>(a + n - 2) == load<u16>(b + n - 2);
  return load<u8>(a) == load<u8>(b);
}

/** pat at p, given nothing about p yet. */
@inline
function matchAt(p: usize, pat: usize, patLen: u32): bool {
  return (
    load<u8>(p) == load<u8>(pat) &&
    load<u8>(p + patLen - 1) == load<u8>(pat + patLen - 1) &&
    middleEquals(p, pat, patLen)
  );
}

/** Bit 8k+7 set for every byte k of v that is zero (and maybe above one that is). */
@inline
function zeroBytes(v: u64): u64 {
  return (v - ONES) & ~v & HIGHS;
}

/**
 * First match starting in [from, to] (to <= len - patLen), or -1: first and last
 * pattern byte compared at 8 positions per u64 (16 per step), candidates verified.
 */
function findWords(hay: usize, from: u32, to: u32, pat: usize, patLen: u32): i32 {
  let span = patLen - 1;
  let f = <u64>load<u8>(pat) * ONES;
  let l = <u64>load<u8>(pat + span) * ONES;
  let i = from;
  if (to - from >= 15) {
    let end = to - 15;
    while (i <= end) {
      let p = hay + i;
      let q = p + span;
      let z0 = zeroBytes((load<u64>(p) ^ f) | (load<u64>(q) ^ l));
      let z1 = zeroBytes((load<u64>(p, 8) ^ f) | (load<u64>(q, 8) ^ l));
      if ((z0 | z1) != 0) {
        while (z0 != 0) {
          let k = <usize>(ctz(z0) >> 3);
          if (matchAt(p + k, pat, patLen)) return <i32>(i + <u32>k);
          z0 &= z0 - 1;
        }
        while (z1 != 0) {
          let k = <usize>(ctz(z1) >> 3) + 8;
          if (matchAt(p + k, pat, patLen)) return <i32>(i + <u32>k);
          z1 &= z1 - 1;
        }
      }
      i += 16;
    }
  }
  while (i <= to) {
    if (matchAt(hay + i, pat, patLen)) return <i32>i;
    i++;
  }
  return -1;
}

/** The Horspool shifts of the current pattern (what scanFeed searches with, without SIMD). */
export function scanSkipTable(): usize {
  return SKIP;
}

/**
 * First index of pat in hay, or -1, without SIMD. `skip` holds pat's Horspool
 * shifts (buildSkip); it is read only when patLen >= SKIP_MIN_PATTERN.
 */
export function findScalar(hay: usize, len: u32, pat: usize, patLen: u32, skip: usize): i32 {
  if (patLen == 0) return 0;
  if (patLen > len) return -1;
  let end = len - patLen; // last candidate position
  if (patLen < SKIP_MIN_PATTERN || end < SKIP_MIN_POSITIONS) return findWords(hay, 0, end, pat, patLen);
  let span = patLen - 1;
  let first = load<u8>(pat);
  let lastByte = load<u8>(pat + span);
  let i: u32 = 0;
  while (i <= end) {
    // a round of Horspool shifts
    let start = i;
    let steps = ROUND_STEPS;
    do {
      let p = hay + i;
      let c = load<u8>(p + span);
      if (c == lastByte && load<u8>(p) == first && middleEquals(p, pat, patLen)) return <i32>i;
      i += <u32>load<u8>(skip + <usize>c);
    } while (--steps != 0 && i <= end);
    if (i - start < ROUND_STEPS * SHORT_SHIFT && i <= end) {
      // short shifts: the word filter is faster here
      let to = end - i > SWAR_RUN ? i + SWAR_RUN - 1 : end;
      let r = findWords(hay, i, to, pat, patLen);
      if (r >= 0) return r;
      i = to + 1;
    }
  }
  return -1;
}

/** Offset of the first match among the 16 positions of a candidate mask, or -1. */
@inline
function verify16(p: usize, mask: u32, pat: usize, patLen: u32): i32 {
  while (mask != 0) {
    let bit = ctz(mask);
    if (middleEquals(p + <usize>bit, pat, patLen)) return <i32>bit;
    mask &= mask - 1;
  }
  return -1;
}

/**
 * Copies len bytes from src to dst (not overlapping) and returns the first index of pat in them,
 * or -1, in one pass: each step loads 64 bytes, stores them, and filters 64 candidate positions
 * as indexOfSimd does (the loads at +patLen-1 read bytes the step or the next one copies). The
 * last positions, fewer than 64 + patLen - 1 bytes, are copied and searched after the loop.
 */
export function copyIndexOfSimd(dst: usize, src: usize, len: u32, pat: usize, patLen: u32): i32 {
  let i: u32 = 0;
  let r: i32 = -1;
  if (ASC_FEATURE_SIMD) {
    if (patLen > 0 && len >= 64 + patLen - 1) {
      let span = patLen - 1;
      let end = len - span - 64; // last step start: its positions and their last bytes are in the chunk
      let first = i8x16.splat(load<u8>(pat));
      let last = i8x16.splat(load<u8>(pat + span));
      while (i <= end) {
        let p = src + i;
        let q = p + span;
        let d = dst + i;
        let v0 = v128.load(p);
        let v1 = v128.load(p, 16);
        let v2 = v128.load(p, 32);
        let v3 = v128.load(p, 48);
        v128.store(d, v0);
        v128.store(d, v1, 16);
        v128.store(d, v2, 32);
        v128.store(d, v3, 48);
        let a0 = v128.and(i8x16.eq(v0, first), i8x16.eq(v128.load(q), last));
        let a1 = v128.and(i8x16.eq(v1, first), i8x16.eq(v128.load(q, 16), last));
        let a2 = v128.and(i8x16.eq(v2, first), i8x16.eq(v128.load(q, 32), last));
        let a3 = v128.and(i8x16.eq(v3, first), i8x16.eq(v128.load(q, 48), last));
        if (v128.any_true(v128.or(v128.or(a0, a1), v128.or(a2, a3)))) {
          let k = verify64(p, a0, a1, a2, a3, pat, patLen);
          if (k >= 0) {
            r = <i32>i + k;
            i += 64;
            break;
          }
        }
        i += 64;
      }
    }
  }
  memory.copy(dst + i, src + i, len - i);
  if (r >= 0) return r;
  let tail = indexOfSimd(src + i, len - i, pat, patLen);
  return tail < 0 ? -1 : <i32>i + tail;
}

/**
 * The first match among 64 candidate positions from p, given as four 16-position masks (first
 * and last pattern byte equal), or -1.
 */
@inline
function verify64(p: usize, a0: v128, a1: v128, a2: v128, a3: v128, pat: usize, patLen: u32): i32 {
  let r = verify16(p, i8x16.bitmask(a0), pat, patLen);
  if (r >= 0) return r;
  r = verify16(p + 16, i8x16.bitmask(a1), pat, patLen);
  if (r >= 0) return r + 16;
  r = verify16(p + 32, i8x16.bitmask(a2), pat, patLen);
  if (r >= 0) return r + 32;
  r = verify16(p + 48, i8x16.bitmask(a3), pat, patLen);
  return r >= 0 ? r + 48 : -1;
}

/**
 * First index of pat in hay, or -1. SIMD: the first and the last pattern byte
 * compared at 64 positions per step (4 vectors each, OR-combined, one branch),
 * candidates verified only on a hit; the last positions in one overlapping step.
 */
export function indexOfSimd(hay: usize, len: u32, pat: usize, patLen: u32): i32 {
  if (patLen == 0) return 0;
  if (patLen > len) return -1;
  if (ASC_FEATURE_SIMD) {
    let span = patLen - 1;
    let n = len - span; // candidate positions
    if (n >= 16) {
      let first = i8x16.splat(load<u8>(pat));
      let last = i8x16.splat(load<u8>(pat + span));
      let i: u32 = 0;
      if (n >= 64) {
        let end = n - 64;
        while (true) {
          let p = hay + i;
          let q = p + span;
          let a0 = v128.and(i8x16.eq(v128.load(p), first), i8x16.eq(v128.load(q), last));
          let a1 = v128.and(i8x16.eq(v128.load(p, 16), first), i8x16.eq(v128.load(q, 16), last));
          let a2 = v128.and(i8x16.eq(v128.load(p, 32), first), i8x16.eq(v128.load(q, 32), last));
          let a3 = v128.and(i8x16.eq(v128.load(p, 48), first), i8x16.eq(v128.load(q, 48), last));
          if (v128.any_true(v128.or(v128.or(a0, a1), v128.or(a2, a3)))) {
            let r = verify64(p, a0, a1, a2, a3, pat, patLen);
            if (r >= 0) return <i32>i + r;
          }
          if (i == end) return -1;
          // the last step may overlap the one before (positions already ruled out)
          i = end - i >= 64 ? i + 64 : end;
        }
      }
      let end = n - 16;
      while (true) {
        let p = hay + i;
        let m = i8x16.bitmask(v128.and(i8x16.eq(v128.load(p), first), i8x16.eq(v128.load(p + span), last)));
        if (m != 0) {
          let r = verify16(p, m, pat, patLen);
          if (r >= 0) return <i32>i + r;
        }
        if (i == end) return -1;
        i = end - i >= 16 ? i + 16 : end;
      }
    }
  }
  return findWords(hay, 0, len - patLen, pat, patLen);
}
