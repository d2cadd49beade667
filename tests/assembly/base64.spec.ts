import {
  base64EncodeScalar,
  base64EncodeSimd,
  base64Finish,
  base64ReservedInput,
  base64Reset,
  base64Write,
  base64WriteReserved,
} from "../../assembly/base64";
import { initAt } from "../../assembly/init";
import {
  ringRelease,
  ringReserve,
  ringReserved,
  ringReservedLength,
  ringSpans,
  spanTable,
  ringUsed,
} from "../../assembly/ring";
import { seedRandom, xorshift, randomBytes, bytesOf } from "./helpers";

seedRandom(0x9e3779b9);

function firstDifference(a: usize, b: usize, n: u32): i32 {
  for (let i: u32 = 0; i < n; i++) if (load<u8>(a + i) != load<u8>(b + i)) return <i32>i;
  return -1;
}

/** Reference encoder, bit by bit from RFC 4648 §4. */
function naiveEncode(src: Uint8Array): Uint8Array {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  let out = new Uint8Array(((src.length + 2) / 3) * 4);
  let o = 0;
  let bits: u32 = 0;
  let nbits = 0;
  for (let i = 0; i < src.length; i++) {
    bits = (bits << 8) | src[i];
    nbits += 8;
    while (nbits >= 6) {
      nbits -= 6;
      out[o++] = <u8>alphabet.charCodeAt((bits >> nbits) & 63);
    }
  }
  if (nbits > 0) out[o++] = <u8>alphabet.charCodeAt((bits << (6 - nbits)) & 63);
  while (o % 4 != 0) out[o++] = 0x3d;
  return out;
}

function encodeSimd(src: Uint8Array): Uint8Array {
  let out = new Uint8Array(((src.length + 2) / 3) * 4 + 16);
  let n = base64EncodeSimd(src.dataStart, src.length, out.dataStart);
  return out.subarray(0, n);
}

function encodeScalar(src: Uint8Array): Uint8Array {
  let out = new Uint8Array(((src.length + 2) / 3) * 4 + 16);
  let n = base64EncodeScalar(src.dataStart, src.length, out.dataStart);
  return out.subarray(0, n);
}

function sameBytes(a: Uint8Array, b: Uint8Array): bool {
  if (a.length != b.length) return false;
  return firstDifference(a.dataStart, b.dataStart, a.length) < 0;
}

// A ring in a buffer of our own, drained into `collected`.
const RING_AREA = new Uint8Array(4096 + (1 << 17) + 256);
let collected = new Uint8Array(0);
let collectedLen = 0;

function setupRing(ringCapacity: u32, expectedOut: i32): void {
  expect(initAt(RING_AREA.dataStart, 4096, ringCapacity)).toBe(0);
  base64Reset();
  collected = new Uint8Array(expectedOut + 64);
  collectedLen = 0;
}

function drain(): void {
  let n = ringSpans();
  let used = ringUsed();
  for (let s: u32 = 0; s < n; s++) {
    let p = <usize>load<u32>(spanTable() + (s << 3));
    let len = load<u32>(spanTable() + (s << 3) + 4);
    memory.copy(collected.dataStart + collectedLen, p, len);
    collectedLen += len;
  }
  expect(ringRelease(used)).toBe(0);
}

/** Streams src split at the given cut points; drains when the ring is full. */
function streamSplit(src: Uint8Array, cuts: i32[]): Uint8Array {
  let prev = 0;
  for (let c = 0; c <= cuts.length; c++) {
    let end = c < cuts.length ? cuts[c] : src.length;
    let at = prev;
    while (at < end) {
      let took = base64Write(src.dataStart + at, end - at);
      at += took;
      if (at < end) drain();
    }
    prev = end;
  }
  let fin = base64Finish();
  if (fin < 0) {
    drain();
    fin = base64Finish();
  }
  expect(fin).toBeGreaterThanOrEqual(0);
  drain();
  return collected.subarray(0, collectedLen);
}

/**
 * What the host does for base64WriteReserved: reserve a window (at most `window` bytes), copy as
 * many input bytes as fit to its end, encode them in place. Returns the bytes consumed.
 */
function writeReserved(src: usize, len: u32, window: u32 = 0xffffffff): u32 {
  if (ringReserve(12, window) == 0) return 0;
  let reserved = ringReservedLength();
  let n = min(len, base64ReservedInput(reserved));
  memory.copy(ringReserved() + reserved - n, src, n);
  return base64WriteReserved(n);
}

