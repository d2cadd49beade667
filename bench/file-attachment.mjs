// A 1 GiB file attachment (256 MiB with --quick) streamed from disk to a discarding sink: through
// the writer, with a pushBytes producer reading the file straight into reserved ring windows
// (fs.readSync, or await fileHandle.read for the asynchronous variant), against
// fs.createReadStream piped to a discarding Writable. Throughput and peak RSS (each case in its
// own process). The file is created once in os.tmpdir() and deleted afterwards; every run reads it
// from the page cache, the same for every alternative.
import { closeSync, createReadStream, openSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import os from 'node:os';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { compare, GiB, KiB, MiB, median, pseudoRandomBytes, ratio, sizeLabel, verdict } from './lib/harness.mjs';
import { boundaryOf, bytesEqual, mtomMessage, splitMultipart } from './lib/mtom.mjs';
import {
  QUICK,
  ROUNDS,
  RssSampler,
  SECONDS,
  argValue,
  check,
  fmt,
  header,
  reportIdleRss,
  runChild,
  table,
  writeResults,
} from './lib/report.mjs';

const CHUNK = 256 * KiB;
const RING = MiB;
const TARGET = 0.8;
const RSS_LIMIT = 64 * MiB;

/** Producers: read the file into reserved ring windows until end of file. */
const syncProducer = (path, onProgress) => (sink) => {
  const fd = openSync(path, 'r');
  try {
    for (let total = 0; ; ) {
      const view = sink.reserve(CHUNK); // synchronous: the output is synchronous
      const n = readSync(fd, view, 0, view.length, null);
      if (n === 0) return;
      sink.commit(n);
      total += n;
      if (onProgress) onProgress(total);
    }
  } finally {
    closeSync(fd);
  }
};
const asyncProducer = (path, onProgress) => async (sink) => {
  const fh = await open(path, 'r');
  try {
    for (let total = 0; ; ) {
      let view = sink.reserve(CHUNK);
      if (typeof view.then === 'function') view = await view;
      const { bytesRead } = await fh.read(view, 0, view.length, null);
      if (bytesRead === 0) return;
      const wait = sink.commit(bytesRead);
      if (wait) await wait;
      total += bytesRead;
      if (onProgress) onProgress(total);
    }
  } finally {
    await fh.close();
  }
};

const viaWriter = (producer, output) => mtomMessage({ output, ringSize: RING, producer });
const viaStream = (path, output, highWaterMark) =>
  pipeline(
    createReadStream(path, highWaterMark ? { highWaterMark } : {}),
    new Writable({
      write(chunk, _encoding, callback) {
        output([chunk]);
        callback();
      },
    }),
  );
const plainReadSync = (path, output) => {
  const fd = openSync(path, 'r');
  const buffer = new Uint8Array(CHUNK);
  try {
    for (let n = readSync(fd, buffer, 0, CHUNK, null); n > 0; n = readSync(fd, buffer, 0, CHUNK, null)) {
      output([buffer.subarray(0, n)]);
    }
  } finally {
    closeSync(fd);
  }
};

const CASES = {
  'writer-sync': {
    name: 'writer, pushBytes + fs.readSync into ring windows',
    run: (path, out, prog) => viaWriter(syncProducer(path, prog), out),
  },
  'writer-async': {
    name: 'writer, pushBytes + await fileHandle.read into ring windows',
    run: (path, out, prog) => viaWriter(asyncProducer(path, prog), out),
  },
  stream: {
    name: 'fs.createReadStream (64 KiB default) → discarding Writable',
    run: (path, out) => viaStream(path, out),
  },
  'stream-256k': {
    name: 'fs.createReadStream (highWaterMark 256 KiB) → discarding Writable',
    run: (path, out) => viaStream(path, out, CHUNK),
  },
  'plain-readsync': {
    name: 'plain fs.readSync loop, one 256 KiB buffer (reference)',
    run: (path, out) => plainReadSync(path, out),
  },
};

// ---- child mode: one pass with RSS sampled every 16 MiB ----
const arg = argValue;
if (arg('rss')) {
  const mode = arg('rss');
  if (mode === 'idle') await reportIdleRss();
  const sampler = new RssSampler();
  const before = sampler.sample(0);
  let delivered = 0;
  let next = 16 * MiB;
  const output = (bufs) => {
    for (const b of bufs) delivered += b.length;
    if (delivered >= next) {
      sampler.sample(delivered);
      next += 16 * MiB;
    }
  };
  const t0 = performance.now();
  await CASES[mode].run(arg('file'), output);
  const ms = performance.now() - t0;
  sampler.sample(delivered);
  console.log(JSON.stringify({ before, peak: sampler.peak, shape: sampler.shape(), delivered, ms }));
  process.exit(0);
}

// ---- main ----
const SIZE = QUICK ? 256 * MiB : GiB;
header(`file-attachment: a ${sizeLabel(SIZE)} file streamed from disk to a discarding sink (MB/s)`);

const dir = os.tmpdir();
const bigFile = `${dir}/mtom-stream-bench-${process.pid}.bin`;
const smallFile = `${dir}/mtom-stream-bench-${process.pid}-small.bin`;
const cleanup = () => {
  rmSync(bigFile, { force: true });
  rmSync(smallFile, { force: true });
};
process.on('exit', cleanup);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));

