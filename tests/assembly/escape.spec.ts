import { escapeCheckedInto, escapeWrite, xmlFindInvalid } from "../../assembly/escape";
import { initAt } from "../../assembly/init";
import { ringRelease, ringReserve, ringCommit, ringSpans, ringUsed, spanTable } from "../../assembly/ring";
import { scanEnable } from "../../assembly/scan";
import { seedRandom, xorshift, bytesOf } from "./helpers";

seedRandom(0x1b873593);

function fromArray(a: u8[]): Uint8Array {
  let r = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) r[i] = a[i];
  return r;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  let r = new Uint8Array(a.length + b.length);
  r.set(a, 0);
  r.set(b, a.length);
  return r;
}

function sameBytes(a: Uint8Array, b: Uint8Array): bool {
  return a.length == b.length && memory.compare(a.dataStart, b.dataStart, a.length) == 0;
}

/** XML 1.0 §2.4 (text) and §3.3.3 (double-quoted attribute values), written plainly. */
function reference(b: u8, attribute: bool): string {
  if (b == 0x26) return "&amp;";
  if (b == 0x3c) return "&lt;";
  if (b == 0x3e) return "&gt;";
  if (b == 0x0d) return "&#xD;";
  if (attribute) {
    if (b == 0x22) return "&quot;";
    if (b == 0x0a) return "&#xA;";
    if (b == 0x09) return "&#x9;";
  }
  return "";
}

function naiveEscape(src: Uint8Array, attribute: bool): Uint8Array {
  let out = new Uint8Array(src.length * 6);
  let o = 0;
  for (let i = 0; i < src.length; i++) {
    let r = reference(src[i], attribute);
    if (r.length == 0) {
      out[o++] = src[i];
    } else {
      for (let k = 0; k < r.length; k++) out[o++] = <u8>r.charCodeAt(k);
    }
  }
  return out.subarray(0, o);
}

// Room for the escaping of 3000 bytes in one window (at most 6 bytes out per byte in)
const WIDE_RING: u32 = 32768;
const WIDE_AREA = new Uint8Array(4096 + WIDE_RING + 128);

/** Escapes src in one escapeWrite call into a fresh ring wide enough for all of it. */
function escapeWhole(src: Uint8Array, attribute: bool): Uint8Array {
  expect(initAt(WIDE_AREA.dataStart, 4096, WIDE_RING)).toBe(0);
  expect(escapeWrite(src.dataStart, src.length, attribute ? 1 : 0)).toBe(src.length);
  let out = new Uint8Array(ringUsed());
  if (ringSpans() > 0) memory.copy(out.dataStart, <usize>load<u32>(spanTable()), out.length);
  return out;
}

/** Text with specials sprinkled in runs of various lengths, and multibyte UTF-8. */
function randomText(n: i32): Uint8Array {
  let a = new Uint8Array(n);
  const specials = "&<>\"\r\n\t'";
  for (let i = 0; i < n; i++) {
    let r = xorshift() % 100;
    if (r < 6) a[i] = <u8>specials.charCodeAt(<i32>(xorshift() % 8));
    else if (r < 10) a[i] = <u8>(0x80 + (xorshift() % 0x40));
    else a[i] = <u8>(0x20 + (xorshift() % 0x5f));
  }
  return a;
}

