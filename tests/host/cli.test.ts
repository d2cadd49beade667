// The mtom-stream command, run as a child process (dist/cli/main.js, built by `npm run build`) on the
// fixtures in tests/fixtures/cli/. Its output is read back with an independent multipart parser
// (@mjackson/multipart-parser) and checked part by part against the files.
import { parseMultipart } from '@mjackson/multipart-parser';
import { SaxesParser } from 'saxes';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const FIXTURES = join(ROOT, 'tests', 'fixtures', 'cli');
const ENVELOPE = join(FIXTURES, 'envelope.xml');
const PHOTO = readFileSync(join(FIXTURES, 'photo.png'));
const REPORT = readFileSync(join(FIXTURES, 'report.txt'));
/** The <Data> element of envelope.xml holds the base64 of these 1024 bytes. */
const DATA = Uint8Array.from({ length: 1024 }, (_, i) => i & 255);
const BOUNDARY = 'MIME_boundary_7f3c';
const XOP = 'http://www.w3.org/2004/08/xop/include';

interface Run {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

function run(args: string[], options: { cwd?: string; stdin?: Buffer } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd ?? ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') }),
    );
    child.stdin.end(options.stdin);
  });
}

interface Part {
  headers: Record<string, string>;
  bytes: Buffer;
}

/** A top-level Content-Type parameter, quoted or not (RFC 2045 §5.1); quoted values may hold `;` and `=`. */
function parameter(contentType: string, name: string): string | undefined {
  const pattern = /;\s*([^=;\s]+)=(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))/g;
  for (const match of contentType.matchAll(pattern)) {
    if (match[1].toLowerCase() === name) return match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : match[3];
  }
  return undefined;
}

function parse(message: Uint8Array, contentType: string): Part[] {
  const boundary = parameter(contentType, 'boundary');
  assert.ok(boundary, `a boundary in ${contentType}`);
  const parts: Part[] = [];
  for (const part of parseMultipart(message, { boundary, maxFileSize: 1 << 30 })) {
    const headers: Record<string, string> = {};
    part.headers.forEach((value: string, key: string) => {
      headers[key.toLowerCase()] = value;
    });
    parts.push({ headers, bytes: Buffer.from(part.bytes) });
  }
  return parts;
}

/** The Content-Type line the command prints on stderr. */
function printedContentType(stderr: string): string {
  const match = /^Content-Type: (.+)$/m.exec(stderr);
  assert.ok(match, `a Content-Type line in:\n${stderr}`);
  return match[1];
}

/** Whether the bytes end with a close delimiter: a message that looks complete. */
function looksComplete(bytes: Buffer): boolean {
  return /\r\n--[^\r\n]*--\r\n$/.test(bytes.subarray(-200).toString('latin1'));
}

/** The part an xop:Include in the root XML refers to, by its cid. */
function partFor(parts: Part[], cid: string): Part {
  const part = parts.find((p) => p.headers['content-id'] === `<${cid}>`);
  assert.ok(part, `a part with Content-ID <${cid}>`);
  return part;
}

/** The href of the xop:Include inside `<element ...>` in the root XML. */
function includeIn(xml: string, element: string): string {
  const match = new RegExp(
    `<${element}(?: [^>]*)?><xop:Include xmlns:xop="${XOP}" href="cid:([^"]+)"/></${element}>`,
  ).exec(xml);
  assert.ok(match, `<${element}> holds exactly one xop:Include in:\n${xml}`);
  return match[1];
}

/** Element names, namespaces, attributes and text (adjacent text merged; none outside the root), as XML Infoset items. */
function infoset(xml: string): unknown[] {
  const items: unknown[] = [];
  let depth = 0;
  const parser = new SaxesParser({ xmlns: true });
  const text = (t: string) => {
    if (depth === 0 || t === '') return;
    const last = items[items.length - 1] as unknown[] | undefined;
    if (last?.[0] === 'text') last[1] += t;
    else items.push(['text', t]);
  };
  parser.on('opentag', (tag) => {
    depth++;
    const attributes = Object.values(tag.attributes)
      .filter((a) => a.uri !== 'http://www.w3.org/2000/xmlns/')
      .map((a) => `{${a.uri}}${a.local}=${a.value}`)
      .sort();
    items.push(['element', `{${tag.uri}}${tag.local}`, attributes]);
  });
  parser.on('closetag', () => {
    depth--;
    items.push(['end']);
  });
  parser.on('text', text);
  parser.on('cdata', text);
  parser.write(xml).close();
  return items;
}

