// Timing harness shared by the Node benchmarks and the browser page: no Node imports here.
//
// Method: every alternative is first checked by the caller, then calibrated (a batch of n
// operations takes a few milliseconds) and warmed up; then `rounds` rounds run the alternatives
// in turn (A B C, A B C, ...), each for the same slice of wall time. A round gives one rate per
// alternative; we report the median round, and ratios as the median of the per-round ratios
// (paired within a round, so a noisy neighbour slows both sides of a ratio alike).

export const now = () => performance.now();

const isThenable = (x) => x !== null && typeof x === 'object' && typeof x.then === 'function';

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function runBatch(alt, n) {
  const r = alt.run(n);
  if (isThenable(r)) await r;
}

/** Runs batches of n until `ms` have passed; returns operations and elapsed milliseconds. */
async function runFor(alt, n, ms) {
  let ops = 0;
  const t0 = now();
  let t = 0;
  do {
    await runBatch(alt, n);
    ops += n;
    t = now() - t0;
  } while (t < ms);
  return { ops, ms: t };
}

/** The batch size whose run takes at least targetMs (1 for operations slower than that). */
async function calibrate(alt, targetMs) {
  let n = 1;
  for (;;) {
    const t0 = now();
    await runBatch(alt, n);
    const t = now() - t0;
    if (t >= targetMs || n >= 1 << 26) return n;
    n = t < targetMs / 64 ? n * 16 : n * 2;
  }
}

/**
 * Measures alternatives against each other.
 * alts: [{ name, run(n) → void | Promise, unitsPerOp }] where unitsPerOp is bytes (for MB/s)
 * or 1 (for ops/s); or [{ name, timed(ms) → { units, ms } | Promise }] for an alternative that
 * runs for about `ms` and times itself (a native program, whose own clock leaves out its start).
 * Returns [{ name, rate (units/s, median round), rounds: [units/s…], opsPerRound, batch }].
 */
export async function compare(alts, { seconds = 1.5, rounds = 7, log } = {}) {
  const sliceMs = (seconds * 1000) / rounds;
  const batchMs = Math.max(0.5, Math.min(5, sliceMs / 20));
  const batches = [];
  for (const alt of alts) {
    if (alt.timed) {
      // Times itself (a native program): one short run warms it up.
      await alt.timed(Math.min(50, sliceMs));
      batches.push(1);
      continue;
    }
    const n = await calibrate(alt, batchMs);
    await runFor(alt, n, Math.min(250, sliceMs)); // warm-up
    batches.push(n);
  }
  const perRound = alts.map(() => []);
  const opsPerRound = alts.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < alts.length; i++) {
      if (alts[i].timed) {
        const { units, ms } = await alts[i].timed(sliceMs);
        perRound[i].push((units / ms) * 1000);
        opsPerRound[i].push(units);
        continue;
      }
      const { ops, ms } = await runFor(alts[i], batches[i], sliceMs);
      perRound[i].push(((ops * (alts[i].unitsPerOp ?? 1)) / ms) * 1000);
      opsPerRound[i].push(ops);
    }
    if (log) log(`  round ${r + 1}/${rounds}`);
  }
  return alts.map((alt, i) => ({
    name: alt.name,
    rate: median(perRound[i]),
    rounds: perRound[i],
    opsPerRound: opsPerRound[i],
    batch: batches[i],
  }));
}

/** Median of the per-round ratios a/b (results of the same compare() call). */
export function ratio(a, b) {
  return median(a.rounds.map((x, i) => x / b.rounds[i]));
}

/** Verdict against a target ratio: 'pass' or 'FAIL' (reported, never asserted). */
export const verdict = (value, target) => (value >= target ? 'pass' : 'FAIL');

export const MB = 1e6;
export const KiB = 1024;
export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

export function sizeLabel(bytes) {
  if (bytes >= GiB && bytes % GiB === 0) return `${bytes / GiB} GiB`;
  if (bytes >= MiB && bytes % MiB === 0) return `${bytes / MiB} MiB`;
  if (bytes >= KiB && bytes % KiB === 0) return `${bytes / KiB} KiB`;
  return `${bytes} B`;
}

/** Instantiates a core build over a fixed memory of `bytes` bytes (initial == maximum pages). */
export async function instantiateCore(wasmBytes, bytes) {
  const pages = Math.ceil(bytes / 65536);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
  const { instance } = await WebAssembly.instantiate(wasmBytes, {
    env: {
      memory,
      abort() {
        throw new Error('core aborted');
      },
    },
  });
  return { exports: instance.exports, memory, u8: new Uint8Array(memory.buffer) };
}

/** Deterministic pseudo-random bytes (xorshift32), so runs are comparable. */
export function pseudoRandomBytes(n, seed = 0x9e3779b9) {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 255;
  }
  return out;
}
