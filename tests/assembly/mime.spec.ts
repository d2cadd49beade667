import {
  mimeCloseLength,
  mimePartHeaderLength,
  mimeSetBoundary,
  mimeWriteClose,
  mimeWritePartHeader,
} from "../../assembly/mime";
import { initAt } from "../../assembly/init";
import {
  ringCommit,
  ringRelease,
  ringReserve,
  ringSpans,
  ringUsed,
  ringWrite,
  spanTable,
  status,
} from "../../assembly/ring";
import { scanFound, scanFoundOffset } from "../../assembly/scan";
import { bytesOf } from "./helpers";

/** The ring's committed bytes, oldest first, as a string; then released. */
function takeAll(): string {
  let out = new Uint8Array(ringUsed());
  let o = 0;
  let n = ringSpans();
  for (let s: u32 = 0; s < n; s++) {
    let p = <usize>load<u32>(spanTable() + (s << 3));
    let len = load<u32>(spanTable() + (s << 3) + 4);
    memory.copy(out.dataStart + o, p, len);
    o += len;
  }
  ringRelease(ringUsed());
  return String.UTF8.decode(out.buffer);
}

const AREA = new Uint8Array(4096 + 4096 + 256);
const BOUNDARY = "uuid:6b1f3c2e-0d4a-4e8b-9f7c-2a5d8e1b3c40";
const ROOT_ID = "root.message@mtom-stream";
const ROOT_TYPE = "application/xop+xml; charset=utf-8; type=\"text/xml\"";

function setup(): void {
  expect(initAt(AREA.dataStart, 4096, 4096)).toBe(0);
  let b = bytesOf(BOUNDARY);
  expect(mimeSetBoundary(b.dataStart, b.length)).toBe(0);
}

function header(first: i32, id: string, type: string, enc: string, extra: string = ""): i32 {
  let i = bytesOf(id);
  let t = bytesOf(type);
  let e = bytesOf(enc);
  let x = bytesOf(extra);
  return mimeWritePartHeader(
    first, i.dataStart, i.length, t.dataStart, t.length, e.dataStart, e.length, x.dataStart, x.length,
  );
}

