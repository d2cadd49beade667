// Base64 bytes → bytes: the core's SIMD and scalar encoders over linear memory (input already in
// memory, output into memory) against what JavaScript code uses today: Buffer#toString('base64')
// and base64-js fromByteArray (both produce a string). Then the writer's whole path, writeBytes of
// 1 MiB values (text encoding) to an output callback, against native SSSE3 base64
// (bench/native/b64native.c, gcc -O3 -mssse3). Plus the boundary cost: ns per call for a call that
// moves almost nothing.
import { instantiate as loaderInstantiate } from '@assemblyscript/loader';
import base64js from 'base64-js';
import { Core } from '../dist/wasm.js';
import { writeBytesValues } from './lib/base64-values.mjs';
import { compare, instantiateCore, KiB, MiB, pseudoRandomBytes, ratio, sizeLabel, verdict } from './lib/harness.mjs';
import { nativeAlternative, nativeProgram, nativeText } from './lib/native.mjs';
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

// ---- writeBytes (text encoding), 1 MiB values, against native SSSE3 ----
const VALUE = MiB;
const WRITER_TARGET = 0.7;
const value = pseudoRandomBytes(VALUE);
const valueBase64 = Buffer.from(value).toString('base64');
const b64native = nativeProgram('b64native', ['-mssse3']);
let nativeNote = b64native.missing;
if (!b64native.missing) {
  // Verify the native encoders against Buffer's base64 over the same input, odd tails included.
  for (const n of [VALUE, VALUE + 1, VALUE + 2, 53, 16, 1]) {
    const want = n === VALUE ? valueBase64 : Buffer.from(pseudoRandomBytes(n)).toString('base64');
    for (const flavour of ['ssse3', 'scalar']) {
      try {
        check(nativeText(b64native, ['print', flavour, n]).trim() === want, `native ${flavour} base64 of ${n} bytes`);
      } catch (error) {
        if (!/SSSE3/.test(String(error.stderr))) throw error;
        nativeNote = 'this CPU has no SSSE3: the native anchor is not measured';
      }
    }
  }
  console.log(`native anchor: ${b64native.command} (${b64native.compiler})${nativeNote ? `: ${nativeNote}` : ''}`);
} else console.log(`native anchor: ${nativeNote}`);

/** One document of n `<v>` elements under a root, each a 1 MiB writeBytes value; output discarded. */
function writerValues(n, onBytes) {
  return writeBytesValues(value, n, onBytes);
}
{
  const chunks = [];
  await writerValues(2, (bufs) => {
    for (const b of bufs) chunks.push(Buffer.from(b));
  });
  check(
    Buffer.concat(chunks).toString('latin1') === `<r><v>${valueBase64}</v><v>${valueBase64}</v></r>`,
    'writer writeBytes gives canonical base64',
  );
}
let written = 0;
const discard = (bufs) => {
  for (let i = 0; i < bufs.length; i++) written += bufs[i].length;
};
const nativeRun = (flavour) => (ms) => ['run', flavour, VALUE, ms];
const withNative = nativeNote
  ? []
  : [
      nativeAlternative('native C SSSE3 (memory to memory)', b64native, nativeRun('ssse3')),
      nativeAlternative('native C scalar, pair table', b64native, nativeRun('scalar')),
      nativeAlternative('native C memcpy (ceiling)', b64native, nativeRun('memcpy')),
    ];
const writerRes = await compare(
  [
    {
      name: 'writer writeBytes, text encoding → output callback',
      unitsPerOp: VALUE,
      run: async (n) => {
        const before = written;
        await writerValues(n, discard);
        check(written - before >= n * valueBase64.length, 'every value delivered');
      },
    },
    ...withNative,
    {
      name: 'wasm SIMD base64EncodeSimd (memory to memory)',
      unitsPerOp: VALUE,
      run: (n) => {
        for (let i = 0; i < n; i++) keep += simd.exports.base64EncodeSimd(SRC, VALUE, DST);
      },
    },
  ],
  { seconds: SECONDS, rounds: ROUNDS },
);
const writerVsNative = nativeNote ? undefined : ratio(writerRes[0], writerRes[1]);
const writerVerdict = writerVsNative === undefined ? 'not measured' : verdict(writerVsNative, WRITER_TARGET);
console.log(`writeBytes of ${sizeLabel(VALUE)} values (text encoding) vs native base64 (MB/s of input):`);
table(
  writerRes.map((r) => ({
    alternative: r.name,
    'MB/s': fmt.mbs(r.rate),
    'vs native SSSE3': nativeNote ? 'n/a' : fmt.x(ratio(r, writerRes[1])),
    target: r === writerRes[0] ? `≥ ${WRITER_TARGET}×: ${writerVerdict}` : '',
  })),
);

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

const targets = results
  .filter((r) => r.target)
  .map((r) => ({
    measure: `wasm SIMD vs Buffer#toString, ${sizeLabel(r.size)}`,
    value: r.ratios.simdVsBuffer,
    target: r.target.simdVsBuffer,
  }));
targets.push({
  measure: `writeBytes ${sizeLabel(VALUE)} values (text) vs native SSSE3`,
  value: writerVsNative,
  target: WRITER_TARGET,
  note: nativeNote,
});

writeResults('base64', {
  note: 'MB/s = 10^6 input bytes per second; ratios are medians of per-round ratios',
  targets,
  native: nativeNote ? { missing: nativeNote } : { command: b64native.command, compiler: b64native.compiler },
  writeBytes: writerRes.map((r) => ({
    name: r.name,
    MBps: r.rate / 1e6,
    roundsMBps: r.rounds.map((x) => x / 1e6),
    vsNativeSsse3: nativeNote ? undefined : ratio(r, writerRes[1]),
  })),
  sizes: results,
  boundaryCost: boundary.map((r) => ({ name: r.name, nsPerCall: 1e9 / r.rate })),
  sink: keep > 0,
});
