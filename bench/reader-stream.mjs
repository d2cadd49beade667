// Reading a 1 GiB one-part message from a stream (256 MiB with --quick): MB/s and peak RSS of
// the mtom-stream reader (the part read with readBytes into a 64 KiB view) against the multipart
// parsers Node code uses: @mjackson/multipart-parser (parseMultipartStream), dicer and busboy.
// Every parser gets the same bytes from the same source, an async generator of 64 KiB chunks:
// for MB/s, views of 64 distinct preallocated buffers (so the clock measures parsing, not the
// allocator); for RSS, a fresh copy per chunk (as a socket or file stream gives), so a parser
// that keeps chunks shows it. busboy reads only multipart/form-data, so the parts carry
// Content-Disposition headers (which an MTOM reader ignores) and busboy is told the body is
// form-data. Each run is a process of its own (best of 2 per source), RSS sampled every 16 MiB,
// minus an idle process's RSS.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { GiB, KiB, MiB, pseudoRandomBytes, sizeLabel } from './lib/harness.mjs';
import { QUICK, RssSampler, argValue, check, fmt, header, reportIdleRss, table, writeResults } from './lib/report.mjs';

const BOUNDARY = 'uuid:4c1f6a52-9a0e-4a37-8d5f-0b7e2c913f11';
const CONTENT_TYPE = `multipart/related; type="application/xop+xml"; boundary="${BOUNDARY}"; start="<root@bench>"; start-info="application/soap+xml"`;
const CHUNK = 64 * KiB;
const PERIOD = MiB;
const pattern = pseudoRandomBytes(PERIOD + CHUNK, 0x51ed);
pattern.copyWithin(PERIOD, 0, CHUNK);
const XML =
  '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><m:Download xmlns:m="urn:example:bench">' +
  '<m:Data><xop:Include xmlns:xop="http://www.w3.org/2004/08/xop/include" href="cid:data@bench"/></m:Data>' +
  '</m:Download></s:Body></s:Envelope>';
const HEAD = Buffer.from(
  `--${BOUNDARY}\r\nContent-ID: <root@bench>\r\nContent-Type: application/xop+xml; charset=utf-8; type="application/soap+xml"\r\n` +
    `Content-Disposition: form-data; name="root"\r\n\r\n${XML}\r\n` +
    `--${BOUNDARY}\r\nContent-ID: <data@bench>\r\nContent-Type: application/octet-stream\r\n` +
    `Content-Disposition: form-data; name="data"; filename="data.bin"\r\n\r\n`,
);
const TAIL = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);

/** 64 distinct chunk buffers holding the pattern's 1 MiB period (16 chunks) four times over. */
const POOL = Array.from({ length: 64 }, (_, i) => pattern.slice((i % 16) * CHUNK, (i % 16) * CHUNK + CHUNK));

/** The message as chunks, fresh copies or pool views; `tick(offset)` sees the progress through the part. */
async function* message(bytes, tick = () => {}, fresh = true) {
  yield new Uint8Array(HEAD);
  for (let sent = 0, i = 0; sent < bytes; sent += CHUNK, i++) {
    const n = Math.min(CHUNK, bytes - sent);
    yield fresh ? pattern.slice(sent % PERIOD, (sent % PERIOD) + n) : POOL[i % 64].subarray(0, n);
    tick(sent);
  }
  yield new Uint8Array(TAIL);
}