describe("mime framing", () => {
  test("boundary length is checked", () => {
    let b = new Uint8Array(71);
    b.fill(0x61);
    expect(mimeSetBoundary(b.dataStart, 0)).toBe(-1);
    expect(mimeSetBoundary(b.dataStart, 71)).toBe(-1);
    expect(mimeSetBoundary(b.dataStart, 70)).toBe(0);
    expect(mimeSetBoundary(b.dataStart, 1)).toBe(0);
  });
  test("first part header, byte for byte (RFC 2046 §5.1.1, no preamble)", () => {
    setup();
    let want =
      "--" + BOUNDARY + "\r\n" +
      "Content-ID: <" + ROOT_ID + ">\r\n" +
      "Content-Type: " + ROOT_TYPE + "\r\n" +
      "Content-Transfer-Encoding: binary\r\n" +
      "\r\n";
    expect(header(1, ROOT_ID, ROOT_TYPE, "binary")).toBe(want.length);
    expect(takeAll()).toBe(want);
  });
  test("a later part header starts with the delimiter's CRLF", () => {
    setup();
    let want =
      "\r\n--" + BOUNDARY + "\r\n" +
      "Content-ID: <part1@x>\r\n" +
      "Content-Type: application/octet-stream\r\n" +
      "Content-Transfer-Encoding: binary\r\n" +
      "\r\n";
    expect(header(0, "part1@x", "application/octet-stream", "binary")).toBe(want.length);
    expect(takeAll()).toBe(want);
  });
  test("extra header lines go after Content-Transfer-Encoding, before the empty line", () => {
    setup();
    let extra = "Content-Disposition: attachment; filename=\"a.pdf\"\r\nContent-Description: scan\r\n";
    let want =
      "\r\n--" + BOUNDARY + "\r\n" +
      "Content-ID: <part1@x>\r\n" +
      "Content-Type: application/pdf\r\n" +
      "Content-Transfer-Encoding: binary\r\n" +
      extra +
      "\r\n";
    expect(header(0, "part1@x", "application/pdf", "binary", extra)).toBe(want.length);
    expect(takeAll()).toBe(want);
  });
  test("close delimiter", () => {
    setup();
    let want = "\r\n--" + BOUNDARY + "--\r\n";
    expect(mimeWriteClose()).toBe(want.length);
    expect(takeAll()).toBe(want);
  });
  test("a whole message", () => {
    setup();
    header(1, ROOT_ID, ROOT_TYPE, "8bit");
    let xml = bytesOf("<e/>");
    ringWrite(xml.dataStart, xml.length);
    header(0, "a@b", "image/png", "binary");
    mimeWriteClose();
    expect(takeAll()).toBe(
      "--" + BOUNDARY + "\r\nContent-ID: <" + ROOT_ID + ">\r\nContent-Type: " + ROOT_TYPE +
      "\r\nContent-Transfer-Encoding: 8bit\r\n\r\n<e/>" +
      "\r\n--" + BOUNDARY + "\r\nContent-ID: <a@b>\r\nContent-Type: image/png" +
      "\r\nContent-Transfer-Encoding: binary\r\n\r\n" +
      "\r\n--" + BOUNDARY + "--\r\n",
    );
    expect(status()).toBe(0);
  });
  test("the header and close lengths are the bytes the writers write", () => {
    setup();
    let ids = ["a@b", ROOT_ID, "1.root@x", "x".repeat(256)];
    let types = ["application/octet-stream", ROOT_TYPE, "image/png; name=\"a b\""];
    let encodings = ["binary", "8bit"];
    let extras = ["", "Content-Location: a/b\r\n", "Content-Description: " + "d".repeat(900) + "\r\n"];
    for (let f = 0; f < 2; f++) {
      for (let i = 0; i < ids.length; i++) {
        for (let t = 0; t < types.length; t++) {
          for (let e = 0; e < encodings.length; e++) {
            for (let x = 0; x < extras.length; x++) {
              let id = bytesOf(ids[i]);
              let type = bytesOf(types[t]);
              let enc = bytesOf(encodings[e]);
              let extra = bytesOf(extras[x]);
              let used = ringUsed();
              let written = header(f, ids[i], types[t], encodings[e], extras[x]);
              expect(ringUsed() - used).toBe(<u32>written);
              expect(mimePartHeaderLength(f, id.length, type.length, enc.length, extra.length)).toBe(written);
              takeAll();
            }
          }
        }
      }
    }
    let used = ringUsed();
    expect(mimeWriteClose()).toBe(mimeCloseLength());
    expect(ringUsed() - used).toBe(<u32>mimeCloseLength());
    takeAll();
    let short = bytesOf("b");
    expect(mimeSetBoundary(short.dataStart, short.length)).toBe(0);
    expect(mimeCloseLength()).toBe(9);
    expect(mimeWriteClose()).toBe(9);
    expect(takeAll()).toBe("\r\n--b--\r\n");
  });
  test("-1 and nothing written when there is no contiguous room", () => {
    setup();
    let p = ringReserve(4090, 4090);
    expect(p).not.toBe(0);
    memory.fill(p, 0x20, 4090);
    expect(ringCommit(4090)).toBe(0);
    let used = ringUsed();
    expect(header(0, "a@b", "application/octet-stream", "binary")).toBe(-1);
    expect(mimeWriteClose()).toBe(-1);
    expect(ringUsed()).toBe(used);
    // room in total but split over the wrap: still -1 (one contiguous window)
    expect(ringRelease(100)).toBe(0); // 100 at the start + 6 at the end
    expect(header(0, "a@b", "application/octet-stream", "binary")).toBe(-1);
    expect(ringUsed()).toBe(used - 100);
    expect(mimeWriteClose()).toBe(<i32>BOUNDARY.length + 8);
  });
  test("header bytes are not scanned; part bytes after it are", () => {
    setup();
    // the boundary appears inside the header itself (as the Content-ID)
    expect(header(1, BOUNDARY, "text/plain", "binary")).toBeGreaterThan(0);
    expect(status()).toBe(0);
    expect(scanFound()).toBe(0);
    let body = bytesOf("clean part bytes, ");
    ringWrite(body.dataStart, body.length);
    expect(status()).toBe(0);
    // boundary text inside the part's bytes, over two writes
    let b = bytesOf("x" + BOUNDARY + "y");
    ringWrite(b.dataStart, 10);
    expect(status()).toBe(0);
    ringWrite(b.dataStart + 10, b.length - 10);
    expect(status()).toBe(1);
    expect(scanFoundOffset()).toBe(<f64>(body.length + 1));
    // the next header resets the scan for the next part
    takeAll();
    expect(header(0, "n@x", "text/plain", "binary")).toBeGreaterThan(0);
    expect(status()).toBe(0);
    // the tail of the header does not join with the part's first bytes
    let tailOfBoundary = bytesOf(BOUNDARY.substring(1));
    ringWrite(tailOfBoundary.dataStart, tailOfBoundary.length);
    expect(status()).toBe(0);
    expect(mimeWriteClose()).toBeGreaterThan(0);
    expect(status()).toBe(0);
  });
});
