// Browser tests: the built package (dist/) loaded as plain ESM, with no import map and no bundler,
// in every engine found here: Chromium, Firefox and WebKit (tests/browser/engines.mjs). In each:
//
//   - the scenarios (scenarios.mjs) with the SIMD and the scalar core give the same bytes as Node;
//   - the checks only a page can make (SIMD selection, abort, Blob sources, stream readers);
//   - uploads (uploads.mjs) to this script's HTTP/1.1 server on 127.0.0.1: the default Blob
//     upload arrives byte for byte as Node writes it, with progress that moves while the bytes
//     are in flight; an abort breaks it off; `upload: 'stream'` fails with a RequestStreamError
//     and the server never receives the text "[object ReadableStream]";
//   - the README's browser example, as written, in a page from the same plain static server.
//
//   node tests/browser/run.mjs      (after npm run build)
//   MTOM_BROWSERS=firefox,webkit    only these engines
//   MTOM_REQUIRE_BROWSERS=all       a missing engine is a failure (CI), not a skip
//
// Prints one `ok` / `not ok` line per test, `skipped` lines for engines that cannot run here
// (with the reason), and a closing `N passed, N failed, N engines skipped` line; exits 1 on any
// failure.
import { parseMultipart } from '@mjackson/multipart-parser';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createSecureServer } from 'node:http2';
import { tmpdir } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findEngines } from './engines.mjs';
import { exampleBytes, examplePage } from './readme-example.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ENGINE_DEADLINE_MS = 240_000;

if (!existsSync(join(ROOT, 'dist', 'index.js'))) {
  console.error('browser tests: dist/index.js is missing; run `npm run build` first');
  process.exit(1);
}

const results = [];
const skippedTests = [];
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

// The server: static files (dist/, tests/browser/, and the README example's page with the package
// where the example imports it from) and a recorder for uploads. HTTP/1.1, 127.0.0.1 only.
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.map': 'application/json',
  '.json': 'application/json',
  '.md': 'text/plain',
};
const STATIC = [
  ['/dist/', 'dist/'],
  ['/tests/browser/', 'tests/browser/'],
  ['/example/node_modules/mtom-stream/dist/', 'dist/'],
];
const uploads = new Map();
const uploadWaiters = new Map();
const readme = await examplePage(ROOT);

/** Records an upload: headers, length, digest, when its first and last bytes arrived, whether it completed. */
function receive(request, response, id, slow) {
  const hash = createHash('sha256');
  const chunks = [];
  const upload = {
    httpVersion: request.httpVersion,
    headers: request.headers,
    length: 0,
    firstByteAt: undefined,
    lastByteAt: undefined,
    complete: false,
    stringifiedStream: false,
  };
  let sincePause = 0;
  request.on('data', (chunk) => {
    upload.firstByteAt ??= Date.now();
    upload.lastByteAt = Date.now();
    upload.length += chunk.length;
    hash.update(chunk);
    if (id === 'readme' || upload.length < 64) chunks.push(chunk);
    // Read slowly, so that an upload takes a while and its progress can be seen moving.
    sincePause += chunk.length;
    if (slow && sincePause >= 256 * 1024) {
      sincePause = 0;
      request.pause();
      setTimeout(() => request.resume(), 15);
    }
  });
  const done = () => {
    if (uploads.has(id)) return;
    const body = Buffer.concat(chunks);
    upload.stringifiedStream = body.toString('latin1').startsWith('[object');
    upload.body = id === 'readme' ? body : undefined;
    upload.sha256 = hash.digest('hex');
    uploads.set(id, upload);
    uploadWaiters.get(id)?.(upload);
  };
  request.on('end', () => {
    upload.complete = true;
    done();
    response.writeHead(200, { 'Content-Type': 'application/json' });
    response.end(JSON.stringify({ received: upload.length }));
  });
  request.on('close', done);
}

/** The upload recorded under `id`, once it has ended or broken off (undefined after `ms`). */
function uploadRecord(id, ms = 10_000) {
  if (uploads.has(id)) return Promise.resolve(uploads.get(id));
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), ms);
    uploadWaiters.set(id, (upload) => {
      clearTimeout(timer);
      resolve(upload);
    });
  });
}

