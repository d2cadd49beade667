import {
  findScalar,
  indexOfSimd,
  scanEnable,
  scanFeed,
  scanFound,
  scanFoundOffset,
  scanReset,
  scanSetPattern,
  scanSkipTable,
} from "../../assembly/scan";
import { initAt } from "../../assembly/init";
import { ringCommit, ringReserve, ringWrite, status } from "../../assembly/ring";
import { seedRandom, xorshift, randomBytes, bytesOf, naiveIndexOf } from "./helpers";

seedRandom(0x6b43a9b5);

/** Bytes drawn from `alphabet` only. */
function randomFrom(n: i32, alphabet: string): Uint8Array {
  let a = new Uint8Array(n);
  for (let i = 0; i < n; i++) a[i] = <u8>alphabet.charCodeAt(<i32>(xorshift() % <u32>alphabet.length));
  return a;
}

/** The scalar search with pat's shifts, as scanSetPattern prepares them (pat becomes the pattern). */
function scalarSearch(hay: usize, len: u32, pat: usize, patLen: u32): i32 {
  expect(scanSetPattern(pat, patLen)).toBe(0);
  return findScalar(hay, len, pat, patLen, scanSkipTable());
}

function makePattern(len: i32): Uint8Array {
  // "uuid:" + hex, cut or repeated to len
  let p = new Uint8Array(len);
  let s = "uuid:3f2a9c1e-77b0-4d5e-9a61-0c8d2e4f6b1a";
  for (let i = 0; i < len; i++) p[i] = <u8>s.charCodeAt(i % s.length);
  return p;
}

/** Feeds hay split at the cut points; returns the found offset (-1 if none). */
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

const LENGTHS: i32[] = [1, 2, 16, 17, 70];

/** The pattern's own bytes, as an alphabet. */
function alphabetOf(pat: Uint8Array): string {
  return String.UTF8.decode(pat.slice().buffer);
}

let failures = 0;
let firstFailure = "";

/**
 * Both searches of pat in hay[0, n) against the naive one: indexOfSimd, and the scalar search
 * with the shifts scanSetPattern prepared (the caller has made pat the pattern). Records the
 * first failure.
 */
function checkAll(hay: usize, n: i32, pat: Uint8Array, what: string): void {
  let want = naiveAt(hay, n, pat);
  let simd = indexOfSimd(hay, n, pat.dataStart, pat.length);
  let prepared = findScalar(hay, n, pat.dataStart, pat.length, scanSkipTable());
  if (simd != want || prepared != want) {
    if (failures == 0) {
      firstFailure = what + ": n " + n.toString() + " patLen " + pat.length.toString() + " want " + want.toString() +
        " simd " + simd.toString() + " prepared " + prepared.toString();
    }
    failures++;
  }
}

function naiveAt(hay: usize, n: i32, pat: Uint8Array): i32 {
  for (let i = 0; i + pat.length <= n; i++) {
    let j = 0;
    while (j < pat.length && load<u8>(hay + i + j) == pat[j]) j++;
    if (j == pat.length) return i;
  }
  return -1;
}

function expectNoFailures(): void {
  expect(firstFailure).toBe("");
  expect(failures).toBe(0);
  failures = 0;
  firstFailure = "";
}