/** streamSplit through writeReserved, windows of at most `window` bytes; `mixed`: every other piece by base64Write. */
function streamSplitReserved(src: Uint8Array, cuts: i32[], window: u32, mixed: bool): Uint8Array {
  let prev = 0;
  for (let c = 0; c <= cuts.length; c++) {
    let end = c < cuts.length ? cuts[c] : src.length;
    let at = prev;
    while (at < end) {
      let took = mixed && c % 2 == 1
        ? base64Write(src.dataStart + at, end - at)
        : writeReserved(src.dataStart + at, end - at, window);
      at += took;
      if (took == 0) drain();
    }
    prev = end;
  }
  if (base64Finish() < 0) {
    drain();
    expect(base64Finish()).toBeGreaterThanOrEqual(0);
  }
  drain();
  return collected.subarray(0, collectedLen);
}

// RFC 4648 §10
const inputs: string[] = ["", "f", "fo", "foo", "foob", "fooba", "foobar"];
const outputs: string[] = ["", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"];

/** Random cut points in [1, n): half of the steps tiny (0–4 bytes), half up to `maxStep`. */
function randomCuts(n: i32, maxStep: u32): i32[] {
  let cuts: i32[] = [];
  let at = 0;
  while (true) {
    at += (xorshift() & 1) ? <i32>(xorshift() % 5) : <i32>(xorshift() % maxStep);
    if (at >= n) break;
    cuts.push(at);
  }
  return cuts;
}

describe("base64 RFC 4648 §10 vectors", () => {
  test("scalar", () => {
    for (let i = 0; i < inputs.length; i++) {
      let got = encodeScalar(bytesOf(inputs[i]));
      expect(String.UTF8.decode(got.slice().buffer)).toBe(outputs[i]);
    }
  });
  test("simd", () => {
    for (let i = 0; i < inputs.length; i++) {
      let got = encodeSimd(bytesOf(inputs[i]));
      expect(String.UTF8.decode(got.slice().buffer)).toBe(outputs[i]);
    }
  });
  test("a 48-byte input through the vector path", () => {
    let s = "Man is distinguished, not only by his reason, bu";
    let got = encodeSimd(bytesOf(s));
    expect(String.UTF8.decode(got.slice().buffer)).toBe(
      "TWFuIGlzIGRpc3Rpbmd1aXNoZWQsIG5vdCBvbmx5IGJ5IGhpcyByZWFzb24sIGJ1",
    );
  });
});

describe("base64 one-shot encoders", () => {
  test("simd equals scalar equals the reference for every length 0-1024", () => {
    for (let n = 0; n <= 1024; n++) {
      let src = randomBytes(n);
      let a = encodeSimd(src);
      let b = encodeScalar(src);
      expect(a.length).toBe(((n + 2) / 3) * 4);
      expect(sameBytes(a, b)).toBe(true, "simd != scalar at length " + n.toString());
      expect(sameBytes(b, naiveEncode(src))).toBe(true, "scalar != reference at length " + n.toString());
    }
  });
  test("all byte values", () => {
    let src = new Uint8Array(768);
    for (let i = 0; i < 768; i++) src[i] = <u8>(i * 7 + (i >> 8));
    expect(sameBytes(encodeSimd(src), naiveEncode(src))).toBe(true);
  });
  test("every value of each pair of adjacent bytes in a group, through the vector path", () => {
    // Sextets 1 and 2 span two bytes: groups (a, b, a ^ b) and (a ^ b, a, b) for all a, b.
    let src = new Uint8Array(2 * 65536 * 3);
    let at = 0;
    for (let a = 0; a < 256; a++) {
      for (let b = 0; b < 256; b++) {
        src[at++] = <u8>a;
        src[at++] = <u8>b;
        src[at++] = <u8>(a ^ b);
      }
    }
    for (let a = 0; a < 256; a++) {
      for (let b = 0; b < 256; b++) {
        src[at++] = <u8>(a ^ b);
        src[at++] = <u8>a;
        src[at++] = <u8>b;
      }
    }
    expect(sameBytes(encodeSimd(src), naiveEncode(src))).toBe(true);
  });
  test("large inputs: 100 000 and 1 MiB + 7", () => {
    let sizes: i32[] = [100000, (1 << 20) + 7];
    for (let k = 0; k < sizes.length; k++) {
      let src = randomBytes(sizes[k]);
      let a = encodeSimd(src);
      expect(a.length).toBe(((sizes[k] + 2) / 3) * 4);
      expect(sameBytes(a, encodeScalar(src))).toBe(true);
      expect(sameBytes(a, naiveEncode(src))).toBe(true);
    }
  });
  test("every length 0-300 at every source and destination alignment, nothing written past the output", () => {
    let src = randomBytes(300 + 16);
    let out = new Uint8Array(420 + 64);
    let ref = new Uint8Array(420);
    let bad = 0;
    for (let n: u32 = 0; n <= 300; n++) {
      let want = base64EncodeScalar(src.dataStart, n, ref.dataStart);
      for (let s: u32 = 0; s < 16; s += 5) {
        if (s > 0) want = base64EncodeScalar(src.dataStart + s, n, ref.dataStart);
        for (let d: u32 = 0; d < 16; d += 3) {
          out.fill(0xaa);
          let got = base64EncodeSimd(src.dataStart + s, n, out.dataStart + d);
          if (got != want || firstDifference(out.dataStart + d, ref.dataStart, want) >= 0) bad++;
          for (let i = 0; i < <i32>d; i++) if (out[i] != 0xaa) bad++;
          for (let i = <i32>(d + got); i < out.length; i++) if (out[i] != 0xaa) bad++;
        }
      }
    }
    expect(bad).toBe(0);
  });
  test("does not write past its output", () => {
    let src = randomBytes(100);
    let out = new Uint8Array(200);
    out.fill(0xaa);
    let n = base64EncodeSimd(src.dataStart, 100, out.dataStart);
    expect(n).toBe(136);
    for (let i = 136; i < 200; i++) expect(out[i]).toBe(0xaa);
  });
});

describe("base64 streaming into the ring", () => {
  test("every 2-way split of a 100-byte input", () => {
    let src = randomBytes(100);
    let want = encodeScalar(src);
    for (let cut = 0; cut <= 100; cut++) {
      setupRing(1 << 16, want.length);
      let got = streamSplit(src, [cut]);
      expect(sameBytes(got, want)).toBe(true, "split at " + cut.toString());
    }
  });
  test("every 3-way split with a 1- or 2-byte middle", () => {
    let src = randomBytes(40);
    let want = encodeScalar(src);
    for (let cut = 0; cut <= 38; cut++) {
      for (let mid = 1; mid <= 2; mid++) {
        setupRing(1 << 16, want.length);
        let got = streamSplit(src, [cut, cut + mid]);
        expect(sameBytes(got, want)).toBe(true);
      }
    }
  });
  test("random multi-way splits of a few KiB", () => {
    for (let round = 0; round < 200; round++) {
      let n = 1000 + <i32>(xorshift() % 4000);
      let src = randomBytes(n);
      let want = encodeScalar(src);
      let cuts = randomCuts(n, 700);
      setupRing(1 << 16, want.length);
      let got = streamSplit(src, cuts);
      expect(sameBytes(got, want)).toBe(true, "round " + round.toString());
    }
  });
  test("a 4096-byte ring, drained as it fills", () => {
    let src = randomBytes(50000);
    let want = encodeScalar(src);
    let cuts: i32[] = [1, 2, 4, 1000, 1001, 7000, 7003, 30000];
    setupRing(4096, want.length);
    let got = streamSplit(src, cuts);
    expect(sameBytes(got, want)).toBe(true);
  });
  test("a 4096-byte ring with odd partial drains", () => {
    let src = randomBytes(20001);
    let want = encodeScalar(src);
    setupRing(4096, want.length);
    let at = 0;
    while (at < src.length) {
      let chunk = min(src.length - at, 1 + <i32>(xorshift() % 3000));
      let took = base64Write(src.dataStart + at, chunk);
      at += took;
      if (took < <u32>chunk) {
        // release only part of what is there, so the ring wraps at odd offsets
        let spans = ringSpans();
        let p = <usize>load<u32>(spanTable());
        let len = load<u32>(spanTable() + 4);
        let part = len > 1 ? len / 2 + 1 : len;
        memory.copy(collected.dataStart + collectedLen, p, part);
        collectedLen += part;
        expect(ringRelease(part)).toBe(0);
        expect(spans).toBeGreaterThan(0);
      }
    }
    if (base64Finish() < 0) {
      drain();
      expect(base64Finish()).toBe(4);
    }
    drain();
    expect(sameBytes(collected.subarray(0, collectedLen), want)).toBe(true);
  });
  test("write and finish with no room change nothing", () => {
    setupRing(4096, 8192);
    let src = randomBytes(3073);
    expect(base64Write(src.dataStart, 3072)).toBe(3072); // fills the ring exactly
    expect(ringUsed()).toBe(4096);
    // take the first 2 bytes out: 2 bytes free, too few for a quantum
    expect(ringSpans()).toBe(1);
    let first = <usize>load<u32>(spanTable());
    memory.copy(collected.dataStart, first, 2);
    collectedLen = 2;
    expect(ringRelease(2)).toBe(0);
    expect(base64Write(src.dataStart + 3072, 1)).toBe(1); // carried, nothing written
    expect(ringUsed()).toBe(4094);
    expect(base64Finish()).toBe(-1);
    expect(ringUsed()).toBe(4094);
    expect(base64Write(src.dataStart, 0)).toBe(0);
    drain();
    expect(base64Finish()).toBe(4);
    drain();
    expect(sameBytes(collected.subarray(0, collectedLen), encodeScalar(src))).toBe(true);
  });
  test("a full ring takes no full quantum but may carry", () => {
    setupRing(4096, 8192);
    let src = randomBytes(3080);
    expect(base64Write(src.dataStart, 3072)).toBe(3072);
    expect(base64Write(src.dataStart + 3072, 8)).toBe(0);
    expect(base64Write(src.dataStart + 3072, 2)).toBe(2); // carry only
    expect(base64Write(src.dataStart + 3074, 6)).toBe(0); // carry full, no room
    drain();
    expect(base64Write(src.dataStart + 3074, 6)).toBe(6);
    expect(base64Finish()).toBe(4); // 3080 = 3 * 1026 + 2
    drain();
    expect(sameBytes(collected.subarray(0, collectedLen), encodeScalar(src))).toBe(true);
  });
});

describe("base64 in place at the end of a ring reservation", () => {
  test("takes no more than fits: 0 below 12 bytes, then 3 per 4 bytes beyond 8", () => {
    expect(base64ReservedInput(0)).toBe(0);
    expect(base64ReservedInput(11)).toBe(0);
    expect(base64ReservedInput(12)).toBe(3);
    expect(base64ReservedInput(15)).toBe(3);
    expect(base64ReservedInput(16)).toBe(6);
    expect(base64ReservedInput(4096)).toBe(3066);
  });
  test("every window size 12-400 filled to the limit, after a carry of 0, 1 or 2 bytes", () => {
    let src = randomBytes(400);
    let bad = 0;
    for (let carry = 0; carry < 3; carry++) {
      for (let w: u32 = 12; w <= 400; w++) {
        let n = <i32>base64ReservedInput(w);
        let want = encodeScalar(src.subarray(0, carry + n));
        setupRing(4096, want.length);
        if (carry > 0) expect(base64Write(src.dataStart, carry)).toBe(carry);
        expect(writeReserved(src.dataStart + carry, n, w)).toBe(n);
        expect(base64Finish()).toBeGreaterThanOrEqual(0);
        drain();
        if (!sameBytes(collected.subarray(0, collectedLen), want)) bad++;
      }
    }
    expect(bad).toBe(0);
  });
  test("more than fits, or no reservation: nothing done", () => {
    setupRing(4096, 64);
    let src = randomBytes(10);
    expect(base64WriteReserved(3)).toBe(0); // no reservation
    ringReserve(12, 12);
    memory.copy(ringReserved() + 6, src.dataStart, 6);
    expect(base64WriteReserved(6)).toBe(0); // 3 fit in 12 bytes
    expect(ringUsed()).toBe(0);
    expect(writeReserved(src.dataStart, 10)).toBe(10);
    expect(base64Finish()).toBe(4);
    drain();
    expect(sameBytes(collected.subarray(0, collectedLen), encodeScalar(src))).toBe(true);
  });
  test("random splits and windows, alone and alternating with base64Write", () => {
    for (let round = 0; round < 300; round++) {
      let n = 1 + <i32>(xorshift() % 6000);
      let src = randomBytes(n);
      let want = encodeScalar(src);
      let cuts = randomCuts(n, 1500);
      let window: u32 = (xorshift() & 1) ? 0xffffffff : 12 + (xorshift() % 200);
      setupRing(4096, want.length);
      let got = streamSplitReserved(src, cuts, window, round % 3 == 0);
      expect(sameBytes(got, want)).toBe(true, "round " + round.toString());
    }
  });
  test("a 4096-byte ring wrapping at odd offsets, 1 MiB + 2", () => {
    let src = randomBytes((1 << 20) + 2);
    let want = encodeScalar(src);
    setupRing(4096, want.length);
    let at = 0;
    while (at < src.length) {
      let took = writeReserved(src.dataStart + at, src.length - at);
      at += took;
      if (took == 0) {
        // release only part of what is there, so windows start at odd offsets
        expect(ringSpans()).toBeGreaterThan(0);
        let p = <usize>load<u32>(spanTable());
        let len = load<u32>(spanTable() + 4);
        let part = len > 1 ? len / 2 + 1 : len;
        memory.copy(collected.dataStart + collectedLen, p, part);
        collectedLen += part;
        expect(ringRelease(part)).toBe(0);
      }
    }
    if (base64Finish() < 0) {
      drain();
      expect(base64Finish()).toBe(4);
    }
    drain();
    expect(sameBytes(collected.subarray(0, collectedLen), want)).toBe(true);
  });
});
