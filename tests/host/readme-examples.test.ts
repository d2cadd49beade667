// The README's Node examples, run as written: every ```js or ```ts block after a marker comment
// `<!-- example: NAME -->` is saved as a file in a scratch project whose node_modules/mtom-stream
// is this package (its dist/, as `npm run build` left it), and run with node from a directory
// holding the files it names. Each example's output is then checked with an independent MTOM
// parser, a loopback HTTP server that reads what it was sent, or the real SOAP service.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it as test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { javaServiceUnavailable, startJavaService, type JavaService } from '../service/java-service.js';
import { parseMtom, randomBytes, type ParsedMessage } from './mtom-reader.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MARKER = /<!-- example: ([\w.-]+) -->\n```(js|ts)\n([\s\S]*?)\n```/g;
const run = promisify(execFile);

interface Example {
  name: string;
  file: string;
  code: string;
}

/** The marked examples, in README order; `NAME.cjs` keeps its extension, others get .mjs or .mts. */
function examplesIn(readme: string): Example[] {
  return [...readme.matchAll(MARKER)].map(([, name, language, code]) => ({
    name,
    file: /\.\w+$/.test(name) ? name : `${name}.${language === 'ts' ? 'mts' : 'mjs'}`,
    code: `${code}\n`,
  }));
}

/** Files the examples read from their working directory. */
const FIXTURES: Record<string, Uint8Array> = {
  'photo.jpg': randomBytes(300 * 1024 + 5, 7),
  'scan.pdf': randomBytes(200 * 1024 + 3, 11),
  'report.bin': randomBytes(100 * 1024 + 1, 13),
};

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

interface Received {
  headers: IncomingHttpHeaders;
  body: Uint8Array;
}

