import {
  bytesCommitted,
  ringBase,
  ringCapacity,
  ringCommit,
  ringCommitRest,
  ringContiguousFree,
  ringRelease,
  ringReserve,
  ringReservedLength,
  ringSpans,
  ringUsed,
  ringWrite,
  scratchCapacity,
  scratchPtr,
  spanTable,
  status,
} from "../../assembly/ring";
import { init, initAt } from "../../assembly/init";
import { scanEnable, scanFeed, scanFoundOffset, scanSetPattern } from "../../assembly/scan";
import { bytesOf, seedRandom, xorshift } from "./helpers";

seedRandom(0x2545f491);

const AREA = new Uint8Array(4096 + 8192 + 256);
const CAP: u32 = 4096;

// The model: a FIFO of bytes, oldest at head.
const MODEL = new Uint8Array(1 << 22);
let head = 0;
let tail = 0;
let nextByte: u8 = 1;

function setup(): void {
  expect(initAt(AREA.dataStart, 4096, CAP)).toBe(0);
  scanEnable(0);
  head = 0;
  tail = 0;
}

/**
 * Spans add up to ringUsed and hold exactly the model's bytes, oldest first.
 * Returns 0, or which check failed.
 */
function modelDifference(): i32 {
  let n = ringSpans();
  let used = ringUsed();
  if (used != <u32>(tail - head)) return 1;
  if (n > 2 || (used == 0) != (n == 0)) return 2;
  let total: u32 = 0;
  let at = head;
  let lo = ringBase();
  let hi = ringBase() + ringCapacity();
  for (let s: u32 = 0; s < n; s++) {
    let p = <usize>load<u32>(spanTable() + (s << 3));
    let len = load<u32>(spanTable() + (s << 3) + 4);
    if (len == 0 || p < lo || p + len > hi) return 3;
    if (memory.compare(p, MODEL.dataStart + at, len) != 0) return 4;
    at += len;
    total += len;
  }
  return total == used ? 0 : 5;
}

function checkAgainstModel(): void {
  expect(modelDifference()).toBe(0);
}

function fill(p: usize, len: u32): void {
  let x = nextByte;
  for (let i: u32 = 0; i < len; i++) {
    store<u8>(p + i, x);
    x = x == 251 ? 1 : x + 1;
  }
  nextByte = x;
}

/** Reserve [min, max], fill, commit n of it into ring and model. */
function produce(min: u32, max: u32, n: u32): bool {
  let p = ringReserve(min, max);
  if (p == 0) return false;
  let len = ringReservedLength();
  expect(len >= min && len <= max).toBe(true);
  fill(p, len);
  if (n > len) n = len;
  memory.copy(MODEL.dataStart + tail, p, n);
  tail += n;
  expect(ringCommit(n)).toBe(0);
  return true;
}

function consume(n: u32): void {
  expect(ringRelease(n)).toBe(0);
  head += n;
}

describe("ring layout", () => {
  test("initAt aligns scratch and ring to 64", () => {
    let base = AREA.dataStart + 5;
    expect(initAt(base, 4096, 4096)).toBe(0);
    expect(scratchPtr() % 64).toBe(0);
    expect(scratchPtr() >= base).toBe(true);
    expect(ringBase() % 64).toBe(0);
    expect(ringBase() >= scratchPtr() + 4096).toBe(true);
    expect(scratchCapacity()).toBe(4096);
    expect(ringCapacity()).toBe(4096);
    expect(ringUsed()).toBe(0);
    expect(ringContiguousFree()).toBe(4096);
    expect(bytesCommitted()).toBe(0);
    expect(status()).toBe(0);
  });
  test("capacities under 4096 are refused", () => {
    expect(initAt(AREA.dataStart, 4095, 4096)).toBe(-2);
    expect(initAt(AREA.dataStart, 4096, 4095)).toBe(-2);
    expect(init(0, 0)).toBe(-2);
  });
  test("a layout past the end of memory is refused", () => {
    expect(initAt(<usize>(memory.size() << 16) - 4096, 4096, 4096)).toBe(-1);
    expect(init(4096, 0xfffff000)).toBe(-1);
  });
});

