// MIME multipart framing, RFC 2046 §5.1.1 (docs/wire-format.md §3, §4, §7).
// Every line ends in CRLF. A delimiter is CRLF "--" boundary; the CRLF belongs to
// the delimiter, so the first part (no preamble) starts with "--" boundary.
import { ringReserve, ringCommitChecked } from "./ring";
import { scanSetPattern, scanReset } from "./scan";

const MAX_BOUNDARY: u32 = 70;

const BOUNDARY: usize = memory.data(80, 16);
let boundaryLen: u32 = 0;

// "Content-ID: <"
const CONTENT_ID: usize = memory.data<u8>([0x43, 0x6f, 0x6e, 0x74, 0x65, 0x6e, 0x74, 0x2d, 0x49, 0x44, 0x3a, 0x20, 0x3c]);
// ">" CRLF "Content-Type: "
const CONTENT_TYPE: usize = memory.data<u8>([0x3e, 0x0d, 0x0a, 0x43, 0x6f, 0x6e, 0x74, 0x65, 0x6e, 0x74, 0x2d, 0x54, 0x79, 0x70, 0x65, 0x3a, 0x20]);
// CRLF "Content-Transfer-Encoding: "
const CONTENT_TRANSFER_ENCODING: usize = memory.data<u8>([0x0d, 0x0a, 0x43, 0x6f, 0x6e, 0x74, 0x65, 0x6e, 0x74, 0x2d, 0x54, 0x72, 0x61, 0x6e, 0x73, 0x66, 0x65, 0x72, 0x2d, 0x45, 0x6e, 0x63, 0x6f, 0x64, 0x69, 0x6e, 0x67, 0x3a, 0x20]);

/** Stores the boundary (1-70 bytes) and makes it the scan pattern. */
export function mimeSetBoundary(ptr: usize, len: u32): i32 {
  if (len == 0 || len > MAX_BOUNDARY) return -1;
  memory.copy(BOUNDARY, ptr, len);
  boundaryLen = len;
  return scanSetPattern(ptr, len);
}

@inline
function put(dst: usize, src: usize, len: u32): usize {
  memory.copy(dst, src, len);
  return dst + len;
}

@inline
function crlf(dst: usize): usize {
  store<u16>(dst, 0x0a0d);
  return dst + 2;
}

@inline
function dashes(dst: usize): usize {
  store<u16>(dst, 0x2d2d);
  return dst + 2;
}

/**
 * Bytes of the delimiter and part headers that mimeWritePartHeader writes for these field
 * lengths with the current boundary: the one place the layout's length is known, so that the
 * host's message length never mirrors it. -1 if it would not fit an i32.
 */
export function mimePartHeaderLength(first: i32, idLen: u32, typeLen: u32, encLen: u32, extraLen: u32): i32 {
  let total: u64 = <u64>(first == 0 ? 2 : 0) + 2 + <u64>boundaryLen + 2
    + 13 + <u64>idLen + 17 + <u64>typeLen + 29 + <u64>encLen + 4 + <u64>extraLen;
  return total > <u64>i32.MAX_VALUE ? -1 : <i32>total;
}

/** Bytes of the close delimiter CRLF "--" B "--" CRLF with the current boundary. */
export function mimeCloseLength(): i32 {
  return <i32>boundaryLen + 8;
}

/**
 * Writes the delimiter and part headers in one reservation:
 * [CRLF] "--" B CRLF, Content-ID, Content-Type, Content-Transfer-Encoding, the extra header
 * lines as given (each already ending in CRLF, checked by the host), empty line.
 * Returns bytes written, or -1 if the ring has no contiguous room (nothing written).
 * These bytes are not scanned; the scan restarts for the part's body.
 */
export function mimeWritePartHeader(
  first: i32,
  idPtr: usize, idLen: u32,
  typePtr: usize, typeLen: u32,
  encPtr: usize, encLen: u32,
  extraPtr: usize, extraLen: u32
): i32 {
  let length = mimePartHeaderLength(first, idLen, typeLen, encLen, extraLen);
  if (length < 0) return -1;
  let n = <u32>length;
  let p = ringReserve(n, n);
  if (p == 0) return -1;
  let d = p;
  if (first == 0) d = crlf(d);
  d = dashes(d);
  d = put(d, BOUNDARY, boundaryLen);
  d = crlf(d);
  d = put(d, CONTENT_ID, 13);
  d = put(d, idPtr, idLen);
  d = put(d, CONTENT_TYPE, 17);
  d = put(d, typePtr, typeLen);
  d = put(d, CONTENT_TRANSFER_ENCODING, 29);
  d = put(d, encPtr, encLen);
  d = crlf(d);
  d = put(d, extraPtr, extraLen);
  crlf(d);
  ringCommitChecked(n, false);
  scanReset();
  return <i32>n;
}

/** Writes the close delimiter CRLF "--" B "--" CRLF (not scanned); bytes or -1. */
export function mimeWriteClose(): i32 {
  let n = <u32>mimeCloseLength();
  let p = ringReserve(n, n);
  if (p == 0) return -1;
  let d = crlf(p);
  d = dashes(d);
  d = put(d, BOUNDARY, boundaryLen);
  d = dashes(d);
  crlf(d);
  ringCommitChecked(n, false);
  return <i32>n;
}
