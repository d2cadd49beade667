// (a) Throughput of a large attachment through pushBytes reserve/commit (MTOM, output discards
// synchronously), the producer filling each reserved ring window in place, against the same work
// done natively (bench/native/fillscan.c: fill a 256 KiB window, SSE2 boundary scan, output
// callback; gcc -O3 -msse2), and against a plain JS loop doing the same fills into one 256 KiB
// buffer and calling the same output, with no writer and no scan.
// (c) Peak RSS while streaming a 1 GiB attachment the same way, each case in its own process,
// minus the RSS of an otherwise idle node process (same imports) measured in another child.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { compare, GiB, KiB, MiB, pseudoRandomBytes, ratio, sizeLabel, verdict } from './lib/harness.mjs';
import { boundaryOf, bytesEqual, fills, mtomMessage, plainLoop, reserveProducer, splitMultipart } from './lib/mtom.mjs';
import { nativeAlternative, nativeText, nativeProgram } from './lib/native.mjs';
import {
  QUICK,
  ROUNDS,
  RssSampler,
  SECONDS,
  argValue,
  check,
  fmt,
  header,
  reportIdleRss,
  table,
  writeResults,
} from './lib/report.mjs';

const CHUNK = 256 * KiB;
const RING = MiB;
const DEFAULT_RING = 256 * KiB;
const PERIOD = MiB;
const pattern = pseudoRandomBytes(PERIOD + CHUNK);
pattern.copyWithin(PERIOD, 0, CHUNK); // so pattern[k] == pattern[k % PERIOD]

const makeFill = (kind) => (kind === 'fill' ? fills.fill() : fills.copy(pattern, PERIOD));

// ---- child mode: one streaming run, RSS sampled every 16 MiB ----
const arg = argValue;
if (arg('rss')) {
  const mode = arg('rss');
  const bytes = Number(arg('bytes'));
  if (mode === 'idle') await reportIdleRss();
  const sampler = new RssSampler();
  const before = sampler.sample(0);
  let next = 0;
  const progress = (produced) => {
    if (produced >= next) {
      sampler.sample(produced);
      next += 16 * MiB;
    }
  };
  let delivered = 0;
  const output = (bufs) => {
    for (const b of bufs) delivered += b.length;
  };
  const t0 = performance.now();
  if (mode === 'js') {
    plainLoop({
      bytes,
      chunk: CHUNK,
      fill: makeFill('copy'),
      buffer: new Uint8Array(CHUNK),
      output: (b) => {
        output(b);
        progress(delivered);
      },
    });
  } else {
    await mtomMessage({
      output,
      ringSize: RING,
      simd: mode === 'simd',
      producer: reserveProducer(bytes, CHUNK, makeFill('copy'), progress),
    });
  }
  const ms = performance.now() - t0;
  sampler.sample(bytes);
  console.log(
    JSON.stringify({ before, peak: sampler.peak, shape: sampler.shape(), delivered, ms, samples: sampler.samples }),
  );
  process.exit(0);
}

// ---- main ----
const BYTES = 256 * MiB;
const RSS_BYTES = QUICK ? 256 * MiB : GiB;
/** Writer (SIMD core, default ring) vs native fill + SSE2 scan + callback. */
const TARGET = 0.8;
/** A boundary as long as the writer's own (`uuid:` + 36), for the native scan. */
const NATIVE_BOUNDARY = `uuid:${crypto.randomUUID()}`;
/** What the native program does for each JS producer: view.fill is a memset, the pattern copy a memcpy. */
const NATIVE_FILL = { fill: 'memset', copy: 'memcpy' };
const RSS_LIMIT = 64 * MiB;

header(`attachment: a ${sizeLabel(BYTES)} attachment through pushBytes reserve/commit (MB/s)`);