describe("ring reserve / commit / release", () => {
  test("simple fill, spans, release", () => {
    setup();
    let p = ringReserve(10, 100);
    expect(p).toBe(ringBase());
    expect(ringReservedLength()).toBe(100);
    fill(p, 100);
    expect(ringCommit(101)).toBe(-1);
    expect(ringUsed()).toBe(0);
    for (let i = 0; i < 60; i++) MODEL[tail + i] = load<u8>(p + i);
    tail += 60;
    expect(ringCommit(60)).toBe(0);
    expect(ringReservedLength()).toBe(0);
    expect(ringCommit(1)).toBe(-1);
    expect(ringSpans()).toBe(1);
    checkAgainstModel();
    expect(ringRelease(61)).toBe(-1);
    consume(20);
    checkAgainstModel();
    expect(bytesCommitted()).toBe(60);
  });
  test("wrap into region B, two spans, B becomes A", () => {
    setup();
    expect(produce(4000, 4000, 4000)).toBe(true);
    consume(1000);
    // 96 free at the end, 1000 at the start: the larger window is at the start
    expect(ringContiguousFree()).toBe(1000);
    let p = ringReserve(200, 500);
    expect(p).toBe(ringBase());
    expect(ringReservedLength()).toBe(500);
    expect(produce(200, 500, 300)).toBe(true);
    expect(ringSpans()).toBe(2);
    checkAgainstModel();
    // B grows only up to the start of A
    expect(ringContiguousFree()).toBe(700);
    expect(ringReserve(701, 800)).toBe(0);
    expect(produce(1, 10000, 700)).toBe(true);
    expect(ringUsed()).toBe(4000);
    expect(ringContiguousFree()).toBe(0);
    expect(ringReserve(1, 1)).toBe(0);
    checkAgainstModel();
    consume(2999);
    checkAgainstModel();
    expect(ringSpans()).toBe(2);
    consume(2); // A is used up: B becomes A
    expect(ringSpans()).toBe(1);
    checkAgainstModel();
    consume(ringUsed());
    checkAgainstModel();
    // empty: the next reserve gets the whole capacity from the start
    expect(ringContiguousFree()).toBe(CAP);
    expect(ringReserve(CAP, CAP)).toBe(ringBase());
  });
  test("a small request prefers the end of A when it fits", () => {
    setup();
    expect(produce(3000, 3000, 3000)).toBe(true);
    consume(2000);
    // 1096 at the end, 2000 at the start; max 1000 fits at the end
    expect(ringReserve(1, 1000)).toBe(ringBase() + 3000);
    // larger max: the larger window (the start) wins
    expect(ringReserve(1, 1500)).toBe(ringBase());
    expect(ringReservedLength()).toBe(1500);
  });
  test("reserve fails when full, nothing reserved", () => {
    setup();
    expect(produce(CAP, CAP, CAP)).toBe(true);
    expect(ringReserve(1, 10)).toBe(0);
    expect(ringReservedLength()).toBe(0);
    expect(ringCommit(1)).toBe(-1);
    expect(ringContiguousFree()).toBe(0);
    checkAgainstModel();
  });
  test("a new reserve replaces the previous one", () => {
    setup();
    ringReserve(10, 10);
    expect(ringReservedLength()).toBe(10);
    ringReserve(20, 30);
    expect(ringReservedLength()).toBe(30);
    expect(ringReserve(5000, 6000)).toBe(0);
    expect(ringReservedLength()).toBe(0);
    expect(ringReserve(10, 5)).toBe(0);
  });
  test("a reservation stays valid across releases", () => {
    setup();
    expect(produce(100, 100, 100)).toBe(true);
    let p = ringReserve(50, 50);
    expect(p).toBe(ringBase() + 100);
    consume(100); // ring empty, reservation outstanding
    fill(p, 50);
    for (let i = 0; i < 50; i++) MODEL[tail + i] = load<u8>(p + i);
    tail += 50;
    expect(ringCommit(50)).toBe(0);
    checkAgainstModel();
    // a reservation in B that becomes the end of A
    setup();
    expect(produce(4000, 4000, 4000)).toBe(true);
    consume(3000);
    expect(produce(10, 200, 10)).toBe(true); // B = [0, 10)
    let q = ringReserve(20, 20);
    expect(q).toBe(ringBase() + 10);
    consume(1000); // A used up, B becomes A
    fill(q, 20);
    for (let i = 0; i < 20; i++) MODEL[tail + i] = load<u8>(q + i);
    tail += 20;
    expect(ringCommit(20)).toBe(0);
    checkAgainstModel();
    expect(ringUsed()).toBe(30);
  });
  test("ringWrite splits over the wrap and stops when full", () => {
    setup();
    let src = new Uint8Array(5000);
    for (let i = 0; i < 5000; i++) src[i] = <u8>(i * 13 + 7);
    expect(produce(3500, 3500, 3500)).toBe(true);
    consume(3000);
    // 596 at the end, 3000 at the start
    expect(ringWrite(src.dataStart, 5000)).toBe(3596);
    for (let i = 0; i < 3596; i++) MODEL[tail + i] = src[i];
    tail += 3596;
    expect(ringUsed()).toBe(CAP);
    expect(ringSpans()).toBe(2);
    checkAgainstModel();
    expect(ringWrite(src.dataStart, 10)).toBe(0);
  });
  test("random sequences against a FIFO model", () => {
    for (let round = 0; round < 40; round++) {
      setup();
      let committed: f64 = 0;
      for (let step = 0; step < 400; step++) {
        let op = xorshift() % 4;
        if (op < 2) {
          let min: u32 = 1 + xorshift() % 600;
          let max: u32 = min + xorshift() % 2000;
          let free = ringContiguousFree();
          let before = tail;
          let ok = produce(min, max, xorshift() % (max + 1));
          if (ok != (free >= min)) expect(ok).toBe(free >= min);
          committed += <f64>(tail - before);
        } else if (op == 2) {
          let used = ringUsed();
          consume(used == 0 ? 0 : xorshift() % (used + 1));
        } else {
          let n: u32 = xorshift() % 1500;
          let src = MODEL.dataStart + tail + 8192; // scratch bytes past the model's tail
          fill(src, n);
          let took = ringWrite(src, n);
          if (took > n) expect(took).toBeLessThanOrEqual(n);
          memory.copy(MODEL.dataStart + tail, src, took);
          tail += took;
          committed += <f64>took;
          if (took < n && ringContiguousFree() != 0) expect(ringContiguousFree()).toBe(0);
        }
        let d = modelDifference();
        if (d != 0) {
          expect(d).toBe(0, "round " + round.toString() + " step " + step.toString());
          return;
        }
        if (tail > MODEL.length - 20000) break;
      }
      expect(bytesCommitted()).toBe(committed);
    }
  });
});

