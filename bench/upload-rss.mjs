// A 1 GiB upload (256 MiB with --quick) to a loopback HTTP server, one client process per case:
// the client's peak RSS and its throughput. The library (postMessage with its defaults, and
// requestMessage) is compared with postMessage told to follow redirects (what fetch does by
// default: it keeps a copy of a streamed body to replay it) and with plain fetch streaming a
// ReadableStream body, with and without `redirect: 'error'`. The server (this process) counts the
// bytes and answers with the count and the last bytes, which the client checks.
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { GiB, KiB, MiB, median, pseudoRandomBytes, sizeLabel } from './lib/harness.mjs';
import { BENCH_NS, SOAP12, reserveProducer, fills } from './lib/mtom.mjs';
import { QUICK, RssSampler, argValue, check, fmt, header, reportIdleRss, table, writeResults } from './lib/report.mjs';

const CHUNK = 256 * KiB;
const RSS_LIMIT = 64 * MiB;
/** Flat: the last quarter's peak within this of the first's (fetch's own buffers and GC timing move it a little). */
const FLAT_WITHIN = 16 * MiB;
const PATTERN = pseudoRandomBytes(MiB, 7);

/** The envelope with one pushBytes part of `size` bytes, copied from PATTERN into ring windows. */
const build = (size, onProgress) => (writer) => {
  writer.writeStartElement('s', 'Envelope', SOAP12);
  writer.writeStartElement('s', 'Body', SOAP12);
  writer.writeStartElement('m', 'Upload', BENCH_NS);
  writer.writeStartElement('m', 'Data', BENCH_NS);
  writer.pushBytes(reserveProducer(size, CHUNK, fills.copy(PATTERN, MiB), onProgress), { size });
  writer.writeEndElement();
  writer.writeEndElement();
  writer.writeEndElement();
  writer.writeEndElement();
};

/** A ReadableStream of `size` bytes in fresh 256 KiB chunks (a copy each, as a reader of a file gets). */
const plainBody = (size, onProgress) => {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= size) return controller.close();
      const n = Math.min(CHUNK, size - sent);
      const at = sent % MiB;
      controller.enqueue(PATTERN.slice(at, at + n));
      sent += n;
      onProgress(sent);
    },
  });
};

const readAnswer = async (incoming) => {
  let text = '';
  for await (const chunk of incoming) text += chunk;
  return JSON.parse(text);
};

const mtom = { encoding: { type: 'mtom', boundary: 'bench-upload-boundary' } };
const CLOSE = '\r\n--bench-upload-boundary--\r\n';

const CASES = {
  postMessage: {
    name: 'postMessage (defaults: redirect error, window null)',
    library: true,
    async run(url, size, onProgress) {
      const { postMessage } = await import('../dist/index.js');
      const response = await postMessage(url, build(size, onProgress), mtom);
      return { status: response.status, answer: await response.json(), mtom: true };
    },
  },
  requestMessage: {
    name: 'requestMessage (node:http)',
    library: true,
    async run(url, size, onProgress) {
      const { requestMessage } = await import('../dist/node.js');
      const incoming = await requestMessage(url, build(size, onProgress), mtom);
      return { status: incoming.statusCode, answer: await readAnswer(incoming), mtom: true };
    },
  },
  'postMessage-follow': {
    name: "postMessage with init { redirect: 'follow' }",
    async run(url, size, onProgress) {
      const { postMessage } = await import('../dist/index.js');
      const response = await postMessage(url, build(size, onProgress), { ...mtom, init: { redirect: 'follow' } });
      return { status: response.status, answer: await response.json(), mtom: true };
    },
  },
  fetch: {
    name: 'plain fetch, ReadableStream body (default redirect follow)',
    async run(url, size, onProgress) {
      const response = await fetch(url, { method: 'POST', body: plainBody(size, onProgress), duplex: 'half' });
      return { status: response.status, answer: await response.json(), mtom: false };
    },
  },
  'fetch-error': {
    name: "plain fetch, ReadableStream body, redirect 'error'",
    async run(url, size, onProgress) {
      const response = await fetch(url, {
        method: 'POST',
        body: plainBody(size, onProgress),
        duplex: 'half',
        redirect: 'error',
      });
      return { status: response.status, answer: await response.json(), mtom: false };
    },
  },
};

// ---- child mode: one upload with RSS sampled every 16 MiB and every 50 ms ----
if (argValue('rss')) {
  const mode = argValue('rss');
  if (mode === 'idle') {
    await import('../dist/node.js');
    await reportIdleRss();
  }
  const size = Number(argValue('size'));
  const sampler = new RssSampler();
  sampler.sample(0);
  let produced = 0;
  let next = 16 * MiB;
  const onProgress = (n) => {
    produced = n;
    if (n >= next) {
      sampler.sample(n);
      next += 16 * MiB;
    }
  };
  const timer = setInterval(() => sampler.sample(produced), 50);
  const t0 = performance.now();
  const result = await CASES[mode].run(argValue('url'), size, onProgress);
  const ms = performance.now() - t0;
  clearInterval(timer);
  sampler.sample(produced);
  console.log(JSON.stringify({ ...result, peak: sampler.peak, shape: sampler.shape(), ms }));
  process.exit(0);
}

