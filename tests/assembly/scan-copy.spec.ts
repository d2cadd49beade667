import {
  copyFindScalar,
  copyIndexOfSimd,
  scanEnable,
  scanFeed,
  scanFeedCopy,
  scanFound,
  scanFoundOffset,
  scanReset,
  scanSetPattern,
  scanSkipTable,
} from "../../assembly/scan";
import { initAt } from "../../assembly/init";
import { ringRelease, ringSpans, ringWrite, spanTable, status } from "../../assembly/ring";
import { seedRandom, xorshift, randomBytes } from "./helpers";

seedRandom(0x3c6ef372);

const AREA = new Uint8Array(4096 + 8192 + 256);

const LENGTHS: i32[] = [1, 2, 3, 16, 17, 41, 70];

function makePattern(len: i32): Uint8Array {
  let p = new Uint8Array(len);
  let s = "uuid:0f8fad5b-d9cb-469f-a165-70867728950e";
  for (let i = 0; i < len; i++) p[i] = <u8>s.charCodeAt(i % s.length);
  return p;
}

/** Bytes drawn from the pattern's own bytes (many candidates, many near misses). */
function randomFrom(n: i32, pat: Uint8Array): Uint8Array {
  let a = new Uint8Array(n);
  for (let i = 0; i < n; i++) a[i] = pat[<i32>(xorshift() % <u32>pat.length)];
  return a;
}

function naiveIndexOf(hay: Uint8Array, pat: Uint8Array): i32 {
  for (let i = 0; i + pat.length <= hay.length; i++) {
    let j = 0;
    while (j < pat.length && hay[i + j] == pat[j]) j++;
    if (j == pat.length) return i;
  }
  return -1;
}

function sameBytes(a: Uint8Array, b: Uint8Array, n: i32): bool {
  for (let i = 0; i < n; i++) if (a[i] != b[i]) return false;
  return true;
}

let failures = 0;
let firstFailure = "";

/** Both copying searches against the naive search, and the copy against the source. */
function checkCopy(hay: Uint8Array, pat: Uint8Array, what: string): void {
  let want = naiveIndexOf(hay, pat);
  let dst = new Uint8Array(hay.length + 64);
  let guard = <u8>0xa5;
  dst.fill(guard);
  let simd = copyIndexOfSimd(dst.dataStart, hay.dataStart, hay.length, pat.dataStart, pat.length);
  let simdCopied = sameBytes(dst, hay, hay.length) && dst[hay.length] == guard;
  dst.fill(guard);
  expect(scanSetPattern(pat.dataStart, pat.length)).toBe(0);
  let scalar = copyFindScalar(dst.dataStart, hay.dataStart, hay.length, pat.dataStart, pat.length, scanSkipTable());
  let scalarCopied = sameBytes(dst, hay, hay.length) && dst[hay.length] == guard;
  if (simd != want || scalar != want || !simdCopied || !scalarCopied) {
    if (failures == 0) {
      firstFailure =
        what + ": want " + want.toString() + ", SIMD " + simd.toString() + ", scalar " + scalar.toString() +
        (simdCopied ? "" : ", SIMD copy differs") + (scalarCopied ? "" : ", scalar copy differs");
    }
    failures++;
  }
}

function expectNoFailures(): void {
  expect(firstFailure).toBe("");
  expect(failures).toBe(0);
  failures = 0;
  firstFailure = "";
}

describe("copy and search in one pass", () => {
  test("lengths 0-300, the pattern at every offset and nowhere", () => {
    for (let k = 0; k < LENGTHS.length; k++) {
      let pat = makePattern(LENGTHS[k]);
      for (let n = 0; n <= 300; n += n < 64 ? 1 : n < 140 ? 5 : 23) {
        let hay = randomBytes(n);
        checkCopy(hay, pat, "random n=" + n.toString());
        for (let at = 0; at + pat.length <= n; at++) {
          let h = randomBytes(n);
          memory.copy(h.dataStart + at, pat.dataStart, pat.length);
          checkCopy(h, pat, "n=" + n.toString() + " at=" + at.toString() + " len=" + pat.length.toString());
        }
      }
    }
    expectNoFailures();
  });
  test("near misses in the pattern's own bytes, two matches: the first counts", () => {
    for (let k = 0; k < LENGTHS.length; k++) {
      let pat = makePattern(LENGTHS[k]);
      for (let round = 0; round < 60; round++) {
        let n = 64 + <i32>(xorshift() % 2000);
        let hay = randomFrom(n, pat);
        checkCopy(hay, pat, "alphabet n=" + n.toString());
        if (n >= 2 * pat.length) {
          let a = <i32>(xorshift() % <u32>(n - 2 * pat.length + 1));
          let b = a + pat.length + <i32>(xorshift() % <u32>(n - a - 2 * pat.length + 1));
          memory.copy(hay.dataStart + b, pat.dataStart, pat.length);
          memory.copy(hay.dataStart + a, pat.dataStart, pat.length);
          checkCopy(hay, pat, "two matches n=" + n.toString());
        }
      }
    }
    expectNoFailures();
  });
});