describe("indexOf", () => {
  test("the pattern at every offset, both variants", () => {
    for (let k = 0; k < LENGTHS.length; k++) {
      let pat = makePattern(LENGTHS[k]);
      for (let at = 0; at <= 150; at++) {
        let hay = randomFrom(150 + pat.length + <i32>(xorshift() % 40), "abcdefxyz-0123");
        memory.copy(hay.dataStart + at, pat.dataStart, pat.length);
        let want = naiveIndexOf(hay, pat);
        expect(want).toBeLessThanOrEqual(at);
        expect(scalarSearch(hay.dataStart, hay.length, pat.dataStart, pat.length)).toBe(want);
        expect(indexOfSimd(hay.dataStart, hay.length, pat.dataStart, pat.length)).toBe(want);
      }
    }
  });
  test("no match, short haystacks, the very end", () => {
    for (let k = 0; k < LENGTHS.length; k++) {
      let pat = makePattern(LENGTHS[k]);
      for (let n = 0; n < 100; n++) {
        let hay = randomFrom(n, "ABCDEF!");
        expect(indexOfSimd(hay.dataStart, n, pat.dataStart, pat.length)).toBe(-1);
        expect(scalarSearch(hay.dataStart, n, pat.dataStart, pat.length)).toBe(-1);
        if (n >= pat.length) {
          memory.copy(hay.dataStart + n - pat.length, pat.dataStart, pat.length);
          let want = naiveIndexOf(hay, pat);
          expect(indexOfSimd(hay.dataStart, n, pat.dataStart, pat.length)).toBe(want);
          expect(scalarSearch(hay.dataStart, n, pat.dataStart, pat.length)).toBe(want);
        }
      }
    }
  });
  test("every haystack length 0-200, the pattern at every offset", () => {
    let lengths: i32[] = [1, 2, 3, 8, 16, 17, 41, 70];
    for (let k = 0; k < lengths.length; k++) {
      let pat = makePattern(lengths[k]);
      scanSetPattern(pat.dataStart, pat.length);
      let base = randomFrom(200, "abcdefxyz-0123");
      let work = base.slice();
      for (let n = 0; n <= 200; n++) {
        checkAll(work.dataStart, n, pat, "no plant");
        for (let at = 0; at + pat.length <= n; at++) {
          memory.copy(work.dataStart + at, pat.dataStart, pat.length);
          checkAll(work.dataStart, n, pat, "planted at " + at.toString());
          memory.copy(work.dataStart + at, base.dataStart + at, pat.length);
        }
      }
    }
    expectNoFailures();
  });
  test("long haystacks: every offset, random bytes and the pattern's alphabet", () => {
    let lengths: i32[] = [1, 2, 8, 16, 17, 41, 70];
    for (let k = 0; k < lengths.length; k++) {
      let pat = makePattern(lengths[k]);
      scanSetPattern(pat.dataStart, pat.length);
      for (let kind = 0; kind < 2; kind++) {
        let n = 1100 + pat.length + <i32>(xorshift() % 400);
        let base = kind == 0 ? randomBytes(n) : randomFrom(n, alphabetOf(pat) + "x");
        let work = base.slice();
        checkAll(work.dataStart, n, pat, "no plant, kind " + kind.toString());
        for (let at = 0; at + pat.length <= n; at++) {
          memory.copy(work.dataStart + at, pat.dataStart, pat.length);
          checkAll(work.dataStart, n, pat, "kind " + kind.toString() + " planted at " + at.toString());
          memory.copy(work.dataStart + at, base.dataStart + at, pat.length);
        }
      }
    }
    expectNoFailures();
  });
  test("mixed data: skips long and short in turn, the pattern at every offset", () => {
    let lengths: i32[] = [8, 16, 41, 70];
    for (let k = 0; k < lengths.length; k++) {
      let pat = makePattern(lengths[k]);
      scanSetPattern(pat.dataStart, pat.length);
      let n = 5000;
      let base = new Uint8Array(n);
      let at = 0;
      while (at < n) {
        let run = min(n - at, 50 + <i32>(xorshift() % 1500));
        let part = (xorshift() & 1) ? randomBytes(run) : randomFrom(run, alphabetOf(pat));
        memory.copy(base.dataStart + at, part.dataStart, run);
        at += run;
      }
      let work = base.slice();
      checkAll(work.dataStart, n, pat, "no plant");
      for (let p = 0; p + pat.length <= n; p++) {
        memory.copy(work.dataStart + p, pat.dataStart, pat.length);
        checkAll(work.dataStart, n, pat, "planted at " + p.toString());
        memory.copy(work.dataStart + p, base.dataStart + p, pat.length);
      }
    }
    expectNoFailures();
  });
  test("the scalar search with different patterns in turn", () => {
    let a = bytesOf("uuid:0123456789abcdef0123456789abcdef");
    let b = bytesOf("--MIMEBoundary_XYZ_");
    for (let round = 0; round < 50; round++) {
      let n = 2000 + <i32>(xorshift() % 3000);
      let hay = round % 4 < 2 ? randomBytes(n) : randomFrom(n, "MIMEBoundary_XYZ-uuid:0123");
      let pat = round & 1 ? a : b;
      memory.copy(hay.dataStart + <i32>(xorshift() % <u32>(n - pat.length + 1)), pat.dataStart, pat.length);
      let other = round & 1 ? b : a;
      expect(scalarSearch(hay.dataStart, n, other.dataStart, other.length)).toBe(naiveIndexOf(hay, other));
      expect(scalarSearch(hay.dataStart, n, pat.dataStart, pat.length)).toBe(naiveIndexOf(hay, pat));
    }
  });
  test("near misses before the match, within and across 64-byte blocks", () => {
    let lengths: i32[] = [3, 4, 9, 16, 41, 70];
    for (let k = 0; k < lengths.length; k++) {
      let pat = makePattern(lengths[k]);
      let miss = pat.slice();
      scanSetPattern(pat.dataStart, pat.length);
      for (let round = 0; round < 400; round++) {
        let n = pat.length + 16 + <i32>(xorshift() % 1400);
        let hay = randomFrom(n, "ABCDEFGH!");
        let misses = 1 + <i32>(xorshift() % 6);
        for (let m = 0; m < misses; m++) {
          miss[1 + <i32>(xorshift() % <u32>(pat.length - 2))] = 0x21; // a middle byte
          let at = <i32>(xorshift() % <u32>(n - pat.length + 1));
          memory.copy(hay.dataStart + at, miss.dataStart, pat.length);
          memory.copy(miss.dataStart, pat.dataStart, pat.length);
        }
        if (xorshift() & 1) {
          let at = <i32>(xorshift() % <u32>(n - pat.length + 1));
          memory.copy(hay.dataStart + at, pat.dataStart, pat.length);
        }
        checkAll(hay.dataStart, n, pat, "round " + round.toString());
      }
    }
    expectNoFailures();
  });
  test("no false positive in random data or in the pattern's own alphabet", () => {
    let lengths: i32[] = [1, 2, 5, 16, 17, 41, 70];
    for (let k = 0; k < lengths.length; k++) {
      let pat = makePattern(lengths[k]);
      scanSetPattern(pat.dataStart, pat.length);
      for (let round = 0; round < 8; round++) {
        let n = 1 + <i32>(xorshift() % 30000);
        let hay = round & 1 ? randomFrom(n, alphabetOf(pat)) : randomBytes(n);
        checkAll(hay.dataStart, n, pat, "round " + round.toString());
      }
    }
    expectNoFailures();
  });
  test("self-overlapping patterns over long runs", () => {
    // aaaa…ab in a run of a, and a pattern whose middle differs from its run
    let pats: string[] = [
      "aaaaaaaaaaaaaaab",
      "baaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
      "aaaaaaaaaaaaaaaaaaabaaaaaaaaaaaaaaaaaaaa",
      "abababababababac",
    ];
    for (let k = 0; k < pats.length; k++) {
      let pat = bytesOf(pats[k]);
      scanSetPattern(pat.dataStart, pat.length);
      let hay = new Uint8Array(3000);
      for (let i = 0; i < 3000; i++) hay[i] = k == 3 ? (i & 1 ? 0x62 : 0x61) : 0x61;
      checkAll(hay.dataStart, 3000, pat, "run");
      for (let at = 0; at + pat.length <= 3000; at += 37) {
        let work = hay.slice();
        memory.copy(work.dataStart + at, pat.dataStart, pat.length);
        checkAll(work.dataStart, 3000, pat, "run, planted at " + at.toString());
      }
    }
    expectNoFailures();
  });
  test("near misses: first and last byte match, middle differs", () => {
    let pat = bytesOf("--uuid:abcdef--");
    let hay = new Uint8Array(1000);
    for (let i = 0; i + 15 <= 1000; i += 15) {
      memory.copy(hay.dataStart + i, pat.dataStart, 15);
      hay[i + 7] = 0x41;
    }
    expect(indexOfSimd(hay.dataStart, 1000, pat.dataStart, 15)).toBe(-1);
    memory.copy(hay.dataStart + 600, pat.dataStart, 15);
    expect(indexOfSimd(hay.dataStart, 1000, pat.dataStart, 15)).toBe(600);
    expect(scalarSearch(hay.dataStart, 1000, pat.dataStart, 15)).toBe(600);
  });
});

