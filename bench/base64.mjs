// Base64 bytes → bytes: the core's SIMD and scalar encoders over linear memory (input already in
// memory, output into memory) against what JavaScript code uses today: Buffer#toString('base64')
// and base64-js fromByteArray (both produce a string). Plus the boundary cost: ns per call for a
// call that moves almost nothing.
import { instantiate as loaderInstantiate } from '@assemblyscript/loader';
import base64js from 'base64-js';
import { Core } from '../dist/wasm.js';
import { compare, instantiateCore, KiB, MiB, pseudoRandomBytes, ratio, sizeLabel, verdict } from './lib/harness.mjs';
import { check, fmt, header, readBuild, ROUNDS, SECONDS, table, writeResults } from './lib/report.mjs';

const SIZES = [4 * KiB, 256 * KiB, MiB, 64 * MiB];
const TARGETS = { [MiB]: 1.3, [256 * KiB]: 3 }; // SIMD vs Buffer

header('base64: bytes → base64 bytes (MB/s of input)');

const MAX = Math.max(...SIZES);
const SRC = 1 * MiB;
const DST = SRC + MAX + 64 * KiB;
const MEMORY = DST + Math.ceil(MAX / 3) * 4 + 64 * KiB;

const simd = await instantiateCore(readBuild('mtom-stream.wasm'), MEMORY);
const scalar = await instantiateCore(readBuild('mtom-stream-scalar.wasm'), MEMORY);
check(simd.exports.simdBuild() === 1 && scalar.exports.simdBuild() === 0, 'build flavours');
for (const core of [simd, scalar]) {
  check(core.exports.init(64 * KiB, 64 * KiB) === 0, 'init');
  core.u8.set(pseudoRandomBytes(MAX), SRC);
}

const latin1 = (u8, ptr, n) => Buffer.from(u8.buffer, ptr, n).toString('latin1');
let keep = 0; // results flow here so that no engine can drop the work

const rows = [];
const results = [];
for (const size of SIZES) {
  const bufView = Buffer.from(simd.u8.buffer, SRC, size);
  const u8View = simd.u8.subarray(SRC, SRC + size);
  // Verify before timing: every alternative gives the same canonical base64.
  const expected = bufView.toString('base64');
  const n1 = simd.exports.base64EncodeSimd(SRC, size, DST);
  check(n1 === expected.length && latin1(simd.u8, DST, n1) === expected, `SIMD base64 of ${sizeLabel(size)}`);
  const n2 = scalar.exports.base64EncodeScalar(SRC, size, DST);
  check(n2 === expected.length && latin1(scalar.u8, DST, n2) === expected, `scalar base64 of ${sizeLabel(size)}`);
  check(base64js.fromByteArray(u8View) === expected, `base64-js of ${sizeLabel(size)}`);
  // Odd lengths exercise the padded tail and the SIMD/scalar seam.
  for (const odd of [size - 1, size - 2, 17, 16, 15, 1]) {
    const want = Buffer.from(simd.u8.buffer, SRC, odd).toString('base64');
    const got = simd.exports.base64EncodeSimd(SRC, odd, DST);
    check(latin1(simd.u8, DST, got) === want, `SIMD base64 of ${odd} bytes`);
  }

  const alts = [
    {
      name: 'wasm SIMD',
      unitsPerOp: size,
      run: (n) => {
        for (let i = 0; i < n; i++) keep += simd.exports.base64EncodeSimd(SRC, size, DST);
      },
    },
    {
      name: 'wasm scalar',
      unitsPerOp: size,
      run: (n) => {
        for (let i = 0; i < n; i++) keep += scalar.exports.base64EncodeScalar(SRC, size, DST);
      },
    },
    {
      name: "Buffer#toString('base64')",
      unitsPerOp: size,
      run: (n) => {
        for (let i = 0; i < n; i++) keep += bufView.toString('base64').length;
      },
    },
    {
      name: 'base64-js fromByteArray',
      unitsPerOp: size,
      run: (n) => {
        for (let i = 0; i < n; i++) keep += base64js.fromByteArray(u8View).length;
      },
    },
  ];
  const rounds = size >= 64 * MiB ? Math.min(ROUNDS, 5) : ROUNDS;
  const res = await compare(alts, { seconds: SECONDS, rounds });
  const [s, sc, buf, b64] = res;
  const vsBuffer = ratio(s, buf);
  const target = TARGETS[size];
  for (const r of res) {
    rows.push({
      size: sizeLabel(size),
      alternative: r.name,
      'MB/s': fmt.mbs(r.rate),
      'vs Buffer': fmt.x(ratio(r, buf)),
      'vs base64-js': fmt.x(ratio(r, b64)),
      target: r === s && target ? `≥ ${target}× Buffer: ${verdict(vsBuffer, target)}` : '',
    });
  }
  results.push({
    size,
    alternatives: res.map((r) => ({ name: r.name, MBps: r.rate / 1e6, roundsMBps: r.rounds.map((x) => x / 1e6) })),
    ratios: {
      simdVsBuffer: vsBuffer,
      simdVsBase64js: ratio(s, b64),
      simdVsScalar: ratio(s, sc),
      scalarVsBuffer: ratio(sc, buf),
    },
    target: target ? { simdVsBuffer: target, pass: vsBuffer >= target } : undefined,
  });
}
table(rows);