// Verify before timing: the part's body is exactly the bytes the producer wrote, for each fill,
// each core and ring size, with a size that does not divide the ring.
for (const kind of ['fill', 'copy']) {
  for (const [simd, ringSize] of [
    [true, RING],
    [true, DEFAULT_RING],
    [false, RING],
  ]) {
    const n = 3 * MiB + 12345;
    const fill = makeFill(kind);
    const written = [];
    const recordingFill = (view, i) => {
      fill(view, i);
      written.push(view.slice());
    };
    const chunks = [];
    const { writer } = await mtomMessage({
      ringSize,
      simd,
      output: (bufs) => {
        for (const b of bufs) chunks.push(b.slice());
      },
      producer: reserveProducer(n, CHUNK, recordingFill),
    });
    check(writer.simd === simd, 'core flavour');
    const parts = splitMultipart(Buffer.concat(chunks), boundaryOf(writer.contentType));
    check(parts.length === 2, 'two parts');
    check(
      bytesEqual(parts[1].body, Buffer.concat(written)) && parts[1].body.length === n,
      `attachment bytes (${kind}, ring ${ringSize})`,
    );
    const href = /href="cid:([^"]+)"/.exec(new TextDecoder().decode(parts[0].body))?.[1];
    check(parts[1].headers['content-id'] === `<${href}>`, 'xop:Include names the part');
  }
}
{
  let got = 0;
  plainLoop({
    bytes: 3 * MiB + 5,
    chunk: CHUNK,
    fill: makeFill('fill'),
    buffer: new Uint8Array(CHUNK),
    output: (b) => (got += b[0].length),
  });
  check(got === 3 * MiB + 5, 'plain loop byte count');
}

const fillscan = nativeProgram('fillscan', ['-msse2']);
if (fillscan.missing) console.log(`native anchor: ${fillscan.missing}\n`);
else {
  // The native scan finds a boundary where one is, and nowhere else.
  const hay = `${'x'.repeat(100)}${NATIVE_BOUNDARY.slice(0, -1)}y${'x'.repeat(33)}${NATIVE_BOUNDARY}xx`;
  check(
    Number(nativeText(fillscan, ['find', NATIVE_BOUNDARY, hay])) === hay.lastIndexOf(NATIVE_BOUNDARY),
    'native scan',
  );
  check(Number(nativeText(fillscan, ['find', NATIVE_BOUNDARY, hay.slice(0, -3)])) === -1, 'native scan, no match');
  console.log(`native anchor: ${fillscan.command} (${fillscan.compiler})\n`);
}

let delivered = 0;
const discard = (bufs) => {
  for (let i = 0; i < bufs.length; i++) delivered += bufs[i].length;
};
const plainBuffer = new Uint8Array(CHUNK);
const counted = async (body) => {
  const before = delivered;
  await body();
  check(delivered - before >= BYTES, 'every byte reached the output');
};

const rows = [];
const throughput = [];
const targets = [];
for (const kind of ['fill', 'copy']) {
  const writerAlt = (name, simd, ringSize) => ({
    name,
    unitsPerOp: BYTES,
    run: async (n) => {
      for (let i = 0; i < n; i++) {
        await counted(() =>
          mtomMessage({ output: discard, ringSize, simd, producer: reserveProducer(BYTES, CHUNK, makeFill(kind)) }),
        );
      }
    },
  });
  const natives = fillscan.missing
    ? []
    : [1, 0].map((scan) =>
        nativeAlternative(
          `native C, ${NATIVE_FILL[kind]} ${sizeLabel(CHUNK)} windows${scan ? ' + SSE2 scan' : ''} + callback`,
          fillscan,
          (ms) => ['run', kind, scan, CHUNK, BYTES, ms, NATIVE_BOUNDARY],
        ),
      );
  const alts = [
    writerAlt(`writer, SIMD core, default ring ${sizeLabel(DEFAULT_RING)}`, true, undefined),
    writerAlt(`writer, SIMD core, ring ${sizeLabel(RING)}`, true, RING),
    writerAlt(`writer, scalar core, ring ${sizeLabel(RING)}`, false, RING),
    ...natives,
    {
      name: `plain JS loop, one ${sizeLabel(CHUNK)} buffer`,
      unitsPerOp: BYTES,
      run: async (n) => {
        for (let i = 0; i < n; i++)
          await counted(() =>
            plainLoop({ bytes: BYTES, chunk: CHUNK, fill: makeFill(kind), output: discard, buffer: plainBuffer }),
          );
      },
    },
  ];
  const res = await compare(alts, { seconds: SECONDS, rounds: ROUNDS });
  const plain = res[res.length - 1];
  const native = natives.length > 0 ? res[3] : undefined;
  const vsNative = native ? ratio(res[0], native) : undefined;
  for (const r of res) {
    rows.push({
      producer: kind === 'fill' ? 'view.fill(i & 255)' : 'copy from a 1 MiB pattern',
      alternative: r.name,
      'MB/s': fmt.mbs(r.rate),
      'vs native fill+scan': native ? fmt.x(ratio(r, native)) : 'n/a',
      'vs plain': fmt.x(ratio(r, plain)),
      target:
        r === res[0]
          ? `≥ ${TARGET}× native: ${vsNative === undefined ? 'not measured' : verdict(vsNative, TARGET)}`
          : '',
    });
  }
  throughput.push({
    producer: kind,
    alternatives: res.map((r) => ({
      name: r.name,
      MBps: r.rate / 1e6,
      roundsMBps: r.rounds.map((v) => v / 1e6),
      vsPlain: ratio(r, plain),
      vsNative: native ? ratio(r, native) : undefined,
    })),
    target: { writerVsNative: TARGET, value: vsNative, pass: vsNative === undefined ? undefined : vsNative >= TARGET },
  });
  targets.push({
    measure: `pushBytes 256 MiB (${NATIVE_FILL[kind]}), writer vs native fill + SSE2 scan + callback`,
    value: vsNative,
    target: TARGET,
    note: fillscan.missing,
  });
}
table(rows);