const server = createServer(async (request, response) => {
  const url = new URL(request.url ?? '/', 'http://localhost');
  if (request.method === 'POST') {
    const readmeUpload = url.pathname === '/DocumentService.svc';
    const id = readmeUpload ? 'readme' : url.searchParams.get('id');
    return receive(request, response, id ?? 'unnamed', readmeUpload || url.searchParams.has('slow'));
  }
  if (url.pathname === '/example/' || url.pathname === '/example/index.html') {
    response.writeHead(200, { 'Content-Type': TYPES['.html'], 'Cache-Control': 'no-store' });
    return response.end(readme.html);
  }
  const path = normalize(decodeURIComponent(url.pathname));
  const served = STATIC.find(([prefix]) => path.startsWith(prefix));
  try {
    if (!served || path.split(sep).includes('..')) throw new Error('not served');
    const body = await readFile(join(ROOT, served[1], path.slice(served[0].length)));
    response.writeHead(200, {
      'Content-Type': TYPES[extname(path)] ?? 'application/octet-stream',
      'Cache-Control': 'no-store',
    });
    response.end(body);
  } catch {
    response.writeHead(404, { 'Content-Type': 'text/plain' });
    response.end('not found');
  }
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${server.address().port}`;

// An HTTP/2 server (TLS, with a certificate made now by openssl) where Chromium can stream a body.
const http2 = await startHttp2Server();

async function startHttp2Server() {
  const dir = await mkdtemp(join(tmpdir(), 'mtom-h2-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    const key = await readFile(join(dir, 'key.pem'));
    const cert = await readFile(join(dir, 'cert.pem'));
    const h2 = createSecureServer({ key, cert }, (request, response) => {
      // CORS (Fetch §3.2): the page is on the HTTP/1.1 origin.
      response.setHeader('Access-Control-Allow-Origin', '*');
      if (request.method === 'OPTIONS') {
        response.writeHead(204, {
          'Access-Control-Allow-Methods': 'POST',
          'Access-Control-Allow-Headers': 'content-type, mime-version',
        });
        return response.end();
      }
      const id = new URL(request.url, 'https://localhost').searchParams.get('id') ?? 'unnamed';
      receive(request, response, id, false);
    });
    await new Promise((resolve) => h2.listen(0, '127.0.0.1', resolve));
    return { server: h2, origin: `https://127.0.0.1:${h2.address().port}` };
  } catch (error) {
    return { error: `no HTTP/2 test server: ${error.message} (openssl is needed to make its certificate)` };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Polls an expression in the page until it is truthy. */
async function waitFor(browser, source, ms) {
  const until = Date.now() + ms;
  for (;;) {
    if (await browser.evaluate(source)) return;
    if (Date.now() > until) throw new Error(`timed out waiting for ${source}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Node's messages: the reference every engine's must equal. */
async function nodeReference() {
  const { runScenarios } = await import('./scenarios.mjs');
  const { createXmlWriter } = await import('../../dist/index.js');
  const { buildUpload, uploadAttachments, UPLOAD_ENCODING } = await import('./uploads.mjs');
  const writer = await createXmlWriter({ encoding: UPLOAD_ENCODING });
  await buildUpload(writer, uploadAttachments());
  const upload = await writer.end();
  return {
    detected: await runScenarios(undefined),
    scalar: await runScenarios(false),
    upload: { length: upload.length, sha256: createHash('sha256').update(upload).digest('hex') },
  };
}

function compareScenarios(tag, node, page) {
  for (const name of Object.keys(node.detected)) {
    const runs = {
      'browser SIMD': page.simd[name],
      'browser scalar': page.scalar[name],
      Node: node.detected[name],
      'Node scalar': node.scalar[name],
    };
    const problems = [];
    const unsupported = runs['browser SIMD']?.unsupported ?? runs['browser scalar']?.unsupported;
    if (unsupported) {
      // Not a pass: what the engine lacks is reported, and its fallback is checked in the environment checks.
      skippedTests.push(`${tag} ${name}`);
      console.log(`skipped - ${tag} ${name}: ${unsupported}`);
      continue;
    }
    for (const [where, result] of Object.entries(runs)) {
      if (!result) problems.push(`${where}: no result`);
      else if (result.error) problems.push(`${where} failed: ${result.error}`);
    }
    if (problems.length === 0) {
      if (runs['browser SIMD'].simdUsed !== true)
        problems.push('browser SIMD run did not use the SIMD core (writer.simd false)');
      if (runs['browser scalar'].simdUsed !== false)
        problems.push('browser scalar run did not use the scalar core (writer.simd true)');
      if (runs['Node scalar'].simdUsed !== false) problems.push('Node scalar run did not use the scalar core');
      const reference = runs.Node;
      for (const [where, result] of Object.entries(runs)) {
        if (result.length !== reference.length || result.sha256 !== reference.sha256) {
          problems.push(
            `${where} differs from Node: ${result.length} bytes sha256 ${result.sha256} vs ${reference.length} bytes sha256 ${reference.sha256}` +
              (result.head !== reference.head
                ? `\nfirst bytes (${where}):\n${JSON.stringify(result.head)}\nfirst bytes (Node):\n${JSON.stringify(reference.head)}`
                : ''),
          );
        }
        if (!result.endsComplete) problems.push(`${where}: the message does not end with the close delimiter`);
        if (
          result.expectedLength !== undefined &&
          result.expectedLength !== null &&
          result.expectedLength !== result.length
        ) {
          problems.push(
            `${where}: expectedLength() said ${result.expectedLength}, the message has ${result.length} bytes`,
          );
        }
      }
    }
    record(`${tag} ${name}: browser SIMD, browser scalar and Node give the same bytes`, problems);
  }
}

async function checkUploads(tag, engine, node, page) {
  // The default upload: a Blob with XMLHttpRequest.
  {
    const { blob } = page;
    const upload = await uploadRecord(`${engine}:blob`);
    const problems = [];
    if (!blob || blob.failed)
      problems.push(`the upload failed in the page: ${JSON.stringify(blob?.failed)}\n${blob?.stack ?? ''}`);
    else if (!upload) problems.push('the server received no upload');
    else {
      const total = node.upload.length;
      if (blob.status !== 200) problems.push(`status ${blob.status}`);
      if (!upload.complete) problems.push('the upload did not complete');
      if (upload.headers['content-length'] !== String(total))
        problems.push(`Content-Length ${upload.headers['content-length']}, expected ${total}`);
      if (upload.headers['transfer-encoding'])
        problems.push(`Transfer-Encoding ${upload.headers['transfer-encoding']}`);
      if (upload.length !== total || upload.sha256 !== node.upload.sha256) {
        problems.push(
          `received ${upload.length} bytes sha256 ${upload.sha256}; Node wrote ${total} bytes sha256 ${node.upload.sha256}`,
        );
      }
      if (blob.answer?.received !== total) problems.push(`the response said ${JSON.stringify(blob.answer)}`);
      const events = blob.events;
      if (events.length === 0) problems.push('no progress events');
      else {
        if (events.some((e, i) => e.totalBytes !== total || (i > 0 && e.bytesSent < events[i - 1].bytesSent))) {
          problems.push(
            `progress not monotonic or totalBytes wrong: ${JSON.stringify(events.map((e) => [e.bytesSent, e.totalBytes]))}`,
          );
        }
        if (events.at(-1).bytesSent !== total)
          problems.push(`the last progress event says ${events.at(-1).bytesSent} of ${total}`);
        // Real progress: some event reports part of the body while the server is still receiving it.
        const inFlight = events.filter(
          (e) => e.bytesSent > 0 && e.bytesSent < total && e.at >= upload.firstByteAt - 5 && e.at <= upload.lastByteAt,
        );
        if (inFlight.length === 0) {
          problems.push(
            `no progress event while the body was in flight (server received bytes from ${upload.firstByteAt} to ${upload.lastByteAt}): ` +
              JSON.stringify(events.map((e) => [e.bytesSent, e.at])),
          );
        }
      }
    }
    record(
      `${tag} the default upload (a Blob with XMLHttpRequest) to an HTTP/1.1 server: Node's bytes, exact Content-Length, progress while in flight`,
      problems,
    );
  }
  // Abort in the middle.
  {
    const { abort } = page;
    const upload = await uploadRecord(`${engine}:abort`);
    const problems = [];
    if (abort.failed) problems.push(`the page failed: ${JSON.stringify(abort.failed)}`);
    else {
      if (abort.sentAtAbort === undefined)
        problems.push('no progress event came before the end, so the abort was never made');
      if (abort.resolved) problems.push('postMessage resolved after the abort');
      else if (abort.error?.code !== 'WS_E_OPERATION_ABORTED')
        problems.push(`rejected with ${JSON.stringify(abort.error)}, expected WS_E_OPERATION_ABORTED`);
      if (abort.cause !== 'the user cancelled')
        problems.push(`the error's cause is ${JSON.stringify(abort.cause)}, expected the abort reason`);
      if (upload?.complete)
        problems.push(`the server received the whole body (${upload.length} bytes) after the abort`);
    }
    record(
      `${tag} aborting the upload in the middle rejects with WS_E_OPERATION_ABORTED and the body never completes`,
      problems,
    );
  }
  // upload: 'stream' to HTTP/1.1.
  {
    const { stream } = page;
    const upload = await uploadRecord(`${engine}:stream`, 1000);
    const problems = [];
    if (stream.failed) problems.push(`the page failed: ${JSON.stringify(stream.failed)}`);
    else if (stream.resolved)
      problems.push(
        `resolved with status ${stream.status}; an HTTP/1.1 server in this engine should refuse a stream body`,
      );
    else {
      const expected = stream.supportsRequestStreams ? 'ERR_REQUEST_STREAM_FAILED' : 'ERR_REQUEST_STREAM_UNSUPPORTED';
      if (!stream.isRequestStreamError || !stream.isTypeError || stream.error.name !== 'RequestStreamError') {
        problems.push(`rejected with ${JSON.stringify(stream.error)}, not a RequestStreamError (a TypeError)`);
      } else if (stream.error.code !== expected) problems.push(`code ${stream.error.code}, expected ${expected}`);
      if (!/upload: 'blob'/.test(stream.error.message))
        problems.push(`the message does not say what to do: ${stream.error.message}`);
    }
    if (upload?.stringifiedStream) problems.push('the server received the text "[object ReadableStream]" as the body');
    record(
      `${tag} upload: 'stream' to an HTTP/1.1 server fails with a RequestStreamError that says what to do (supportsRequestStreams() ${page.stream?.supportsRequestStreams})`,
      problems,
    );
  }
  // upload: 'stream' where it works: Chromium over HTTP/2.
  if (http2.error && !process.env.MTOM_REQUIRE_BROWSERS) {
    skippedTests.push(`${tag} stream upload over HTTP/2`);
    console.log(`skipped - ${tag} upload: 'stream' over HTTP/2: ${http2.error}`);
  } else if (!page.stream?.supportsRequestStreams) {
    skippedTests.push(`${tag} stream upload over HTTP/2`);
    console.log(
      `skipped - ${tag} upload: 'stream' over HTTP/2: this engine's fetch cannot send a stream body (checked above)`,
    );
  } else {
    const { h2 } = page;
    const upload = await uploadRecord(`${engine}:h2`);
    const problems = [];
    if (http2.error) problems.push(http2.error);
    else if (!h2 || h2.failed) problems.push(`the upload failed: ${JSON.stringify(h2?.failed)} ${h2?.cause ?? ''}`);
    else if (!upload) problems.push('the server received nothing');
    else {
      const total = node.upload.length;
      if (h2.status !== 200) problems.push(`status ${h2.status}`);
      if (upload.httpVersion !== '2.0') problems.push(`HTTP/${upload.httpVersion}`);
      if (!upload.complete || upload.length !== total || upload.sha256 !== node.upload.sha256) {
        problems.push(
          `received ${upload.length} bytes sha256 ${upload.sha256} (complete ${upload.complete}); Node wrote ${total} bytes sha256 ${node.upload.sha256}`,
        );
      }
      const last = h2.events.at(-1);
      if (!last || last.bytesSent !== total || last.totalBytes !== total)
        problems.push(`last progress event ${JSON.stringify(last)}, expected ${total} of ${total}`);
      if (h2.events.length < 2) problems.push(`${h2.events.length} progress events`);
    }
    record(
      `${tag} upload: 'stream' to an HTTP/2 server streams the message as it is written: Node's bytes, progress to the total`,
      problems,
    );
  }
  // Why a stream is never handed to a fetch that cannot stream: what the engine does with one.
  if (page.raw) {
    const upload = await uploadRecord(`${engine}:raw`, 2000);
    const problems = [];
    const sentAsText = page.raw.resolved && upload?.stringifiedStream;
    if (!sentAsText && page.raw.resolved) {
      problems.push(
        `the engine's fetch sent a stream body (${upload?.length} bytes) though supportsRequestStreams() is false`,
      );
    }
    const what = sentAsText ? 'sends the text "[object ReadableStream]"' : `rejects (${page.raw.error?.message})`;
    record(
      `${tag} handed a stream body, this engine's own fetch ${what}: postMessage refuses to hand it one`,
      problems,
    );
  }
  const stray = [...uploads.entries()].filter(
    ([id, u]) => id.startsWith(`${engine}:`) && id !== `${engine}:raw` && u.stringifiedStream,
  );
  record(
    `${tag} no request body was ever the text "[object ReadableStream]"`,
    stray.map(([id]) => `upload ${id}`),
  );
}

async function checkReadmeExample(tag, browser) {
  const problems = [];
  if (readme.error) return record(`${tag} the README's browser example runs as written`, [readme.error]);
  uploads.delete('readme');
  const received = uploadRecord('readme', 60_000);
  await browser.open(`${origin}/example/`);
  await waitFor(browser, "document.readyState === 'complete' && !!document.querySelector('#file')", 20_000);
  // Choose a file as a user would (DataTransfer → input.files), and let the example's listener run.
  const outcome = await browser.evaluate(readme.driver);
  const upload = await received;
  if (outcome.errors.length > 0) problems.push(`errors in the page: ${outcome.errors.join('\n')}`);
  if (!outcome.log.includes('200'))
    problems.push(`the example logged ${JSON.stringify(outcome.log)}, expected the status 200`);
  if (outcome.progress !== 1) problems.push(`the progress element ends at ${outcome.progress}, expected 1`);
  if (!outcome.progressSeen.some((v) => v > 0 && v < 1))
    problems.push(`the progress element never showed a value between 0 and 1: ${JSON.stringify(outcome.progressSeen)}`);
  if (!upload) problems.push('the server received nothing at /DocumentService.svc');
  else {
    if (!upload.complete) problems.push('the upload did not complete');
    if (upload.headers['content-length'] !== String(upload.length))
      problems.push(`Content-Length ${upload.headers['content-length']} for ${upload.length} bytes`);
    const boundary = /boundary="([^"]+)"/.exec(upload.headers['content-type'] ?? '')?.[1];
    if (!boundary) problems.push(`Content-Type ${upload.headers['content-type']}`);
    else {
      // Parsed with a MIME parser nobody here wrote.
      const [root, ...parts] = [...parseMultipart(new Uint8Array(upload.body), { boundary, maxFileSize: 1 << 30 })];
      const xml = new TextDecoder().decode(root.bytes);
      if (!xml.includes(`<FileName>${readme.fileName}</FileName>`))
        problems.push(`the document lacks the file name: ${xml.slice(0, 400)}`);
      const expected = exampleBytes();
      if (parts.length !== 1 || !Buffer.from(parts[0].bytes).equals(Buffer.from(expected))) {
        problems.push(`expected one part of ${expected.length} bytes, got ${parts.map((p) => p.bytes.length)}`);
      } else if (parts[0].headers.get('Content-Type') !== readme.fileType)
        problems.push(`part Content-Type ${parts[0].headers.get('Content-Type')}`);
    }
  }
  record(
    `${tag} the README's browser example runs as written from a plain static HTTP/1.1 server (no import map)`,
    problems,
  );
}