// The boundary cost: a call that does (almost) nothing, in ns per call.
const tiny = Buffer.from(simd.u8.buffer, SRC, 3);
const tinyU8 = simd.u8.subarray(SRC, SRC + 3);
check(latin1(simd.u8, DST, simd.exports.base64EncodeSimd(SRC, 3, DST)) === tiny.toString('base64'), '3-byte base64');
// The same export through @assemblyscript/loader's wrapper (what src/wasm.ts calls), and a Core
// getter (dist/wasm.js → loader wrapper → wasm), which is what each writer operation pays per call.
const wrapped = (
  await loaderInstantiate(await WebAssembly.compile(readBuild('mtom-stream.wasm')), {
    env: { memory: new WebAssembly.Memory({ initial: 8, maximum: 8 }) },
  })
).exports;
check(wrapped.init(4096, 4096) === 0 && wrapped.simdBuild() === 1, 'loader instance');
const core = await Core.create({ ringSize: 256 * KiB, scratchSize: 64 * KiB, simd: true });
check(core.used === 0, 'Core instance');
const boundary = await compare(
  [
    {
      name: 'wasm empty export (simdBuild)',
      run: (n) => {
        for (let i = 0; i < n; i++) keep += simd.exports.simdBuild();
      },
    },
    {
      name: 'same export via @assemblyscript/loader wrapper',
      run: (n) => {
        for (let i = 0; i < n; i++) keep += wrapped.simdBuild();
      },
    },
    {
      name: 'Core#used getter (dist/wasm.js)',
      run: (n) => {
        for (let i = 0; i < n; i++) keep += core.used + 1;
      },
    },
    {
      name: 'wasm base64EncodeSimd, 3 B',
      run: (n) => {
        for (let i = 0; i < n; i++) keep += simd.exports.base64EncodeSimd(SRC, 3, DST);
      },
    },
    {
      name: "Buffer#toString('base64'), 3 B",
      run: (n) => {
        for (let i = 0; i < n; i++) keep += tiny.toString('base64').length;
      },
    },
    {
      name: 'base64-js fromByteArray, 3 B',
      run: (n) => {
        for (let i = 0; i < n; i++) keep += base64js.fromByteArray(tinyU8).length;
      },
    },
  ],
  { seconds: SECONDS, rounds: ROUNDS },
);
console.log('boundary cost (a no-op-sized call):');
table(boundary.map((r) => ({ call: r.name, 'ns/call': fmt.ns(1e9 / r.rate), 'calls/s': fmt.int(r.rate) })));

writeResults('base64', {
  note: 'MB/s = 10^6 input bytes per second; ratios are medians of per-round ratios',
  sizes: results,
  boundaryCost: boundary.map((r) => ({ name: r.name, nsPerCall: 1e9 / r.rate })),
  sink: keep > 0,
});
