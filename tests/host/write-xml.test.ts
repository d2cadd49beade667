// writeXml (mtom-stream/xml): existing XML copied into a writer at its position, streaming.
// MTOM output is read back with an independent multipart parser (@mjackson/multipart-parser).
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it as test } from 'node:test';
import { createXmlWriter, XmlWriterError, type XmlWriter } from '../../src/node.js';
import * as universal from '../../src/xml/index.js';
import { packMessage, writeXml } from '../../src/xml/node.js';
import { collectingOutput, latin1, parseMtom, randomBytes, rebuildXml } from './mtom-reader.js';

const SOAP12 = 'http://www.w3.org/2003/05/soap-envelope';
const XOP = 'http://www.w3.org/2004/08/xop/include';
const MTOM = { type: 'mtom', boundary: 'MIME_boundary-write-xml', startUri: 'root@write-xml' } as const;

/** Writes Envelope/Body, copies `source` into the Body, and returns the whole message. */
async function intoBody(
  source: Parameters<typeof writeXml>[1],
  options: Parameters<typeof writeXml>[2] = {},
  mtom = false,
) {
  const writer = await createXmlWriter({ encoding: mtom ? MTOM : { type: 'text' } });
  writer.writeStartElement('s', 'Envelope', SOAP12);
  writer.writeStartElement('s', 'Body', SOAP12);
  const result = await writeXml(writer, source, options);
  writer.writeEndElement();
  writer.writeEndElement();
  const message = (await writer.end())!;
  return { result, message, writer };
}

async function expectFault(writer: XmlWriter, copy: Promise<unknown>, code: string, pattern: RegExp): Promise<void> {
  await assert.rejects(copy, (error: unknown) => {
    assert.ok(error instanceof XmlWriterError, String(error));
    assert.equal(error.code, code);
    assert.match(error.message, pattern);
    return true;
  });
  assert.ok(writer.isFaulted, 'the writer is faulted');
  assert.throws(
    () => writer.writeEndElement(),
    (e: unknown) => e instanceof XmlWriterError && e.code === 'WS_E_OBJECT_FAULTED',
  );
}

const FRAGMENT =
  '<m:Order xmlns:m="urn:orders" xmlns:s="' +
  SOAP12 +
  '" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" m:id="7">' +
  '<!-- kept -->' +
  '<m:note>a &lt; b &amp; "c" — é 😀</m:note>' +
  '<m:code xsi:type="m:Code"><![CDATA[<raw> & ]]></m:code>' +
  '<?app ignored?>' +
  '<inner xmlns="urn:default"><leaf/></inner>' +
  '</m:Order>';
const EXPECTED =
  `<s:Envelope xmlns:s="${SOAP12}"><s:Body>` +
  // xmlns:s is the writer's already (in scope where the copy goes): not repeated. xmlns:xsi is not
  // used by a name but kept, since QName values (xsi:type="m:Code") may need it.
  `<m:Order xmlns:m="urn:orders" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" m:id="7">` +
  '<!-- kept -->' +
  '<m:note>a &lt; b &amp; "c" — é 😀</m:note>' +
  '<m:code xsi:type="m:Code"><![CDATA[<raw> & ]]></m:code>' +
  '<?app ignored?>' +
  '<inner xmlns="urn:default"><leaf/></inner>' +
  '</m:Order></s:Body></s:Envelope>';

