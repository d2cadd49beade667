// Browser tests: the built package (dist/) loaded as plain ESM in a real Chromium, driven with
// playwright-core. The same scenarios (scenarios.mjs) run in the page with the SIMD and the
// scalar core and in Node; every message must be byte-for-byte the same in all of them.
//
//   node tests/browser/run.mjs      (after npm run build; CHROMIUM_PATH=… to pick a browser)
//
// Prints one `ok` / `not ok` line per test and a closing `N passed, N failed` line; exits 1 on
// any failure. Without a Chromium it prints "browser tests skipped: chromium not found" and
// exits 0.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DEADLINE_MS = 90_000;

function findChromium() {
  const candidates = [process.env.CHROMIUM_PATH];
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      candidates.push(execFileSync('which', [name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    } catch {
      // Not on PATH.
    }
  }
  candidates.push('/usr/bin/chromium', '/usr/bin/chromium-browser');
  return candidates.find((path) => path && existsSync(path));
}

const executablePath = findChromium();
if (!executablePath) {
  console.log('browser tests skipped: chromium not found');
  process.exit(0);
}
if (!existsSync(join(ROOT, 'dist', 'index.js'))) {
  console.error('browser tests: dist/index.js is missing; run `npm run build` first');
  process.exit(1);
}

const deadline = setTimeout(() => {
  console.error(`browser tests: no result within ${DEADLINE_MS / 1000} s`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}, DEADLINE_MS);
deadline.unref();

// A static server for exactly what the page needs, on 127.0.0.1 and a free port.
const SERVED = ['dist/', 'tests/browser/'];
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.map': 'application/json', '.json': 'application/json' };

const server = createServer(async (request, response) => {
  const path = normalize(decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname)).replace(/^[/\\]+/, '');
  const allowed = SERVED.some((prefix) => path.startsWith(prefix)) && !path.split(sep).includes('..');
  try {
    if (!allowed) throw Object.assign(new Error('not served'), { code: 'ENOENT' });
    const body = await readFile(join(ROOT, path));
    response.writeHead(200, { 'Content-Type': TYPES[extname(path)] ?? 'application/octet-stream', 'Cache-Control': 'no-store' });
    response.end(body);
  } catch {
    response.writeHead(404, { 'Content-Type': 'text/plain' });
    response.end('not found');
  }
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${server.address().port}`;

const results = [];
function record(name, problems) {
  results.push({ name, problems });
  const n = results.length;
  if (problems.length === 0) {
    console.log(`ok ${n} - ${name}`);
  } else {
    console.log(`not ok ${n} - ${name}`);
    for (const problem of problems) console.log(`  # ${String(problem).replace(/\n/g, '\n  # ')}`);
  }
}

// A library failure that escapes every promise (in the Node reference run) is a failed test, not a crash.
const uncaught = [];
process.on('uncaughtException', (error) => uncaught.push(error?.stack ?? String(error)));

const { chromium } = await import('playwright-core');
const pageErrors = [];
let browser;
try {
  const { runScenarios } = await import('./scenarios.mjs');
  // Node's messages first: the reference the browser's must equal.
  const node = { detected: await runScenarios(undefined), scalar: await runScenarios(false) };

  browser = await chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage();
  page.on('pageerror', (error) => pageErrors.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(`console: ${message.text()}`);
  });
  await page.goto(`${origin}/tests/browser/index.html`);
  await page.waitForFunction(() => window.__ready || window.__loadError, null, { timeout: 20_000 });
  const loadError = await page.evaluate(() => window.__loadError);
  if (loadError) {
    record('the package loads in the page as plain ESM', [loadError, ...pageErrors]);
  } else {
    record('the package loads in the page as plain ESM', []);
    const page_ = await page.evaluate(async () => {
      const s = window.__scenarios;
      return { simd: await s.runScenarios(true), scalar: await s.runScenarios(false), checks: await s.environmentChecks() };
    });

    for (const [name, check] of Object.entries(page_.checks)) record(name, check.ok ? [] : [check.error]);

    for (const name of Object.keys(node.detected)) {
      const runs = { 'browser SIMD': page_.simd[name], 'browser scalar': page_.scalar[name], 'Node': node.detected[name], 'Node scalar': node.scalar[name] };
      const problems = [];
      for (const [where, result] of Object.entries(runs)) {
        if (!result) problems.push(`${where}: no result`);
        else if (result.error) problems.push(`${where} failed: ${result.error}`);
      }
      if (problems.length === 0) {
        if (runs['browser SIMD'].simdUsed !== true) problems.push('browser SIMD run did not use the SIMD core (writer.simd false)');
        if (runs['browser scalar'].simdUsed !== false) problems.push('browser scalar run did not use the scalar core (writer.simd true)');
        if (runs['Node scalar'].simdUsed !== false) problems.push('Node scalar run did not use the scalar core');
        const reference = runs.Node;
        for (const [where, result] of Object.entries(runs)) {
          if (result.length !== reference.length || result.sha256 !== reference.sha256) {
            problems.push(
              `${where} differs from Node: ${result.length} bytes sha256 ${result.sha256} vs ${reference.length} bytes sha256 ${reference.sha256}` +
                (result.head !== reference.head ? `\nfirst bytes (${where}):\n${JSON.stringify(result.head)}\nfirst bytes (Node):\n${JSON.stringify(reference.head)}` : ''),
            );
          }
          if (!result.endsComplete) problems.push(`${where}: the message does not end with the close delimiter`);
          if (result.expectedLength !== undefined && result.expectedLength !== null && result.expectedLength !== result.length) {
            problems.push(`${where}: expectedLength() said ${result.expectedLength}, the message has ${result.length} bytes`);
          }
        }
      }
      record(`${name}: browser SIMD, browser scalar and Node give the same bytes`, problems);
    }
  }
  if (pageErrors.length > 0) record('no errors in the page', pageErrors);
  record('no uncaught exceptions in Node', uncaught);
} catch (error) {
  record('the browser tests ran', [error?.stack ?? String(error), ...pageErrors]);
} finally {
  await browser?.close().catch(() => {});
  server.close();
}

const failed = results.filter((r) => r.problems.length > 0).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
