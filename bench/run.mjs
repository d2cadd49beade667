// Runs every benchmark in sequence, each in its own node process (so RSS figures are clean),
// then prints the targets from their JSON results (bench/results/<name>.json).
//   node bench/run.mjs                 all of them
//   node bench/run.mjs base64 messages only these
//   node bench/run.mjs --quick         shorter runs, smaller inputs (also BENCH_QUICK=1)
//   BENCH_SECONDS=3 node bench/run.mjs seconds per alternative per case (default 1.5)
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { environment, fmt, RESULTS, table } from './lib/report.mjs';

const BENCHES = [
  'base64',
  'ring-copy',
  'attachment',
  'messages',
  'file-attachment',
  'upload-rss',
  'browser',
  'browser-unattended',
  'service-upload',
  'reader-base64',
  'reader-stream',
  'reader-soap',
];
const args = process.argv.slice(2);
const flags = args.filter((a) => a.startsWith('--'));
const wanted = args.filter((a) => !a.startsWith('--'));
const unknown = wanted.filter((w) => !BENCHES.some((b) => b.includes(w)));
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(', ')}; choose from ${BENCHES.join(', ')}`);
  process.exit(2);
}
const selected =
  wanted.length === 0
    ? BENCHES
    : BENCHES.filter((b) => wanted.some((w) => b === w || (b.includes(w) && !BENCHES.includes(w))));
const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
if (!existsSync(dist)) {
  console.error('dist/ is missing: run `npm run build` first (npm run bench does).');
  process.exit(2);
}

const e = environment();
console.log(
  `# mtom-stream benchmarks\nnode ${e.node} · ${e.cpu} × ${e.cores} · ${e.platform} · ` +
    `${e.date}${e.quick ? ' · quick' : ''}`,
);
const t0 = performance.now();
const ran = [];
for (const name of selected) {
  const start = performance.now();
  const r = spawnSync(process.execPath, [fileURLToPath(new URL(`${name}.mjs`, import.meta.url)), ...flags], {
    stdio: 'inherit',
    env: process.env,
  });
  const seconds = (performance.now() - start) / 1000;
  ran.push({ name, ok: r.status === 0, seconds });
  if (r.status !== 0) console.log(`\n!! ${name} failed (exit ${r.status ?? r.signal})`);
}

// ---- summary of targets ----
const load = (name) =>
  existsSync(`${RESULTS}${name}.json`) ? JSON.parse(readFileSync(`${RESULTS}${name}.json`, 'utf8')) : undefined;
const rows = [];
const add = (benchmark, what, value, target, pass) =>
  rows.push({ benchmark, measure: what, value, target, verdict: pass === undefined ? '' : pass ? 'pass' : 'FAIL' });
