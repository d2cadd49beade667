// A 1 GiB attachment (256 MiB with --quick) uploaded from a file to a real MTOM service: Metro
// (the JAX-WS reference implementation, tests/service/) on 127.0.0.1, which reads the part
// streaming and answers with its SHA-256 and size. Each case runs in its own node process, which
// reports its time and its peak RSS (sampled every 50 ms); the service's digest is checked against
// the file's before any figure counts. Compared in the same run:
//   writer + requestMessage (node:http)       the file read straight into the ring, Content-Length
//   writer + postMessage (fetch)              the same through fetch's streaming request body
//   template + createReadStream → http        a hand-made multipart around the file, what one
//                                             writes without the library (the service's ceiling)
// Needs java, javac and Debian's libjaxws-java; without them it says so and records the skip.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, openSync, rmSync, statSync, writeSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { GiB, MiB, median, pseudoRandomBytes, sizeLabel } from './lib/harness.mjs';
import { QUICK, argValue, check, fmt, header, reportIdleRss, table, writeResults } from './lib/report.mjs';

const SOAP12 = 'http://www.w3.org/2003/05/soap-envelope';
const SERVICE_NS = 'urn:mtom-stream:service';
const ACTION = 'urn:mtom-stream:service/Digest';

const CASES = {
  'writer-request': 'writer + requestMessage (node:http), file → ring, Content-Length',
  'writer-fetch': 'writer + postMessage (fetch), file → ring, Content-Length',
  template: 'template strings + fs.createReadStream piped to http.request, Content-Length',
};

// ---- child mode: one upload, RSS sampled every 50 ms ----
const mode = argValue('case');
if (mode) {
  const { requestMessage, postMessage, writeAttachment } = await import('../dist/node.js');
  if (mode === 'idle') await reportIdleRss();
  const url = argValue('url');
  const path = argValue('file');
  let peak = process.memoryUsage.rss();
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 50);
  const build = async (writer) => {
    writer.writeStartElement('s', 'Envelope', SOAP12);
    writer.writeStartElement('s', 'Body', SOAP12);
    writer.writeStartElement('t', 'Upload', SERVICE_NS);
    writer.writeStartElement('t', 'file', SERVICE_NS);
    await writeAttachment(writer, { path });
    writer.writeEndElement();
    writer.writeEndElement();
    writer.writeEndElement();
    writer.writeEndElement();
  };
  const encoding = { type: 'mtom', action: ACTION };
  const t0 = performance.now();
  let body;
  if (mode === 'writer-request') {
    const response = await requestMessage(url, build, { encoding, ringSize: MiB });
    body = await textOf(response);
  } else if (mode === 'writer-fetch') {
    const response = await postMessage(url, build, { encoding, ringSize: MiB });
    body = await response.text();
  } else {
    body = await templateUpload(url, path);
  }
  const ms = performance.now() - t0;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage.rss());
  console.log(JSON.stringify({ ms, peak, body }));
  process.exit(0);
}

async function textOf(stream) {
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks).toString('latin1');
}

/** The same message by hand: head and tail strings around the file, with the exact length. */
async function templateUpload(url, path) {
  const boundary = 'uuid:bench-template-boundary';
  const startInfo = `application/soap+xml;action=\\"${ACTION}\\"`;
  const head =
    `--${boundary}\r\nContent-ID: <root@bench>\r\nContent-Type: application/xop+xml;charset=utf-8;type="${startInfo}"\r\n` +
    'Content-Transfer-Encoding: binary\r\n\r\n' +
    `<s:Envelope xmlns:s="${SOAP12}"><s:Body><t:Upload xmlns:t="${SERVICE_NS}"><t:file>` +
    '<xop:Include xmlns:xop="http://www.w3.org/2004/08/xop/include" href="cid:1@bench"/></t:file></t:Upload></s:Body></s:Envelope>' +
    `\r\n--${boundary}\r\nContent-ID: <1@bench>\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n`;
  const tail = `\r\n--${boundary}--\r\n`;
  const length = Buffer.byteLength(head) + statSync(path).size + Buffer.byteLength(tail);
  const request = http.request(url, {
    method: 'POST',
    headers: {
      'Content-Type': `multipart/related; type="application/xop+xml"; boundary="${boundary}"; start="<root@bench>"; start-info="${startInfo}"`,
      'MIME-Version': '1.0',
      'Content-Length': length,
    },
  });
  const response = new Promise((resolve, reject) => request.once('response', resolve).once('error', reject));
  async function* body() {
    yield Buffer.from(head);
    yield* createReadStream(path, { highWaterMark: 256 * 1024 });
    yield Buffer.from(tail);
  }
  await pipeline(Readable.from(body()), request);
  return textOf(await response);
}