/** Feeds hay in random chunks through scanFeedCopy; returns the found offset, copying into dst. */
function feedCopySplit(hay: Uint8Array, dst: Uint8Array, cuts: i32[]): f64 {
  scanReset();
  let prev = 0;
  for (let c = 0; c <= cuts.length; c++) {
    let end = c < cuts.length ? cuts[c] : hay.length;
    scanFeedCopy(dst.dataStart + prev, hay.dataStart + prev, end - prev);
    prev = end;
  }
  return scanFoundOffset();
}

function feedSplit(hay: Uint8Array, cuts: i32[]): f64 {
  scanReset();
  let prev = 0;
  for (let c = 0; c <= cuts.length; c++) {
    let end = c < cuts.length ? cuts[c] : hay.length;
    scanFeed(hay.dataStart + prev, end - prev);
    prev = end;
  }
  return scanFoundOffset();
}

function randomCuts(n: i32, most: u32): i32[] {
  let cuts: i32[] = [];
  let at = 0;
  while (true) {
    at += 1 + <i32>(xorshift() % most);
    if (at >= n) return cuts;
    cuts.push(at);
  }
}

describe("scanFeedCopy", () => {
  test("finds what scanFeed finds, across every seam, and copies every byte", () => {
    for (let k = 0; k < LENGTHS.length; k++) {
      let pat = makePattern(LENGTHS[k]);
      scanSetPattern(pat.dataStart, pat.length);
      for (let round = 0; round < 40; round++) {
        let n = 1 + <i32>(xorshift() % 1500);
        let hay = round % 2 == 0 ? randomBytes(n) : randomFrom(n, pat);
        if (round % 3 != 0 && n >= pat.length) {
          memory.copy(hay.dataStart + <i32>(xorshift() % <u32>(n - pat.length + 1)), pat.dataStart, pat.length);
        }
        let cuts = randomCuts(n, round < 20 ? 5 : 300);
        let want = <f64>naiveIndexOf(hay, pat);
        let dst = new Uint8Array(n);
        let got = feedCopySplit(hay, dst, cuts);
        if (got != want || feedSplit(hay, cuts) != want || !sameBytes(dst, hay, n)) {
          expect(got).toBe(want, "len " + pat.length.toString() + " round " + round.toString());
          expect(sameBytes(dst, hay, n)).toBe(true);
          return;
        }
      }
    }
  });
  test("found is sticky and still copies; disabled copies and scans nothing", () => {
    let pat = makePattern(41);
    scanSetPattern(pat.dataStart, pat.length);
    let hay = randomBytes(500);
    memory.copy(hay.dataStart + 100, pat.dataStart, pat.length);
    let dst = new Uint8Array(500);
    expect(scanFeedCopy(dst.dataStart, hay.dataStart, 300)).toBe(1);
    expect(scanFoundOffset()).toBe(100);
    expect(scanFeedCopy(dst.dataStart + 300, hay.dataStart + 300, 200)).toBe(1);
    expect(sameBytes(dst, hay, 500)).toBe(true);
    scanReset();
    scanEnable(0);
    dst.fill(0);
    expect(scanFeedCopy(dst.dataStart, hay.dataStart, 500)).toBe(0);
    expect(scanFound()).toBe(0);
    expect(sameBytes(dst, hay, 500)).toBe(true);
    scanEnable(1);
  });
  test("ringWrite scans what it copies, across the ring's wrap", () => {
    expect(initAt(AREA.dataStart, 4096, 8192)).toBe(0);
    let pat = makePattern(41);
    scanSetPattern(pat.dataStart, pat.length);
    let src = randomBytes(12000);
    memory.copy(src.dataStart + 8170, pat.dataStart, pat.length); // stream bytes 8170..8210
    expect(ringWrite(src.dataStart, 8000)).toBe(8000);
    expect(ringRelease(7000)).toBe(0);
    expect(status()).toBe(0);
    // 192 bytes fill the ring's end, 3808 wrap to its start: the boundary spans the wrap
    expect(ringWrite(src.dataStart + 8000, 4000)).toBe(4000);
    expect(ringSpans()).toBe(2);
    expect(load<u32>(spanTable(), 4)).toBe(1192);
    expect(load<u32>(spanTable(), 12)).toBe(3808);
    expect(status()).toBe(1);
    expect(scanFoundOffset()).toBe(8170);
    let second = load<u32>(spanTable(), 8);
    expect(memory.compare(<usize>second, src.dataStart + 8192, 3808)).toBe(0);
    scanEnable(0);
  });
});
