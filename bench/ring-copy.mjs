// Copying into the ring: the core's ringWrite (reserve, memory.copy from another region of linear
// memory, commit) against Uint8Array#set of the same bytes into the same ring from JavaScript.
// Both fill the whole ring chunk after chunk and start over only when the next chunk does not fit:
// the core with one ringRelease of everything (as the writer drains), JS by going back to offset 0.
// ringWrite is also measured with the MIME boundary scan on, as the writer runs it for every byte
// of an MTOM message.
import { compare, instantiateCore, KiB, MiB, pseudoRandomBytes, ratio, sizeLabel, verdict } from './lib/harness.mjs';
import { check, fmt, header, readBuild, ROUNDS, SECONDS, table, writeResults } from './lib/report.mjs';

const SIZES = [4 * KiB, 64 * KiB, MiB];
const TARGET = 0.9;
const BOUNDARY = 'uuid:0f8fad5b-d9cb-469f-a165-70867728950e';

header('ring-copy: bytes into the ring (MB/s)');

const MAX = Math.max(...SIZES);
let keep = 0; // results flow here so that no engine can drop the work
const results = [];
const rows = [];
for (const build of ['mtom-stream.wasm', 'mtom-stream-scalar.wasm']) {
  const core = await instantiateCore(readBuild(build), 2 * MAX + 256 * KiB);
  const ex = core.exports;
  check(ex.init(MAX, MAX) === 0, 'init');
  const SRC = ex.scratchPtr();
  const RING = ex.ringBase();
  const data = pseudoRandomBytes(MAX);
  core.u8.set(data, SRC);
  const ring = core.u8.subarray(RING, RING + MAX);
  const setBoundary = () => {
    const b = new TextEncoder().encode(BOUNDARY);
    core.u8.set(b, RING); // staged anywhere; the core copies it
    check(ex.mimeSetBoundary(RING, b.length) === 0, 'mimeSetBoundary');
  };
  setBoundary();
  const flavour = ex.simdBuild() ? 'SIMD core' : 'scalar core';

  const CAP = ex.ringCapacity();
  check(CAP === MAX, 'ring capacity');

  for (const size of SIZES) {
    const srcInMemory = core.u8.subarray(SRC, SRC + size);
    const srcInJs = data.slice(0, size);
    // n chunks through ringWrite; everything is released at once when the next chunk does not fit.
    // `each(at)` (verification only) sees the ring offset of every chunk written.
    const ringWrites = (n, scan, each) => {
      ex.scanEnable(scan);
      let used = ex.ringUsed();
      for (let i = 0; i < n; i++) {
        if (used + size > CAP) {
          ex.ringRelease(used);
          used = 0;
        }
        keep += ex.ringWrite(SRC, size);
        if (each) each(used);
        used += size;
      }
      ex.scanEnable(0);
    };
    // n chunks with Uint8Array#set at the next ring offset, back to 0 when the next does not fit.
    let setAt = 0;
    const sets = (n, src, each) => {
      let at = setAt;
      for (let i = 0; i < n; i++) {
        if (at + size > CAP) at = 0;
        ring.set(src, at);
        if (each) each(at);
        at += size;
      }
      setAt = at;
    };

    // Verify over more than one ring's worth of chunks: every chunk lands, as one span after the
    // ones before it, with the source bytes, and no boundary is found.
    const chunks = CAP / size + 3;
    for (const scan of [0, 1]) {
      ex.ringRelease(ex.ringUsed());
      ring.fill(0);
      let count = 0;
      ringWrites(chunks, scan, (at) => {
        check(ex.ringSpans() === 1, 'one span');
        const spans = new Uint32Array(core.memory.buffer, ex.spanTable(), 2);
        check(spans[0] === RING && spans[1] === at + size && ex.ringUsed() === at + size, 'span from the ring start');
        check(Buffer.compare(ring.subarray(at, at + size), srcInJs) === 0, 'ring bytes');
        count++;
      });
      check(count === chunks, 'chunk count');
      check(ex.status() === 0, 'no boundary found');
    }
    for (const src of [srcInMemory, srcInJs]) {
      ring.fill(0);
      setAt = 0;
      let count = 0;
      sets(chunks, src, (at) => {
        check(
          at % size === 0 && at + size <= CAP && Buffer.compare(ring.subarray(at, at + size), srcInJs) === 0,
          'set bytes',
        );
        count++;
      });
      check(count === chunks && setAt === (((chunks - 1) % (CAP / size)) + 1) * size, 'set wraps');
    }
    ex.ringRelease(ex.ringUsed());
    setAt = 0;

    // The same with the scan as a second pass: reserve, copy (copyWithin is memmove in linear
    // memory), then ringCommit scans what was copied.
    const copyThenScan = (n) => {
      ex.scanEnable(1);
      let used = ex.ringUsed();
      for (let i = 0; i < n; i++) {
        if (used + size > CAP) {
          ex.ringRelease(used);
          used = 0;
        }
        const p = ex.ringReserve(size, size);
        core.u8.copyWithin(p, SRC, SRC + size);
        keep += ex.ringCommit(size) + 1;
        used += size;
      }
      ex.scanEnable(0);
    };
    ex.ringRelease(ex.ringUsed());
    copyThenScan(1);
    check(Buffer.compare(ring.subarray(0, size), srcInJs) === 0 && ex.status() === 0, 'copy, then scan');
    ex.ringRelease(ex.ringUsed());
    const alts = [
      { name: 'ringWrite, bulk ringRelease', unitsPerOp: size, run: (n) => ringWrites(n, 0) },
      { name: 'ringWrite, bulk ringRelease, boundary scan on', unitsPerOp: size, run: (n) => ringWrites(n, 1) },
      { name: 'reserve + copyWithin + ringCommit (copy, then scan)', unitsPerOp: size, run: copyThenScan },
      { name: 'Uint8Array#set from linear memory', unitsPerOp: size, run: (n) => sets(n, srcInMemory) },
      { name: 'Uint8Array#set from a JS buffer', unitsPerOp: size, run: (n) => sets(n, srcInJs) },
    ];
    const res = await compare(alts, { seconds: SECONDS, rounds: ROUNDS });
    check(ex.status() === 0, 'no boundary found while timing');
    const [rw, rwScan, twoPass, setMem, setJs] = res;
    const r = ratio(rw, setMem);
    for (const x of res) {
      rows.push({
        core: flavour,
        chunk: sizeLabel(size),
        alternative: x.name,
        'MB/s': fmt.mbs(x.rate),
        'vs set (linear memory)': fmt.x(ratio(x, setMem)),
        'vs set (JS buffer)': fmt.x(ratio(x, setJs)),
        target: x === rw ? `≥ ${TARGET}×: ${verdict(r, TARGET)}` : '',
      });
    }
    results.push({
      core: flavour,
      size,
      alternatives: res.map((x) => ({ name: x.name, MBps: x.rate / 1e6, roundsMBps: x.rounds.map((v) => v / 1e6) })),
      ratios: {
        ringWriteVsSetFromMemory: r,
        ringWriteVsSetFromJs: ratio(rw, setJs),
        scanOnVsSetFromMemory: ratio(rwScan, setMem),
        scanOnVsScanOff: ratio(rwScan, rw),
        scanInCopyVsScanAfterCopy: ratio(rwScan, twoPass),
      },
      target: { ringWriteVsSetFromMemory: TARGET, pass: r >= TARGET },
    });
  }
}
table(rows);
writeResults('ring-copy', {
  note:
    'MB/s = 10^6 bytes copied per second; ratios are medians of per-round ratios; ' +
    'the ring (1 MiB) is filled, then released or restarted at once',
  targets: results.map((r) => ({
    measure: `ringWrite vs set, ${r.core}, ${sizeLabel(r.size)}`,
    value: r.ratios.ringWriteVsSetFromMemory,
    target: TARGET,
  })),
  results,
  sink: keep > 0,
});
