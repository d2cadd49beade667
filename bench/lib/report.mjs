// Node side of the benchmarks: settings from argv/env, the machine's description, tables, JSON.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const RESULTS = fileURLToPath(new URL('../results/', import.meta.url));

const argv = process.argv.slice(2);
/** --quick or BENCH_QUICK=1: shorter runs and smaller inputs. */
export const QUICK = argv.includes('--quick') || process.env.BENCH_QUICK === '1';
/** Seconds per alternative per case (BENCH_SECONDS), split over the rounds. */
export const SECONDS = Number(process.env.BENCH_SECONDS) || (QUICK ? 0.5 : 1.5);
export const ROUNDS = Number(process.env.BENCH_ROUNDS) || (QUICK ? 5 : 7);

export function environment() {
  return {
    date: new Date().toISOString(),
    node: process.version,
    v8: process.versions.v8,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    totalMemMiB: Math.round(os.totalmem() / 2 ** 20),
    quick: QUICK,
    secondsPerCase: SECONDS,
    rounds: ROUNDS,
  };
}

export function header(title) {
  const e = environment();
  console.log(`\n## ${title}`);
  console.log(`node ${e.node} (V8 ${e.v8}) · ${e.cpu} × ${e.cores} · ${e.platform} · ${e.date}`);
  console.log(
    `${e.secondsPerCase} s per alternative per case, ${e.rounds} interleaved rounds, ` +
      `median round${QUICK ? ' (quick)' : ''}\n`,
  );
  return e;
}

/** Prints rows (objects) as an aligned table of the given columns. */
export function table(rows, columns = Object.keys(rows[0] ?? {})) {
  const cells = rows.map((r) => columns.map((c) => String(r[c] ?? '')));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i].length)));
  const line = (vals) =>
    `| ${vals.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join(' | ')} |`;
  console.log(line(columns));
  console.log(`|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const row of cells) console.log(line(row));
  console.log('');
}

export function writeResults(name, data) {
  mkdirSync(RESULTS, { recursive: true });
  const file = `${RESULTS}${name}.json`;
  writeFileSync(file, `${JSON.stringify({ benchmark: name, environment: environment(), ...data }, null, 2)}\n`);
  console.log(`results: bench/results/${name}.json`);
}

export const readBuild = (file) => readFileSync(`${ROOT}build/${file}`);

export const fmt = {
  mbs: (bytesPerSec) => (bytesPerSec / 1e6).toFixed(bytesPerSec >= 1e8 ? 0 : 1),
  x: (r) => `${r.toFixed(2)}×`,
  int: (n) => Math.round(n).toLocaleString('en-US'),
  mib: (bytes) => (bytes / 2 ** 20).toFixed(1),
  ns: (n) => n.toFixed(1),
};

/** Throws (before any timing) when a check fails. */
export function check(condition, message) {
  if (!condition) throw new Error(`verification failed: ${message}`);
}

/** Samples process RSS: call tick() from inside hot loops; peak and a few points are kept. */
/** The value of a `--name=value` argument of this process, if given. */
export const argValue = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

/**
 * Runs a benchmark's own file (its `import.meta.url`) again in a child process with `args` (one of
 * its child modes) and returns the JSON the child printed on its last line.
 */
export function runChild(scriptUrl, ...args) {
  const output = execFileSync(process.execPath, [fileURLToPath(scriptUrl), ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  return JSON.parse(output.trim().split('\n').pop());
}

/** Child mode `--rss=idle`: prints the RSS of a process that only loaded its imports, then exits. */
export async function reportIdleRss() {
  await new Promise((r) => setTimeout(r, 100));
  console.log(JSON.stringify({ rss: process.memoryUsage.rss() }));
  process.exit(0);
}

export class RssSampler {
  constructor() {
    this.samples = [];
    this.peak = 0;
  }
  sample(progress) {
    const rss = process.memoryUsage.rss();
    if (rss > this.peak) this.peak = rss;
    this.samples.push([progress, rss]);
    return rss;
  }
  /** Peak RSS in the first and the last quarter of the run: equal within noise means flat. */
  shape() {
    const n = this.samples.length;
    const q = Math.max(1, Math.floor(n / 4));
    const peakOf = (list) => Math.max(...list.map(([, r]) => r));
    return {
      firstQuarterPeak: peakOf(this.samples.slice(0, q)),
      lastQuarterPeak: peakOf(this.samples.slice(n - q)),
      samples: n,
    };
  }
}
