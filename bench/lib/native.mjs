// Native anchors (bench/native/*.c): compiled with `gcc -O3` into build/native/ when gcc is
// present, and run as alternatives that time themselves (harness.mjs `timed`). Without gcc, or
// on a CPU without the instructions they need, `nativeProgram` says why and benchmarks report
// the figure as not measured.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { ROOT } from './report.mjs';

const SOURCES = `${ROOT}bench/native/`;
const OUT = `${ROOT}build/native/`;

/** The compiler's first version line, or undefined when there is no gcc. */
export function gccVersion() {
  const r = spawnSync('gcc', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n')[0] : undefined;
}

const newer = (a, b) => {
  try {
    return statSync(a).mtimeMs >= statSync(b).mtimeMs;
  } catch {
    return false;
  }
};

/**
 * Compiles bench/native/<name>.c with `gcc -O3 <flags>` (again only when the source is newer).
 * Returns { path, compiler, command } or { missing: reason }.
 */
export function nativeProgram(name, flags) {
  const compiler = gccVersion();
  if (!compiler) return { missing: 'gcc is not installed: the native anchor is not measured' };
  const source = `${SOURCES}${name}.c`;
  const path = `${OUT}${name}`;
  const args = ['-O3', ...flags, '-o', path, source];
  const command = `gcc ${args.join(' ').replaceAll(ROOT, '')}`;
  if (!newer(path, source)) {
    mkdirSync(OUT, { recursive: true });
    const r = spawnSync('gcc', args, { encoding: 'utf8' });
    if (r.status !== 0) return { missing: `${command} failed: ${r.stderr.trim()}` };
  }
  return { path, compiler, command };
}

/** Runs a native program with arguments; its last stdout line is JSON. */
export function runNative(program, args) {
  const out = execFileSync(program.path, args.map(String), { encoding: 'utf8', maxBuffer: 256 * 2 ** 20 });
  return JSON.parse(out.trim().split('\n').pop());
}

/** Output of a native program as text (checks before timing). */
export const nativeText = (program, args) =>
  execFileSync(program.path, args.map(String), { encoding: 'utf8', maxBuffer: 256 * 2 ** 20 });

/** A harness alternative running `args(ms)` natively; the program prints { bytes, seconds }. */
export const nativeAlternative = (name, program, args) => ({
  name,
  timed: (ms) => {
    const r = runNative(program, args(Math.max(1, Math.round(ms))));
    return { units: r.bytes, ms: r.seconds * 1000 };
  },
});