// ---- main: the server, and one client process per case ----
const SIZE = QUICK ? 256 * MiB : GiB;
header(`upload-rss: a ${sizeLabel(SIZE)} upload to a loopback server, client peak RSS (one process per case)`);

const server = createServer((req, res) => {
  let received = 0;
  let tail = Buffer.alloc(0);
  req.on('data', (chunk) => {
    received += chunk.length;
    tail = Buffer.concat([tail, chunk]).subarray(-64);
  });
  req.on('end', () => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ received, tail: tail.toString('latin1'), contentLength: req.headers['content-length'] }));
  });
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${server.address().port}/upload`;

const self = fileURLToPath(import.meta.url);
// Asynchronous (not execFileSync): this process is the server the child uploads to.
const child = (...args) =>
  new Promise((resolve, reject) => {
    execFile(process.execPath, [self, ...args], { maxBuffer: 1 << 20 }, (error, stdout) =>
      error ? reject(error) : resolve(JSON.parse(stdout.trim().split('\n').pop())),
    );
  });

/** The checks every run passes: a 200 answer, every byte received, an MTOM message complete. */
function verify(key, r, size) {
  check(r.status === 200, `${key}: HTTP ${r.status}`);
  if (r.mtom) {
    check(r.answer.received > size, `${key}: the whole message arrived (${r.answer.received} bytes)`);
    check(r.answer.tail.endsWith(CLOSE), `${key}: the message ends with the close delimiter`);
  } else {
    check(r.answer.received === size, `${key}: every byte arrived`);
  }
}

try {
  // Verify every case on a small upload first.
  for (const key of Object.keys(CASES))
    verify(key, await child(`--rss=${key}`, `--url=${url}`, `--size=${3 * MiB + 12345}`), 3 * MiB + 12345);
  const idles = [];
  for (let i = 0; i < 3; i++) idles.push((await child('--rss=idle')).rss);
  const idle = median(idles);
  const cases = [];
  for (const key of Object.keys(CASES)) {
    const r = await child(`--rss=${key}`, `--url=${url}`, `--size=${SIZE}`);
    verify(key, r, SIZE);
    cases.push({
      case: key,
      name: CASES[key].name,
      peakMiB: r.peak / MiB,
      peakAboveIdleMiB: (r.peak - idle) / MiB,
      firstQuarterPeakMiB: r.shape.firstQuarterPeak / MiB,
      lastQuarterPeakMiB: r.shape.lastQuarterPeak / MiB,
      MBps: r.answer.received / (r.ms / 1000) / 1e6,
      pass: CASES[key].library
        ? r.peak - idle < RSS_LIMIT && r.shape.lastQuarterPeak - r.shape.firstQuarterPeak < FLAT_WITHIN
        : undefined,
    });
  }
  const byKey = Object.fromEntries(cases.map((c) => [c.case, c]));
  for (const c of cases) {
    c.peakVsFollow = c.peakAboveIdleMiB / byKey['postMessage-follow'].peakAboveIdleMiB;
    c.speedVsFetch = c.MBps / byKey.fetch.MBps;
  }
  console.log(
    `idle node process with the library loaded: ${fmt.mib(idle)} MiB; RSS sampled every 16 MiB and every 50 ms`,
  );
  table(
    cases.map((c) => ({
      case: c.name,
      'peak MiB': c.peakMiB.toFixed(1),
      'peak − idle MiB': c.peakAboveIdleMiB.toFixed(1),
      'first ¼ peak': c.firstQuarterPeakMiB.toFixed(1),
      'last ¼ peak': c.lastQuarterPeakMiB.toFixed(1),
      'vs follow (memory)': fmt.x(c.peakVsFollow),
      'MB/s': fmt.mbs(c.MBps * 1e6),
      'vs plain fetch (speed)': fmt.x(c.speedVsFetch),
      target: c.pass === undefined ? '' : `flat (±16 MiB), < 64 MiB above idle: ${c.pass ? 'pass' : 'FAIL'}`,
    })),
  );
  writeResults('upload-rss', {
    note: 'client process per case; peak RSS minus an idle process with the library loaded; MB/s = 10^6 bytes received by the server per second of the client call',
    uploadBytes: SIZE,
    chunk: CHUNK,
    rss: { idleRssMiB: idle / MiB, cases },
  });
} finally {
  server.closeAllConnections();
  server.close();
}