/** Each consumer resolves with { root, size, hash? } for the part it read. */
const consumers = {
  async 'mtom-stream'(input, hashing, simd = true) {
    const { createXmlReader } = await import('../dist/reader/index.js');
    const reader = await createXmlReader({ input, encoding: { type: 'mtom', contentType: CONTENT_TYPE }, simd });
    const view = new Uint8Array(CHUNK);
    const hash = hashing ? createHash('sha256') : undefined;
    let size = 0;
    let root = '';
    for await (const node of reader) {
      if (node.type === 'element') root += `<${node.localName}>`;
      if (node.type === 'bytes') {
        for (;;) {
          const n = await reader.readBytes(view);
          if (n === 0) break;
          size += n;
          hash?.update(view.subarray(0, n));
        }
      }
    }
    return { root, size, hash: hash?.digest('hex') };
  },
  async 'mtom-stream-scalar'(input, hashing) {
    return consumers['mtom-stream'](input, hashing, false);
  },
  async '@mjackson/multipart-parser'(input, hashing) {
    const { parseMultipartStream } = await import('@mjackson/multipart-parser');
    const hash = hashing ? createHash('sha256') : undefined;
    let size = 0;
    let root = '';
    let index = 0;
    for await (const part of parseMultipartStream(ReadableStream.from(input), {
      boundary: BOUNDARY,
      maxFileSize: Infinity,
    })) {
      if (index++ === 0) root = part.text;
      else
        for (const c of part.content) {
          size += c.length;
          hash?.update(c);
        }
    }
    return { root: root.length > 0 ? 'xml' : '', size, hash: hash?.digest('hex') };
  },
  async dicer(input, hashing) {
    const { default: Dicer } = await import('dicer');
    const hash = hashing ? createHash('sha256') : undefined;
    let size = 0;
    let root = '';
    let index = 0;
    await new Promise((resolve, reject) => {
      const dicer = new Dicer({ boundary: BOUNDARY });
      dicer.on('part', (part) => {
        const isRoot = index++ === 0;
        part.on('data', (c) => {
          if (isRoot) root += c.toString();
          else {
            size += c.length;
            hash?.update(c);
          }
        });
      });
      dicer.on('finish', resolve);
      dicer.on('error', reject);
      Readable.from(input).pipe(dicer);
    });
    return { root: root.length > 0 ? 'xml' : '', size, hash: hash?.digest('hex') };
  },
  async busboy(input, hashing) {
    const { default: busboy } = await import('busboy');
    const hash = hashing ? createHash('sha256') : undefined;
    let size = 0;
    let root = '';
    await new Promise((resolve, reject) => {
      const parser = busboy({
        headers: { 'content-type': `multipart/form-data; boundary="${BOUNDARY}"` },
        limits: { fileSize: Infinity },
      });
      parser.on('field', (_name, value) => {
        root = value;
      });
      parser.on('file', (_name, stream) =>
        stream.on('data', (c) => {
          size += c.length;
          hash?.update(c);
        }),
      );
      parser.on('close', resolve);
      parser.on('error', reject);
      Readable.from(input).pipe(parser);
    });
    return { root: root.length > 0 ? 'xml' : '', size, hash: hash?.digest('hex') };
  },
};
const NAMES = Object.keys(consumers);

// ---- child mode: one run of one consumer ----
if (argValue('rss')) {
  const name = argValue('rss');
  if (name === 'idle') {
    await Promise.all([
      import('../dist/reader/index.js'),
      import('../dist/xml-parser.js'),
      import('@mjackson/multipart-parser'),
      import('dicer'),
      import('busboy'),
    ]);
    await reportIdleRss();
  }
  const bytes = Number(argValue('bytes'));
  // Modules load before the clock starts, for every reader alike (the reader's XML parser too).
  await Promise.all([
    import('../dist/reader/index.js'),
    import('../dist/xml-parser.js'),
    import('@mjackson/multipart-parser'),
    import('dicer'),
    import('busboy'),
  ]);
  const sampler = new RssSampler();
  const before = sampler.sample(0);
  let next = 0;
  const tick = (offset) => {
    if (offset >= next) {
      sampler.sample(offset);
      next += 16 * MiB;
    }
  };
  const t0 = performance.now();
  const result = await consumers[name](message(bytes, tick, argValue('source') === 'fresh'), false);
  const ms = performance.now() - t0;
  sampler.sample(bytes);
  console.log(JSON.stringify({ before, peak: sampler.peak, shape: sampler.shape(), size: result.size, ms }));
  process.exit(0);
}

// ---- main ----
const BYTES = QUICK ? 256 * MiB : GiB;
const RUNS = QUICK ? 1 : 2;
const RSS_LIMIT = 64 * MiB;
const env = header(`reader-stream: a ${sizeLabel(BYTES)} one-part message from a stream (MB/s of message, peak RSS)`);

// Verify before timing: every consumer reads the same part, byte for byte, and the root part.
{
  const n = 8 * MiB + 12345;
  const partHash = createHash('sha256');
  for (let sent = 0; sent < n; sent += CHUNK)
    partHash.update(pattern.subarray(sent % PERIOD, (sent % PERIOD) + Math.min(CHUNK, n - sent)));
  const expected = partHash.digest('hex');
  for (const name of NAMES) {
    for (const fresh of [true, false]) {
      const r = await consumers[name](message(n, undefined, fresh), true);
      check(r.size === n && r.hash === expected && r.root.length > 0, `${name} reads the part (${r.size} bytes)`);
    }
  }
}