async function runEngine(engine, node) {
  const tag = `[${engine.name}]`;
  let browser;
  try {
    browser = await engine.launch();
    console.log(`# ${engine.name}: ${browser.version}`);
    await browser.open(`${origin}/tests/browser/index.html`);
    await waitFor(browser, 'Boolean(window.__ready || window.__loadError)', 30_000);
    const loadError = await browser.evaluate('window.__loadError || null');
    record(`${tag} the package loads in the page as plain ESM with no import map`, loadError ? [loadError] : []);
    if (loadError) return;
    const checks = await browser.evaluate('window.__scenarios.environmentChecks()');
    for (const [name, check] of Object.entries(checks)) record(`${tag} ${name}`, check.ok ? [] : [check.error]);
    const page = {
      simd: await browser.evaluate('window.__scenarios.runScenarios(true)'),
      scalar: await browser.evaluate('window.__scenarios.runScenarios(false)'),
    };
    compareScenarios(tag, node, page);
    for (const id of ['blob', 'abort', 'stream']) uploads.delete(`${engine.name}:${id}`);
    const uploadResults = await browser.evaluate(`window.__uploads.runUploads(${JSON.stringify(engine.name)})`);
    if (uploadResults.stream && !uploadResults.stream.supportsRequestStreams) {
      uploadResults.raw = await browser.evaluate(`window.__uploads.rawStreamFetch(${JSON.stringify(engine.name)})`);
    }
    if (uploadResults.stream?.supportsRequestStreams && http2.origin) {
      const source = `window.__uploads.streamUploadHttp2(${JSON.stringify(engine.name)}, ${JSON.stringify(http2.origin)})`;
      uploadResults.h2 = await browser.evaluate(source);
    }
    await checkUploads(tag, engine.name, node, uploadResults);
    const errors = [...(await browser.evaluate('window.__errors')), ...browser.errors];
    record(`${tag} no errors in the page`, errors);
    await checkReadmeExample(tag, browser);
  } catch (error) {
    record(`${tag} the browser tests ran`, [error?.stack ?? String(error), ...(browser?.errors ?? [])]);
  } finally {
    await browser?.close().catch(() => {});
  }
}

