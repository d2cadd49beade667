// Runs inside a browser (Chromium, Firefox or WebKit, loaded by bench/browser.mjs): the base64,
// MTOM and upload benchmarks against what a page has without the library. Plain ESM with no
// import map (dist/ has no bare imports); base64-js comes from its UMD build (window.base64js).
import { createXmlWriter, postMessage, writeAttachment } from '../../dist/index.js';
import { sampleData, templateEnvelope, writeEnvelope } from './envelope.mjs';
import { compare, instantiateCore, KiB, MiB, pseudoRandomBytes, ratio, sizeLabel } from './harness.mjs';
import { boundaryOf, bytesEqual, fills, mtomMessage, plainLoop, reserveProducer, splitMultipart } from './mtom.mjs';

const check = (ok, what) => {
  if (!ok) throw new Error(`verification failed: ${what}`);
};
const log = (line) => console.log(line);
const ascii = new TextDecoder('ascii');
let keep = 0;

/** The usual way to base64 bytes in a page without a library: binary string in chunks, then btoa. */
function btoaChunked(u8) {
  let s = '';
  for (let i = 0; i < u8.length; i += 0x8000) s += String.fromCharCode.apply(null, u8.subarray(i, i + 0x8000));
  return btoa(s);
}

async function base64Bench({ seconds, rounds, sizes }) {
  const max = Math.max(...sizes);
  const SRC = MiB;
  const DST = SRC + max + 64 * KiB;
  const bytes = DST + Math.ceil(max / 3) * 4 + 64 * KiB;
  const load = async (file) => new Uint8Array(await (await fetch(`/build/${file}`)).arrayBuffer());
  const simd = await instantiateCore(await load('mtom-stream.wasm'), bytes);
  const scalar = await instantiateCore(await load('mtom-stream-scalar.wasm'), bytes);
  const data = pseudoRandomBytes(max);
  for (const core of [simd, scalar]) {
    check(core.exports.init(64 * KiB, 64 * KiB) === 0, 'init');
    core.u8.set(data, SRC);
  }
  const hasToBase64 = typeof Uint8Array.prototype.toBase64 === 'function';
  const out = [];
  for (const size of sizes) {
    log(`base64 ${sizeLabel(size)}`);
    const view = simd.u8.subarray(SRC, SRC + size);
    const expected = btoaChunked(view);
    const n1 = simd.exports.base64EncodeSimd(SRC, size, DST);
    check(ascii.decode(simd.u8.subarray(DST, DST + n1)) === expected, 'SIMD');
    const n2 = scalar.exports.base64EncodeScalar(SRC, size, DST);
    check(ascii.decode(scalar.u8.subarray(DST, DST + n2)) === expected, 'scalar');
    check(window.base64js.fromByteArray(view) === expected, 'base64-js');
    if (hasToBase64) check(view.toBase64() === expected, 'toBase64');
    const alts = [
      {
        name: 'wasm SIMD',
        unitsPerOp: size,
        run: (n) => {
          for (let i = 0; i < n; i++) keep += simd.exports.base64EncodeSimd(SRC, size, DST);
        },
      },
      {
        name: 'wasm scalar',
        unitsPerOp: size,
        run: (n) => {
          for (let i = 0; i < n; i++) keep += scalar.exports.base64EncodeScalar(SRC, size, DST);
        },
      },
      {
        name: 'btoa(String.fromCharCode chunks)',
        unitsPerOp: size,
        run: (n) => {
          for (let i = 0; i < n; i++) keep += btoaChunked(view).length;
        },
      },
      {
        name: 'base64-js fromByteArray',
        unitsPerOp: size,
        run: (n) => {
          for (let i = 0; i < n; i++) keep += window.base64js.fromByteArray(view).length;
        },
      },
    ];
    if (hasToBase64)
      alts.push({
        name: 'Uint8Array#toBase64',
        unitsPerOp: size,
        run: (n) => {
          for (let i = 0; i < n; i++) keep += view.toBase64().length;
        },
      });
    const res = await compare(alts, { seconds, rounds: size >= 64 * MiB ? Math.min(rounds, 5) : rounds });
    out.push({
      size,
      alternatives: res.map((r) => ({
        name: r.name,
        MBps: r.rate / 1e6,
        vsBtoa: ratio(r, res[2]),
        vsBase64js: ratio(r, res[3]),
        vsToBase64: hasToBase64 ? ratio(r, res[4]) : undefined,
      })),
    });
  }
  log('boundary cost');
  const tiny = simd.u8.subarray(SRC, SRC + 3);
  const boundary = await compare(
    [
      {
        name: 'wasm empty export (simdBuild)',
        run: (n) => {
          for (let i = 0; i < n; i++) keep += simd.exports.simdBuild();
        },
      },
      {
        name: 'wasm base64EncodeSimd, 3 B',
        run: (n) => {
          for (let i = 0; i < n; i++) keep += simd.exports.base64EncodeSimd(SRC, 3, DST);
        },
      },
      {
        name: 'btoa(String.fromCharCode), 3 B',
        run: (n) => {
          for (let i = 0; i < n; i++) keep += btoa(String.fromCharCode.apply(null, tiny)).length;
        },
      },
      {
        name: 'base64-js fromByteArray, 3 B',
        run: (n) => {
          for (let i = 0; i < n; i++) keep += window.base64js.fromByteArray(tiny).length;
        },
      },
      ...(hasToBase64
        ? [
            {
              name: 'Uint8Array#toBase64, 3 B',
              run: (n) => {
                for (let i = 0; i < n; i++) keep += tiny.toBase64().length;
              },
            },
          ]
        : []),
    ],
    { seconds, rounds },
  );
  return { hasToBase64, sizes: out, boundaryCost: boundary.map((r) => ({ name: r.name, nsPerCall: 1e9 / r.rate })) };
}

