// Runs inside a browser (Chromium, Firefox or WebKit, loaded by bench/browser.mjs): the base64,
// MTOM and upload benchmarks against what a page has without the library, and the goals of the
// Node benchmarks measured here (`targets`). Plain ESM with no import map (dist/ has no bare
// imports); base64-js comes from its UMD build (window.base64js), fast-xml-parser's XMLBuilder
// from an ESM bundle bench/browser.mjs makes of it.
import { createXmlWriter, postMessage, writeAttachment } from '../../dist/index.js';
// fast-xml-parser's XMLBuilder bundled for the page by bench/browser.mjs (the same source as Node's).
import { XMLBuilder } from '/vendor/fast-xml-parser.mjs';
import { BUILDER_OPTIONS, builderObject, sampleData } from './envelope.mjs';
import { compare, instantiateCore, KiB, MiB, pseudoRandomBytes, ratio, sizeLabel } from './harness.mjs';
import { concatBytes } from '../../dist/reader/concat-bytes.js';
import { writeBytesValues } from './base64-values.mjs';
import { MTOM_TEXT_KEYS, messageCases, normaliseMtom, writersReset } from './message-cases.mjs';
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
        writerAlt('writer, SIMD core, default ring 256 KiB', true, undefined),
        writerAlt('writer, SIMD core, ring 1 MiB', true, MiB),
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
  return concatBytes(
    chunks,
    chunks.reduce((n, c) => n + c.length, 0),
  );
}

/**
 * The messages goals of bench/messages.mjs, built by the same code (lib/message-cases.mjs): the
 * MTOM message buffered (pushBytes, writeBytes) and streamed, against template strings +
 * TextEncoder joined into one Uint8Array; the envelope alone (a writer per message, one reused
 * through reset()) against a template string + TextEncoder and fast-xml-parser's XMLBuilder.
 */
