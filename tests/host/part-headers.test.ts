// Part identity and headers: caller-chosen Content-IDs (checked, unique, their cid: URLs escaped
// per RFC 2392) and the extra headers filename (RFC 6266 / RFC 8187), contentLocation and
// contentDescription, read back with an independent multipart parser; expectedLength() stays exact.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { createXmlWriter, ErrorCodes, writeAttachment, XmlWriterError } from '../../src/index.js';
import type { XmlWriter, XmlWriterErrorCode } from '../../src/index.js';
import { cidUrl } from '../../src/part-headers.js';
import { collectingOutput, latin1, parseMtom, randomBytes } from './mtom-reader.js';

const BOUNDARY = 'uuid:part-headers';
const MTOM = { type: 'mtom', boundary: BOUNDARY, startUri: 'root@x' } as const;

const isCode = (code: XmlWriterErrorCode) => (error: unknown) => {
  assert.ok(error instanceof XmlWriterError, `expected an XmlWriterError, got ${String(error)}`);
  assert.equal(error.code, code, error.message);
  assert.equal(error.hresult, ErrorCodes[code]);
  return true;
};

/** Writes `<r><p>…</p>…</r>` with one element per call of `parts`, and returns message, parsed. */
async function message(parts: ((w: XmlWriter) => unknown)[]) {
  const writer = await createXmlWriter({ encoding: MTOM });
  writer.writeStartElement('', 'r', 'urn:r');
  for (const part of parts) {
    writer.writeStartElement('', 'p', 'urn:r');
    await part(writer);
    writer.writeEndElement();
  }
  writer.writeEndElement();
  const expected = writer.expectedLength();
  const bytes = await writer.end();
  const parsed = parseMtom(bytes, writer.contentType);
  const xml = new TextDecoder().decode(parsed.parts[0].bytes);
  const hrefs = [...xml.matchAll(/href="([^"]*)"/g)].map(([, href]) => href.replace(/&amp;/g, '&'));
  return { bytes, expected, parsed, xml, hrefs };
}

/** RFC 2392 §2: the Content-ID a cid: URL names (%-escapes decoded, in angle brackets). */
const contentIdOf = (href: string) => `<${decodeURIComponent(href.replace(/^cid:/, ''))}>`;

test('a chosen Content-ID names the part, and its href resolves to it (RFC 2392)', async () => {
  const ids = ['scan', 'a.b@example.org', 'http://tempuri.org/1/638', 'odd#id?with[chars]{|}^`', "q'uote&amp"];
  const bytes = ids.map((_, i) => randomBytes(100 + i, i + 1));
  const {
    parsed,
    hrefs,
    expected,
    bytes: whole,
  } = await message(ids.map((contentId, i) => (w) => writeAttachment(w, bytes[i], { contentId })));
  assert.equal(expected, whole.length);
  assert.deepEqual(
    parsed.parts.slice(1).map((p) => p.headers['content-id']),
    ids.map((id) => `<${id}>`),
  );
  assert.deepEqual(
    hrefs.map(contentIdOf),
    ids.map((id) => `<${id}>`),
  );
  for (const [i, part] of parsed.parts.slice(1).entries()) assert.deepEqual(part.bytes, bytes[i]);
  // Only what a URL cannot carry is escaped; the rest is as written (readers that match literally).
  assert.equal(hrefs[0], 'cid:scan');
  assert.equal(hrefs[2], 'cid:http://tempuri.org/1/638');
  assert.equal(hrefs[3], 'cid:odd%23id%3Fwith%5Bchars%5D%7B%7C%7D%5E%60');
});

test('cidUrl escapes exactly the characters a URL cannot carry', () => {
  assert.equal(cidUrl("a-b.c_d~e!$&'()*+,;=:@/f"), "cid:a-b.c_d~e!$&'()*+,;=:@/f");
  assert.equal(cidUrl('%#?[]^`{|}'), 'cid:%25%23%3F%5B%5D%5E%60%7B%7C%7D');
});

test('generated IDs go around the ones the caller chose', async () => {
  // With startUri root@x the writer's own IDs are 1.root@x, 2.root@x, …
  const { parsed, hrefs } = await message([
    (w) => writeAttachment(w, new Uint8Array(1), { contentId: '1.root@x' }),
    (w) => writeAttachment(w, new Uint8Array(2)),
    (w) => writeAttachment(w, new Uint8Array(3)),
  ]);
  assert.deepEqual(
    parsed.parts.map((p) => p.headers['content-id']),
    ['<root@x>', '<1.root@x>', '<2.root@x>', '<3.root@x>'],
  );
  assert.deepEqual(hrefs, ['cid:1.root@x', 'cid:2.root@x', 'cid:3.root@x']);
});