// (c) RSS, each case in a fresh process.
const self = fileURLToPath(import.meta.url);
const child = (...args) =>
  JSON.parse(
    execFileSync(process.execPath, [self, ...args], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .pop(),
  );
const idle = median3(() => child('--rss=idle').rss);
const rss = [];
for (const mode of ['simd', 'scalar', 'js']) {
  const r = child(`--rss=${mode}`, `--bytes=${RSS_BYTES}`);
  check(r.delivered >= RSS_BYTES, `${mode}: every byte delivered`);
  const above = r.peak - idle;
  rss.push({
    mode,
    idleMiB: idle / MiB,
    beforeMiB: r.before / MiB,
    peakMiB: r.peak / MiB,
    peakAboveIdleMiB: above / MiB,
    firstQuarterPeakMiB: r.shape.firstQuarterPeak / MiB,
    lastQuarterPeakMiB: r.shape.lastQuarterPeak / MiB,
    samples: r.shape.samples,
    MBps: RSS_BYTES / (r.ms / 1000) / 1e6,
    pass: mode === 'js' ? undefined : above < RSS_LIMIT && r.shape.lastQuarterPeak - r.shape.firstQuarterPeak < 8 * MiB,
    trace: r.samples.map(([p, v]) => [p / MiB, +(v / MiB).toFixed(1)]),
  });
}
console.log(
  `peak RSS streaming ${sizeLabel(RSS_BYTES)} (copy producer, ring ${sizeLabel(RING)}), sampled every 16 MiB; ` +
    `idle node process with the same imports: ${fmt.mib(idle)} MiB`,
);
table(
  rss.map((r) => ({
    case: r.mode === 'js' ? 'plain JS loop (reference)' : `writer, ${r.mode} core`,
    'peak MiB': r.peakMiB.toFixed(1),
    'peak − idle MiB': r.peakAboveIdleMiB.toFixed(1),
    'first ¼ peak': r.firstQuarterPeakMiB.toFixed(1),
    'last ¼ peak': r.lastQuarterPeakMiB.toFixed(1),
    'MB/s': r.MBps.toFixed(0),
    target: r.pass === undefined ? '' : `flat, < 64 MiB above idle: ${r.pass ? 'pass' : 'FAIL'}`,
  })),
);

for (const c of rss.filter((c) => c.pass !== undefined)) {
  targets.push({
    measure: `peak RSS − idle streaming ${sizeLabel(RSS_BYTES)}, ${c.mode} core`,
    value: c.peakAboveIdleMiB,
    unit: 'MiB',
    target: 'flat, < 64 MiB',
    pass: c.pass,
  });
}

writeResults('attachment', {
  note: 'MB/s = 10^6 attachment bytes per second; ratios are medians of per-round ratios',
  native: fillscan.missing ? { missing: fillscan.missing } : { command: fillscan.command, compiler: fillscan.compiler },
  targets,
  attachmentBytes: BYTES,
  chunk: CHUNK,
  throughput,
  rss: { bytes: RSS_BYTES, idleRssMiB: idle / MiB, cases: rss },
});

function median3(f) {
  const v = [f(), f(), f()].sort((a, b) => a - b);
  return v[1];
}