async function messagesBench({ seconds, rounds }) {
  const data = sampleData();
  const attachment = pseudoRandomBytes(100 * KiB, 7);
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  const cases = messageCases({ data, attachment, toBytes: (s) => enc.encode(s), concat });
  const canReset = await writersReset();
  let streamedBytes = 0;
  const countStreamed = (bufs) => {
    for (let i = 0; i < bufs.length; i++) streamedBytes += bufs[i].length;
  };
  const builder = new XMLBuilder(BUILDER_OPTIONS);

  // Verify before timing: same parts, same XML (hrefs numbered), same attachment bytes, for the
  // buffered, writeBytes and streamed messages; the same XML bytes alone, from every builder.
  const theirs = normaliseMtom(cases.templateMessage());
  const chunks = [];
  const streamedWriter = await cases.writerStreamed((bufs) => {
    for (const b of bufs) chunks.push(b.slice());
  });
  const messageBytes = (await cases.writerPushBytes()).body.length;
  for (const [name, message] of [
    ['pushBytes', await cases.writerPushBytes()],
    ['writeBytes', await cases.writerWriteBytes()],
    ['streamed', { body: concat(chunks), contentType: streamedWriter.contentType }],
  ]) {
    const ours = normaliseMtom(message);
    for (const key of MTOM_TEXT_KEYS) check(ours[key] === theirs[key], `${name}: ${key} differs`);
    check(bytesEqual(ours.attachment, attachment) && bytesEqual(theirs.attachment, attachment), `${name}: attachment`);
    check(message.body.length === messageBytes, `${name}: message length`);
  }
  const xmlBytes = await cases.writerXml();
  const xmlText = dec.decode(xmlBytes);
  check(bytesEqual(xmlBytes, cases.templateXml()), 'writer and template give byte-identical XML');
  check(builder.build(builderObject(data)) === xmlText, 'XMLBuilder gives the same XML');
  if (canReset)
    for (let i = 0; i < 3; i++) check(bytesEqual(await cases.writerXmlReused(), xmlBytes), 'a reused writer');

  log('messages');
  const mtom = await compare(
    [
      {
        name: 'writer MTOM, pushBytes + sink.write',
        run: async (n) => {
          for (let i = 0; i < n; i++) keep += (await cases.writerPushBytes()).body.length;
        },
      },
      {
        name: 'writer MTOM, writeBytes (becomes a part)',
        run: async (n) => {
          for (let i = 0; i < n; i++) keep += (await cases.writerWriteBytes()).body.length;
        },
      },
      {
        name: 'writer MTOM, pushBytes, streamed to an output callback',
        run: async (n) => {
          const before = streamedBytes;
          for (let i = 0; i < n; i++) await cases.writerStreamed(countStreamed);
          check(streamedBytes - before === n * messageBytes, 'every streamed byte delivered');
        },
      },
      {
        name: 'template strings + TextEncoder + one Uint8Array',
        run: (n) => {
          for (let i = 0; i < n; i++) keep += cases.templateMessage().body.length;
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
          for (let i = 0; i < n; i++) keep += (await cases.writerXml()).length;
        },
      },
      ...(canReset
        ? [
            {
              name: 'writer reused through reset() → Uint8Array',
              run: async (n) => {
                for (let i = 0; i < n; i++) keep += (await cases.writerXmlReused()).length;
              },
            },
          ]
        : []),
      {
        name: 'XMLBuilder.build(object) → string',
        run: (n) => {
          for (let i = 0; i < n; i++) keep += builder.build(builderObject(data)).length;
        },
      },
      {
        name: 'XMLBuilder.build(object) → TextEncoder bytes',
        run: (n) => {
          for (let i = 0; i < n; i++) keep += enc.encode(builder.build(builderObject(data))).length;
        },
      },
      {
        name: 'template string → TextEncoder bytes',
        run: (n) => {
          for (let i = 0; i < n; i++) keep += cases.templateXml().length;
        },
      },
    ],
    { seconds, rounds },
  );
  const [pushed, viaParts, streamed, template] = mtom;
  const xmlFresh = xml[0];
  const xmlReused = canReset ? xml[1] : undefined;
  const xmlBuilder = xml.find((r) => r.name.startsWith('XMLBuilder'));
  const xmlTemplate = xml[xml.length - 1];
  return {
    messageBytes,
    xmlBytes: xmlBytes.length,
    canReset,
    mtom: mtom.map((r) => ({
      name: r.name,
      msgsPerSec: r.rate,
      vsTemplate: ratio(r, template),
      vsBuffered: ratio(r, pushed),
    })),
    xml: xml.map((r) => ({
      name: r.name,
      msgsPerSec: r.rate,
      vsTemplate: ratio(r, xmlTemplate),
      vsXmlBuilder: ratio(r, xmlBuilder),
    })),
    ratios: {
      pushBytesVsTemplate: ratio(pushed, template),
      writeBytesVsTemplate: ratio(viaParts, template),
      streamedVsBuffered: ratio(streamed, pushed),
      xmlVsTemplate: ratio(xmlFresh, xmlTemplate),
      xmlVsXmlBuilder: ratio(xmlFresh, xmlBuilder),
      createdVsReused: xmlReused ? ratio(xmlFresh, xmlReused) : undefined,
    },
  };
}

/**
 * The base64 goal of bench/base64.mjs in a page: writeBytes of 1 MiB values (text encoding) to an
 * output callback, the same document as there, against the wasm SIMD encoder alone (memory to
 * memory) and Uint8Array#toBase64 where the engine has it (no native code runs in a page).
 */
