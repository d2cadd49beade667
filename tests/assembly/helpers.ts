// Shared by the specs: deterministic pseudo-random bytes (xorshift32), UTF-8 literals and the
// naive search the scanners are checked against.

let seed: u32 = 0x9e3779b9;

/** Restarts the generator, so each spec draws its own reproducible sequence. */
export function seedRandom(value: u32): void {
  seed = value;
}

export function xorshift(): u32 {
  seed ^= seed << 13;
  seed ^= seed >> 17;
  seed ^= seed << 5;
  return seed;
}

export function randomBytes(n: i32): Uint8Array {
  let a = new Uint8Array(n);
  for (let i = 0; i < n; i++) a[i] = <u8>xorshift();
  return a;
}

export function bytesOf(s: string): Uint8Array {
  return Uint8Array.wrap(String.UTF8.encode(s));
}

/** The first offset of pat in hay, byte by byte (-1 if none): what every scanner must agree with. */
export function naiveIndexOf(hay: Uint8Array, pat: Uint8Array): i32 {
  for (let i = 0; i + pat.length <= hay.length; i++) {
    let j = 0;
    while (j < pat.length && hay[i + j] == pat[j]) j++;
    if (j == pat.length) return i;
  }
  return -1;
}
