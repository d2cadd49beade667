// The page of bench/browser-unattended.mjs: the envelope alone and the MTOM message timed in a
// browser that no automation drives, with the same harness and the same builders as the other
// benchmarks (lib/message-cases.mjs). Every output is checked first; the rates and ratios are
// posted back to the server that served the page.
import { concatBytes } from '../../dist/reader/concat-bytes.js';
import { sampleData } from './envelope.mjs';
import { compare, KiB, pseudoRandomBytes, ratio } from './harness.mjs';
import { MTOM_TEXT_KEYS, messageCases, normaliseMtom } from './message-cases.mjs';

const settings = await (await fetch('/settings')).json();
const encoder = new TextEncoder();
const concat = (arrays) =>
  concatBytes(
    arrays,
    arrays.reduce((n, a) => n + a.length, 0),
  );
const sameBytes = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
function check(condition, message) {
  if (!condition) throw new Error(`verification failed: ${message}`);
}

async function measure() {
  const attachment = pseudoRandomBytes(100 * KiB, 7);
  const cases = messageCases({ data: sampleData(), attachment, toBytes: (s) => encoder.encode(s), concat });

  // The same envelope from every builder; the same parts, headers, XML and attachment.
  const xml = cases.templateXml();
  check(sameBytes(await cases.writerXml(), xml), 'writer envelope = template envelope');
  check(sameBytes(await cases.writerXmlReused(), xml), 'reused writer envelope = template envelope');
  const ours = normaliseMtom(await cases.writerPushBytes());
  const theirs = normaliseMtom(cases.templateMessage());
  for (const key of MTOM_TEXT_KEYS) check(ours[key] === theirs[key], `MTOM ${key}`);
  check(sameBytes(ours.attachment, attachment), 'MTOM attachment bytes');
  let streamed = 0;
  const count = (buffers) => {
    for (const b of buffers) streamed += b.length;
  };

  const loop = (f) => async (n) => {
    for (let i = 0; i < n; i++) await f();
  };
  const options = { seconds: settings.seconds, rounds: settings.rounds };
  const [perMessage, reused, template] = await compare(
    [
      { name: 'writer, text encoding → Uint8Array', unitsPerOp: 1, run: loop(cases.writerXml) },
      { name: 'writer reused through reset() → Uint8Array', unitsPerOp: 1, run: loop(cases.writerXmlReused) },
      { name: 'template string → TextEncoder bytes', unitsPerOp: 1, run: loop(cases.templateXml) },
    ],
    options,
  );
  const [buffered, toOutput, templateMessage] = await compare(
    [
      { name: 'writer MTOM, pushBytes + sink.write, buffered', unitsPerOp: 1, run: loop(cases.writerPushBytes) },
      {
        name: 'writer MTOM, pushBytes, streamed to an output callback',
        unitsPerOp: 1,
        run: loop(() => cases.writerStreamed(count)),
      },
      { name: 'template strings + TextEncoder + one Uint8Array', unitsPerOp: 1, run: loop(cases.templateMessage) },
    ],
    options,
  );
  check(streamed > 0, 'the streamed messages reached the output');
  const rate = (r) => ({ name: r.name, msgsPerSec: r.rate });
  return {
    userAgent: navigator.userAgent,
    envelope: [perMessage, reused, template].map(rate),
    mtom: [buffered, toOutput, templateMessage].map(rate),
    ratios: {
      envelopeVsTemplate: ratio(perMessage, template),
      createdVsReused: ratio(perMessage, reused),
      bufferedVsTemplate: ratio(buffered, templateMessage),
      streamedVsTemplate: ratio(toOutput, templateMessage),
      streamedVsBuffered: ratio(toOutput, buffered),
    },
  };
}

let body;
try {
  body = { ok: true, ...(await measure()) };
} catch (error) {
  body = { ok: false, error: String(error?.stack ?? error) };
}
await fetch('/results', { method: 'POST', body: JSON.stringify(body) });