function createFile(path, size) {
  const pattern = pseudoRandomBytes(MiB, size >>> 0);
  const fd = openSync(path, 'w');
  try {
    for (let left = size; left > 0; ) {
      const n = Math.min(left, pattern.length);
      writeSync(fd, pattern, 0, n);
      left -= n;
    }
  } finally {
    closeSync(fd);
  }
  check(statSync(path).size === size, 'file size');
}

try {
  // Verify on a small file that does not divide the chunk: the part is exactly the file.
  const smallSize = 3 * MiB + 12345;
  createFile(smallFile, smallSize);
  const small = Buffer.alloc(smallSize);
  const fd = openSync(smallFile, 'r');
  readSync(fd, small, 0, smallSize, 0);
  closeSync(fd);
  for (const producer of [syncProducer, asyncProducer]) {
    const chunks = [];
    const { writer } = await mtomMessage({
      ringSize: RING,
      output: (bufs) => {
        for (const b of bufs) chunks.push(b.slice());
      },
      producer: producer(smallFile),
    });
    const parts = splitMultipart(Buffer.concat(chunks), boundaryOf(writer.contentType));
    check(parts.length === 2 && bytesEqual(parts[1].body, small), `${producer.name}: the part is the file`);
  }
  for (const key of ['stream', 'stream-256k', 'plain-readsync']) {
    const chunks = [];
    await CASES[key].run(smallFile, (bufs) => {
      for (const b of bufs) chunks.push(Buffer.from(b));
    });
    check(Buffer.concat(chunks).equals(small), `${key}: the bytes are the file`);
  }

  const t0 = performance.now();
  createFile(bigFile, SIZE);
  console.log(`created ${sizeLabel(SIZE)} in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${bigFile}\n`);

  let delivered = 0;
  const discard = (bufs) => {
    for (let i = 0; i < bufs.length; i++) delivered += bufs[i].length;
  };
  const alts = Object.values(CASES).map((c) => ({
    name: c.name,
    unitsPerOp: SIZE,
    run: async (n) => {
      for (let i = 0; i < n; i++) {
        const before = delivered;
        await c.run(bigFile, discard);
        check(delivered - before >= SIZE, `${c.name}: every byte delivered`);
      }
    },
  }));
  const res = await compare(alts, { seconds: SECONDS, rounds: ROUNDS });
  const [ws, wa, st, st256] = res;
  table(
    res.map((r) => ({
      alternative: r.name,
      'MB/s': fmt.mbs(r.rate),
      'vs createReadStream': fmt.x(ratio(r, st)),
      'vs createReadStream 256 KiB': fmt.x(ratio(r, st256)),
      target: r === ws || r === wa ? `≥ ${TARGET}×: ${verdict(ratio(r, st), TARGET)}` : '',
    })),
  );

  const child = (...args) => runChild(import.meta.url, ...args);
  const idle = median([1, 2, 3].map(() => child('--rss=idle').rss));
  const rss = [];
  for (const key of Object.keys(CASES)) {
    const r = child(`--rss=${key}`, `--file=${bigFile}`);
    check(r.delivered >= SIZE, `${key}: every byte delivered`);
    rss.push({
      case: key,
      name: CASES[key].name,
      peakMiB: r.peak / MiB,
      peakAboveIdleMiB: (r.peak - idle) / MiB,
      firstQuarterPeakMiB: r.shape.firstQuarterPeak / MiB,
      lastQuarterPeakMiB: r.shape.lastQuarterPeak / MiB,
      MBps: SIZE / (r.ms / 1000) / 1e6,
      pass: key.startsWith('writer')
        ? r.peak - idle < RSS_LIMIT && r.shape.lastQuarterPeak - r.shape.firstQuarterPeak < 8 * MiB
        : undefined,
    });
  }
  console.log(
    `peak RSS over one pass each, sampled every 16 MiB; idle node process with the same imports: ${fmt.mib(idle)} MiB`,
  );
  table(
    rss.map((r) => ({
      case: r.name,
      'peak MiB': r.peakMiB.toFixed(1),
      'peak − idle MiB': r.peakAboveIdleMiB.toFixed(1),
      'first ¼ peak': r.firstQuarterPeakMiB.toFixed(1),
      'last ¼ peak': r.lastQuarterPeakMiB.toFixed(1),
      target: r.pass === undefined ? '' : `flat, < 64 MiB above idle: ${r.pass ? 'pass' : 'FAIL'}`,
    })),
  );

  writeResults('file-attachment', {
    note: 'MB/s = 10^6 file bytes per second, file in the page cache; ratios are medians of per-round ratios',
    fileBytes: SIZE,
    chunk: CHUNK,
    ringSize: RING,
    throughput: res.map((r) => ({
      name: r.name,
      MBps: r.rate / 1e6,
      roundsMBps: r.rounds.map((v) => v / 1e6),
      vsCreateReadStream: ratio(r, st),
      vsCreateReadStream256k: ratio(r, st256),
    })),
    target: {
      writerVsCreateReadStream: TARGET,
      sync: ratio(ws, st),
      async: ratio(wa, st),
      pass: ratio(ws, st) >= TARGET && ratio(wa, st) >= TARGET,
    },
    rss: { idleRssMiB: idle / MiB, cases: rss },
  });
} finally {
  cleanup();
}
