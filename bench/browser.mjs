import { createServer } from 'node:http';
import { build } from 'esbuild';
import { findEngines } from '../tests/browser/engines.mjs';
import { KiB, MiB, sizeLabel } from './lib/harness.mjs';
import { sendRepositoryFile } from './lib/repository-files.mjs';
import { fmt, header, QUICK, ROOT, ROUNDS, SECONDS, table, writeResults } from './lib/report.mjs';

header('browser: base64, MTOM and uploads in Chromium, Firefox and WebKit');

const PAGE = `<!doctype html><meta charset="utf-8"><title>mtom-stream bench</title>
<script src="/node_modules/base64-js/base64js.min.js"></script>
<script type="module">
  import('/bench/lib/browser-page.mjs').catch((e) => { window.benchError = String(e && e.stack || e); });
</script>`;

// fast-xml-parser's package entry imports other packages by bare name: the page gets one ESM
// bundle of its XMLBuilder, made from the same files Node's bench/messages.mjs imports.
const VENDOR = {
  '/vendor/fast-xml-parser.mjs': (
    await build({
      stdin: { contents: "export { XMLBuilder } from 'fast-xml-parser';", resolveDir: ROOT, loader: 'js' },
      bundle: true,
      format: 'esm',
      platform: 'browser',
      write: false,
    })
  ).outputFiles[0].text,
};

const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  if (req.method === 'POST' && url.pathname === '/upload') {
    let received = 0;
    req.on('data', (chunk) => (received += chunk.length));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ received }));
    });
    return undefined;
  }
  if (url.pathname === '/favicon.ico') {
    res.writeHead(204);
    return res.end();
  }
  if (Object.hasOwn(VENDOR, url.pathname)) {
    res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' });
    return res.end(VENDOR[url.pathname]);
  }
  if (url.pathname === '/' || url.pathname === '/index.html') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    return res.end(PAGE);
  }
  return sendRepositoryFile(res, url.pathname);
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${server.address().port}`;

const config = {
  seconds: SECONDS,
  rounds: ROUNDS,
  sizes: [4 * KiB, 256 * KiB, MiB, QUICK ? 16 * MiB : 64 * MiB],
  bytes: QUICK ? 32 * MiB : 256 * MiB,
  uploadBytes: QUICK ? 16 * MiB : 64 * MiB,
  uploadRounds: QUICK ? 3 : 9,
};

function report(r) {
  console.log(
    `Uint8Array#toBase64: ${r.base64.hasToBase64 ? 'available' : 'not available'}; writer picked the ${r.simdCoreChosen ? 'SIMD' : 'scalar'} core`,
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
  console.log(`writeBytes of ${sizeLabel(r.writeBytes.valueBytes)} values (text encoding):`);
  table(
    r.writeBytes.alternatives.map((a, i) => ({
      alternative: a.name,
      'MB/s': fmt.mbs(a.MBps * 1e6),
      'vs wasm alone': i === 0 ? fmt.x(r.writeBytes.ratios.writerVsWasm) : '',
      'vs toBase64':
        i === 0 && r.writeBytes.ratios.writerVsToBase64 !== undefined
          ? fmt.x(r.writeBytes.ratios.writerVsToBase64)
          : '',
    })),
  );
  const m = r.messages;
  console.log(`messages: MTOM ${fmt.int(m.messageBytes)} B, envelope alone ${fmt.int(m.xmlBytes)} B (msgs/s):`);
  table([
    ...m.mtom.map((x) => ({
      case: '2 KB envelope + 100 KiB attachment',
      builder: x.name,
      'msgs/s': fmt.int(x.msgsPerSec),
      'vs template': fmt.x(x.vsTemplate),
      'vs buffered': fmt.x(x.vsBuffered),
    })),
    ...m.xml.map((x) => ({
      case: '2 KB envelope alone',
      builder: x.name,
      'msgs/s': fmt.int(x.msgsPerSec),
      'vs template': fmt.x(x.vsTemplate),
      'vs buffered': '',
    })),
  ]);
  const u = r.upload;
  console.log(`a ${sizeLabel(u.bytes)} File uploaded to 127.0.0.1 over HTTP/1.1 (median of ${u.rounds} rounds):`);
  const ms = u.medianMs;
  table([
    {
      upload: 'postMessage (MTOM, Blob + XMLHttpRequest)',
      ms: ms.library.toFixed(0),
      'MB/s': fmt.mbs(u.libraryMBps * 1e6),
      'vs plain XHR': fmt.x(u.vsPlain),
    },
    {
      upload: '  of which: writing the message Blob (nothing sent)',
      ms: ms.buildOnly.toFixed(0),
      'MB/s': '',
      'vs plain XHR': '',
    },
    {
      upload: "plain XHR of postMessage's own message Blob",
      ms: ms.messageBlob.toFixed(0),
      'MB/s': fmt.mbs((u.bytes / ms.messageBlob) * 1e3),
      'vs plain XHR': fmt.x(u.ratios.messageBlobVsPlain),
    },
    {
      upload: '  the same, with its headers, answer as Blob → Response',
      ms: ms.messageBlobAsLibrary.toFixed(0),
      'MB/s': fmt.mbs((u.bytes / ms.messageBlobAsLibrary) * 1e3),
      'vs plain XHR': fmt.x(u.ratios.messageBlobAsLibraryVsPlain),
    },
    {
      upload: 'plain XHR of new Blob([file])',
      ms: ms.wrappedFile.toFixed(0),
      'MB/s': fmt.mbs((u.bytes / ms.wrappedFile) * 1e3),
      'vs plain XHR': fmt.x(u.ratios.wrappedFileVsPlain),
    },
    {
      upload: 'the File alone, plain XMLHttpRequest',
      ms: ms.plain.toFixed(0),
      'MB/s': fmt.mbs(u.plainMBps * 1e6),
      'vs plain XHR': fmt.x(1),
    },
  ]);
  console.log(`goals (ratios measured in this page, same rounds), ${r.version}:`);
  table(r.targets.map(goalRow));
}

