// Base64 text → bytes, the reader's decoder: the core's SIMD and scalar builds against what
// JavaScript code uses today, Buffer.from(text, 'base64') and atob. The core decodes bytes; a
// caller holding a string first puts it into linear memory (TextEncoder#encodeInto), so that
// path is measured too ("from a string"). Sizes are of the decoded output.
import { compare, instantiateCore, KiB, MiB, pseudoRandomBytes, ratio, sizeLabel, verdict } from './lib/harness.mjs';
import { check, fmt, header, readBuild, ROUNDS, SECONDS, table, writeResults } from './lib/report.mjs';

const SIZES = [64 * KiB, MiB];
const TARGET = { [MiB]: 1.5 }; // SIMD core vs Buffer.from, 1 MiB, from a string

const env = header('reader-base64: base64 text → bytes (MB/s of decoded output)');

const MAX = Math.max(...SIZES);
const TEXT_AT = 1 * MiB;
const OUT_AT = TEXT_AT + Math.ceil(MAX / 3) * 4 + 64 * KiB;
const MEMORY = OUT_AT + MAX + 64 * KiB;

const simd = await instantiateCore(readBuild('mtom-stream.wasm'), MEMORY);
const scalar = await instantiateCore(readBuild('mtom-stream-scalar.wasm'), MEMORY);
check(simd.exports.simdBuild() === 1 && scalar.exports.simdBuild() === 0, 'build flavours');

const encoder = new TextEncoder();
let keep = 0;

/** Decodes `length` characters at TEXT_AT into OUT_AT with one core; returns the byte count. */
function decode(core, length) {
  core.exports.base64DecodeReset();
  const n = core.exports.base64DecodeWrite(TEXT_AT, length, OUT_AT);
  return n + core.exports.base64DecodeFinish(OUT_AT + n);
}

const rows = [];
const results = [];
for (const size of SIZES) {
  const bytes = pseudoRandomBytes(size, size);
  const text = Buffer.from(bytes).toString('base64');
  for (const core of [simd, scalar]) encoder.encodeInto(text, core.u8.subarray(TEXT_AT));
  // Verify before timing: every alternative gives the original bytes.
  for (const core of [simd, scalar]) {
    check(
      decode(core, text.length) === size && Buffer.compare(core.u8.subarray(OUT_AT, OUT_AT + size), bytes) === 0,
      `core decode of ${sizeLabel(size)}`,
    );
  }
  check(Buffer.compare(Buffer.from(text, 'base64'), bytes) === 0, 'Buffer.from');
  const binary = atob(text);
  check(binary.length === size && binary.charCodeAt(size - 1) === bytes[size - 1], 'atob');

  const alts = [
    {
      name: 'wasm SIMD, from a string (encodeInto + decode)',
      unitsPerOp: size,
      run: (n) => {
        for (let i = 0; i < n; i++) {
          const { written } = encoder.encodeInto(text, simd.u8.subarray(TEXT_AT, OUT_AT));
          keep += decode(simd, written);
        }
      },
    },
    {
      name: 'wasm SIMD, text already in memory',
      unitsPerOp: size,
      run: (n) => {
        for (let i = 0; i < n; i++) keep += decode(simd, text.length);
      },
    },
    {
      name: 'wasm scalar, text already in memory',
      unitsPerOp: size,
      run: (n) => {
        for (let i = 0; i < n; i++) keep += decode(scalar, text.length);
      },
    },
    {
      name: "Buffer.from(text, 'base64')",
      unitsPerOp: size,
      run: (n) => {
        for (let i = 0; i < n; i++) keep += Buffer.from(text, 'base64').length;
      },
    },
    {
      name: 'atob + charCodeAt into a Uint8Array',
      unitsPerOp: size,
      run: (n) => {
        for (let i = 0; i < n; i++) {
          const s = atob(text);
          const out = new Uint8Array(s.length);
          for (let k = 0; k < s.length; k++) out[k] = s.charCodeAt(k);
          keep += out.length;
        }
      },
    },
    {
      name: 'atob alone (a binary string)',
      unitsPerOp: size,
      run: (n) => {
        for (let i = 0; i < n; i++) keep += atob(text).length;
      },
    },
  ];
  const res = await compare(alts, { seconds: SECONDS, rounds: ROUNDS });
  const buffer = res[3];
  const atobAlone = res[5];
  const value = ratio(res[0], buffer);
  for (const r of res) {
    rows.push({
      size: sizeLabel(size),
      alternative: r.name,
      'MB/s': fmt.mbs(r.rate),
      'vs Buffer.from': fmt.x(ratio(r, buffer)),
      'vs atob': fmt.x(ratio(r, atobAlone)),
      target: r === res[0] && TARGET[size] ? `≥ ${TARGET[size]}× Buffer.from: ${verdict(value, TARGET[size])}` : '',
    });
  }
  results.push({
    size,
    alternatives: res.map((r) => ({ name: r.name, MBps: r.rate / 1e6, roundsMBps: r.rounds.map((x) => x / 1e6) })),
    ratios: {
      simdStringVsBuffer: value,
      simdStringVsAtob: ratio(res[0], atobAlone),
      simdMemoryVsBuffer: ratio(res[1], buffer),
      simdMemoryVsAtob: ratio(res[1], atobAlone),
      scalarMemoryVsBuffer: ratio(res[2], buffer),
    },
    target: TARGET[size] ? { simdStringVsBuffer: TARGET[size], pass: value >= TARGET[size] } : undefined,
  });
}
table(rows);
if (keep === 0.5) console.log(keep);
writeResults('reader-base64', {
  note: 'MB/s = 10^6 decoded bytes per second; ratios are medians of per-round ratios',
  env,
  sizes: results,
});