async function attachmentBench({ seconds, rounds, bytes }) {
  const CHUNK = 256 * KiB;
  const PERIOD = MiB;
  const pattern = pseudoRandomBytes(PERIOD + CHUNK);
  pattern.copyWithin(PERIOD, 0, CHUNK);
  const makeFill = (kind) => (kind === 'fill' ? fills.fill() : fills.copy(pattern, PERIOD));
  // Verify: the part is exactly what the producer wrote.
  for (const simd of [true, false]) {
    const n = 3 * MiB + 12345;
    const written = [];
    const fill = makeFill('copy');
    const chunks = [];
    const { writer } = await mtomMessage({
      ringSize: MiB,
      simd,
      output: (bufs) => {
        for (const b of bufs) chunks.push(b.slice());
      },
      producer: reserveProducer(n, CHUNK, (v, i) => {
        fill(v, i);
        written.push(v.slice());
      }),
    });
    check(writer.simd === simd, 'core flavour');
    const joined = concat(chunks);
    const parts = splitMultipart(joined, boundaryOf(writer.contentType));
    check(parts.length === 2 && bytesEqual(parts[1].body, concat(written)), 'attachment bytes');
  }
  let delivered = 0;
  const discard = (bufs) => {
    for (let i = 0; i < bufs.length; i++) delivered += bufs[i].length;
  };
  const buffer = new Uint8Array(CHUNK);
  const out = [];
  for (const kind of ['fill', 'copy']) {
    log(`attachment, ${kind}`);
    const writerAlt = (name, simd, ringSize) => ({
      name,
      unitsPerOp: bytes,
      run: async (n) => {
        for (let i = 0; i < n; i++)
          await mtomMessage({
            output: discard,
            ringSize,
            simd,
            producer: reserveProducer(bytes, CHUNK, makeFill(kind)),
          });
      },
    });
    const res = await compare(
      [
        writerAlt('writer, SIMD core, ring 1 MiB', true, MiB),
        writerAlt('writer, SIMD core, default ring 256 KiB', true, undefined),
        writerAlt('writer, scalar core, ring 1 MiB', false, MiB),
        {
          name: 'plain JS loop, one 256 KiB buffer',
          unitsPerOp: bytes,
          run: (n) => {
            for (let i = 0; i < n; i++)
              plainLoop({ bytes, chunk: CHUNK, fill: makeFill(kind), output: discard, buffer });
          },
        },
      ],
      { seconds, rounds },
    );
    out.push({
      producer: kind,
      alternatives: res.map((r) => ({ name: r.name, MBps: r.rate / 1e6, vsPlain: ratio(r, res[3]) })),
    });
  }
  check(delivered > 0, 'bytes delivered');
  return { bytes, results: out };
}

