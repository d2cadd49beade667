// The envelope and the MTOM message in each browser engine with no automation attached: the
// browser is started on a page (lib/unattended-page.mjs) that measures and posts its results
// back, so no WebDriver, CDP or BiDi session is open while it runs. browser.mjs drives the
// engines (Firefox over WebDriver BiDi), which changes what some of them cost; this is the same
// work as a user's page does it.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sendRepositoryFile } from './lib/repository-files.mjs';
import { fmt, header, ROUNDS, SECONDS, table, writeResults } from './lib/report.mjs';

header('browser-unattended: the envelope and the MTOM message in browsers no automation drives (msgs/s)');

const MINIBROWSER = '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
const PAGE_TIMEOUT_MS = 10 * 60_000;
const PAGE = `<!doctype html><meta charset="utf-8"><title>mtom-stream unattended bench</title>
<script type="module" src="/bench/lib/unattended-page.mjs"></script>`;

function which(name) {
  try {
    return execFileSync('which', [name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** How each engine is started on a URL with a fresh profile; undefined with the reason when it cannot be. */
function engines() {
  const chromium = which('chromium');
  const firefox = which('firefox-esr') ?? which('firefox');
  const xvfb = process.env.DISPLAY ? [] : which('xvfb-run') ? ['xvfb-run', '-a'] : undefined;
  return [
    {
      name: 'chromium',
      reason: chromium ? undefined : 'no chromium executable',
      command: (url, profile) => [
        chromium,
        [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          `--user-data-dir=${profile}`,
          url,
        ],
      ],
    },
    {
      name: 'firefox',
      reason: firefox ? undefined : 'no firefox-esr executable',
      command: (url, profile) => [firefox, ['--headless', '--no-remote', '--profile', profile, url]],
    },
    {
      name: 'webkit',
      reason: !existsSync(MINIBROWSER)
        ? `no MiniBrowser at ${MINIBROWSER}`
        : xvfb
          ? undefined
          : 'no display and no xvfb-run',
      command: (url) => (xvfb.length ? [xvfb[0], [...xvfb.slice(1), MINIBROWSER, url]] : [MINIBROWSER, [url]]),
    },
  ];
}

let deliver;
const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  if (req.method === 'POST' && url.pathname === '/results') {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      res.end('ok');
      deliver?.(JSON.parse(body));
    });
    return undefined;
  }
  if (url.pathname === '/settings') {
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end(JSON.stringify({ seconds: SECONDS, rounds: ROUNDS }));
  }
  if (url.pathname === '/') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    return res.end(PAGE);
  }
  return sendRepositoryFile(res, url.pathname);
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const pageUrl = `http://127.0.0.1:${server.address().port}/`;

const results = {};
const skipped = {};
for (const engine of engines()) {
  if (engine.reason) {
    console.log(`SKIPPED ${engine.name}: ${engine.reason}`);
    skipped[engine.name] = engine.reason;
    continue;
  }
  const profile = mkdtempSync(path.join(tmpdir(), `mtom-bench-${engine.name}-`));
  const [command, args] = engine.command(pageUrl, profile);
  const answer = new Promise((resolve, reject) => {
    deliver = resolve;
    setTimeout(
      () => reject(new Error(`${engine.name}: no results within ${PAGE_TIMEOUT_MS / 1000} s`)),
      PAGE_TIMEOUT_MS,
    ).unref();
  });
  const child = spawn(command, args, { stdio: 'ignore', detached: true });
  try {
    const r = await answer;
    if (!r.ok) throw new Error(`${engine.name}: ${r.error}`);
    results[engine.name] = r;
    console.log(`\n### ${engine.name}: ${r.userAgent}\n`);
    table(r.envelope.map((x) => ({ 'the ~2 KB envelope alone': x.name, 'msgs/s': fmt.int(x.msgsPerSec) })));
    table(r.mtom.map((x) => ({ 'envelope + 100 KiB attachment': x.name, 'msgs/s': fmt.int(x.msgsPerSec) })));
    table(Object.entries(r.ratios).map(([measure, value]) => ({ measure, ratio: fmt.x(value) })));
  } finally {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {}
    rmSync(profile, { recursive: true, force: true });
  }
}
server.close();
/** The goals of bench/messages.mjs that this page measures, per engine. */
const GOALS = [
  ['bufferedVsTemplate', 'MTOM message buffered, pushBytes, vs template + TextEncoder + one Uint8Array', 1],
  ['streamedVsBuffered', 'MTOM message streamed to an output callback vs buffered', 1.5],
  ['envelopeVsTemplate', 'envelope alone vs template + TextEncoder', 0.5],
  ['createdVsReused', 'envelope alone, writer created per message vs one reused', 0.9],
];
const targets = Object.entries(results).flatMap(([engine, r]) =>
  GOALS.map(([key, measure, target]) => ({ measure: `${engine}: ${measure}`, value: r.ratios[key], target })),
);
writeResults('browser-unattended', {
  note: 'msgs/s; ratios are medians of per-round ratios',
  targets,
  results,
  skipped,
});
