// Shared by the specs: deterministic pseudo-random bytes (xorshift32) and UTF-8 literals.

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