async function writeBytesBench({ seconds, rounds }) {
  const VALUE = MiB;
  const value = pseudoRandomBytes(VALUE);
  const expected = btoaChunked(value);
  const hasToBase64 = typeof Uint8Array.prototype.toBase64 === 'function';
  const simd = await instantiateCore(
    new Uint8Array(await (await fetch('/build/mtom-stream.wasm')).arrayBuffer()),
    4 * MiB,
  );
  const SRC = 64 * KiB;
  const DST = SRC + VALUE + 64 * KiB;
  check(simd.exports.init(64 * KiB, 64 * KiB) === 0, 'init');
  simd.u8.set(value, SRC);
  const writerValues = (n, output) => writeBytesValues(value, n, output);
  const chunks = [];
  await writerValues(2, (bufs) => {
    for (const b of bufs) chunks.push(b.slice());
  });
  check(ascii.decode(concat(chunks)) === `<r><v>${expected}</v><v>${expected}</v></r>`, 'writeBytes base64');
  const n = simd.exports.base64EncodeSimd(SRC, VALUE, DST);
  check(ascii.decode(simd.u8.subarray(DST, DST + n)) === expected, 'wasm SIMD base64');
  if (hasToBase64) check(value.toBase64() === expected, 'toBase64');
  let written = 0;
  const discard = (bufs) => {
    for (let i = 0; i < bufs.length; i++) written += bufs[i].length;
  };
  log('writeBytes 1 MiB values');
  const res = await compare(
    [
      {
        name: 'writer writeBytes, text encoding → output callback',
        unitsPerOp: VALUE,
        run: async (n) => {
          const before = written;
          await writerValues(n, discard);
          check(written - before >= n * expected.length, 'every value delivered');
        },
      },
      {
        name: 'wasm SIMD base64EncodeSimd (memory to memory)',
        unitsPerOp: VALUE,
        run: (n) => {
          for (let i = 0; i < n; i++) keep += simd.exports.base64EncodeSimd(SRC, VALUE, DST);
        },
      },
      ...(hasToBase64
        ? [
            {
              name: 'Uint8Array#toBase64 → string',
              unitsPerOp: VALUE,
              run: (n) => {
                for (let i = 0; i < n; i++) keep += value.toBase64().length;
              },
            },
          ]
        : []),
    ],
    { seconds, rounds },
  );
  return {
    valueBytes: VALUE,
    hasToBase64,
    alternatives: res.map((r) => ({ name: r.name, MBps: r.rate / 1e6 })),
    ratios: {
      writerVsWasm: ratio(res[0], res[1]),
      writerVsToBase64: hasToBase64 ? ratio(res[0], res[2]) : undefined,
    },
  };
}

/**
 * One XMLHttpRequest POST of `body`; resolves with the byte count the server says it received.
 * `headers` are set on the request; `asBlob` reads the answer as a Blob, then as JSON through a
 * Response (what postMessage does with the answer), instead of with responseType 'json'.
 */
function plainXhr(url, body, { headers = {}, asBlob = false } = {}) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    xhr.responseType = asBlob ? 'blob' : 'json';
    xhr.upload.addEventListener('progress', () => {});
    xhr.onload = () =>
      asBlob
        ? new Response(xhr.response).json().then((answer) => resolve(answer.received), reject)
        : resolve(xhr.response.received);
    xhr.onerror = () => reject(new Error('upload failed'));
    xhr.send(body);
  });
}

/**
 * A File uploaded to the loopback server: postMessage (the default Blob upload, MTOM around the
 * File, XMLHttpRequest with progress) against the same File sent alone with a plain
 * XMLHttpRequest. The server's byte count is checked every time.
 *
 * Where the difference goes, in the same rounds: postMessage with a `fetch` option that keeps the
 * body and sends nothing (writing the message into its Blob: the File's part goes through the
 * writer as zeros, then the File stands in for them); a plain XMLHttpRequest of that very Blob
 * (the library's message, sent without the library), once bare and once with postMessage's
 * request headers and answer handling; and one of `new Blob([file])` (a Blob whose only part is
 * the File). Each round sends them in a different order (rotated), so that no case always comes
 * first or last.
 */