describe("escape table", () => {
  test("text mode, every byte", () => {
    for (let b = 0; b < 256; b++) {
      let src = fromArray([<u8>b]);
      let got = escapeWhole(src, false);
      let r = reference(<u8>b, false);
      if (r.length == 0) expect(sameBytes(got, src)).toBe(true, "byte " + b.toString());
      else expect(String.UTF8.decode(got.slice().buffer)).toBe(r);
    }
    let s = bytesOf("a&b<c>d\"e\rf\ng\th'");
    expect(String.UTF8.decode(escapeWhole(s, false).slice().buffer)).toBe("a&amp;b&lt;c&gt;d\"e&#xD;f\ng\th'");
  });
  test("attribute mode, every byte", () => {
    for (let b = 0; b < 256; b++) {
      let src = fromArray([<u8>b]);
      let got = escapeWhole(src, true);
      let r = reference(<u8>b, true);
      if (r.length == 0) expect(sameBytes(got, src)).toBe(true, "byte " + b.toString());
      else expect(String.UTF8.decode(got.slice().buffer)).toBe(r);
    }
    let s = bytesOf("a&b<c>d\"e\rf\ng\th'");
    expect(String.UTF8.decode(escapeWhole(s, true).slice().buffer)).toBe(
      "a&amp;b&lt;c&gt;d&quot;e&#xD;f&#xA;g&#x9;h'",
    );
  });
  test("bulk runs and specials at every position around 16-byte blocks", () => {
    for (let n = 0; n < 100; n++) {
      for (let at = 0; at < n; at += 3) {
        let src = new Uint8Array(n);
        for (let i = 0; i < n; i++) src[i] = <u8>(0x61 + (i % 26));
        src[at] = 0x3c;
        expect(sameBytes(escapeWhole(src, false), naiveEscape(src, false))).toBe(true);
        src[at] = 0x0a;
        expect(sameBytes(escapeWhole(src, true), naiveEscape(src, true))).toBe(true);
        expect(sameBytes(escapeWhole(src, false), src)).toBe(true);
      }
    }
  });
  test("random text, both modes", () => {
    for (let round = 0; round < 100; round++) {
      let src = randomText(<i32>(xorshift() % 3000));
      expect(sameBytes(escapeWhole(src, false), naiveEscape(src, false))).toBe(true);
      expect(sameBytes(escapeWhole(src, true), naiveEscape(src, true))).toBe(true);
    }
  });
});

const AREA = new Uint8Array(4096 + 4096 + 256);

describe("escapeWrite into the ring", () => {
  test("a 4096-byte ring drained as it fills equals the plain escaping", () => {
    let collected = new Uint8Array(200000);
    for (let mode = 0; mode < 2; mode++) {
      expect(initAt(AREA.dataStart, 4096, 4096)).toBe(0);
      scanEnable(0);
      let src = randomText(20000);
      let want = naiveEscape(src, mode == 1);
      let o = 0;
      let at = 0;
      while (at < src.length) {
        let chunk = min(src.length - at, 1 + <i32>(xorshift() % 5000));
        let took = escapeWrite(src.dataStart + at, chunk, mode);
        at += took;
        if (took < <u32>chunk) {
          // drain part of it so later windows start at odd places
          ringSpans();
          let p = <usize>load<u32>(spanTable());
          let len = load<u32>(spanTable() + 4);
          let part = xorshift() & 1 ? len : len / 3 + 1;
          memory.copy(collected.dataStart + o, p, part);
          o += part;
          ringRelease(part);
        }
      }
      while (ringUsed() > 0) {
        ringSpans();
        let p = <usize>load<u32>(spanTable());
        let len = load<u32>(spanTable() + 4);
        memory.copy(collected.dataStart + o, p, len);
        o += len;
        ringRelease(len);
      }
      expect(sameBytes(collected.subarray(0, o), want)).toBe(true);
    }
  });
  test("never splits a reference", () => {
    expect(initAt(AREA.dataStart, 4096, 4096)).toBe(0);
    scanEnable(0);
    // leave exactly 8 bytes of room
    expect(ringReserve(4088, 4088)).not.toBe(0);
    expect(ringCommit(4088)).toBe(0);
    let src = bytesOf("abc\"def");
    expect(escapeWrite(src.dataStart, src.length, 1)).toBe(3); // "abc", then &quot; (6) > 5
    expect(ringUsed()).toBe(4091);
    expect(escapeWrite(src.dataStart + 3, 4, 1)).toBe(0); // 5 bytes left: less than a reference
    expect(ringUsed()).toBe(4091);
    let spans = ringSpans();
    expect(spans).toBe(1);
    let last = <usize>load<u32>(spanTable()) + 4088;
    expect(load<u8>(last)).toBe(0x61);
    expect(load<u8>(last, 2)).toBe(0x63);
  });
});