const self = fileURLToPath(import.meta.url);
const child = (...args) =>
  JSON.parse(
    execFileSync(process.execPath, [self, ...args], { encoding: 'utf8', maxBuffer: 1 << 24 })
      .trim()
      .split('\n')
      .pop(),
  );
const idle = [child('--rss=idle').rss, child('--rss=idle').rss, child('--rss=idle').rss].sort((a, b) => a - b)[1];
const runs = Object.fromEntries(NAMES.map((n) => [n, []]));
const rssRuns = {};
for (let round = 0; round < RUNS; round++) {
  for (const name of NAMES) {
    const r = child(`--rss=${name}`, `--bytes=${BYTES}`, '--source=pool');
    check(r.size === BYTES, `${name}: every byte read`);
    runs[name].push(r);
  }
}
for (let round = 0; round < RUNS; round++) {
  for (const name of NAMES) {
    const r = child(`--rss=${name}`, `--bytes=${BYTES}`, '--source=fresh');
    check(r.size === BYTES, `${name}: every byte read (fresh chunks)`);
    rssRuns[name] ??= [];
    rssRuns[name].push(r);
  }
}
const messageBytes = BYTES + HEAD.length + TAIL.length;
const results = NAMES.map((name) => {
  const best = runs[name].reduce((a, b) => (a.ms <= b.ms ? a : b));
  const fastestFresh = rssRuns[name].reduce((x, y) => (x.ms <= y.ms ? x : y));
  // RSS: the run with the highest peak.
  const fresh = rssRuns[name].reduce((x, y) => (x.peak >= y.peak ? x : y));
  return {
    name,
    MBps: messageBytes / (best.ms / 1000) / 1e6,
    runsMs: runs[name].map((r) => r.ms),
    freshChunksMBps: messageBytes / (fastestFresh.ms / 1000) / 1e6,
    freshRunsMs: rssRuns[name].map((r) => r.ms),
    peakMiB: fresh.peak / MiB,
    peakAboveIdleMiB: (fresh.peak - idle) / MiB,
    firstQuarterPeakMiB: fresh.shape.firstQuarterPeak / MiB,
    lastQuarterPeakMiB: fresh.shape.lastQuarterPeak / MiB,
  };
});
const ours = results[0];
const others = results.filter((r) => !r.name.startsWith('mtom-stream'));
const fastest = others.reduce((a, b) => (a.MBps >= b.MBps ? a : b));
const flat = ours.peakAboveIdleMiB < RSS_LIMIT / MiB && ours.lastQuarterPeakMiB - ours.firstQuarterPeakMiB < 8;
table(
  results.map((r) => ({
    reader: r.name,
    'MB/s': r.MBps.toFixed(0),
    [`vs ${fastest.name}`]: fmt.x(r.MBps / fastest.MBps),
    'MB/s, fresh chunks': r.freshChunksMBps.toFixed(0),
    'peak − idle MiB': r.peakAboveIdleMiB.toFixed(1),
    'first ¼ / last ¼ peak MiB': `${r.firstQuarterPeakMiB.toFixed(0)} / ${r.lastQuarterPeakMiB.toFixed(0)}`,
    target:
      r === ours
        ? `ahead of the fastest: ${ours.MBps > fastest.MBps ? 'pass' : 'FAIL'}; flat RSS: ${flat ? 'pass' : 'FAIL'}`
        : '',
  })),
);
console.log(
  `MB/s: best of ${RUNS} run(s) per reader and source, each in its own process; RSS: the highest peak of the ` +
    `fresh-chunk runs; idle process with the readers loaded: ${fmt.mib(idle)} MiB`,
);
writeResults('reader-stream', {
  note: 'MB/s = 10^6 message bytes per second, best run; RSS sampled every 16 MiB of input',
  env,
  bytes: BYTES,
  idleRssMiB: idle / MiB,
  results,
  target: {
    vsFastest: ours.MBps / fastest.MBps,
    fastest: fastest.name,
    aheadOfFastest: ours.MBps > fastest.MBps,
    flat,
  },
});
