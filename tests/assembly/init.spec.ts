import { initAt } from "../../assembly/init";
import { base64Finish, base64Write } from "../../assembly/base64";
import { bytesCommitted, ringUsed, ringWrite, status } from "../../assembly/ring";
import { scanEnable, scanFeed, scanFoundOffset, scanSetPattern } from "../../assembly/scan";
import { bytesOf } from "./helpers";

const AREA = new Uint8Array(4096 + 4096 + 128);

describe("init", () => {
  test("returns every unit to its starting state", () => {
    expect(initAt(AREA.dataStart, 4096, 4096)).toBe(0);
    // leave state behind in each unit: committed bytes, a base64 carry, a found boundary
    let pat = bytesOf("--uuid:42");
    expect(scanSetPattern(pat.dataStart, pat.length)).toBe(0);
    expect(ringWrite(pat.dataStart, pat.length)).toBe(pat.length);
    expect(status()).toBe(1);
    expect(base64Write(pat.dataStart, 1)).toBe(1);

    expect(initAt(AREA.dataStart, 4096, 4096)).toBe(0);
    expect(ringUsed()).toBe(0);
    expect(bytesCommitted()).toBe(0);
    expect(status()).toBe(0);
    expect(scanFoundOffset()).toBe(-1);
    expect(base64Finish()).toBe(0); // no carried byte to pad
    // the scan is off: the boundary passes unseen until it is turned on again
    expect(ringWrite(pat.dataStart, pat.length)).toBe(pat.length);
    expect(status()).toBe(0);
    scanEnable(1);
    expect(scanFeed(pat.dataStart, pat.length)).toBe(1);
  });
  test("a refused layout leaves the status", () => {
    expect(initAt(AREA.dataStart, 4096, 4095)).toBe(-2);
    expect(initAt(<usize>(memory.size() << 16) - 4096, 4096, 4096)).toBe(-1);
  });
});