test('filename, contentLocation and contentDescription become part headers', async () => {
  const { parsed, expected, bytes } = await message([
    (w) =>
      writeAttachment(w, new Uint8Array(10), {
        filename: 'scan 1.pdf',
        contentLocation: 'http://example.org/files/scan%201.pdf',
        contentDescription: 'The scanned contract',
      }),
    (w) => writeAttachment(w, new Uint8Array(20), { filename: 'résumé "final".pdf' }),
    (w) => writeAttachment(w, new Uint8Array(30), { filename: 'say "hi" \\ there.txt' }),
    (w) => writeAttachment(w, new Uint8Array(40), { filename: '日本語.txt' }),
  ]);
  assert.equal(expected, bytes.length);
  const [first, second, third, fourth] = parsed.parts.slice(1).map((p) => p.headers);
  assert.equal(first['content-disposition'], 'attachment; filename="scan 1.pdf"');
  assert.equal(first['content-location'], 'http://example.org/files/scan%201.pdf');
  assert.equal(first['content-description'], 'The scanned contract');
  // RFC 6266 §4.3: an ASCII stand-in, then filename* (RFC 8187: UTF-8, %-escaped).
  assert.equal(
    second['content-disposition'],
    `attachment; filename="r_sum_ \\"final\\".pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22final%22.pdf`,
  );
  assert.equal(third['content-disposition'], 'attachment; filename="say \\"hi\\" \\\\ there.txt"');
  const extended = /filename\*=UTF-8''(.*)$/.exec(fourth['content-disposition'])![1];
  assert.equal(decodeURIComponent(extended), '日本語.txt');
  // Headers in the order the core writes them, byte for byte.
  const text = latin1(bytes);
  assert.ok(
    text.includes(
      '\r\nContent-Transfer-Encoding: binary\r\nContent-Disposition: attachment; filename="scan 1.pdf"\r\n' +
        'Content-Location: http://example.org/files/scan%201.pdf\r\nContent-Description: The scanned contract\r\n\r\n',
    ),
  );
});

test('pullBytes and pushBytes take the same options; expectedLength is exact before any part is sent', async () => {
  const out = collectingOutput();
  const writer = await createXmlWriter({ encoding: MTOM, output: out.output });
  writer.writeStartElement('', 'r', 'urn:r');
  writer.writeStartElement('', 'a', 'urn:r');
  writer.pushBytes((sink) => sink.write(new Uint8Array(1000)), { size: 1000, contentId: 'push@x', filename: 'a.bin' });
  writer.writeEndElement();
  writer.writeStartElement('', 'b', 'urn:r');
  let left = 5000;
  writer.pullBytes(
    (view) => {
      const n = Math.min(left, view.length);
      view.fill(7, 0, n);
      left -= n;
      return n;
    },
    { size: 5000, contentId: 'pull@x', contentDescription: 'pulled' },
  );
  writer.writeEndElement();
  writer.writeEndElement();
  const expected = writer.expectedLength();
  await writer.end();
  assert.equal(expected, out.bytes().length);
  const parsed = parseMtom(out.bytes(), writer.contentType);
  assert.deepEqual(
    parsed.parts.slice(1).map((p) => [p.headers['content-id'], p.bytes.length]),
    [
      ['<push@x>', 1000],
      ['<pull@x>', 5000],
    ],
  );
  assert.equal(parsed.parts[1].headers['content-disposition'], 'attachment; filename="a.bin"');
  assert.equal(parsed.parts[2].headers['content-description'], 'pulled');
});

test('writeBytes options apply when its content becomes a part, and are only checked when inline', async () => {
  const { parsed, xml } = await message([
    (w) => w.writeBytes(randomBytes(800), { contentId: 'big@x', filename: 'big.bin', contentType: 'image/png' }),
    (w) => w.writeBytes(new Uint8Array(10), { contentId: 'small@x', filename: 'small.bin' }),
    // The small one's ID was never used, so it is free for a part.
    (w) => writeAttachment(w, new Uint8Array(1), { contentId: 'small@x' }),
  ]);
  assert.deepEqual(
    parsed.parts.slice(1).map((p) => [p.headers['content-id'], p.headers['content-type'], p.bytes.length]),
    [
      ['<big@x>', 'image/png', 800],
      ['<small@x>', 'application/octet-stream', 1],
    ],
  );
  assert.equal(parsed.parts[1].headers['content-disposition'], 'attachment; filename="big.bin"');
  assert.match(xml, /<p>AAAAAAAAAAAAAA==<\/p>/);
});

test('the text encoding checks the same options and writes the content inline', async () => {
  const writer = await createXmlWriter();
  writer.writeStartElement('', 'r', 'urn:r');
  writer.writeStartElement('', 'a', 'urn:r');
  await writeAttachment(writer, new Uint8Array([1, 2, 3]), { contentId: 'a@x', filename: 'résumé.pdf' });
  writer.writeEndElement();
  writer.writeStartElement('', 'b', 'urn:r');
  assert.throws(
    () => writer.pushBytes((sink) => sink.write(new Uint8Array(1)), { contentId: 'a@x' }),
    isCode('E_INVALIDARG'),
  );
  assert.equal(writer.isFaulted, true);

  const clean = await createXmlWriter();
  clean.writeStartElement('', 'r', 'urn:r');
  await writeAttachment(clean, new Uint8Array([1, 2, 3]), { contentId: 'a@x', filename: 'a.pdf' });
  clean.writeEndElement();
  assert.equal(new TextDecoder().decode(await clean.end()), '<r xmlns="urn:r">AQID</r>');
});