/** Offset reported for prefix ++ bad ++ suffix, for several prefixes. */
function checkRejected(bad: Uint8Array, name: string): void {
  let prefixes: string[] = [
    "", "a", "abcdefghijklmno", "abcdefghijklmnop", "é€😀 ok", "0123456789abcdefghijklmnopqrstuvwxyz<>&",
  ];
  for (let k = 0; k < prefixes.length; k++) {
    let pre = bytesOf(prefixes[k]);
    let src = concat(pre, bad);
    expect(xmlFindInvalid(src.dataStart, src.length)).toBe(pre.length, name + " after prefix " + k.toString());
    let withSuffix = concat(src, bytesOf("tail text that is fine, 1234567890"));
    // a truncated sequence followed by more text is malformed at the same place
    expect(xmlFindInvalid(withSuffix.dataStart, withSuffix.length)).toBe(pre.length, name + " with suffix");
  }
}

describe("xmlFindInvalid", () => {
  test("every C0 control except TAB, LF, CR", () => {
    for (let c = 0; c < 0x20; c++) {
      let src = fromArray([<u8>c]);
      if (c == 0x09 || c == 0x0a || c == 0x0d) {
        let ok = concat(bytesOf("0123456789abcdefghij"), src);
        expect(xmlFindInvalid(ok.dataStart, ok.length)).toBe(-1);
      } else {
        checkRejected(src, "control " + c.toString());
      }
    }
  });
  test("U+FFFE and U+FFFF", () => {
    checkRejected(fromArray([0xef, 0xbf, 0xbe]), "U+FFFE");
    checkRejected(fromArray([0xef, 0xbf, 0xbf]), "U+FFFF");
  });
  test("malformed sequences", () => {
    checkRejected(fromArray([0xc0, 0x80]), "overlong C0 80");
    checkRejected(fromArray([0xc1, 0xbf]), "overlong C1 BF");
    checkRejected(fromArray([0xe0, 0x80, 0x80]), "overlong E0 80 80");
    checkRejected(fromArray([0xe0, 0x9f, 0xbf]), "overlong E0 9F BF");
    checkRejected(fromArray([0xf0, 0x8f, 0xbf, 0xbf]), "overlong F0 8F");
    checkRejected(fromArray([0xed, 0xa0, 0x80]), "surrogate D800");
    checkRejected(fromArray([0xed, 0xbf, 0xbf]), "surrogate DFFF");
    checkRejected(fromArray([0xf4, 0x90, 0x80, 0x80]), "above U+10FFFF");
    checkRejected(fromArray([0xf5, 0x80, 0x80, 0x80]), "lead F5");
    checkRejected(fromArray([0xff]), "byte FF");
    checkRejected(fromArray([0x80]), "lone continuation");
    checkRejected(fromArray([0xbf, 0x41]), "lone continuation BF");
    checkRejected(fromArray([0xc3, 0x41]), "missing continuation");
    checkRejected(fromArray([0xe2, 0x82, 0x41]), "missing third byte");
  });
  test("truncated at the end", () => {
    let cases: u8[][] = [[0xc3], [0xe2], [0xe2, 0x82], [0xf0], [0xf0, 0x9f], [0xf0, 0x9f, 0x98]];
    for (let i = 0; i < cases.length; i++) {
      let pre = bytesOf("0123456789abcdefghijklmnopq");
      let src = concat(pre, fromArray(cases[i]));
      expect(xmlFindInvalid(src.dataStart, src.length)).toBe(pre.length);
      expect(xmlFindInvalid(src.dataStart + pre.length, src.length - pre.length)).toBe(0);
    }
  });
  test("valid multibyte and edge characters pass", () => {
    let ok = fromArray([
      0x7f, // DEL is a Char
      0xc2, 0x85, // U+0085
      0xc3, 0xa9, // é
      0xe2, 0x82, 0xac, // €
      0xed, 0x9f, 0xbf, // U+D7FF
      0xee, 0x80, 0x80, // U+E000
      0xef, 0xbf, 0xbd, // U+FFFD
      0xf0, 0x90, 0x80, 0x80, // U+10000
      0xf0, 0x9f, 0x98, 0x80, // U+1F600
      0xf4, 0x8f, 0xbf, 0xbf, // U+10FFFF
      0x09, 0x0a, 0x0d,
    ]);
    expect(xmlFindInvalid(ok.dataStart, ok.length)).toBe(-1);
    let text = bytesOf("Grüße, 世界! 😀 <tag attr=\"v\">\r\n\tmore text & stuff</tag> ünïcödé ends here.");
    expect(xmlFindInvalid(text.dataStart, text.length)).toBe(-1);
    expect(xmlFindInvalid(text.dataStart, 0)).toBe(-1);
    let long = new Uint8Array(5000);
    for (let i = 0; i < 5000; i++) long[i] = <u8>(0x20 + (i % 90));
    expect(xmlFindInvalid(long.dataStart, 5000)).toBe(-1);
    long[4321] = 0x01;
    expect(xmlFindInvalid(long.dataStart, 5000)).toBe(4321);
  });
});