describe('writeXml: copying', () => {
  test('copies a fragment at the current position: comments, CDATA sections and processing instructions kept', async () => {
    const { result, message } = await intoBody(FRAGMENT);
    assert.equal(new TextDecoder().decode(message), EXPECTED);
    assert.deepEqual(result, { parts: 0, unusedAttachments: [], droppedInstructions: 0, droppedComments: 0 });
  });

  test('keeps a CDATA section larger than the parser hands over at once, as consecutive sections of the same text', async () => {
    const text = `${'<&]]'.repeat(40_000)}end`.replaceAll(']]<', '] ]<');
    const { message } = await intoBody(`<m:big xmlns:m="urn:m"><![CDATA[${text}]]></m:big>`);
    const xml = new TextDecoder().decode(message);
    const sections = [...xml.matchAll(/<!\[CDATA\[([\s\S]*?)\]\]>/g)].map(([, section]) => section);
    assert.ok(sections.length >= 2, `${sections.length} sections`);
    assert.equal(sections.join(''), text);
    assert.ok(!xml.includes('&lt;'), 'never escaped as text');
  });

  test('drops only the declarations the writer has in scope; a prefix bound elsewhere is declared again', async () => {
    const { message } = await intoBody(
      `<a:x xmlns:a="urn:a" xmlns:s="urn:not-soap" xmlns:t="urn:t"><a:y xmlns:a="urn:a" xmlns:t="urn:t2"/></a:x>`,
    );
    assert.equal(
      new TextDecoder().decode(message),
      `<s:Envelope xmlns:s="${SOAP12}"><s:Body>` +
        '<a:x xmlns:a="urn:a" xmlns:s="urn:not-soap" xmlns:t="urn:t"><a:y xmlns:t="urn:t2"/></a:x>' +
        '</s:Body></s:Envelope>',
    );
  });

  test('gives the same bytes from every kind of source and any split of the input', async () => {
    const bytes = new TextEncoder().encode(FRAGMENT);
    const splits = (step: number) =>
      Array.from({ length: Math.ceil(bytes.length / step) }, (_, i) => bytes.slice(i * step, (i + 1) * step));
    const sources: [string, () => Parameters<typeof writeXml>[1]][] = [
      ['Uint8Array', () => bytes],
      ['Node Readable', () => Readable.from(splits(7))],
      [
        'ReadableStream, 1-byte chunks (UTF-8 sequences split)',
        () =>
          new Blob([bytes]).stream().pipeThrough(
            new TransformStream({
              transform: (chunk: Uint8Array, c) => {
                for (const b of chunk) c.enqueue(Uint8Array.of(b));
              },
            }),
          ),
      ],
      [
        'AsyncIterable of strings',
        () =>
          (async function* () {
            for (let i = 0; i < FRAGMENT.length; i += 5) yield FRAGMENT.slice(i, i + 5);
          })(),
      ],
      ...[1, 2, 3, 13, 64].map((step): [string, () => Parameters<typeof writeXml>[1]] => [
        `async bytes, ${step}-byte chunks`,
        () =>
          (async function* () {
            yield* splits(step);
          })(),
      ]),
    ];
    for (const [name, source] of sources) {
      const { message } = await intoBody(source());
      assert.equal(new TextDecoder().decode(message), EXPECTED, name);
    }
  });

  test('copies a whole document as its root element, at the top of a fresh writer', async () => {
    const writer = await createXmlWriter();
    await writeXml(
      writer,
      `<?xml version="1.0" encoding="UTF-8"?>\n<s:Envelope xmlns:s="${SOAP12}"><s:Body/></s:Envelope>\n`,
    );
    assert.equal(latin1((await writer.end())!), `<s:Envelope xmlns:s="${SOAP12}"><s:Body/></s:Envelope>`);
  });

  test('lets a fragment use prefixes the writer has in scope (namespaces option), without declaring them again', async () => {
    const writer = await createXmlWriter();
    writer.writeStartElement('s', 'Envelope', SOAP12);
    await assert.rejects(
      writeXml(writer, '<s:Header/>'),
      (e: unknown) => e instanceof XmlWriterError && /prefix/.test(e.message),
    );
    const again = await createXmlWriter();
    again.writeStartElement('s', 'Envelope', SOAP12);
    await writeXml(again, '<s:Header/><s:Body s:role="r"/>', { namespaces: { s: SOAP12 } });
    assert.equal(
      latin1((await again.end())!),
      `<s:Envelope xmlns:s="${SOAP12}"><s:Header/><s:Body s:role="r"/></s:Envelope>`,
    );
  });

  test('rebinds a prefix that the writer has bound to another namespace', async () => {
    const writer = await createXmlWriter();
    writer.writeStartElement('p', 'outer', 'urn:outer');
    await writeXml(writer, '<p:inner xmlns:p="urn:inner"><p:x/></p:inner>');
    writer.writeEndElement();
    assert.equal(
      latin1((await writer.end())!),
      '<p:outer xmlns:p="urn:outer"><p:inner xmlns:p="urn:inner"><p:x/></p:inner></p:outer>',
    );
  });
});