async function uploadBench({ uploadBytes, uploadRounds }) {
  const file = new File([pseudoRandomBytes(uploadBytes)], 'data.bin', { type: 'application/octet-stream' });
  const build = async (writer) => {
    writer.writeStartElement('', 'Upload', 'urn:example');
    await writeAttachment(writer, file);
    writer.writeEndElement();
  };
  const wrapped = new Blob([file]);
  // The message the library sends, kept (and its headers) by a fetch option that sends nothing.
  let message;
  let messageHeaders;
  const buildOnly = () =>
    postMessage('/upload', build, {
      encoding: { type: 'mtom' },
      upload: 'blob',
      fetch: async (_url, init) => {
        message = init.body;
        messageHeaders = Object.fromEntries(init.headers.entries());
        return new Response(JSON.stringify({ received: init.body.size }));
      },
    });
  await buildOnly();
  const messageBytes = message.size;
  check(messageBytes > uploadBytes && messageBytes < uploadBytes + 4096, 'message Blob size');
  check(/^multipart\/related;/.test(messageHeaders['content-type']), 'message Content-Type');
  const cases = {
    library: async () => {
      let events = 0;
      const response = await postMessage('/upload', build, {
        encoding: { type: 'mtom' },
        onTransferProgress: () => events++,
      });
      const received = (await response.json()).received;
      check(
        received === messageBytes && events > 0,
        `postMessage upload: ${received} bytes, ${events} progress events`,
      );
    },
    buildOnly: async () => {
      await buildOnly();
      check(message.size === messageBytes, 'the message Blob');
    },
    messageBlob: async () => check((await plainXhr('/upload', message)) === messageBytes, 'message Blob upload'),
    messageBlobAsLibrary: async () =>
      check(
        (await plainXhr('/upload', message, { headers: messageHeaders, asBlob: true })) === messageBytes,
        'message Blob upload with the headers',
      ),
    wrappedFile: async () => check((await plainXhr('/upload', wrapped)) === uploadBytes, 'Blob([file]) upload'),
    plain: async () => check((await plainXhr('/upload', file)) === uploadBytes, 'plain XHR upload'),
  };
  const names = Object.keys(cases);
  const timings = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = 0; round < uploadRounds + 1; round++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(round + k) % names.length];
      const t = performance.now();
      await cases[name]();
      if (round > 0) timings[name].push(performance.now() - t); // round 0 warms up
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const vsPlain = (name) => median(timings.plain.map((p, i) => p / timings[name][i]));
  return {
    bytes: uploadBytes,
    rounds: uploadRounds,
    libraryMBps: uploadBytes / 1e3 / median(timings.library),
    plainMBps: uploadBytes / 1e3 / median(timings.plain),
    vsPlain: vsPlain('library'),
    medianMs: Object.fromEntries(names.map((name) => [name, median(timings[name])])),
    ratios: {
      messageBlobVsPlain: vsPlain('messageBlob'),
      messageBlobAsLibraryVsPlain: vsPlain('messageBlobAsLibrary'),
      wrappedFileVsPlain: vsPlain('wrappedFile'),
      buildShareOfLibrary: median(timings.buildOnly.map((b, i) => b / timings.library[i])),
    },
  };
}

/** The goals of the Node benchmarks as measured in this page: { measure, value, target, note? }. */
function goals({ attachment, messages, writeBytes }) {
  const m = messages.ratios;
  const attachmentGoal = (kind) => {
    const a = attachment.results.find((r) => r.producer === kind).alternatives;
    return {
      measure: `pushBytes ${sizeLabel(attachment.bytes)} (${kind === 'fill' ? 'view.fill' : 'pattern copy'}), writer (SIMD, default ring) vs plain JS loop + output callback`,
      value: a[0].vsPlain,
      target: 0.8,
    };
  };
  return [
    {
      measure: 'MTOM message buffered, pushBytes, vs template + TextEncoder + one Uint8Array',
      value: m.pushBytesVsTemplate,
      target: 1,
    },
    {
      measure: 'MTOM message buffered, writeBytes, vs template + TextEncoder + one Uint8Array',
      value: m.writeBytesVsTemplate,
      target: 0.8,
    },
    { measure: 'MTOM message streamed to an output callback vs buffered', value: m.streamedVsBuffered, target: 1.5 },
    { measure: 'envelope alone vs template + TextEncoder', value: m.xmlVsTemplate, target: 0.5 },
    { measure: 'envelope alone vs XMLBuilder', value: m.xmlVsXmlBuilder, target: 3 },
    {
      measure: 'envelope alone, writer created per message vs one reused',
      value: m.createdVsReused,
      target: 0.9,
      note: messages.canReset ? undefined : 'this build has no reset()',
    },
    {
      measure: 'writeBytes 1 MiB values (text) vs wasm SIMD encoder alone',
      value: writeBytes.ratios.writerVsWasm,
      target: 0.7,
    },
    {
      measure: 'writeBytes 1 MiB values (text) vs Uint8Array#toBase64',
      value: writeBytes.ratios.writerVsToBase64,
      target: 0.7,
      note: writeBytes.hasToBase64 ? undefined : 'this engine has no Uint8Array#toBase64',
    },
    attachmentGoal('fill'),
    attachmentGoal('copy'),
  ];
}

window.runBench = async (config) => {
  const t0 = performance.now();
  const result = {
    userAgent: navigator.userAgent,
    simdCoreChosen: (await createXmlWriter()).simd,
    base64: await base64Bench(config),
    writeBytes: await writeBytesBench(config),
    attachment: await attachmentBench(config),
    messages: await messagesBench(config),
    upload: await uploadBench(config),
  };
  result.targets = goals(result);
  result.seconds = (performance.now() - t0) / 1000;
  result.sink = keep > 0;
  return result;
};
window.benchReady = true;