// ---- main ----
const SIZE = QUICK ? 256 * MiB : GiB;
header(`service-upload: a ${sizeLabel(SIZE)} file uploaded to a Metro MTOM service on 127.0.0.1`);

const unavailable = await serviceHelper((helper) => helper.javaServiceUnavailable());
if (unavailable) {
  console.log(`skipped: ${unavailable}`);
  writeResults('service-upload', { skipped: unavailable });
  process.exit(0);
}

const file = `${os.tmpdir()}/mtom-stream-bench-service-${process.pid}.bin`;
process.on('exit', () => rmSync(file, { force: true }));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));

const digest = createHash('sha256');
const pattern = pseudoRandomBytes(MiB, 7);
const fd = openSync(file, 'w');
for (let left = SIZE; left > 0; left -= MiB) {
  const chunk = pattern.subarray(0, Math.min(MiB, left));
  writeSync(fd, chunk);
  digest.update(chunk);
}
closeSync(fd);
const expected = digest.digest('hex');

const { startJavaService } = await serviceHelper((helper) => helper);
const service = await startJavaService();
try {
  const self = fileURLToPath(import.meta.url);
  const child = (...args) =>
    JSON.parse(
      execFileSync(process.execPath, [self, ...args], { encoding: 'utf8', maxBuffer: 1 << 24 })
        .trim()
        .split('\n')
        .pop(),
    );
  const idle = median([1, 2, 3].map(() => child('--case=idle').rss));
  const results = [];
  for (const key of Object.keys(CASES)) {
    const r = child(`--case=${key}`, `--url=${service.soap12}`, `--file=${file}`);
    const part = /<d:part [^>]*size="(\d+)" sha256="([0-9a-f]+)" xop="true"/.exec(r.body);
    check(
      part && Number(part[1]) === SIZE && part[2] === expected,
      `${key}: the service read the whole file as a part (${r.body.slice(0, 400)})`,
    );
    results.push({
      case: key,
      name: CASES[key],
      seconds: r.ms / 1000,
      rate: SIZE / (r.ms / 1000),
      peakAboveIdleMiB: (r.peak - idle) / MiB,
    });
  }
  const template = results.find((r) => r.case === 'template');
  table(
    results.map((r) => ({
      alternative: r.name,
      s: r.seconds.toFixed(1),
      'MB/s': fmt.mbs(r.rate),
      'vs template': fmt.x(r.rate / template.rate),
      'client peak RSS − idle MiB': r.peakAboveIdleMiB.toFixed(1),
    })),
  );
  console.log(
    `one upload per case (the service digests every byte); idle node process with the same imports: ${fmt.mib(idle)} MiB`,
  );
  writeResults('service-upload', { bytes: SIZE, sha256: expected, idleRssMiB: idle / MiB, results });
} finally {
  await service.stop();
}

/** The service helper is TypeScript (tests/service/java-service.ts), loaded through tsx. */
async function serviceHelper(use) {
  const { tsImport } = await import('tsx/esm/api');
  return use(await tsImport('../tests/service/java-service.ts', import.meta.url));
}
