// Copying into the ring: the core's ringWrite (reserve, memory.copy from another region of linear
// memory, commit; then ringRelease) against Uint8Array#set of the same bytes into the same ring
// region from JavaScript. ringWrite is also measured with the MIME boundary scan on, as the
// writer runs it for every byte of an MTOM message.
import { compare, instantiateCore, KiB, MiB, pseudoRandomBytes, ratio, sizeLabel, verdict } from './lib/harness.mjs';
import { check, fmt, header, readBuild, ROUNDS, SECONDS, table, writeResults } from './lib/report.mjs';

const SIZES = [4 * KiB, 64 * KiB, MiB];
const TARGET = 0.9;
const BOUNDARY = 'uuid:0f8fad5b-d9cb-469f-a165-70867728950e';

const env = header('ring-copy: bytes into the ring (MB/s)');

const MAX = Math.max(...SIZES);
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

  for (const size of SIZES) {
    const srcInMemory = core.u8.subarray(SRC, SRC + size);
    const srcInJs = data.slice(0, size);
    // Verify: ringWrite puts the source bytes at the ring's start, as one span, and finds no boundary.
    for (const scan of [0, 1]) {
      ex.scanEnable(scan);
      ring.fill(0);
      check(ex.ringWrite(SRC, size) === size, 'ringWrite count');
      check(ex.ringSpans() === 1, 'one span');
      const spans = new Uint32Array(core.memory.buffer, ex.spanTable(), 2);
      check(spans[0] === RING && spans[1] === size, 'span at the ring start');
      check(Buffer.compare(ring.subarray(0, size), srcInJs) === 0, 'ring bytes');
      check(ex.status() === 0, 'no boundary found');
      check(ex.ringRelease(size) === 0 && ex.ringUsed() === 0, 'release');
    }
    ring.fill(0);
    ring.set(srcInMemory);
    check(Buffer.compare(ring.subarray(0, size), srcInJs) === 0, 'set');

    let keep = 0;
    const alts = [
      {
        name: 'ringWrite + ringRelease',
        unitsPerOp: size,
        run: (n) => {
          ex.scanEnable(0);
          for (let i = 0; i < n; i++) {
            keep += ex.ringWrite(SRC, size);
            ex.ringRelease(size);
          }
        },
      },
      {
        name: 'ringWrite + ringRelease, boundary scan on',
        unitsPerOp: size,
        run: (n) => {
          ex.scanEnable(1);
          for (let i = 0; i < n; i++) {
            keep += ex.ringWrite(SRC, size);
            ex.ringRelease(size);
          }
          ex.scanEnable(0);
        },
      },
      { name: 'Uint8Array#set from linear memory', unitsPerOp: size, run: (n) => { for (let i = 0; i < n; i++) ring.set(srcInMemory); } },
      { name: 'Uint8Array#set from a JS buffer', unitsPerOp: size, run: (n) => { for (let i = 0; i < n; i++) ring.set(srcInJs); } },
    ];
    const res = await compare(alts, { seconds: SECONDS, rounds: ROUNDS });
    check(ex.status() === 0, 'no boundary found while timing');
    const [rw, rwScan, setMem, setJs] = res;
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
      },
      target: { ringWriteVsSetFromMemory: TARGET, pass: r >= TARGET },
      sink: keep > 0,
    });
  }
}
table(rows);
writeResults('ring-copy', { note: 'MB/s = 10^6 bytes copied per second; ratios are medians of per-round ratios', results });