/** A loopback HTTP server that keeps every request it reads and answers 200 with a small XML body. */
async function startRecorder(): Promise<{ server: Server; url: string; requests: Received[] }> {
  const requests: Received[] = [];
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    requests.push({ headers: request.headers, body: Buffer.concat(chunks) });
    response.writeHead(200, { 'Content-Type': 'text/xml' }).end('<ok/>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/upload`, requests };
}

/** The one part after the root part, checked against the fixture it was read from. */
function assertOnePart(message: ParsedMessage, fixture: string, contentType: string) {
  assert.equal(message.parts.length, 2, 'a root part and one attachment part');
  assert.equal(message.parts[1].headers['content-type'], contentType);
  assert.equal(sha256(message.parts[1].bytes), sha256(FIXTURES[fixture]), `the part holds ${fixture}`);
}

/**
 * The output the README shows for an example: the 4-space indented lines after the first "prints"
 * that follows the example's code block.
 */
function printedAfter(readme: string, name: string): string[] {
  const at = readme.indexOf(`<!-- example: ${name} -->`);
  const codeEnd = readme.indexOf('\n```\n', readme.indexOf('```', at) + 3);
  const prints = readme.indexOf('\nprints', codeEnd);
  const block = /\n\n((?: {4}.*\n|\n)+)/.exec(readme.slice(prints));
  assert.ok(block, `no printed output after example ${name}`);
  return block[1]
    .trimEnd()
    .split('\n')
    .map((line) => line.slice(4));
}

function root(message: ParsedMessage): string {
  return new TextDecoder().decode(message.parts[0].bytes);
}

describe('README examples', () => {
  let scratch: string;
  let examples: Example[];
  let readme: string;
  let recorder: Awaited<ReturnType<typeof startRecorder>>;
  let service: JavaService | undefined;
  const serviceUnavailable = javaServiceUnavailable();

  before(async () => {
    assert.ok(existsSync(join(ROOT, 'dist', 'index.js')), 'dist/ is missing: run npm run build first');
    readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    examples = examplesIn(readme);
    scratch = await mkdtemp(join(tmpdir(), 'mtom-readme-'));
    await mkdir(join(scratch, 'node_modules'));
    await symlink(ROOT, join(scratch, 'node_modules', 'mtom-stream'), 'dir');
    await symlink(join(ROOT, 'node_modules', 'soap'), join(scratch, 'node_modules', 'soap'), 'dir');
    recorder = await startRecorder();
    if (!serviceUnavailable) service = await startJavaService();
  });

  after(async () => {
    recorder?.server.close();
    await service?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  /**
   * Runs one example in a fresh directory with the fixtures, after the examples it reads the output
   * of (`first`, run in the same directory); resolves with its stdout and directory.
   */
  async function runExample(name: string, env: Record<string, string> = {}, first: string[] = []) {
    const dir = join(scratch, name);
    await mkdir(join(dir, 'tests', 'service'), { recursive: true });
    for (const [file, bytes] of Object.entries(FIXTURES)) await writeFile(join(dir, file), bytes);
    await copyFile(
      join(ROOT, 'tests', 'service', 'MtomDigestService.wsdl'),
      join(dir, 'tests', 'service', 'MtomDigestService.wsdl'),
    );
    for (const earlier of first) await runIn(dir, earlier, env);
    return runIn(dir, name, env);
  }

  async function runIn(dir: string, name: string, env: Record<string, string>) {
    const example = examples.find((candidate) => candidate.name === name);
    assert.ok(example, `README.md has no example marked <!-- example: ${name} -->`);
    await writeFile(join(dir, example.file), example.code);
    const args = example.file.endsWith('.mts')
      ? ['--import', import.meta.resolve('tsx'), example.file]
      : [example.file];
    const { stdout, stderr } = await run(process.execPath, args, {
      cwd: dir,
      env: { ...process.env, ...env },
      timeout: 120_000,
    }).catch((error: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(`example ${name} failed: ${error.message}\nstdout:\n${error.stdout}\nstderr:\n${error.stderr}`);
    });
    assert.equal(stderr, '', `example ${name} wrote to stderr`);
    return { stdout, lines: stdout.trimEnd().split('\n'), dir };
  }

  test('every ```js block is marked as an example, and every marked example is checked here', async () => {
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    const jsBlocks = readme.match(/^```js$/gm) ?? [];
    const markedJs = [...readme.matchAll(MARKER)].filter(([, , language]) => language === 'js');
    assert.equal(markedJs.length, jsBlocks.length, 'a ```js block without <!-- example: NAME --> before it');
    assert.deepEqual(
      examples.map((example) => example.name).sort(),
      Object.keys(CHECKED).sort(),
      'the README examples and the checks below differ',
    );
  });

  const CHECKED: Record<string, true> = {};
  const example = (name: string, body: (t: TestContext) => Promise<void>) => {
    CHECKED[name] = true;
    test(name, body);
  };

  example('commonjs.cjs', async () => {
    const { lines } = await runExample('commonjs.cjs');
    assert.match(lines[0], /^multipart\/related; type="application\/xop\+xml"; .* \d+$/);
  });

  example('quick-start', async () => {
    const { lines, dir } = await runExample('quick-start');
    const [contentType, expected] = lines;
    const message = await readFile(join(dir, 'message.mtom'));
    assert.equal(Number(expected), message.length, 'expectedLength() is the length written');
    const parsed = parseMtom(message, contentType);
    assertOnePart(parsed, 'photo.jpg', 'image/jpeg');
    assert.match(root(parsed), /<m:Photo [^>]*xmime:contentType="image\/jpeg"[^>]*><xop:Include /);
  });

  example('buffered', async () => {
    const { lines } = await runExample('buffered');
    assert.ok(Number(lines[0]) > 100, `a whole message: ${lines[0]} bytes`);
  });

  example('part-headers', async () => {
    const { lines } = await runExample('part-headers');
    assert.deepEqual(lines, printedAfter(readme, 'part-headers'));
  });

  example('typed-values', async () => {
    const { lines } = await runExample('typed-values');
    assert.equal(lines[0], 'env undefined');
    // The README wraps the one line it prints; compare without the whitespace.
    const squeeze = (text: string) => text.replace(/\s+/g, '');
    assert.equal(squeeze(lines.slice(1).join('')), squeeze(printedAfter(readme, 'typed-values').join('')));
  });

  example('reset', async () => {
    const { lines } = await runExample('reset');
    const rows = lines.map((line) => line.split(' '));
    assert.deepEqual(
      rows.map(([id, length]) => [id, length]),
      [
        ['1', '2664'],
        ['2', '2664'],
        ['3', '2664'],
      ],
    );
    assert.equal(new Set(rows.map(([, , boundary]) => boundary)).size, 3, 'each message has its own boundary');
  });

  example('action-placement', async () => {
    const { lines } = await runExample('action-placement');
    assert.deepEqual(lines, printedAfter(readme, 'action-placement'));
  });

  example('abort-after-done', async () => {
    const { lines } = await runExample('abort-after-done');
    assert.deepEqual(lines, ['false', 'ended']);
  });

  example('forgotten-await', async () => {
    const { lines } = await runExample('forgotten-await');
    assert.match(lines[0], /^WS_E_INVALID_OPERATION - writeEndElement was called before writeAttachment/);
    assert.equal(lines[1], 'true');
  });

  example('readable-to-file', async () => {
    const { lines, dir } = await runExample('readable-to-file');
    const parsed = parseMtom(await readFile(join(dir, 'message.mime')), lines[0]);
    assertOnePart(parsed, 'scan.pdf', 'application/pdf');
  });

  example('post-message', async () => {
    const before = recorder.requests.length;
    const { lines } = await runExample('post-message', { UPLOAD_URL: recorder.url });
    assert.equal(lines.at(-1), '200 <ok/>');
    const [request] = recorder.requests.slice(before);
    assert.ok(request, 'the server received the upload');
    assert.match(String(request.headers['content-type']), /action=\\?"urn:example\/Upload/);
    assert.equal(Number(request.headers['content-length']), request.body.length, 'an exact Content-Length');
    const parsed = parseMtom(request.body, String(request.headers['content-type']));
    assertOnePart(parsed, 'scan.pdf', 'application/pdf');
    assert.match(root(parsed), /<Upload xmlns="urn:example"><FileName>scan\.pdf<\/FileName><Data><xop:Include /);
    // Progress lines "sent / total" before the answer, the last one complete.
    assert.equal(lines.at(-2), `${request.body.length} / ${request.body.length}`);
  });

  example('request-message', async () => {
    const before = recorder.requests.length;
    const { lines } = await runExample('request-message', { UPLOAD_URL: recorder.url });
    assert.equal(lines.at(-1), '200 <ok/>');
    const [request] = recorder.requests.slice(before);
    assert.ok(request, 'the server received the upload');
    assert.equal(request.headers.soapaction, '"urn:example/Upload"');
    assert.equal(Number(request.headers['content-length']), request.body.length, 'an exact Content-Length');
    const parsed = parseMtom(request.body, String(request.headers['content-type']));
    assertOnePart(parsed, 'report.bin', 'application/octet-stream');
  });

  example('write-xml', async () => {
    const { lines, dir, stdout } = await runExample('write-xml');
    assert.match(
      stdout.replace(/\s+/g, ' '),
      /\{ parts: 1, unusedAttachments: \[\], droppedInstructions: 0, droppedComments: 0 \}/,
    );
    const parsed = parseMtom(await readFile(join(dir, 'message.mtom')), lines.at(-1)!);
    assertOnePart(parsed, 'scan.pdf', 'application/octet-stream');
    assert.match(root(parsed), /<!-- from a template -->/);
  });

  example('read-write', async () => {
    const { dir } = await runExample('read-write');
    const message = await readFile(join(dir, 'message.mtom'));
    const head = message.subarray(0, message.indexOf('\r\n\r\n')).toString('latin1');
    const contentType = /^Content-Type: (.*)$/m.exec(head)?.[1];
    assert.ok(contentType, 'the message starts with its own MIME header');
    const parsed = parseMtom(message.subarray(head.length + 4), contentType);
    assertOnePart(parsed, 'photo.jpg', 'image/jpeg');
  });

  example('read-stream', async () => {
    const { lines, dir } = await runExample('read-stream', {}, ['read-write']);
    assert.deepEqual(lines.slice(0, 3), [
      'element {http://www.w3.org/2003/05/soap-envelope}Envelope []',
      'element {http://www.w3.org/2003/05/soap-envelope}Body []',
      "element {urn:example}Photo [ 'photo.jpg' ]",
    ]);
    assert.match(lines[3], /^bytes \S+ image\/jpeg$/);
    assert.equal(sha256(await readFile(join(dir, 'photo-copy.jpg'))), sha256(FIXTURES['photo.jpg']));
  });

  example('read-message', async () => {
    const { lines } = await runExample('read-message', {}, ['read-write']);
    assert.match(lines[0], /^<s:Envelope [^>]*><s:Body><m:Photo [^>]*m:name="photo\.jpg"[^>]*>/);
    assert.match(lines.at(-1)!, new RegExp(`\\[ '[^']+', 'image/jpeg', ${FIXTURES['photo.jpg'].length} \\]`));
  });

  example('read-response', async () => {
    const { lines } = await runExample('read-response', {}, ['read-write']);
    assert.deepEqual(lines, [`image/jpeg ${FIXTURES['photo.jpg'].length} bytes`]);
  });

  example('pack-message', async (t) => {
    if (!service) {
      t.skip(serviceUnavailable);
      return;
    }
    const { lines } = await runExample('pack-message', { SERVICE_URL: service.soap12 });
    const length = Number(lines[0]);
    assert.match(lines[1], /^200 <d:Digests /);
    assert.ok(lines[1].includes(`contentLength="${length}"`), 'the service received the exact Content-Length');
    assert.ok(lines[1].includes(sha256(new Uint8Array([1, 2, 3]))), 'the cid: attachment arrived');
    assert.ok(lines[1].includes(sha256(FIXTURES['scan.pdf'])), 'the file: attachment arrived');
  });

  example('send-xml', async (t) => {
    if (!service) {
      t.skip(serviceUnavailable);
      return;
    }
    const { lines } = await runExample('send-xml', { SERVICE_URL: service.soap12 });
    assert.match(lines[0], /^200 <d:part /);
    assert.ok(lines[0].includes(sha256(FIXTURES['scan.pdf'])), 'requestMessage: the file arrived as sent');
    assert.match(lines[1], /^200 <d:part /);
    assert.ok(lines[1].includes(sha256(new TextEncoder().encode('hello'))), 'postMessage: the Blob arrived as sent');
  });

  example('node-soap', async (t) => {
    if (!service) {
      t.skip(serviceUnavailable);
      return;
    }
    const { stdout } = await runExample('node-soap', { SERVICE_URL: service.soap11 });
    assert.ok(stdout.includes(sha256(FIXTURES['scan.pdf'])), 'the scan arrived as sent');
    assert.ok(stdout.includes(sha256(new TextEncoder().encode('hello'))), 'the notes arrived as sent');
    assert.ok(stdout.includes("'Content-ID: <scan@example.org>'"), "node-soap's Content-ID was kept");
    assert.ok(stdout.includes(`'Content-Disposition: attachment; filename="scan.pdf"'`), 'and its file name');
  });
});
