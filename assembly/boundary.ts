// Delimiter search for reading multipart bodies (RFC 2046 §5.1.1): the
// delimiter is CRLF "--" boundary, so a part's content ends just before the
// CRLF that precedes "--boundary". The reader searches each window of input
// it holds; the host keeps the last delimiter length - 1 bytes of a window that
// had no match, so a delimiter across a chunk seam is found in the next search.
//
// The search is scan.ts's: the SIMD first/last-byte filter in a SIMD build,
// Horspool with prepared shifts (and the word filter) without SIMD.
import { findScalar, indexOfSimd } from "./scan";

// CRLF "--" + a boundary of at most 70 characters
const MAX_DELIMITER: u32 = 74;
const DELIMITER: usize = memory.data(80, 16);
// Horspool shifts for DELIMITER (read by findScalar from 8 bytes on)
const DELIMITER_SKIP: usize = memory.data(256, 16);

let delimiterLen: u32 = 0;

/** Sets the delimiter (CRLF "--" boundary); -1 if its length is out of range. */
export function delimiterSet(ptr: usize, len: u32): i32 {
  if (len < 5 || len > MAX_DELIMITER) return -1;
  memory.copy(DELIMITER, ptr, len);
  delimiterLen = len;
  memory.fill(DELIMITER_SKIP, <u8>len, 256);
  for (let k: u32 = 0; k + 1 < len; k++) {
    store<u8>(DELIMITER_SKIP + <usize>load<u8>(DELIMITER + k), <u8>(len - 1 - k));
  }
  return 0;
}

/** Index of the first delimiter in [ptr, ptr + len), or -1. */
export function delimiterFind(ptr: usize, len: u32): i32 {
  if (ASC_FEATURE_SIMD) return indexOfSimd(ptr, len, DELIMITER, delimiterLen);
  return findScalar(ptr, len, DELIMITER, delimiterLen, DELIMITER_SKIP);
}