const ranNames = new Set(ran.filter((r) => r.ok).map((r) => r.name));
/** A target in a results file: { measure, value, target, unit?, pass?, note? }; value undefined when not measured. */
const addTarget = (benchmark, t) => {
  const measured = t.value !== undefined && t.value !== null;
  const value = !measured
    ? `not measured${t.note ? `: ${t.note}` : ''}`
    : t.unit
      ? `${t.value.toFixed(1)} ${t.unit}`
      : fmt.x(t.value);
  const pass = t.pass ?? (measured && typeof t.target === 'number' ? t.value >= t.target : undefined);
  add(benchmark, t.measure, value, typeof t.target === 'number' ? `≥ ${t.target}×` : t.target, pass);
};
for (const name of ['base64', 'ring-copy', 'attachment', 'messages', 'browser-unattended']) {
  if (ranNames.has(name)) for (const t of load(name).targets ?? []) addTarget(name, t);
}
if (ranNames.has('file-attachment')) {
  const f = load('file-attachment');
  const { sync, async } = f.target;
  add('file-attachment', 'writer readSync vs createReadStream', fmt.x(sync), '≥ 0.8×', sync >= 0.8);
  add('file-attachment', 'writer fh.read vs createReadStream', fmt.x(async), '≥ 0.8×', async >= 0.8);
  for (const c of f.rss.cases.filter((c) => c.pass !== undefined))
    add(
      'file-attachment',
      `peak RSS − idle, ${c.case}`,
      `${c.peakAboveIdleMiB.toFixed(1)} MiB`,
      'flat, < 64 MiB',
      c.pass,
    );
}
if (ranNames.has('upload-rss')) {
  const u = load('upload-rss');
  for (const c of u.rss.cases.filter((c) => c.pass !== undefined)) {
    add(
      'upload-rss',
      `client peak RSS − idle, ${c.case}, ${u.uploadBytes / 2 ** 20} MiB upload`,
      `${c.peakAboveIdleMiB.toFixed(1)} MiB`,
      'flat, < 64 MiB',
      c.pass,
    );
  }
}
if (ranNames.has('browser')) {
  const b = load('browser');
  for (const [engine, reason] of Object.entries(b.skipped ?? {}))
    add('browser', `${engine} skipped`, reason, '', undefined);
  if (b.targets) for (const t of b.targets) addTarget('browser', t);
  else
    for (const s of b.base64.sizes.filter((s) => s.size === 1024 * 1024))
      for (const a of s.alternatives.slice(0, 1))
        add('browser', 'wasm SIMD base64 vs btoa chunks, 1 MiB', fmt.x(a.vsBtoa), '(no target)', undefined);
}
if (ranNames.has('service-upload')) {
  const u = load('service-upload');
  if (u.skipped) add('service-upload', 'skipped', u.skipped, '', undefined);
  else {
    const template = u.results.find((r) => r.case === 'template');
    for (const r of u.results.filter((r) => r !== template)) {
      add(
        'service-upload',
        `${r.case} vs template, ${u.bytes / 2 ** 20} MiB to Metro`,
        fmt.x(r.rate / template.rate),
        '(no target)',
        undefined,
      );
      add(
        'service-upload',
        `${r.case} client peak RSS − idle`,
        `${r.peakAboveIdleMiB.toFixed(1)} MiB`,
        '(no target)',
        undefined,
      );
    }
  }
}
if (ranNames.has('reader-base64')) {
  for (const s of load('reader-base64').sizes.filter((s) => s.target)) {
    add(
      'reader-base64',
      `SIMD decode (from a string) vs Buffer.from, ${s.size / 1024} KiB`,
      fmt.x(s.ratios.simdStringVsBuffer),
      `≥ ${s.target.simdStringVsBuffer}×`,
      s.target.pass,
    );
    add(
      'reader-base64',
      `SIMD decode (from a string) vs atob, ${s.size / 1024} KiB`,
      fmt.x(s.ratios.simdStringVsAtob),
      `≥ ${s.target.simdStringVsBuffer}×`,
      s.ratios.simdStringVsAtob >= s.target.simdStringVsBuffer,
    );
  }
}
if (ranNames.has('reader-stream')) {
  const r = load('reader-stream');
  add(
    'reader-stream',
    `reader vs ${r.target.fastest}, ${r.bytes / 2 ** 20} MiB part`,
    fmt.x(r.target.vsFastest),
    '> 1×',
    r.target.aheadOfFastest,
  );
  add(
    'reader-stream',
    'reader peak RSS − idle',
    `${r.results[0].peakAboveIdleMiB.toFixed(1)} MiB`,
    'flat, < 64 MiB',
    r.target.flat,
  );
}
if (ranNames.has('reader-soap')) {
  const r = load('reader-soap');
  add(
    'reader-soap',
    'reader vs node-soap parseMTOMResp, 10 MiB reply',
    fmt.x(r.target.readerVsNodeSoap),
    `≥ ${r.target.goal}×`,
    r.target.pass,
  );
}
console.log(`\n## Summary (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
table(ran.map((r) => ({ benchmark: r.name, status: r.ok ? 'ok' : 'FAILED', seconds: r.seconds.toFixed(1) })));
if (rows.length > 0) table(rows);
mkdirSync(RESULTS, { recursive: true });
writeFileSync(`${RESULTS}summary.json`, `${JSON.stringify({ environment: e, ran, targets: rows }, null, 2)}\n`);
process.exit(ran.every((r) => r.ok) ? 0 : 1);