function concat(chunks) {
  let n = 0;
  for (const c of chunks) n += c.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

async function messagesBench({ seconds, rounds }) {
  const XOP = 'http://www.w3.org/2004/08/xop/include';
  const data = sampleData();
  const attachment = pseudoRandomBytes(100 * KiB, 7);
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  const writerMtom = async () => {
    const w = await createXmlWriter({ encoding: { type: 'mtom' } });
    writeEnvelope(w, data, (w) => w.pushBytes((sink) => sink.write(attachment)));
    return { body: await w.end(), contentType: w.contentType };
  };
  const templateMtom = () => {
    const boundary = `uuid:${crypto.randomUUID()}`;
    const rootId = `root.${crypto.randomUUID()}@example.com`;
    const partId = `${crypto.randomUUID()}@example.com`;
    const xml = templateEnvelope(data, `<xop:Include xmlns:xop="${XOP}" href="cid:${partId}"/>`);
    const head = enc.encode(
      `--${boundary}\r\nContent-ID: <${rootId}>\r\n` +
        `Content-Type: application/xop+xml; charset=utf-8; type="application/soap+xml"\r\n` +
        `Content-Transfer-Encoding: binary\r\n\r\n${xml}\r\n--${boundary}\r\nContent-ID: <${partId}>\r\n` +
        `Content-Type: ${data.contentType}\r\nContent-Transfer-Encoding: binary\r\n\r\n`,
    );
    const tail = enc.encode(`\r\n--${boundary}--\r\n`);
    return {
      body: concat([head, attachment, tail]),
      contentType: `multipart/related; type="application/xop+xml"; boundary="${boundary}"; start="<${rootId}>"`,
    };
  };
  const writerXml = async () => {
    const w = await createXmlWriter();
    writeEnvelope(w, data);
    return w.end();
  };
  const templateXml = () => enc.encode(templateEnvelope(data));
  // Verify: same parts, same XML (hrefs numbered), same attachment; the same XML alone.
  const norm = ({ body, contentType }) => {
    const parts = splitMultipart(body, boundaryOf(contentType));
    check(parts.length === 2, 'two parts');
    return {
      xml: dec.decode(parts[0].body).replace(/cid:[^"]+/g, 'cid:#'),
      type: parts[1].headers['content-type'],
      body: parts[1].body,
    };
  };
  const a = norm(await writerMtom());
  const b = norm(templateMtom());
  check(
    a.xml === b.xml && a.type === b.type && bytesEqual(a.body, attachment) && bytesEqual(b.body, attachment),
    'MTOM messages equivalent',
  );
  check(bytesEqual(await writerXml(), templateXml()), 'XML byte-identical');
  log('messages');
  const mtom = await compare(
    [
      {
        name: 'writer MTOM, pushBytes + sink.write',
        run: async (n) => {
          for (let i = 0; i < n; i++) keep += (await writerMtom()).body.length;
        },
      },
      {
        name: 'template strings + TextEncoder + one Uint8Array',
        run: (n) => {
          for (let i = 0; i < n; i++) keep += templateMtom().body.length;
        },
      },
    ],
    { seconds, rounds },
  );
  const xml = await compare(
    [
      {
        name: 'writer, text encoding → Uint8Array',
        run: async (n) => {
          for (let i = 0; i < n; i++) keep += (await writerXml()).length;
        },
      },
      {
        name: 'template string → TextEncoder bytes',
        run: (n) => {
          for (let i = 0; i < n; i++) keep += templateXml().length;
        },
      },
    ],
    { seconds, rounds },
  );
  return {
    mtom: mtom.map((r) => ({ name: r.name, msgsPerSec: r.rate, vsTemplate: ratio(r, mtom[1]) })),
    xml: xml.map((r) => ({ name: r.name, msgsPerSec: r.rate, vsTemplate: ratio(r, xml[1]) })),
  };
}

/** One XMLHttpRequest POST of `body`; resolves with the byte count the server says it received. */
function plainXhr(url, body) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.responseType = 'json';
    xhr.upload.addEventListener('progress', () => {});
    xhr.onload = () => resolve(xhr.response.received);
    xhr.onerror = () => reject(new Error('upload failed'));
    xhr.send(body);
  });
}

/**
 * A File uploaded to the loopback server: postMessage (the default Blob upload, MTOM around the
 * File, XMLHttpRequest with progress) against the same File sent alone with a plain
 * XMLHttpRequest. Interleaved rounds; the server's byte count is checked every time.
 */
async function uploadBench({ uploadBytes, uploadRounds }) {
  const file = new File([pseudoRandomBytes(uploadBytes)], 'data.bin', { type: 'application/octet-stream' });
  const build = async (writer) => {
    writer.writeStartElement('', 'Upload', 'urn:example');
    await writeAttachment(writer, file);
    writer.writeEndElement();
  };
  const timings = { library: [], plain: [] };
  for (let round = 0; round < uploadRounds + 1; round++) {
    let t = performance.now();
    let events = 0;
    const response = await postMessage('/upload', build, {
      encoding: { type: 'mtom' },
      onTransferProgress: () => events++,
    });
    const received = (await response.json()).received;
    const libraryMs = performance.now() - t;
    check(
      received > uploadBytes && received < uploadBytes + 4096 && events > 0,
      `postMessage upload: ${received} bytes, ${events} progress events`,
    );
    t = performance.now();
    check((await plainXhr('/upload', file)) === uploadBytes, 'plain XMLHttpRequest upload');
    const plainMs = performance.now() - t;
    if (round === 0) continue; // warm-up
    timings.library.push(libraryMs);
    timings.plain.push(plainMs);
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return {
    bytes: uploadBytes,
    rounds: uploadRounds,
    libraryMBps: uploadBytes / 1e3 / median(timings.library),
    plainMBps: uploadBytes / 1e3 / median(timings.plain),
    vsPlain: median(timings.plain.map((p, i) => p / timings.library[i])),
  };
}

window.runBench = async (config) => {
  const t0 = performance.now();
  const result = {
    userAgent: navigator.userAgent,
    simdCoreChosen: (await createXmlWriter()).simd,
    base64: await base64Bench(config),
    attachment: await attachmentBench(config),
    messages: await messagesBench(config),
    upload: await uploadBench(config),
  };
  result.seconds = (performance.now() - t0) / 1000;
  result.sink = keep > 0;
  return result;
};
window.benchReady = true;