const engines = await findEngines();
const required = (process.env.MTOM_REQUIRE_BROWSERS ?? '').toLowerCase();
const skipped = [];
try {
  const node = await nodeReference();
  for (const engine of engines) {
    if (!engine.available) {
      const mustRun = required === 'all' || required.split(',').includes(engine.name);
      if (mustRun) record(`[${engine.name}] the engine is available (MTOM_REQUIRE_BROWSERS)`, [engine.reason]);
      else {
        skipped.push(engine);
        console.log(`skipped - ${engine.name}: ${engine.reason}`);
      }
      continue;
    }
    let timer;
    const deadline = new Promise((resolve) => {
      timer = setTimeout(() => {
        record(`[${engine.name}] the browser tests finish within ${ENGINE_DEADLINE_MS / 1000} s`, ['timed out']);
        resolve();
      }, ENGINE_DEADLINE_MS);
    });
    await Promise.race([runEngine(engine, node), deadline]);
    clearTimeout(timer);
  }
  record('no uncaught exceptions in Node', uncaught);
} catch (error) {
  record('the browser tests ran', [error?.stack ?? String(error)]);
} finally {
  server.closeAllConnections();
  server.close();
  http2.server?.close();
}

const failed = results.filter((r) => r.problems.length > 0).length;
const ran = engines.filter((e) => e.available).map((e) => e.name);
console.log(
  `${results.length - failed} passed, ${failed} failed, ${skippedTests.length} skipped; engines run: ${ran.join(', ') || 'none'}` +
    (skipped.length > 0 ? `; skipped: ${skipped.map((e) => `${e.name} (${e.reason})`).join(', ')}` : ''),
);
process.exitCode = failed > 0 ? 1 : 0;
// Browser drivers may leave handles open; the verdict is in.
setTimeout(() => process.exit(process.exitCode), 500).unref();
