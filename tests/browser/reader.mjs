// The reader in a real Chromium (playwright-core): the package bundled with esbuild (saxes, the
// reader's XML parser, is CommonJS, so a page gets the reader through a bundler), the peer
// messages of tests/fixtures/peer-messages read with readMessage and with the streaming reader
// from a ReadableStream of small chunks, on the SIMD and the scalar core, and a fetch Response;
// every result must equal Node's for the same code.
//
//   node tests/browser/reader.mjs      (after npm run build; CHROMIUM_PATH=… to pick a browser)
//
// One `ok` / `not ok` line per test and a closing `N passed, N failed` line; exit 1 on any
// failure; without a Chromium: "reader browser tests skipped: chromium not found", exit 0.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURES = join(ROOT, 'tests', 'fixtures', 'peer-messages');
const DEADLINE_MS = 120_000;

function findChromium() {
  const candidates = [process.env.CHROMIUM_PATH];
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      candidates.push(execFileSync('which', [name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    } catch {
      // Not on PATH.
    }
  }
  return candidates.find((path) => path && existsSync(path));
}

const executablePath = findChromium();
if (!executablePath) {
  console.log('reader browser tests skipped: chromium not found');
  process.exit(0);
}
if (!existsSync(join(ROOT, 'dist', 'reader', 'index.js'))) {
  console.error('reader browser tests: dist/ is missing; run `npm run build` first');
  process.exit(1);
}
setTimeout(() => {
  console.error(`reader browser tests: no result within ${DEADLINE_MS / 1000} s`);
  process.exit(1);
}, DEADLINE_MS).unref();

const results = [];
function record(name, problems) {
  results.push(problems);
  console.log(`${problems.length === 0 ? 'ok' : 'not ok'} ${results.length} - ${name}`);
  for (const p of problems) console.log(`  # ${String(p).replace(/\n/g, '\n  # ')}`);
}

const names = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.body'))
  .map((f) => f.slice(0, -5))
  .sort();
const load = (name) => ({
  body: new Uint8Array(readFileSync(join(FIXTURES, `${name}.body`))),
  contentType: readFileSync(join(FIXTURES, `${name}.ct`), 'utf8'),
});

const { build } = await import('esbuild');
const bundle = await build({
  entryPoints: [join(ROOT, 'tests', 'browser', 'reader-page.mjs')],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  write: false,
  logLevel: 'silent',
});
const script = bundle.outputFiles[0].text;
const page = `<!doctype html><meta charset="utf-8"><title>mtom-stream reader</title><link rel="icon" href="data:,">
<script type="module">
  try { window.__reader = await import('/reader-bundle.js'); window.__ready = true; }
  catch (error) { window.__loadError = error?.name + ': ' + error?.message; }
</script>`;

const server = createServer((request, response) => {
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  const fixture = /^\/fixtures\/([a-z0-9-]+)\.body$/.exec(path);
  if (path === '/') response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(page);
  else if (path === '/reader-bundle.js') response.writeHead(200, { 'Content-Type': 'text/javascript' }).end(script);
  else if (fixture && names.includes(fixture[1])) {
    const { body, contentType } = load(fixture[1]);
    response.writeHead(200, { 'Content-Type': contentType }).end(body);
  } else response.writeHead(404).end();
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${server.address().port}`;

const { chromium } = await import('playwright-core');
let browser;
try {
  const scenarios = await import('./reader-page.mjs');
  const node = await scenarios.peerScenarios(names, async (name) => load(name), undefined);
  browser = await chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
  });
  const tab = await browser.newPage();
  const pageErrors = [];
  tab.on('pageerror', (error) => pageErrors.push(`page error: ${error.message}`));
  await tab.goto(`${origin}/`);
  await tab.waitForFunction(() => window.__ready || window.__loadError, null, { timeout: 20_000 });
  const loadError = await tab.evaluate(() => window.__loadError);
  record('the reader, bundled, loads in the page', loadError ? [loadError] : []);
  if (!loadError) {
    const inPage = await tab.evaluate(async (list) => {
      const r = window.__reader;
      const load = async (name) => {
        const response = await fetch(`/fixtures/${name}.body`);
        return {
          body: new Uint8Array(await response.arrayBuffer()),
          contentType: response.headers.get('content-type'),
        };
      };
      return {
        simd: await r.peerScenarios(list, load, true),
        scalar: await r.peerScenarios(list, load, false),
        roundTrip: { simd: await r.writerRoundTrip(true), scalar: await r.writerRoundTrip(false) },
        fetched: await r.fetchScenario('/fixtures/gsoap-s12-multi.body'),
      };
    }, names);
    for (const name of names) {
      const problems = [];
      const reference = node[name];
      if (reference.error) problems.push(`Node failed: ${reference.error}`);
      for (const [core, result] of [
        ['SIMD', inPage.simd[name]],
        ['scalar', inPage.scalar[name]],
      ]) {
        if (result.error) {
          problems.push(`browser ${core} failed: ${result.error}`);
          continue;
        }
        if (result.simdUsed !== (core === 'SIMD')) problems.push(`browser ${core} run used the other core`);
        if (result.xml !== reference.xml) problems.push(`browser ${core}: readMessage XML differs from Node's`);
        if (JSON.stringify(result.parts) !== JSON.stringify(reference.parts))
          problems.push(`browser ${core}: parts differ from Node's`);
        if (JSON.stringify(result.streamed) !== JSON.stringify(reference.streamed))
          problems.push(`browser ${core}: the streaming reader's nodes or parts differ from Node's`);
        if (JSON.stringify(result.streamed.parts) !== JSON.stringify(result.parts))
          problems.push(`browser ${core}: streamed parts differ from readMessage's`);
      }
      record(`${name}: browser SIMD, browser scalar and Node read the same document and parts`, problems);
    }
    for (const core of ['simd', 'scalar']) {
      const r = inPage.roundTrip[core];
      const problems = [];
      if (JSON.stringify(r.got) !== JSON.stringify(r.want))
        problems.push(`read ${JSON.stringify(r.got)}, wrote ${JSON.stringify(r.want)}`);
      if (r.simdUsed !== (core === 'simd')) problems.push('the other core was used');
      record(`a message the writer produced in the page reads back in the page (${core} core)`, problems);
    }
    record(
      'a fetch Response reads with its own Content-Type',
      inPage.fetched.xml === node['gsoap-s12-multi'].xml && inPage.fetched.parts === 5
        ? []
        : [JSON.stringify(inPage.fetched)],
    );
  }
  record('no errors in the page', pageErrors);
} catch (error) {
  record('the reader browser tests ran', [error?.stack ?? String(error)]);
} finally {
  await browser?.close().catch(() => {});
  server.close();
}
const failed = results.filter((p) => p.length > 0).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
