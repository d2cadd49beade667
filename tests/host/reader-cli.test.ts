// `mtom-stream unpack`, run as a child process (dist/cli/main.js, built by `npm run build`): peer
// messages and messages from `mtom-stream pack` unpack to their parts, byte for byte; a failed
// run exits 1 and leaves no file that looks complete.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { infoset } from './reader-infoset.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const PEERS = join(ROOT, 'tests', 'fixtures', 'peer-messages');
const CLI_FIXTURES = join(ROOT, 'tests', 'fixtures', 'cli');
const work = mkdtempSync(join(tmpdir(), 'unpack-'));
after(() => rmSync(work, { recursive: true, force: true }));

function run(args: string[], stdin?: Buffer): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') }),
    );
    child.stdin.end(stdin);
  });
}

interface Entry {
  contentId: string;
  contentType: string;
  file: string;
  size: number;
}

test('a peer message with its Content-Type: root.xml, every part, parts.json', async () => {
  const out = join(work, 'peer');
  const ct = readFileSync(join(PEERS, 'saaj-xop-s12-multi.ct'), 'utf8');
  const result = await run(['unpack', join(PEERS, 'saaj-xop-s12-multi.body'), '--content-type', ct, '-o', out]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /wrote root\.xml and 5 parts/);
  const expected = JSON.parse(readFileSync(join(PEERS, 'saaj-xop-s12-multi.parts.json'), 'utf8')).parts as {
    size: number;
    content_type: string;
  }[];
  const manifest = JSON.parse(readFileSync(join(out, 'parts.json'), 'utf8')) as Entry[];
  assert.deepEqual(
    manifest.map((e) => [e.size, e.contentType]),
    expected.map((p) => [p.size, p.content_type]),
  );
  for (const entry of manifest) assert.equal(readFileSync(join(out, entry.file)).length, entry.size);
  // root.xml is the document with its xop:Include elements: the infoset of the root part.
  const root = infoset(readFileSync(join(out, 'root.xml'), 'utf8'));
  assert.equal(root.filter((e) => e.startsWith('<{http://www.w3.org/2004/08/xop/include}Include')).length, 5);
});

test('pack --mime-header, then unpack with no Content-Type: the files come back byte for byte', async () => {
  const message = join(work, 'packed.mtom');
  const report = `report=${join(CLI_FIXTURES, 'report.txt')}`;
  const packed = await run([
    'pack',
    '--mime-header',
    '-q',
    '--attach',
    report,
    join(CLI_FIXTURES, 'envelope.xml'),
    '-o',
    message,
  ]);
  assert.equal(packed.code, 0, packed.stderr);
  const out = join(work, 'roundtrip');
  const result = await run(['unpack', message, '-o', out]);
  assert.equal(result.code, 0, result.stderr);
  const manifest = JSON.parse(readFileSync(join(out, 'parts.json'), 'utf8')) as Entry[];
  const photo = readFileSync(join(CLI_FIXTURES, 'photo.png'));
  const photoPart = manifest.find((e) => e.contentType === 'image/png');
  assert.ok(photoPart, JSON.stringify(manifest));
  assert.deepEqual(readFileSync(join(out, photoPart.file)), photo);
  const reportPart = manifest.find((e) =>
    readFileSync(join(out, e.file)).equals(readFileSync(join(CLI_FIXTURES, 'report.txt'))),
  );
  assert.ok(reportPart, 'report.txt came back');
});

test('from stdin', async () => {
  const out = join(work, 'stdin');
  const body = readFileSync(join(PEERS, 'mono-wcfhttp-s12-multi.body')); // starts with its own MIME header
  const result = await run(['unpack', '-', '-o', out], body);
  assert.equal(result.code, 0, result.stderr);
  assert.equal((JSON.parse(readFileSync(join(out, 'parts.json'), 'utf8')) as Entry[]).length, 3);
});

test('a truncated message exits 1 with the reader code, and leaves no complete-looking file', async () => {
  const out = join(work, 'truncated');
  const body = readFileSync(join(PEERS, 'gsoap-s12-multi.body'));
  const cut = join(work, 'cut.mtom');
  await import('node:fs/promises').then((fs) => fs.writeFile(cut, body.subarray(0, body.length - 2000)));
  const result = await run(['unpack', cut, '-o', out]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /cut short \(WS_E_INVALID_FORMAT\)/);
  assert.deepEqual(existsSync(out) ? readdirSync(out) : [], []);
});

test('usage errors exit 2', async () => {
  assert.equal((await run(['unpack', join(PEERS, 'gsoap-s12-multi.body')])).code, 2);
  assert.equal((await run(['unpack', '-o', work])).code, 2);
  const help = await run(['unpack', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout.toString(), /Usage: mtom-stream unpack/);
});