describe('writeXml: parts', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mtom-write-xml-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('fills cid: placeholders from attachments and file: placeholders under baseDir', async () => {
    const photo = randomBytes(5000, 1);
    const report = randomBytes(70_000, 2);
    await writeFile(join(dir, 'report.bin'), report);
    const xml =
      `<m:Upload xmlns:m="urn:m" xmlns:xop="${XOP}" xmlns:xmime="http://www.w3.org/2005/05/xmlmime">` +
      '<m:photo xmime:contentType="image/png">\n  <xop:Include href="cid:photo"/><!-- beside it: dropped -->\n</m:photo>' +
      '<m:report><xop:Include href="file:report.bin"/><?beside it: dropped?></m:report></m:Upload>';
    const { result, message, writer } = await intoBody(
      xml,
      { attachments: { photo, spare: new Uint8Array(1) }, baseDir: dir },
      true,
    );
    assert.deepEqual(result, { parts: 2, unusedAttachments: ['spare'], droppedInstructions: 1, droppedComments: 1 });
    const parsed = parseMtom(message, writer.contentType);
    assert.equal(parsed.parts.length, 3);
    assert.equal(parsed.parts[1].headers['content-type'], 'image/png');
    assert.deepEqual(parsed.parts[1].bytes, photo);
    assert.deepEqual(parsed.parts[2].bytes, report);
    assert.match(
      latin1(parsed.parts[0].bytes),
      /<m:photo xmime:contentType="image\/png"><xop:Include [^>]*href="cid:1\.root@write-xml"\/><\/m:photo>/,
    );
  });

  test('turns base64 text of at least minPartSize decoded bytes into a part, streamed in chunks', async () => {
    const big = randomBytes(1536 * 1024 + 1, 3);
    const small = randomBytes(767, 4);
    const b64 = Buffer.from(big).toString('base64').replace(/.{76}/g, '$&\n');
    const xml = `<m:Upload xmlns:m="urn:m"><m:big>${b64}</m:big><m:small>${Buffer.from(small).toString('base64')}</m:small><m:word>Zm9v</m:word></m:Upload>`;
    async function* chunks() {
      for (let i = 0; i < xml.length; i += 10_000) yield xml.slice(i, i + 10_000);
    }
    const { result, message, writer } = await intoBody(chunks(), { minPartSize: 768 }, true);
    assert.equal(result.parts, 1);
    const parsed = parseMtom(message, writer.contentType);
    assert.equal(parsed.parts.length, 2);
    assert.deepEqual(parsed.parts[1].bytes, big);
    const root = latin1(parsed.parts[0].bytes);
    assert.ok(root.includes(`<m:small>${Buffer.from(small).toString('base64')}</m:small><m:word>Zm9v</m:word>`));
    // The reader's view: the same document with the part put back inline.
    assert.ok(rebuildXml(parsed).includes(`<m:big>${Buffer.from(big).toString('base64')}</m:big>`));
  });

  test('base64 in CDATA sections becomes a part where minPartSize applies; elsewhere CDATA stays CDATA', async () => {
    const data = randomBytes(3000, 5);
    const b64 = Buffer.from(data).toString('base64');
    const xml =
      `<m:Up xmlns:m="urn:m"><m:data><![CDATA[${b64.slice(0, 100)}]]>${b64.slice(100, 2000)}<![CDATA[${b64.slice(2000)}]]></m:data>` +
      '<m:script><![CDATA[a < b]]></m:script></m:Up>';
    const { result, message, writer } = await intoBody(
      xml,
      { minPartSize: 768, optimize: ({ localName }) => localName === 'data' },
      true,
    );
    assert.equal(result.parts, 1);
    const parsed = parseMtom(message, writer.contentType);
    assert.deepEqual(parsed.parts[1].bytes, data);
    assert.ok(latin1(parsed.parts[0].bytes).includes('<m:script><![CDATA[a < b]]></m:script>'));
  });

  test('optimize picks the elements whose base64 may become parts; contentTypeFor and onPart see each placeholder', async () => {
    const data = randomBytes(2000, 6);
    const b64 = Buffer.from(data).toString('base64');
    const xml =
      `<m:Up xmlns:m="urn:m" xmlns:xop="${XOP}"><m:keep>${b64}</m:keep><m:data>${b64}</m:data>` +
      '<m:a><xop:Include href="cid:a"/></m:a><m:b><xop:Include href="cid:b"/></m:b></m:Up>';
    const labels: string[] = [];
    const { result, message, writer } = await intoBody(
      xml,
      {
        attachments: { a: data, b: new Blob([data], { type: 'image/gif' }) },
        minPartSize: 768,
        optimize: ({ localName, ns }) => ns === 'urn:m' && localName === 'data',
        contentTypeFor: (href) => (href === 'cid:a' ? 'application/pdf' : undefined),
        onPart: (label) => labels.push(label),
      },
      true,
    );
    assert.equal(result.parts, 3);
    assert.deepEqual(labels, ['<m:data>', 'cid:a', 'cid:b']);
    const parsed = parseMtom(message, writer.contentType);
    assert.ok(latin1(parsed.parts[0].bytes).includes(`<m:keep>${b64}</m:keep>`));
    assert.deepEqual(
      parsed.parts.slice(1).map((p) => p.headers['content-type']),
      ['application/octet-stream', 'application/pdf', 'image/gif'],
    );
    for (const part of parsed.parts.slice(1)) assert.deepEqual(part.bytes, data);
  });

  test('with the text encoding, placeholders and long base64 text are written inline as canonical base64', async () => {
    const data = randomBytes(100_000, 5);
    const wrapped = Buffer.from(data).toString('base64').replace(/.{76}/g, '$&\r\n');
    const xml = `<m:Up xmlns:m="urn:m" xmlns:xop="${XOP}"><m:a><xop:Include href="cid:a"/></m:a><m:b>${wrapped}</m:b></m:Up>`;
    const { result, message } = await intoBody(xml, { attachments: { a: data }, minPartSize: 768 });
    assert.equal(result.parts, 2);
    const canonical = Buffer.from(data).toString('base64');
    assert.ok(latin1(message).includes(`<m:a>${canonical}</m:a><m:b>${canonical}</m:b>`));
  });

  test('universal entry: cid: placeholders work, file: placeholders are refused', async () => {
    const writer = await createXmlWriter({ encoding: MTOM });
    writer.writeStartElement('', 'root', 'urn:r');
    await universal.writeXml(writer, `<a xmlns:xop="${XOP}"><xop:Include href="cid:x%40y"/></a>`, {
      attachments: { 'x@y': new Blob(['hello']) },
    });
    writer.writeEndElement();
    const parsed = parseMtom((await writer.end())!, writer.contentType);
    assert.equal(latin1(parsed.parts[1].bytes), 'hello');
    const refused = await createXmlWriter({ encoding: MTOM });
    refused.writeStartElement('', 'root', 'urn:r');
    await expectFault(
      refused,
      universal.writeXml(refused, `<a xmlns:xop="${XOP}"><xop:Include href="file:x"/></a>`),
      'E_INVALIDARG',
      /only in Node/,
    );
  });
});