describe("streaming scan", () => {
  test("bad pattern lengths are refused", () => {
    let p = makePattern(71);
    expect(scanSetPattern(p.dataStart, 0)).toBe(-1);
    expect(scanSetPattern(p.dataStart, 71)).toBe(-1);
    expect(scanSetPattern(p.dataStart, 70)).toBe(0);
  });
  test("across every seam of a two-chunk feed", () => {
    for (let k = 0; k < LENGTHS.length; k++) {
      let pat = makePattern(LENGTHS[k]);
      expect(scanSetPattern(pat.dataStart, pat.length)).toBe(0);
      let hay = randomFrom(120 + pat.length, "abcdefxyz-0123");
      memory.copy(hay.dataStart + 60, pat.dataStart, pat.length);
      let want = <f64>naiveIndexOf(hay, pat);
      for (let cut = 0; cut <= hay.length; cut++) {
        expect(feedSplit(hay, [cut])).toBe(want);
        expect(scanFound()).toBe(1);
      }
    }
  });
  test("three chunks with a 1-byte middle", () => {
    for (let k = 0; k < LENGTHS.length; k++) {
      let pat = makePattern(LENGTHS[k]);
      scanSetPattern(pat.dataStart, pat.length);
      let hay = randomFrom(100 + pat.length, "abcdefxyz-0123");
      memory.copy(hay.dataStart + 50, pat.dataStart, pat.length);
      let want = <f64>naiveIndexOf(hay, pat);
      for (let cut = 0; cut < hay.length; cut++) {
        expect(feedSplit(hay, [cut, cut + 1])).toBe(want);
      }
    }
  });
  test("byte-at-a-time feeds and self-overlapping patterns", () => {
    let pat = bytesOf("abababababababac");
    scanSetPattern(pat.dataStart, pat.length);
    let hay = bytesOf("abababababababababababababababacab");
    let want = <f64>naiveIndexOf(hay, pat);
    expect(want).toBe(16);
    let cuts: i32[] = [];
    for (let i = 1; i < hay.length; i++) cuts.push(i);
    expect(feedSplit(hay, cuts)).toBe(want);
    let longPat = new Uint8Array(70);
    for (let i = 0; i < 70; i++) longPat[i] = i == 69 ? 0x63 : (i & 1 ? 0x62 : 0x61);
    scanSetPattern(longPat.dataStart, 70);
    let longHay = new Uint8Array(300);
    for (let i = 0; i < 300; i++) longHay[i] = i & 1 ? 0x62 : 0x61;
    memory.copy(longHay.dataStart + 201, longPat.dataStart, 70);
    let w = <f64>naiveIndexOf(longHay, longPat);
    for (let step = 1; step < 90; step += 7) {
      let c: i32[] = [];
      for (let i = step; i < 300; i += step) c.push(i);
      expect(feedSplit(longHay, c)).toBe(w);
    }
  });
  test("no false positive in random data, 40-byte boundary, random chunks", () => {
    let pat = makePattern(40);
    scanSetPattern(pat.dataStart, 40);
    for (let round = 0; round < 20; round++) {
      let hay = randomBytes(20000);
      let cuts: i32[] = [];
      let at = 0;
      while (true) {
        at += 1 + <i32>(xorshift() % 3000);
        if (at >= hay.length) break;
        cuts.push(at);
      }
      let want = <f64>naiveIndexOf(hay, pat);
      expect(want).toBe(-1);
      expect(feedSplit(hay, cuts)).toBe(-1);
      expect(scanFound()).toBe(0);
      // and with the boundary planted at a random offset
      let where = <i32>(xorshift() % 19960);
      memory.copy(hay.dataStart + where, pat.dataStart, 40);
      expect(feedSplit(hay, cuts)).toBe(<f64>where);
    }
  });
  test("random chunkings over the pattern's own alphabet, against the naive search", () => {
    for (let k = 0; k < LENGTHS.length; k++) {
      let pat = makePattern(LENGTHS[k]);
      scanSetPattern(pat.dataStart, pat.length);
      for (let round = 0; round < 60; round++) {
        let n = 1 + <i32>(xorshift() % 6000);
        let hay = round & 1 ? randomFrom(n, alphabetOf(pat) + "#") : randomBytes(n);
        if (n >= pat.length && round % 3 != 0) {
          memory.copy(hay.dataStart + <i32>(xorshift() % <u32>(n - pat.length + 1)), pat.dataStart, pat.length);
        }
        let cuts: i32[] = [];
        let at = 0;
        while (true) {
          at += (xorshift() & 1) ? 1 + <i32>(xorshift() % 4) : 1 + <i32>(xorshift() % 300);
          if (at >= n) break;
          cuts.push(at);
        }
        expect(feedSplit(hay, cuts)).toBe(<f64>naiveIndexOf(hay, pat));
      }
    }
  });
  test("found is sticky, reset clears it, disabled scans nothing", () => {
    let pat = bytesOf("--B1");
    scanSetPattern(pat.dataStart, 4);
    let a = bytesOf("xx--B");
    let b = bytesOf("1yy");
    expect(scanFeed(a.dataStart, 5)).toBe(0);
    expect(scanFeed(b.dataStart, 3)).toBe(1);
    expect(scanFoundOffset()).toBe(2);
    expect(scanFeed(a.dataStart, 5)).toBe(1);
    expect(scanFoundOffset()).toBe(2);
    scanReset();
    expect(scanFound()).toBe(0);
    expect(scanFoundOffset()).toBe(-1);
    // the seam is forgotten by a reset too
    expect(scanFeed(a.dataStart, 5)).toBe(0);
    scanReset();
    expect(scanFeed(b.dataStart, 3)).toBe(0);
    scanEnable(0);
    let c = bytesOf("--B1");
    expect(scanFeed(c.dataStart, 4)).toBe(0);
    scanEnable(1);
    expect(scanFeed(c.dataStart, 4)).toBe(1);
    expect(scanFoundOffset()).toBe(3);
  });
  test("ring commits are scanned, across commits", () => {
    let area = new Uint8Array(4096 + 8192 + 128);
    expect(initAt(area.dataStart, 4096, 8192)).toBe(0);
    let pat = bytesOf("uuid:0123456789");
    scanSetPattern(pat.dataStart, pat.length);
    let first = bytesOf("<a>uuid:01234");
    expect(ringWrite(first.dataStart, first.length)).toBe(first.length);
    expect(status()).toBe(0);
    let p = ringReserve(10, 10);
    let rest = bytesOf("56789</a>!");
    memory.copy(p, rest.dataStart, 10);
    expect(ringCommit(10)).toBe(1);
    expect(status()).toBe(1);
    expect(scanFoundOffset()).toBe(3);
    scanReset();
    expect(status()).toBe(0);
  });
});
