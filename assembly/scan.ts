// Boundary scan: finds the first occurrence of a pattern (a MIME boundary,
// RFC 2046 §5.1.1: 1-70 characters) in a stream fed in chunks, across seams.
//
// The last patLen-1 bytes of the stream are kept in SEAM; before a chunk is
// searched, (those bytes ++ the chunk's first patLen-1 bytes) is searched for a
// match that starts in the kept bytes.

const MAX_PATTERN: u32 = 70;

const PATTERN: usize = memory.data(80, 16);
const SEAM: usize = memory.data(160, 16); // tail (<= 69) ++ chunk head (<= 69)

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
  let keep = patLen - 1;
  let head = len < keep ? len : keep;
  memory.copy(SEAM + tailLen, ptr, head);
  if (tailLen > 0) {
    let idx = indexOfSimd(SEAM, tailLen + head, PATTERN, patLen);
    if (idx >= 0 && <u32>idx < tailLen) {
      found = 1;
      foundAt = offset - tailLen + <u64>idx;
      return 1;
    }
  }
  let idx = indexOfSimd(ptr, len, PATTERN, patLen);
  if (idx >= 0) {
    found = 1;
    foundAt = offset + <u64>idx;
    return 1;
  }
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

@inline
function middleEquals(a: usize, b: usize, patLen: u32): bool {
  // first and last bytes already match
  return patLen <= 2 || memory.compare(a + 1, b + 1, patLen - 2) == 0;
}

/** First index of pat in hay, or -1 (byte by byte). */
export function indexOfScalar(hay: usize, len: u32, pat: usize, patLen: u32): i32 {
  if (patLen == 0) return 0;
  if (patLen > len) return -1;
  let first = load<u8>(pat);
  let lastByte = load<u8>(pat + patLen - 1);
  let span = patLen - 1;
  let end = len - patLen;
  for (let i: u32 = 0; i <= end; i++) {
    let p = hay + i;
    if (load<u8>(p) == first && load<u8>(p + span) == lastByte && middleEquals(p, pat, patLen)) {
      return <i32>i;
    }
  }
  return -1;
}

/**
 * First index of pat in hay, or -1. SIMD: compare the first and the last pattern
 * byte at 16 positions at once, verify the candidates.
 */
export function indexOfSimd(hay: usize, len: u32, pat: usize, patLen: u32): i32 {
  if (patLen == 0) return 0;
  if (patLen > len) return -1;
  let i: u32 = 0;
  if (ASC_FEATURE_SIMD) {
    let span = patLen - 1;
    if (len - span >= 16) {
      let first = i8x16.splat(load<u8>(pat));
      let last = i8x16.splat(load<u8>(pat + span));
      let end = len - span - 16;
      while (i <= end) {
        let p = hay + i;
        let eqF = i8x16.eq(v128.load(p), first);
        let eqL = i8x16.eq(v128.load(p + span), last);
        let mask = i8x16.bitmask(v128.and(eqF, eqL));
        while (mask != 0) {
          let bit = <u32>ctz(mask);
          if (middleEquals(p + bit, pat, patLen)) return <i32>(i + bit);
          mask &= mask - 1;
        }
        i += 16;
      }
    }
  }
  let r = indexOfScalar(hay + i, len - i, pat, patLen);
  return r < 0 ? -1 : r + <i32>i;
}