let work: string;
before(() => {
  work = mkdtempSync(join(tmpdir(), 'mtom-stream-cli-'));
});
after(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('mtom-stream --help', () => {
  test('documents the command and pack, and exits 0', async () => {
    const main = await run(['--help']);
    assert.equal(main.code, 0);
    assert.match(main.stdout.toString(), /Usage: mtom-stream <command>/);
    assert.match(main.stdout.toString(), /pack/);
    for (const args of [
      ['pack', '--help'],
      ['help', 'pack'],
      ['pack', '-h'],
    ]) {
      const help = await run(args);
      assert.equal(help.code, 0, args.join(' '));
      const text = help.stdout.toString();
      for (const option of [
        '--output',
        '--attach',
        '--base-dir',
        '--type',
        '--min-size',
        '--soap11',
        '--soap12',
        '--action',
        '--boundary',
        '--start',
        '--mime-header',
        '--print-content-type',
        '--quiet',
      ]) {
        assert.ok(text.includes(option), `pack --help documents ${option}`);
      }
      assert.match(text, /xop:Include[^\n]*href="file:/);
      assert.match(text, /temporary file beside FILE/);
    }
  });

  test('--version prints the package version', async () => {
    const { code, stdout } = await run(['--version']);
    assert.equal(code, 0);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    assert.equal(stdout.toString().trim(), pkg.version);
  });
});

describe('mtom-stream pack', () => {
  test('writes placeholders, --attach files and large base64 as parts; the rest of the document as written', async () => {
    const { code, stdout, stderr } = await run([
      'pack',
      ENVELOPE,
      '--attach',
      `report=${join(FIXTURES, 'report.txt')}`,
      '--boundary',
      BOUNDARY,
      '--start',
      'root@example.org',
    ]);
    assert.equal(code, 0, stderr);
    const contentType = printedContentType(stderr);
    assert.equal(
      contentType,
      `multipart/related; type="application/xop+xml"; boundary="${BOUNDARY}"; start="<root@example.org>"; start-info="application/soap+xml"`,
    );
    assert.match(stderr, new RegExp(`^Content-Length: ${stdout.length}$`, 'm'));
    // Comments and processing instructions are copied (none stands beside an xop:Include).
    assert.doesNotMatch(stderr, /were not copied/);
    assert.ok(stdout.subarray(0, BOUNDARY.length + 4).equals(Buffer.from(`--${BOUNDARY}\r\n`)), 'no preamble');
    assert.ok(looksComplete(stdout));

    const parts = parse(stdout, contentType);
    assert.equal(parts.length, 4);
    const [root] = parts;
    assert.equal(root.headers['content-id'], '<root@example.org>');
    assert.equal(root.headers['content-type'], 'application/xop+xml; charset=utf-8; type="application/soap+xml"');
    assert.equal(root.headers['content-transfer-encoding'], 'binary');

    const xml = root.bytes.toString('utf8');
    const photo = includeIn(xml, 'ex:Photo');
    const report = includeIn(xml, 'Report');
    const data = includeIn(xml, 'Data');
    const expected = `<?xml version="1.0" encoding="utf-8"?><!-- An upload: a photo from a file, a report given on the command line, and base64 inline. --><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:xop="${XOP}" xmlns:xmime="http://www.w3.org/2005/05/xmlmime">
  <s:Header>
    <a:Action xmlns:a="http://www.w3.org/2005/08/addressing" s:mustUnderstand="1">urn:example:Upload</a:Action>
  </s:Header>
  <s:Body>
    <ex:Upload xmlns:ex="urn:example" xmlns="urn:example:default" xml:lang="en" title="A &amp; B &lt;C&gt; &quot;q&quot;">
      <?app-hint keep?>
      <ex:Photo xmime:contentType="image/png"><xop:Include xmlns:xop="${XOP}" href="cid:${photo}"/></ex:Photo>
      <Report><xop:Include xmlns:xop="${XOP}" href="cid:${report}"/></Report>
      <Data><xop:Include xmlns:xop="${XOP}" href="cid:${data}"/></Data>
      <Small>AAECAwQF</Small>
      <Note>café \u{1F600} 5 &lt; 6 &amp; <![CDATA[<raw> & ]]>done</Note>
      <Empty/>
    </ex:Upload>
  </s:Body>
</s:Envelope>`;
    assert.equal(xml, expected);

    // Parts follow the root part in the order of their xop:Include elements (XOP §3).
    assert.deepEqual(
      parts.slice(1).map((p) => p.headers['content-id']),
      [photo, report, data].map((id) => `<${id}>`),
    );
    assert.ok(partFor(parts, photo).bytes.equals(PHOTO));
    assert.equal(partFor(parts, photo).headers['content-type'], 'image/png');
    assert.ok(partFor(parts, report).bytes.equals(REPORT));
    assert.equal(partFor(parts, report).headers['content-type'], 'text/plain');
    assert.ok(partFor(parts, data).bytes.equals(DATA));
    assert.equal(partFor(parts, data).headers['content-type'], 'application/octet-stream');
    for (const part of parts) assert.equal(part.headers['content-transfer-encoding'], 'binary');
  });

  test("the root part has the input's infoset, and every prefix and namespace declaration as written", async () => {
    const input = readFileSync(join(FIXTURES, 'namespaces.xml'), 'utf8');
    const { code, stdout, stderr } = await run(['pack', join(FIXTURES, 'namespaces.xml')]);
    assert.equal(code, 0, stderr);
    const parts = parse(stdout, printedContentType(stderr));
    assert.equal(parts.length, 1, 'an MTOM package even with nothing to optimize');
    const xml = parts[0].bytes.toString('utf8');
    assert.deepEqual(infoset(xml), infoset(input));
    // Character references come back as the writer's own, everything else as written.
    const normalized = input.trimEnd().replace(/&#9;/g, '&#x9;').replace(/&#10;/g, '&#xA;').replace(/&#13;/g, '&#xD;');
    assert.equal(xml, normalized);
  });

  test('the same inputs and --boundary/--start give byte-identical messages', async () => {
    const args = [
      'pack',
      ENVELOPE,
      '-a',
      `report=${join(FIXTURES, 'report.txt')}`,
      '--boundary',
      BOUNDARY,
      '--start',
      'r@x',
      '-q',
    ];
    const [a, b, scalar] = await Promise.all([run(args), run(args), run([...args, '--scalar'])]);
    assert.equal(a.code, 0, a.stderr);
    assert.ok(a.stdout.equals(b.stdout));
    assert.ok(a.stdout.equals(scalar.stdout), 'the scalar core writes the same bytes');
    assert.equal(a.stderr, '', '--quiet prints nothing on success');
  });

  test('-o FILE writes the message under its name, with no FILE.partial left; --print-content-type prints only the value', async () => {
    const out = join(work, 'message.mtom');
    const { code, stdout, stderr } = await run([
      'pack',
      ENVELOPE,
      '-a',
      `report=${join(FIXTURES, 'report.txt')}`,
      '-o',
      out,
      '--print-content-type',
    ]);
    assert.equal(code, 0, stderr);
    assert.equal(stderr, '');
    const contentType = stdout.toString().trim();
    assert.match(
      contentType,
      /^multipart\/related; type="application\/xop\+xml"; boundary="uuid:[0-9a-f-]{36}"; start="<[^>]+>"; start-info="application\/soap\+xml"$/,
    );
    assert.ok(!existsSync(`${out}.partial`));
    const message = readFileSync(out);
    assert.ok(looksComplete(message));
    const parts = parse(message, contentType);
    assert.equal(parts.length, 4);
    assert.ok(parts[1].bytes.equals(PHOTO));
  });

  test('reads the document from stdin, resolving file: placeholders against the working directory', async () => {
    const xml = `<r xmlns:xop="${XOP}"><f>\n  <xop:Include href="file:photo.png"/>\n</f></r>`;
    const { code, stdout, stderr } = await run(['pack', '-', '--boundary', BOUNDARY, '--start', 's@x'], {
      cwd: FIXTURES,
      stdin: Buffer.from(xml),
    });
    assert.equal(code, 0, stderr);
    const parts = parse(stdout, printedContentType(stderr));
    assert.equal(
      parts[0].bytes.toString(),
      `<r xmlns:xop="${XOP}"><f><xop:Include xmlns:xop="${XOP}" href="cid:1.s@x"/></f></r>`,
    );
    assert.ok(parts[1].bytes.equals(PHOTO));
    assert.equal(parts[1].headers['content-type'], 'image/png', 'from the extension');
  });

  test("--type sets a file part's Content-Type by reference or for all; xmime:contentType wins", async () => {
    const attach = `report=${join(FIXTURES, 'report.txt')}`;
    const cases: [string[], string, string][] = [
      [['--type', 'report=application/pdf'], 'image/png', 'application/pdf'],
      [['--type', 'cid:report=text/plain; charset=utf-8'], 'image/png', 'text/plain; charset=utf-8'],
      [['--type', 'application/x-default'], 'image/png', 'application/x-default'],
      [['--type', 'photo.png=image/x-ignored', '--type', 'report=text/csv'], 'image/png', 'text/csv'],
    ];
    for (const [args, photoType, reportType] of cases) {
      const { code, stdout, stderr } = await run(['pack', ENVELOPE, '-a', attach, ...args]);
      assert.equal(code, 0, stderr);
      const parts = parse(stdout, printedContentType(stderr));
      assert.equal(parts[1].headers['content-type'], photoType, args.join(' '));
      assert.equal(parts[2].headers['content-type'], reportType, args.join(' '));
    }
    // Without xmime:contentType, a per-file --type applies to a file: placeholder too.
    const xml = `<r xmlns:xop="${XOP}"><f><xop:Include href="file:photo.png"/></f></r>`;
    const { stdout, stderr } = await run(['pack', '-', '--type', 'file:photo.png=image/x-custom'], {
      cwd: FIXTURES,
      stdin: Buffer.from(xml),
    });
    assert.equal(parse(stdout, printedContentType(stderr))[1].headers['content-type'], 'image/x-custom');
  });

  test('--soap11 puts text/xml in start-info and prints the action as SOAPAction; --soap12 carries it in the Content-Type', async () => {
    const soap11 = await run([
      'pack',
      ENVELOPE,
      '-a',
      `report=${join(FIXTURES, 'report.txt')}`,
      '--soap11',
      '--action',
      'urn:example:Upload',
    ]);
    assert.equal(soap11.code, 0, soap11.stderr);
    const ct11 = printedContentType(soap11.stderr);
    assert.equal(parameter(ct11, 'start-info'), 'text/xml');
    assert.equal(parameter(ct11, 'action'), undefined);
    assert.match(soap11.stderr, /^SOAPAction: "urn:example:Upload"$/m);
    assert.equal(
      parse(soap11.stdout, ct11)[0].headers['content-type'],
      'application/xop+xml; charset=utf-8; type="text/xml"',
    );

    const soap12 = await run([
      'pack',
      ENVELOPE,
      '-a',
      `report=${join(FIXTURES, 'report.txt')}`,
      '--soap12',
      '--action',
      'urn:example:Upload',
    ]);
    assert.equal(soap12.code, 0, soap12.stderr);
    const ct12 = printedContentType(soap12.stderr);
    assert.equal(parameter(ct12, 'start-info'), 'application/soap+xml; action="urn:example:Upload"');
    // The action goes inside start-info only (the default placement, RFC 3902).
    assert.equal(parameter(ct12, 'action'), undefined);
    assert.doesNotMatch(soap12.stderr, /SOAPAction/);
  });

  test('--mime-header starts the message with MIME-Version and Content-Type; --8bit marks the root part', async () => {
    const { code, stdout, stderr } = await run([
      'pack',
      ENVELOPE,
      '-a',
      `report=${join(FIXTURES, 'report.txt')}`,
      '--mime-header',
      '--8bit',
      '--boundary',
      BOUNDARY,
    ]);
    assert.equal(code, 0, stderr);
    const contentType = printedContentType(stderr);
    const head = `MIME-Version: 1.0\r\nContent-Type: ${contentType}\r\n\r\n`;
    assert.equal(stdout.subarray(0, head.length).toString('latin1'), head);
    const parts = parse(stdout.subarray(head.length), contentType);
    assert.equal(parts[0].headers['content-transfer-encoding'], '8bit');
  });

  test('--min-size, --only and --no-base64 decide which base64 content becomes a part', async () => {
    const attach = `report=${join(FIXTURES, 'report.txt')}`;
    const cases: [string[], number][] = [
      [[], 3],
      [['--min-size', '1023'], 3],
      [['--min-size', '1024'], 2],
      [['--min-size', '5'], 4], // <Small> holds 6 bytes
      [['--no-base64'], 2],
      [['--only', 'Small', '--min-size', '5'], 3],
      [['--only', '{urn:example:default}Data'], 3],
      [['--only', 'Other'], 2],
    ];
    for (const [args, attachments] of cases) {
      const { code, stdout, stderr } = await run(['pack', ENVELOPE, '-a', attach, ...args]);
      assert.equal(code, 0, stderr);
      const parts = parse(stdout, printedContentType(stderr));
      assert.equal(parts.length - 1, attachments, args.join(' '));
      const xml = parts[0].bytes.toString();
      if (!xml.includes('<Data><xop:Include')) {
        // Left in the document, the text is exactly as it was (line breaks and indentation kept).
        assert.match(xml, /<Data>\n {10}AAECAwQFBgcICQoL[^<]*\n {6}<\/Data>/);
      }
    }
  });

  test('streams a large base64 element and a large file without holding them (bytes equal)', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 7);
    for (let i = 0, x = 1; i < big.length; i++) {
      x = (x * 1664525 + 1013904223) >>> 0;
      big[i] = x >>> 24;
    }
    const file = join(work, 'big.bin');
    writeFileSync(file, big.subarray(0, 2 * 1024 * 1024 + 3));
    const base64 = big.toString('base64').replace(/.{76}/g, '$&\r\n');
    const xml = join(work, 'big.xml');
    writeFileSync(
      xml,
      `<r xmlns:xop="${XOP}"><a><![CDATA[${base64.slice(0, 1000)}]]>${base64.slice(1000)}</a><b><xop:Include href="file:big.bin"/></b></r>`,
    );
    const { code, stdout, stderr } = await run([
      'pack',
      xml,
      '--boundary',
      'uuid:9b1c8d0e-5f0a-4c43-9d3a-7b8e2f6a1c55',
    ]);
    assert.equal(code, 0, stderr);
    const parts = parse(stdout, printedContentType(stderr));
    assert.equal(parts.length, 3);
    assert.ok(parts[1].bytes.equals(big), 'the base64 element, decoded');
    assert.ok(parts[2].bytes.equals(readFileSync(file)), 'the file');
  });
});

describe('mtom-stream pack failures', () => {
  /** Runs a failing command to stdout and to -o; both exit non-zero and leave no complete message. */
  async function fails(args: string[], message: RegExp, code = 1): Promise<void> {
    const toStdout = await run(['pack', ...args]);
    assert.equal(toStdout.code, code, toStdout.stderr);
    assert.match(toStdout.stderr, message);
    assert.ok(!looksComplete(toStdout.stdout), 'stdout never holds a complete message');
    assert.doesNotMatch(toStdout.stderr, /^Content-Type:/m);

    const out = join(work, 'failed.mtom');
    writeFileSync(out, 'an earlier message');
    const toFile = await run(['pack', ...args, '-o', out]);
    assert.equal(toFile.code, code, toFile.stderr);
    assert.match(toFile.stderr, message);
    assert.deepEqual(
      readdirSync(work).filter((name) => name.startsWith('.failed.mtom.')),
      [],
      'the temporary file is removed',
    );
    assert.equal(readFileSync(out, 'utf8'), 'an earlier message', 'an existing FILE is kept');
  }

  test('malformed XML', async () => {
    await fails([join(FIXTURES, 'malformed.xml')], /^mtom-stream: error: malformed XML: .*malformed\.xml:\d+:\d+: /m);
  });

  test('a missing input file', async () => {
    await fails([join(FIXTURES, 'nothing-here.xml')], /cannot read .*nothing-here\.xml: no such file/);
  });

  test('a placeholder naming a missing file', async () => {
    const xml = join(work, 'missing.xml');
    writeFileSync(xml, `<r xmlns:xop="${XOP}"><a>text</a><f><xop:Include href="file:not-there.png"/></f></r>`);
    await fails([xml], /xop:Include href="file:not-there\.png": no such file/);
  });

  test('a cid: placeholder without --attach, and an --attach file that is missing', async () => {
    await fails([ENVELOPE], /xop:Include href="cid:report" has no file: give --attach report=FILE/);
    await fails(
      [ENVELOPE, '-a', 'report=/nonexistent/report.txt'],
      /--attach report=\/nonexistent\/report\.txt: no such file/,
    );
  });

  test('a bad boundary (E_INVALIDARG), and one that occurs in the content (WS_E_INVALID_FORMAT)', async () => {
    const attach = `report=${join(FIXTURES, 'report.txt')}`;
    await fails([ENVELOPE, '-a', attach, '--boundary', 'not"valid'], /boundary .* RFC 2046 .*\(E_INVALIDARG\)/);
    // The boundary occurs in report.txt, after the root part has been written.
    await fails(
      [ENVELOPE, '-a', attach, '--boundary', 'Quarterly'],
      /the MIME boundary occurs inside part .*\(WS_E_INVALID_FORMAT\)/,
    );
  });

  test("a placeholder that is not its element's only content, a DOCTYPE, and input that is not UTF-8", async () => {
    await fails([join(FIXTURES, 'not-alone.xml')], /the xop:Include in <d> must be its only content/);
    await fails([join(FIXTURES, 'doctype.xml')], /DOCTYPE/);
    await fails([join(FIXTURES, 'latin1.xml')], /not valid UTF-8/);
  });

  test('bad arguments exit 2 with a hint', async () => {
    for (const args of [
      ['--bogus'],
      ['--min-size', 'lots'],
      ['--attach', 'noequals'],
      ['--soap11', '--soap12'],
      ['a.xml', 'b.xml'],
    ]) {
      const { code, stderr } = await run(['pack', ...args]);
      assert.equal(code, 2, args.join(' '));
      assert.match(stderr, /mtom-stream --help/);
    }
    const unknown = await run(['bogus-command']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command "bogus-command"/);
  });
});

describe('mtom-stream pack reporting', () => {
  test('warns about an --attach that no placeholder used', async () => {
    const { code, stderr } = await run([
      'pack',
      ENVELOPE,
      '-a',
      `report=${join(FIXTURES, 'report.txt')}`,
      '-a',
      `spare=${join(FIXTURES, 'photo.png')}`,
    ]);
    assert.equal(code, 0, stderr);
    assert.match(stderr, /warning: --attach spare=… was not referenced/);
  });

  test('the progress line shows the fraction, the sizes and the part', async () => {
    const { formatProgress } = await import('../../src/cli/progress.js');
    assert.equal(
      formatProgress({ done: 3 * 1024 * 1024, total: 12 * 1024 * 1024, label: 'cat.png (2/3)' }, 120),
      '[======>                 ]  25%  3.0 MiB / 12.0 MiB  cat.png (2/3)',
    );
    assert.equal(
      formatProgress({ done: 2048, total: undefined, label: 'reading stdin' }, 120),
      'packing 2.0 KiB  reading stdin',
    );
    assert.ok(formatProgress({ done: 1, total: 2, label: 'x'.repeat(200) }, 40).length <= 39);
  });
});

describe('mtom-stream pack: files the user did not name are left alone', () => {
  const envelope = (href: string) => `<r xmlns:xop="${XOP}"><f><xop:Include href="${href}"/></f></r>`;

  test("an existing OUT.partial is the user's: never overwritten nor removed, on success or failure; no temporary file is left", async () => {
    const dir = mkdtempSync(join(work, 'partial-'));
    const out = join(dir, 'message.mtom');
    writeFileSync(`${out}.partial`, 'my own notes');
    const ok = await run(['pack', ENVELOPE, '-a', `report=${join(FIXTURES, 'report.txt')}`, '-o', out, '-q']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.ok(looksComplete(readFileSync(out)));
    assert.equal(readFileSync(`${out}.partial`, 'utf8'), 'my own notes');
    const failed = await run(['pack', join(FIXTURES, 'malformed.xml'), '-o', out]);
    assert.equal(failed.code, 1);
    assert.equal(readFileSync(`${out}.partial`, 'utf8'), 'my own notes');
    assert.ok(looksComplete(readFileSync(out)), 'the earlier message is kept');
    assert.deepEqual(readdirSync(dir).sort(), ['message.mtom', 'message.mtom.partial']);
  });

  test('-o naming the input document is refused (exit 2) and the input is kept', async () => {
    const dir = mkdtempSync(join(work, 'same-'));
    const input = join(dir, 'envelope.xml');
    const xml = '<r xmlns="urn:x">kept</r>';
    writeFileSync(input, xml);
    linkSync(input, join(dir, 'hard-link.xml'));
    for (const output of [input, join(dir, '.', 'sub', '..', 'envelope.xml'), join(dir, 'hard-link.xml')]) {
      const { code, stderr } = await run(['pack', input, '-o', output]);
      assert.equal(code, 2, output);
      assert.match(stderr, /names the input document/);
      assert.equal(readFileSync(input, 'utf8'), xml);
    }
  });

  test("file: hrefs stay inside the input's directory unless --base-dir allows more", async () => {
    const dir = mkdtempSync(join(work, 'confined-'));
    mkdirSync(join(dir, 'docs'));
    const secret = join(dir, 'secret.bin');
    writeFileSync(secret, 'not for the message');
    symlinkSync(secret, join(dir, 'docs', 'link.bin'));
    const cases = ['file:../secret.bin', `file://${secret}`, 'file:link.bin', 'file:sub/../../secret.bin'];
    for (const href of cases) {
      const input = join(dir, 'docs', 'envelope.xml');
      writeFileSync(input, envelope(href));
      const refused = await run(['pack', input]);
      assert.equal(refused.code, 1, href);
      assert.match(refused.stderr, /names a file outside .*--base-dir DIR/, href);
      assert.ok(!looksComplete(refused.stdout));
    }
    // --base-dir widens the root (and is where relative hrefs resolve).
    const input = join(dir, 'docs', 'envelope.xml');
    writeFileSync(input, envelope('file:secret.bin'));
    const allowed = await run(['pack', input, '--base-dir', dir]);
    assert.equal(allowed.code, 0, allowed.stderr);
    const parts = parse(allowed.stdout, printedContentType(allowed.stderr));
    assert.equal(parts[1].bytes.toString(), 'not for the message');
    // From stdin the working directory is the root.
    const fromStdin = await run(['pack', '-'], {
      cwd: join(dir, 'docs'),
      stdin: Buffer.from(envelope('file:../secret.bin')),
    });
    assert.equal(fromStdin.code, 1);
    assert.match(fromStdin.stderr, /names a file outside/);
  });

  test('a well-formed 5 MB attribute and a 3 MB comment are copied whole, to a file and to stdout', async () => {
    const value = `${'a'.repeat(2_500_000)}"&<${'b'.repeat(2_500_000)}`;
    const escaped = value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
    const comment = ' note '.repeat(500_000);
    const input = join(work, 'big-attribute.xml');
    writeFileSync(input, `<r xmlns="urn:x" big="${escaped}"><!--${comment}--><c>text</c></r>`);
    const out = join(work, 'big-attribute.mtom');
    const toFile = await run(['pack', input, '-o', out]);
    assert.equal(toFile.code, 0, toFile.stderr);
    const toStdout = await run(['pack', input]);
    assert.equal(toStdout.code, 0, toStdout.stderr);
    for (const [message, contentType] of [
      [readFileSync(out), printedContentType(toFile.stderr)],
      [toStdout.stdout, printedContentType(toStdout.stderr)],
    ] as const) {
      const xml = parse(message, contentType)[0].bytes.toString('utf8');
      const copied: string[] = [];
      const comments: string[] = [];
      const parser = new SaxesParser({ xmlns: true });
      parser.on('opentag', (tag) => {
        if (tag.local === 'r') copied.push(tag.attributes.big.value);
      });
      parser.on('comment', (text) => comments.push(text));
      parser.write(xml).close();
      assert.equal(copied.length, 1);
      assert.ok(copied[0] === value, 'the attribute value arrives intact');
      assert.equal(comments.length, 1);
      assert.ok(comments[0] === comment, 'the comment arrives intact');
    }
  });
});

describe("the CLI's parts", () => {
  test('large text is taken out of the parser in pieces, in character data and in CDATA', async () => {
    // The copier pack runs on (src/xml/): its parser hands over long text as it comes.
    const { parseXml } = await import('../../src/xml/parse.js');
    const base64 = Buffer.alloc(3 * 1024 * 1024, 7)
      .toString('base64')
      .replace(/.{76}/g, '$&\n');
    const DRAIN_TEXT_AT = 64 * 1024;
    for (const [open, close] of [
      ['<r><a>', '</a></r>'],
      ['<r><a><![CDATA[', ']]></a></r>'],
    ]) {
      const document = Buffer.from(`${open}${base64}${close}`);
      const texts: string[] = [];
      const chunk = 64 * 1024;
      async function* chunks() {
        for (let at = 0; at < document.length; at += chunk) yield document.subarray(at, at + chunk);
      }
      await parseXml(chunks(), async (events) => {
        for (const event of events) if (event.kind === 'text' || event.kind === 'cdata') texts.push(event.text);
      });
      assert.equal(texts.join(''), base64, open);
      // Spilled as it came: many pieces, none much larger than the drain threshold plus one chunk.
      assert.ok(texts.length >= base64.length / (DRAIN_TEXT_AT + chunk), `${texts.length} pieces (${open})`);
      assert.ok(Math.max(...texts.map((t) => t.length)) <= DRAIN_TEXT_AT + chunk, open);
    }
  });

  test('errors and exit statuses: usage 2, input and writer failures 1, interruption 130', async () => {
    const { CliError, InputError, InterruptedError, UsageError, describeError, exitStatusOf } = await import(
      '../../src/cli/errors.js'
    );
    const { XmlWriterError } = await import('../../src/errors.js');
    const quota = new XmlWriterError('WS_E_QUOTA_EXCEEDED', 'too deep');
    const faulted = new XmlWriterError('WS_E_OBJECT_FAULTED', 'the writer is faulted', { cause: quota });
    const epipe = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
    const table: [unknown, number, string][] = [
      [new UsageError('--bogus'), 2, '--bogus'],
      [new InputError('malformed XML'), 1, 'malformed XML'],
      [new CliError('the spool was truncated'), 1, 'the spool was truncated'],
      [new InterruptedError('SIGINT'), 130, 'interrupted by SIGINT'],
      [quota, 1, 'too deep (WS_E_QUOTA_EXCEEDED)'],
      [faulted, 1, 'too deep (WS_E_QUOTA_EXCEEDED)'],
      [epipe, 1, 'the output was closed before the message was complete (EPIPE)'],
      [new RangeError('odd'), 1, 'RangeError: odd'],
    ];
    for (const [error, status, message] of table) {
      assert.equal(exitStatusOf(error), status, String(error));
      assert.equal(describeError(error), message);
    }
  });
});

describe('mtom-stream pack interrupted', () => {
  test('Ctrl-C while stdin is still open exits 130, says the message is incomplete, leaves no file', {
    timeout: 30_000,
  }, async () => {
    const dir = mkdtempSync(join(work, 'interrupted-'));
    const out = join(dir, 'message.mtom');
    const child = spawn(process.execPath, [CLI, 'pack', '-', '--progress', '-o', out], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    // The progress bar appears once the run is under way (after half a second): then interrupt it.
    const running = new Promise<void>((resolve) => child.stderr.once('data', () => resolve()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.stdin.write(`<r xmlns="urn:x"><a>${'text '.repeat(1000)}`);
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await running;
    child.kill('SIGINT');
    assert.equal(await exited, 130);
    assert.match(stderr, /mtom-stream: interrupted by SIGINT; the message is incomplete/);
    assert.deepEqual(readdirSync(dir), []);
  });
});