describe('writeXml: bad input faults the writer', () => {
  const cases: [string, string, Parameters<typeof writeXml>[2], string, RegExp][] = [
    ['a DOCTYPE', '<!DOCTYPE a [<!ENTITY x "y">]><a/>', {}, 'WS_E_INVALID_FORMAT', /DOCTYPE/],
    ['malformed XML', '<a><b></a>', {}, 'WS_E_INVALID_FORMAT', /malformed XML/],
    [
      'malformed XML, named',
      '<a>\n<b></a>',
      { sourceName: 'in.xml' },
      'WS_E_INVALID_FORMAT',
      /malformed XML: in\.xml:2:\d+: /,
    ],
    ['an unclosed element', '<a><b/>', {}, 'WS_E_INVALID_FORMAT', /malformed XML/],
    [
      'a placeholder with no attachment',
      `<a xmlns:xop="${XOP}"><xop:Include href="cid:nope"/></a>`,
      {},
      'E_INVALIDARG',
      /no attachment/,
    ],
    [
      'a placeholder beside text (XOP §3)',
      `<a xmlns:xop="${XOP}">text<xop:Include href="cid:x"/></a>`,
      { attachments: { x: new Uint8Array(1) } },
      'WS_E_INVALID_FORMAT',
      /only content/,
    ],
    [
      'a file: placeholder without baseDir',
      `<a xmlns:xop="${XOP}"><xop:Include href="file:x.bin"/></a>`,
      {},
      'E_INVALIDARG',
      /baseDir/,
    ],
    [
      'a file: placeholder outside baseDir',
      `<a xmlns:xop="${XOP}"><xop:Include href="file:../etc/passwd"/></a>`,
      { baseDir: tmpdir() },
      'E_INVALIDARG',
      /outside baseDir/,
    ],
    [
      'another href scheme',
      `<a xmlns:xop="${XOP}"><xop:Include href="http://x/"/></a>`,
      {},
      'E_INVALIDARG',
      /cid:NAME or file:PATH/,
    ],
    ['invalid UTF-8', '\xff', {}, 'WS_E_INVALID_FORMAT', /UTF-8/],
    ['an empty source', '', {}, 'WS_E_INVALID_FORMAT', /empty/],
    ['minPartSize 0', '<a/>', { minPartSize: 0 }, 'E_INVALIDARG', /minPartSize/],
  ];
  for (const [name, xml, options, code, pattern] of cases) {
    test(`${name}: ${code}, and no close delimiter is ever written`, async () => {
      const { output, bytes } = collectingOutput();
      const writer = await createXmlWriter({ encoding: MTOM, output });
      writer.writeStartElement('s', 'Envelope', SOAP12);
      const source = xml === '\xff' ? Uint8Array.of(0x3c, 0x61, 0x3e, 0xff, 0x3c, 0x2f, 0x61, 0x3e) : xml;
      await expectFault(writer, writeXml(writer, source, options), code, pattern);
      await assert.rejects(writer.end());
      assert.ok(!latin1(bytes()).includes(`--${MTOM.boundary}--`));
    });
  }
});