/** A goal as a table row, with its verdict. */
function goalRow(t) {
  const measured = t.value !== undefined && t.value !== null;
  return {
    measure: t.measure,
    value: measured ? fmt.x(t.value) : `not measured${t.note ? `: ${t.note}` : ''}`,
    target: `≥ ${t.target}×`,
    verdict: measured ? (t.value >= t.target ? 'pass' : 'FAIL') : '',
  };
}

/** Polls an expression in the page until it is truthy. */
async function waitFor(browser, source, ms) {
  const until = Date.now() + ms;
  while (!(await browser.evaluate(source))) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${source}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const results = {};
const skipped = {};
try {
  for (const engine of await findEngines()) {
    if (!engine.available) {
      console.log(`SKIPPED ${engine.name}: ${engine.reason}`);
      skipped[engine.name] = engine.reason;
      continue;
    }
    const browser = await engine.launch();
    try {
      console.log(`\n### ${browser.version}\n`);
      await browser.open(`${origin}/`);
      await waitFor(browser, 'window.benchReady === true || window.benchError !== undefined', 30_000);
      const error = await browser.evaluate('window.benchError || null');
      if (error) throw new Error(`the page failed to load: ${error}`);
      const r = { version: browser.version, ...(await browser.evaluate(`window.runBench(${JSON.stringify(config)})`)) };
      report(r);
      results[engine.name] = r;
    } finally {
      await browser.close();
    }
  }
  const ran = Object.entries(results);
  if (ran.length > 0) {
    console.log('\n### goals per engine (ratios measured in the page, same rounds)\n');
    const cell = (t) => {
      const row = goalRow(t);
      return row.verdict ? `${row.value} ${row.verdict}` : row.value;
    };
    table(
      ran[0][1].targets.map((t, i) => ({
        measure: t.measure,
        target: `≥ ${t.target}×`,
        ...Object.fromEntries(ran.map(([name, r]) => [name, cell(r.targets[i])])),
      })),
    );
  }
  writeResults('browser', {
    note: 'ratios are medians of per-round ratios, measured in the page; targets are those of the Node benchmarks',
    config,
    // For bench/run.mjs's summary: every engine's goals, the engine named in each measure.
    targets: ran.flatMap(([name, r]) => r.targets.map((t) => ({ ...t, measure: `${name}: ${t.measure}` }))),
    engines: results,
    skipped,
  });
} finally {
  server.closeAllConnections();
  server.close();
}