describe("ringCommitRest", () => {
  test("scans only the bytes not yet fed, so a boundary across the seam is found once, at its offset", () => {
    setup();
    let pat = bytesOf("--uuid:seam");
    expect(scanSetPattern(pat.dataStart, pat.length)).toBe(0);
    let text = bytesOf("<a>xx--uuid:seam</a>");
    let p = ringReserve(64, 64);
    memory.copy(p, text.dataStart, text.length);
    // the first 8 bytes were fed as they were written ("<a>xx--u"), the rest comes with the commit
    expect(scanFeed(p, 8)).toBe(0);
    expect(ringCommitRest(text.length, 8)).toBe(1);
    expect(scanFoundOffset()).toBe(5);
    expect(ringUsed()).toBe(text.length);
    expect(bytesCommitted()).toBe(<f64>text.length);
  });
  test("a fully scanned window commits without a second scan; bad counts are refused", () => {
    setup();
    let pat = bytesOf("--uuid:none");
    expect(scanSetPattern(pat.dataStart, pat.length)).toBe(0);
    let p = ringReserve(16, 16);
    memory.fill(p, 0x61, 16);
    expect(scanFeed(p, 16)).toBe(0);
    expect(ringCommitRest(17, 0)).toBe(-1);
    expect(ringCommitRest(8, 9)).toBe(-1);
    expect(ringCommitRest(16, 16)).toBe(0);
    expect(ringUsed()).toBe(16);
  });
});
