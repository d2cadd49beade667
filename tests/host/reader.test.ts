// The reader's behaviour on well-formed input: what it tolerates, how parts stream or are held,
// the node fields, every kind of input, both cores, and memory that does not grow with a part.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { createXmlReader, readMessage, type XmlNode, type XmlReader } from '../../src/reader/index.js';
import { chunked } from './reader-infoset.js';
import { randomBytes } from './mtom-reader.js';

const B = 'uuid:7a1c';
const XOP = 'http://www.w3.org/2004/08/xop/include';
const CT = `multipart/related; type="application/xop+xml"; boundary="${B}"; start="<root>"`;
const ROOT = 'Content-ID: <root>\r\nContent-Type: application/xop+xml; type="text/xml"\r\n';
const include = (id: string) => `<xop:Include xmlns:xop="${XOP}" href="cid:${id}"/>`;

function raw(...pieces: (string | Uint8Array)[]): Uint8Array<ArrayBuffer> {
  return new Uint8Array(
    Buffer.concat(pieces.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p)))),
  );
}

/** Reads all of the current node's binary content through a view of `size` bytes. */
async function drain(reader: XmlReader, size = 1000): Promise<Buffer> {
  const view = new Uint8Array(size);
  const chunks: Buffer[] = [];
  for (let n = await reader.readBytes(view); n > 0; n = await reader.readBytes(view)) {
    chunks.push(Buffer.from(view.subarray(0, n)));
  }
  return Buffer.concat(chunks);
}

async function nodes(reader: XmlReader): Promise<XmlNode[]> {
  const all: XmlNode[] = [];
  for await (const node of reader) all.push(node);
  return all;
}

test('a preamble, transport padding after delimiters, an epilogue', async () => {
  const body = raw(
    'This is a preamble.\r\n',
    `--${B}  \t\r\n${ROOT}\r\n<d xmlns="urn:d">${include('a')}</d>\r\n`,
    `--${B}\t\r\nContent-ID: <a>\r\n\r\npart\r\n`,
    `--${B}--\r\nThis is an epilogue with --${B} in it.`,
  );
  const { xml, parts } = await readMessage(body, { contentType: CT });
  assert.equal(xml, '<d xmlns="urn:d">cGFydA==</d>');
  assert.equal(Buffer.from(parts[0].bytes).toString(), 'part');
});

test('a boundary followed by other characters inside a part is content, not a delimiter', async () => {
  const content = `line\r\n--${B}X not a delimiter\r\n--${B}-also not\r\n--${B} x --${B}`;
  const body = raw(
    `--${B}\r\n${ROOT}\r\n<d xmlns="urn:d">${include('a')}</d>\r\n--${B}\r\nContent-ID: <a>\r\n\r\n${content}\r\n--${B}--`,
  );
  for (const sizes of [[1], [3, 11], [1 << 16]]) {
    const reader = await createXmlReader({ input: chunked(body, sizes), encoding: { type: 'mtom', contentType: CT } });
    await reader.read();
    const bytesNode = await reader.read();
    assert.equal(bytesNode?.type, 'bytes');
    assert.equal((await drain(reader, 3)).toString('latin1'), content);
    assert.equal((await reader.read())?.type, 'end');
    assert.equal(await reader.read(), undefined);
  }
});

test('a part sent as base64 (RFC 2045 §6.8 lines) decodes the same on the SIMD and the scalar core', async () => {
  const bytes = randomBytes(10_000, 3);
  const base64 = Buffer.from(bytes).toString('base64').replace(/.{76}/g, '$&\r\n');
  const body = raw(
    `--${B}\r\n${ROOT}\r\n<d xmlns="urn:d">${include('a')}</d>\r\n`,
    `--${B}\r\nContent-ID: <a>\r\nContent-Transfer-Encoding: BASE64\r\nContent-Type: image/png\r\n\r\n${base64}\r\n--${B}--\r\n`,
  );
  for (const simd of [true, false]) {
    const reader = await createXmlReader({
      input: chunked(body, [4093]),
      encoding: { type: 'mtom', contentType: CT },
      simd,
    });
    assert.equal(reader.simd, simd);
    await reader.read();
    const node = await reader.read();
    assert.equal(node?.type === 'bytes' && node.contentType, 'image/png');
    assert.deepEqual(new Uint8Array(await drain(reader, 777)), bytes);
  }
});