describe('packMessage', () => {
  test('resolves with the Content-Type, the exact length and the body', async () => {
    const data = randomBytes(100_000, 9);
    const packed = await packMessage(
      `<s:Envelope xmlns:s="${SOAP12}"><s:Body><m:Up xmlns:m="urn:m" xmlns:xop="${XOP}"><m:d><xop:Include href="cid:d"/></m:d></m:Up></s:Body></s:Envelope>`,
      { attachments: { d: data }, encoding: MTOM },
    );
    assert.equal(
      packed.contentType,
      `multipart/related; type="application/xop+xml"; boundary="${MTOM.boundary}"; start="<${MTOM.startUri}>"; start-info="application/soap+xml"`,
    );
    assert.equal(packed.headers['Content-Length'], String(packed.length));
    const body = new Uint8Array(await new Response(packed.body).arrayBuffer());
    assert.equal(body.length, packed.length);
    assert.deepEqual(parseMtom(body, packed.contentType).parts[1].bytes, data);
    assert.equal((await packed.copied).parts, 1);
  });

  test('has no length when a part has no known size, and errors the body when a source fails', async () => {
    const unsized = await packMessage(`<a xmlns:xop="${XOP}"><xop:Include href="cid:s"/></a>`, {
      attachments: { s: new Blob(['abc']).stream() },
    });
    assert.equal(unsized.length, undefined);
    assert.match(await new Response(unsized.body).text(), /\r\nabc\r\n/);
    const failing = await packMessage(`<a xmlns:xop="${XOP}"><xop:Include href="cid:s"/></a>`, {
      attachments: {
        s: (async function* () {
          yield Uint8Array.of(1);
          throw new Error('disk gone');
        })(),
      },
    });
    await assert.rejects(new Response(failing.body).arrayBuffer(), /disk gone/);
  });

  test('rejects malformed XML before any body exists', async () => {
    await assert.rejects(
      packMessage('<a><b></a>'),
      (e: unknown) => e instanceof XmlWriterError && e.code === 'WS_E_INVALID_FORMAT',
    );
  });
});