type Misuse = [name: string, code: XmlWriterErrorCode, act: (w: XmlWriter) => unknown];

const attach = (options: Record<string, unknown>) => (w: XmlWriter) => writeAttachment(w, new Uint8Array(1), options);
const twice = (first: Record<string, unknown>, second: Record<string, unknown>) => async (w: XmlWriter) => {
  await attach(first)(w);
  w.writeEndElement();
  w.writeStartElement('', 'q', 'urn:r');
  await attach(second)(w);
};

const misuses: Misuse[] = [
  ['an empty Content-ID', 'E_INVALIDARG', attach({ contentId: '' })],
  ['a Content-ID with a space', 'E_INVALIDARG', attach({ contentId: 'a b' })],
  // JAX-WS and mimepull URL-decode the Content-ID header itself: a '%' breaks them.
  ['a Content-ID with %', 'E_INVALIDARG', attach({ contentId: 'a%20b' })],
  ['a Content-ID with angle brackets', 'E_INVALIDARG', attach({ contentId: '<a@b>' })],
  ['a Content-ID with CRLF', 'E_INVALIDARG', attach({ contentId: 'a\r\nX-Evil: 1' })],
  ['a non-ASCII Content-ID', 'E_INVALIDARG', attach({ contentId: 'café' })],
  ['a Content-ID of 257 characters', 'E_INVALIDARG', attach({ contentId: 'x'.repeat(257) })],
  ['a Content-ID that is not a string', 'E_INVALIDARG', attach({ contentId: 42 })],
  ['a duplicate Content-ID', 'E_INVALIDARG', twice({ contentId: 'same' }, { contentId: 'same' })],
  ["the root part's Content-ID", 'E_INVALIDARG', attach({ contentId: 'root@x' })],
  ['a generated Content-ID already used', 'E_INVALIDARG', twice({}, { contentId: '1.root@x' })],
  ['an empty file name', 'E_INVALIDARG', attach({ filename: '' })],
  ['a file name with CRLF', 'E_INVALIDARG', attach({ filename: 'a.pdf\r\nX-Evil: 1' })],
  ['a file name with a NUL', 'E_INVALIDARG', attach({ filename: 'a\u0000.pdf' })],
  ['a file name with a lone surrogate', 'E_INVALIDARG', attach({ filename: 'a\uD800.pdf' })],
  ['a file name of 256 characters', 'E_INVALIDARG', attach({ filename: 'x'.repeat(256) })],
  ['a Content-Location with a space', 'E_INVALIDARG', attach({ contentLocation: 'http://x/a b' })],
  ['a Content-Location with CRLF', 'E_INVALIDARG', attach({ contentLocation: 'http://x/\r\nX-Evil: 1' })],
  ['a non-ASCII Content-Location', 'E_INVALIDARG', attach({ contentLocation: 'http://x/é' })],
  ['a Content-Description with LF', 'E_INVALIDARG', attach({ contentDescription: 'a\nX-Evil: 1' })],
  ['a non-ASCII Content-Description', 'E_INVALIDARG', attach({ contentDescription: 'résumé' })],
  [
    'headers longer than a ring window',
    'E_INVALIDARG',
    attach({
      // Each line within 998 characters, together more than the 4096 bytes the smallest ring holds.
      contentLocation: `http://x/${'a'.repeat(971)}`,
      contentDescription: 'd'.repeat(977),
      filename: 'é'.repeat(100),
      contentId: 'i'.repeat(256),
      contentType: `application/x-${'t'.repeat(1000)}`,
    }),
  ],
  [
    'writeBytes options after its first writeBytes',
    'WS_E_INVALID_OPERATION',
    (w) => {
      w.writeBytes(new Uint8Array(1));
      w.writeBytes(new Uint8Array(1), { contentId: 'late@x' });
    },
  ],
  ['writeBytes with a bad file name', 'E_INVALIDARG', (w) => w.writeBytes(new Uint8Array(1), { filename: 'a\nb' })],
];

for (const [name, code, act] of misuses) {
  for (const encoding of ['mtom', 'text'] as const) {
    // Uniqueness against the root part and generated IDs, and header room, are MTOM matters.
    if (encoding === 'text' && /root part|generated|ring window/.test(name)) continue;
    test(`${code} (${encoding}): ${name}`, async () => {
      const out = collectingOutput();
      const writer = await createXmlWriter({
        encoding: encoding === 'mtom' ? MTOM : { type: 'text' },
        output: out.output,
      });
      writer.writeStartElement('', 'r', 'urn:r');
      writer.writeStartElement('', 'p', 'urn:r');
      await assert.rejects(async () => act(writer), isCode(code));
      assert.equal(writer.isFaulted, true);
      assert.throws(() => writer.writeEndElement(), isCode('WS_E_OBJECT_FAULTED'));
      await assert.rejects(writer.end(), isCode('WS_E_OBJECT_FAULTED'));
      await tick();
      assert.ok(!latin1(out.bytes()).includes(`--${BOUNDARY}--`), 'a failed message never ends like a complete one');
    });
  }
}