test('base64 text read with readBytes, on both cores, whitespace and all', async () => {
  const bytes = randomBytes(5000, 9);
  const text = Buffer.from(bytes).toString('base64').replace(/.{64}/g, '$&\n  ');
  const body = raw(`<d xmlns="urn:d"><b>${text}</b><c>not base64!</c></d>`);
  for (const simd of [true, false]) {
    const reader = await createXmlReader({ input: body, encoding: { type: 'text' }, simd });
    await reader.read();
    await reader.read();
    assert.equal((await reader.read())?.type, 'text');
    assert.deepEqual(new Uint8Array(await drain(reader, 100)), bytes);
    await reader.read();
    await reader.read();
    assert.equal((await reader.read())?.type, 'text');
    await assert.rejects(drain(reader), { code: 'WS_E_INVALID_FORMAT' });
  }
});

test('base64 text longer than the staging area: one call fills a large view; bytes before a bad character come first', async () => {
  const bytes = randomBytes(100_000, 11);
  const text = Buffer.from(bytes).toString('base64');
  const bad = `${text.slice(0, 60_000)}*${text.slice(60_000)}`;
  const body = raw(`<d xmlns="urn:d"><b>${text}</b><c>${bad}</c></d>`);
  for (const simd of [true, false]) {
    const reader = await createXmlReader({ input: body, encoding: { type: 'text' }, simd });
    await reader.read();
    await reader.read();
    assert.equal((await reader.read())?.type, 'text');
    const view = new Uint8Array(200_000);
    assert.equal(await reader.readBytes(view), bytes.length);
    assert.deepEqual(view.subarray(0, bytes.length), bytes);
    assert.equal(await reader.readBytes(view), 0);
    await reader.read();
    await reader.read();
    assert.equal((await reader.read())?.type, 'text');
    // the 45 000 bytes before "*" are delivered (whole staging areas of them), then the error
    const got = await reader.readBytes(view);
    assert.ok(got > 0 && got <= 45_000);
    assert.deepEqual(view.subarray(0, got), bytes.subarray(0, got));
    await assert.rejects(reader.readBytes(view), { code: 'WS_E_INVALID_FORMAT' });
  }
});

test('parts out of document order are held; a part whose element was passed is skipped', async () => {
  const a = randomBytes(3000, 1);
  const b = randomBytes(2000, 2);
  const c = randomBytes(1000, 3);
  const body = raw(
    `--${B}\r\n${ROOT}\r\n<d xmlns="urn:d"><x>${include('c')}</x><y>${include('b')}</y><z>${include('a')}</z></d>\r\n`,
    `--${B}\r\nContent-ID: <a>\r\n\r\n`,
    a,
    `\r\n--${B}\r\nContent-ID: <b>\r\n\r\n`,
    b,
    `\r\n--${B}\r\nContent-ID: <c>\r\n\r\n`,
    c,
    `\r\n--${B}\r\nContent-ID: <extra>\r\n\r\nunreferenced\r\n--${B}--`,
  );
  const reader = await createXmlReader({ input: chunked(body, [100]), encoding: { type: 'mtom', contentType: CT } });
  const seen: string[] = [];
  for await (const node of reader) {
    if (node.type !== 'bytes') continue;
    seen.push(`${node.contentId}:${node.size ?? '?'}`);
    if (node.contentId === 'c') assert.deepEqual(new Uint8Array(await drain(reader)), c);
    if (node.contentId === 'a') assert.deepEqual(new Uint8Array(await drain(reader)), a);
    // b is not read: it is skipped
  }
  // c arrives last: a and b were held (sizes known) on the way to it.
  assert.deepEqual(seen, ['c:?', 'b:2000', 'a:3000']);
  assert.deepEqual(reader.unreferencedParts, ['extra']);
  const message = await readMessage(body, { contentType: CT });
  assert.deepEqual(
    message.parts.map((p) => p.contentId),
    ['c', 'b', 'a', 'extra'],
  );
  assert.equal(Buffer.from(message.parts[3].bytes).toString(), 'unreferenced');
});