/** `text` with each stray continuation byte and its follower made "é" (C3 A9), each C0 control TAB. */
function wellFormed(text: Uint8Array): Uint8Array {
  for (let i = 0; i < text.length; i++) {
    if (text[i] >= 0x80) {
      if (i + 1 < text.length) {
        text[i] = 0xc3;
        text[i + 1] = 0xa9;
        i++;
      } else text[i] = 0x41;
    } else if (text[i] < 0x20 && text[i] != 0x0a && text[i] != 0x0d) text[i] = 0x09;
  }
  return text;
}

describe("escapeCheckedInto", () => {
  test("writes what escapeWrite writes, for random text of every length up to 600", () => {
    for (let n = 0; n <= 600; n++) {
      // Well-formed for even n (continuation bytes become "é", C0 controls become TAB); for odd n
      // random, and refused where xmlFindInvalid says.
      let src = n % 2 == 0 ? wellFormed(randomText(n)) : randomText(n);
      let invalid = xmlFindInvalid(src.dataStart, src.length);
      for (let mode = 0; mode < 2; mode++) {
        let dst = new Uint8Array(n * 6 + 8);
        dst.fill(0xee);
        let written = escapeCheckedInto(src.dataStart, src.length, dst.dataStart, mode);
        if (n % 2 == 0) expect(invalid).toBe(-1, "well-formed");
        if (invalid >= 0) {
          expect(written).toBe(-1 - invalid, "length " + n.toString());
          expect(dst[0]).toBe(0xee, "nothing written");
          continue;
        }
        let expected = escapeWhole(src, mode == 1);
        expect(written).toBe(expected.length, "length " + n.toString());
        expect(sameBytes(dst.subarray(0, written), expected)).toBe(true, "length " + n.toString());
        expect(dst[written]).toBe(0xee, "nothing past what it reports");
      }
    }
  });
  test("refuses a forbidden character at every position of a 40-byte text", () => {
    for (let at = 0; at < 40; at++) {
      let src = bytesOf("abcdefghijklmnopqrstuvwxyzabcdefghijklmn");
      src[at] = 0x01;
      let dst = new Uint8Array(240);
      expect(escapeCheckedInto(src.dataStart, src.length, dst.dataStart, 0)).toBe(-1 - at);
    }
  });
});
