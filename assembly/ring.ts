// Memory layout and the byte ring.
//
// Layout (from a 64-aligned base): [scratch][ring], both 64-aligned. The ring is a
// bip buffer: committed bytes live in region A = [aStart, aEnd) and, once a writer
// has wrapped, in region B = [0, bEnd) which is newer than A and ends before aStart.
// So committed data is at most two contiguous spans, and every reservation is one
// contiguous window (after A, or after B / at 0 when A leaves no room at its end).
import { scanFeed, scanFeedCopy, scanFound } from "./scan";

const MIN_CAPACITY: u32 = 4096;

let scratch: usize = 0;
let scratchCap: u32 = 0;
let base: usize = 0;
let cap: u32 = 0;

let aStart: u32 = 0;
let aEnd: u32 = 0;
let bEnd: u32 = 0; // B is in use iff bEnd > 0

let resStart: u32 = 0;
let resLen: u32 = 0; // 0: no reservation
let resInB: bool = false;

let committedTotal: u64 = 0;

// [ptr0, len0, ptr1, len1], u32 each
const SPANS: usize = memory.data(16, 16);

/**
 * Lays out scratch and ring from `at` (rounded up to 64) and empties the ring: 0, -1 if they
 * do not fit in memory, -2 if a capacity is below 4096. The other units reset in init.ts.
 */
export function ringLayout(at: usize, scratchCapacity: u32, ringCapacity: u32): i32 {
  if (ringCapacity < MIN_CAPACITY || scratchCapacity < MIN_CAPACITY) return -2;
  let s = (<u64>at + 63) & ~<u64>63;
  let r = (s + <u64>scratchCapacity + 63) & ~<u64>63;
  let end = r + <u64>ringCapacity;
  if (end > (<u64>memory.size() << 16)) return -1;
  scratch = <usize>s;
  scratchCap = scratchCapacity;
  base = <usize>r;
  cap = ringCapacity;
  aStart = 0;
  aEnd = 0;
  bEnd = 0;
  resStart = 0;
  resLen = 0;
  resInB = false;
  committedTotal = 0;
  return 0;
}

export function scratchPtr(): usize {
  return scratch;
}

export function scratchCapacity(): u32 {
  return scratchCap;
}

export function ringBase(): usize {
  return base;
}

export function ringCapacity(): u32 {
  return cap;
}

export function ringUsed(): u32 {
  return aEnd - aStart + bEnd;
}

/** Largest window `ringReserve` could return now. */
export function ringContiguousFree(): u32 {
  if (aStart == aEnd && bEnd == 0) return cap;
  if (bEnd > 0) return aStart - bEnd;
  let tail = cap - aEnd;
  return tail >= aStart ? tail : aStart;
}

/**
 * Reserves one contiguous writable window of length in [min, max], as large as
 * possible. Returns its pointer, or 0 (nothing reserved). `min` 0 counts as 1.
 * Replaces any uncommitted reservation.
 */
export function ringReserve(min: u32, max: u32): usize {
  return reserve(min, max, false);
}

/** `inOrder`: use the space after A whenever it holds `min` bytes (fills before wrapping). */
function reserve(min: u32, max: u32, inOrder: bool): usize {
  resLen = 0;
  resInB = false;
  if (min == 0) min = 1;
  if (max < min || cap == 0) return 0;
  if (aStart == aEnd && bEnd == 0) {
    aStart = 0;
    aEnd = 0;
  }
  let start: u32;
  let avail: u32;
  let inB = false;
  if (bEnd > 0) {
    start = bEnd;
    avail = aStart - bEnd;
    inB = true;
  } else {
    let tail = cap - aEnd;
    if (tail >= max || tail >= aStart || (inOrder && tail >= min)) {
      start = aEnd;
      avail = tail;
    } else {
      start = 0;
      avail = aStart;
      inB = true;
    }
  }
  if (avail < min) return 0;
  resStart = start;
  resLen = avail < max ? avail : max;
  resInB = inB;
  return base + start;
}

/** Where the current reservation starts (meaningful while ringReservedLength() > 0). */
export function ringReserved(): usize {
  return base + resStart;
}

export function ringReservedLength(): u32 {
  return resLen;
}

/** Commits n bytes of the reservation (n <= its length, checked by callers). */
export function ringCommitChecked(n: u32, scan: bool): void {
  let p = base + resStart;
  if (resInB) bEnd += n;
  else aEnd += n;
  resLen = 0;
  resInB = false;
  committedTotal += n;
  if (scan && n > 0) scanFeed(p, n);
}

/** Commits the first n bytes of the reservation and scans them. */
export function ringCommit(n: u32): i32 {
  if (n > resLen) return -1;
  ringCommitChecked(n, true);
  return scanFound();
}

/**
 * Commits the first n bytes of the reservation when its first `scanned` bytes were already fed to
 * the scan (scanFeed over the window as it filled): only the rest is scanned now, so every byte is
 * scanned exactly once. -1 if n exceeds the reservation or `scanned` exceeds n.
 */
export function ringCommitRest(n: u32, scanned: u32): i32 {
  if (n > resLen || scanned > n) return -1;
  let p = base + resStart;
  ringCommitChecked(n, false);
  if (n > scanned) scanFeed(p + scanned, n - scanned);
  return scanFound();
}

/**
 * Copies up to len bytes from src (outside the ring) into the ring (over the wrap), scanning them
 * in the same pass; returns the count.
 */
export function ringWrite(src: usize, len: u32): u32 {
  let done: u32 = 0;
  while (done < len) {
    let p = reserve(1, len - done, true);
    if (p == 0) break;
    let k = resLen;
    scanFeedCopy(p, src + done, k);
    ringCommitChecked(k, false);
    done += k;
  }
  return done;
}

export function spanTable(): usize {
  return SPANS;
}

/** Writes the committed spans, oldest first, at spanTable(); returns their count. */
export function ringSpans(): u32 {
  store<u64>(SPANS, 0);
  store<u64>(SPANS, 0, 8);
  let aLen = aEnd - aStart;
  if (aLen == 0) return 0;
  store<u32>(SPANS, <u32>(base + aStart));
  store<u32>(SPANS, aLen, 4);
  if (bEnd == 0) return 1;
  store<u32>(SPANS, <u32>base, 8);
  store<u32>(SPANS, bEnd, 12);
  return 2;
}

/** Frees the n oldest committed bytes. */
export function ringRelease(n: u32): i32 {
  if (n > ringUsed()) return -1;
  let aLen = aEnd - aStart;
  if (n < aLen) {
    aStart += n;
    return 0;
  }
  n -= aLen;
  // A is used up: B (if any) becomes A. A reservation at the end of B is now at
  // the end of A.
  aStart = n;
  aEnd = bEnd;
  bEnd = 0;
  if (resLen > 0) {
    if (resInB) resInB = false;
    else if (aStart == aEnd) {
      // empty, reservation after the old A: keep it valid where it is
      aStart = resStart;
      aEnd = resStart;
    }
  } else if (aStart == aEnd) {
    aStart = 0;
    aEnd = 0;
  }
  return 0;
}

export function bytesCommitted(): f64 {
  return <f64>committedTotal;
}

/** 0 normal, 1 if the boundary scanner has found the pattern since scanReset. */
export function status(): i32 {
  return scanFound();
}