test('node fields: names, namespaces, attributes, comments, CDATA, and the bytes node', async () => {
  const body = raw(
    `--${B}\r\n${ROOT}\r\n<?xml version="1.0"?><!--before--><s:E xmlns:s="urn:s" xmlns="urn:d" s:a="1" b="&lt;2&gt;">`,
    `<F><![CDATA[<raw>]]></F><G xmlns:x="http://www.w3.org/2005/05/xmlmime" x:contentType="image/png">\n  ${include('p%40x')}\n</G></s:E>\r\n`,
    `--${B}\r\nContent-Type: image/png\r\nContent-ID: <p@x>\r\nX-Extra: yes\r\n\r\nPNG\r\n--${B}--`,
  );
  const reader = await createXmlReader({ input: body, encoding: { type: 'mtom', contentType: CT } });
  const all = await nodes(reader);
  assert.deepEqual(all, [
    { type: 'comment', value: 'before' },
    {
      type: 'element',
      prefix: 's',
      localName: 'E',
      namespace: 'urn:s',
      namespaces: [
        { prefix: 's', namespace: 'urn:s' },
        { prefix: '', namespace: 'urn:d' },
      ],
      attributes: [
        { prefix: 's', localName: 'a', namespace: 'urn:s', value: '1' },
        { prefix: '', localName: 'b', namespace: '', value: '<2>' },
      ],
    },
    { type: 'element', prefix: '', localName: 'F', namespace: 'urn:d', namespaces: [], attributes: [] },
    { type: 'cdata', value: '<raw>' },
    { type: 'end' },
    {
      type: 'element',
      prefix: '',
      localName: 'G',
      namespace: 'urn:d',
      namespaces: [{ prefix: 'x', namespace: 'http://www.w3.org/2005/05/xmlmime' }],
      attributes: [
        { prefix: 'x', localName: 'contentType', namespace: 'http://www.w3.org/2005/05/xmlmime', value: 'image/png' },
      ],
    },
    {
      type: 'bytes',
      contentId: 'p@x',
      contentType: 'image/png',
      headers: { 'content-type': 'image/png', 'content-id': '<p@x>', 'x-extra': 'yes' },
    },
    { type: 'end' },
    { type: 'end' },
  ]);
});

test('bytesStream gives the part as a byte stream (BYOB and default readers)', async () => {
  const part = randomBytes(200_000, 5);
  const body = raw(
    `--${B}\r\n${ROOT}\r\n<d xmlns="urn:d">${include('a')}</d>\r\n--${B}\r\nContent-ID: <a>\r\n\r\n`,
    part,
    `\r\n--${B}--`,
  );
  const reader = await createXmlReader({ input: chunked(body, [8192]), encoding: { type: 'mtom', contentType: CT } });
  await reader.read();
  await reader.read();
  const chunks: Uint8Array[] = [];
  const stream = reader.bytesStream().getReader();
  for (let next = await stream.read(); !next.done; next = await stream.read()) chunks.push(next.value);
  assert.deepEqual(new Uint8Array(Buffer.concat(chunks)), part);
  assert.equal((await reader.read())?.type, 'end');
});

