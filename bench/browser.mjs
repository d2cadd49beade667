// The base64 and MTOM benchmarks in headless Chromium: dist/ loaded as plain ESM from a tiny
// static server on 127.0.0.1, compared with what a page can use without the library
// (btoa over String.fromCharCode chunks, base64-js, Uint8Array#toBase64 where the browser has it;
// template strings for messages). Skips with a message if Chromium is missing.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';
import { KiB, MiB, sizeLabel } from './lib/harness.mjs';
import { fmt, header, QUICK, ROOT, ROUNDS, SECONDS, table, writeResults } from './lib/report.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

header('browser: base64 and MTOM in headless Chromium');
if (!existsSync(CHROMIUM)) {
  console.log(`SKIPPED: no Chromium at ${CHROMIUM} (set CHROMIUM_PATH, or install the chromium package).`);
  writeResults('browser', { skipped: `no Chromium at ${CHROMIUM}` });
  process.exit(0);
}
let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch {
  console.log('SKIPPED: playwright-core is not installed.');
  writeResults('browser', { skipped: 'playwright-core is not installed' });
  process.exit(0);
}

const TYPES = {
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.html': 'text/html',
  '.json': 'application/json',
  '.map': 'application/json',
};
const PAGE = `<!doctype html><meta charset="utf-8"><title>mtom-stream bench</title>
<script type="importmap">{"imports":{"@assemblyscript/loader":"/node_modules/@assemblyscript/loader/index.js"}}</script>
<script src="/node_modules/base64-js/base64js.min.js"></script>
<script type="module">
  import('/bench/lib/browser-page.mjs').catch((e) => { window.benchError = String(e && e.stack || e); });
</script>`;

const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  if (url.pathname === '/favicon.ico') {
    res.writeHead(204);
    return res.end();
  }
  if (url.pathname === '/' || url.pathname === '/index.html') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    return res.end(PAGE);
  }
  const file = path.join(ROOT, decodeURIComponent(url.pathname));
  if (!file.startsWith(ROOT) || !existsSync(file) || !statSync(file).isFile()) {
    res.writeHead(404);
    return res.end('not found');
  }
  res.writeHead(200, {
    'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
    'cache-control': 'no-store',
  });
  res.end(readFileSync(file));
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${server.address().port}`;

let browser;
try {
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  const page = await browser.newPage();
  page.on('console', (m) => console.log(`  [page] ${m.text()}`));
  page.on('pageerror', (e) => console.log(`  [page error] ${e.message}`));
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => window.benchReady === true || window.benchError !== undefined, null, {
    timeout: 30000,
  });
  const error = await page.evaluate(() => window.benchError);
  if (error) throw new Error(`the page failed to load: ${error}`);
  const config = {
    seconds: SECONDS,
    rounds: ROUNDS,
    sizes: [4 * KiB, 256 * KiB, MiB, QUICK ? 16 * MiB : 64 * MiB],
    bytes: QUICK ? 32 * MiB : 64 * MiB,
  };
  const version = browser.version();
  console.log(`Chromium ${version}\n`);
  const r = await page.evaluate((c) => window.runBench(c), config);

  console.log(
    `Uint8Array#toBase64: ${r.base64.hasToBase64 ? 'available' : 'not available'}; ` +
      `writer picked the ${r.simdCoreChosen ? 'SIMD' : 'scalar'} core`,
  );
  table(
    r.base64.sizes.flatMap((s) =>
      s.alternatives.map((a) => ({
        size: sizeLabel(s.size),
        alternative: a.name,
        'MB/s': fmt.mbs(a.MBps * 1e6),
        'vs btoa': fmt.x(a.vsBtoa),
        'vs base64-js': fmt.x(a.vsBase64js),
        'vs toBase64': a.vsToBase64 === undefined ? '' : fmt.x(a.vsToBase64),
      })),
    ),
  );
  console.log('boundary cost in the page:');
  table(r.base64.boundaryCost.map((b) => ({ call: b.name, 'ns/call': fmt.ns(b.nsPerCall) })));
  console.log(`a ${sizeLabel(r.attachment.bytes)} attachment through pushBytes reserve/commit:`);
  table(
    r.attachment.results.flatMap((p) =>
      p.alternatives.map((a) => ({
        producer: p.producer === 'fill' ? 'view.fill(i & 255)' : 'copy from a 1 MiB pattern',
        alternative: a.name,
        'MB/s': fmt.mbs(a.MBps * 1e6),
        'vs plain': fmt.x(a.vsPlain),
      })),
    ),
  );
  console.log('messages (buffered):');
  table([
    ...r.messages.mtom.map((m) => ({
      case: '2 KB envelope + 100 KiB attachment',
      builder: m.name,
      'msgs/s': fmt.int(m.msgsPerSec),
      'vs template': fmt.x(m.vsTemplate),
    })),
    ...r.messages.xml.map((m) => ({
      case: '2 KB envelope alone',
      builder: m.name,
      'msgs/s': fmt.int(m.msgsPerSec),
      'vs template': fmt.x(m.vsTemplate),
    })),
  ]);
  writeResults('browser', { chromium: version, ...r });
} finally {
  await browser?.close();
  server.close();
}