test('every kind of input, and the Content-Type taken from a Response or an IncomingMessage', async () => {
  const body = raw(
    `--${B}\r\n${ROOT}\r\n<d xmlns="urn:d">${include('a')}</d>\r\n--${B}\r\nContent-ID: <a>\r\n\r\nabc\r\n--${B}--\r\n`,
  );
  const want = '<d xmlns="urn:d">YWJj</d>';
  const inputs = [
    body,
    body.buffer.slice(0) as ArrayBuffer,
    new DataView(body.buffer),
    new Blob([body]),
    new Response(body).body!,
    chunked(body, [9]),
    [body.subarray(0, 10), body.subarray(10)],
  ];
  for (const input of inputs) assert.equal((await readMessage(input, { contentType: CT })).xml, want);
  assert.equal((await readMessage(new Response(body, { headers: { 'content-type': CT } }))).xml, want);
  const incoming = Object.assign(Readable.from([Buffer.from(body)]), { headers: { 'content-type': CT } });
  assert.equal((await readMessage(incoming)).xml, want);
});

test('without a Content-Type: a body with its own MIME header, or one that starts with a delimiter', async () => {
  const multipart = `--${B}\r\n${ROOT}\r\n<d xmlns="urn:d"/>\r\n--${B}--\r\n`;
  const withHeader = raw(`MIME-Version: 1.0\r\nContent-Type: ${CT}\r\n\r\n${multipart}`);
  assert.equal((await readMessage(withHeader)).xml, '<d xmlns="urn:d"></d>');
  assert.equal((await readMessage(raw(multipart))).xml, '<d xmlns="urn:d"></d>');
  assert.equal((await readMessage(raw('<d xmlns="urn:d"/>'))).xml, '<d xmlns="urn:d"></d>');
});

test('a plain SOAP reply where MTOM was expected reads as XML (gSOAP with nothing to optimize)', async () => {
  const xml = '<?xml version="1.0"?>\n<e:Envelope xmlns:e="urn:e"><e:Body>hi &amp; bye</e:Body></e:Envelope>\n';
  const message = await readMessage(raw(xml), { contentType: 'application/soap+xml; charset=utf-8' });
  assert.equal(message.xml, '<e:Envelope xmlns:e="urn:e"><e:Body>hi &amp; bye</e:Body></e:Envelope>');
  assert.deepEqual(message.parts, []);
});

test('a 256 MiB part read in order streams in constant memory', async () => {
  const size = 256 * 1024 * 1024;
  const chunk = randomBytes(1 << 16, 11);
  const head = raw(
    `--${B}\r\n${ROOT}\r\n<d xmlns="urn:d">${include('big')}</d>\r\n--${B}\r\nContent-ID: <big>\r\n\r\n`,
  );
  const tail = raw(`\r\n--${B}--\r\n`);
  async function* input() {
    yield head;
    // One buffer, yielded again and again: the reader copies what it needs before asking for more.
    for (let sent = 0; sent < size; sent += chunk.length) yield chunk;
    yield tail;
  }
  const expected = createHash('sha256');
  for (let sent = 0; sent < size; sent += chunk.length) expected.update(chunk);
  const reader = await createXmlReader({ input: input(), encoding: { type: 'mtom', contentType: CT } });
  await reader.read();
  await reader.read();
  const before = process.memoryUsage();
  const hash = createHash('sha256');
  const view = new Uint8Array(1 << 16);
  let total = 0;
  let peak = 0;
  for (let n = await reader.readBytes(view); n > 0; n = await reader.readBytes(view)) {
    hash.update(view.subarray(0, n));
    if ((total & 0xffffff) < n) peak = Math.max(peak, process.memoryUsage().arrayBuffers - before.arrayBuffers);
    total += n;
  }
  assert.equal(total, size);
  assert.equal(hash.digest('hex'), expected.digest('hex'));
  assert.ok(peak < 8 * 1024 * 1024, `array buffers grew by ${peak} bytes`);
  assert.equal((await reader.read())?.type, 'end');
  assert.equal(await reader.read(), undefined);
});
