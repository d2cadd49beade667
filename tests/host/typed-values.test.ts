// The rest of the WWSAPI writer: writeValue and typed attribute values (XML Schema lexical forms),
// writeQualifiedName / lookupPrefix, writeCData, writeProcessingInstruction — in both encodings,
// read back by an independent parser (fast-xml-parser), with typed errors for bad input.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { XMLParser } from 'fast-xml-parser';
import { createXmlWriter, ErrorCodes, XmlWriterError } from '../../src/index.js';
import type { XmlWriter, XmlWriterErrorCode } from '../../src/index.js';
import { parseMtom, rebuildXml } from './mtom-reader.js';

const XSI = 'http://www.w3.org/2001/XMLSchema-instance';
const SOAP12 = 'http://www.w3.org/2003/05/soap-envelope';
const BOUNDARY = 'uuid:typed-values';
const ENCODINGS = [
  { name: 'text', encoding: { type: 'text' } },
  { name: 'mtom', encoding: { type: 'mtom', boundary: BOUNDARY, startUri: 'root@x' } },
] as const;

const isCode = (code: XmlWriterErrorCode) => (error: unknown) => {
  assert.ok(error instanceof XmlWriterError, `expected an XmlWriterError, got ${String(error)}`);
  assert.equal(error.code, code, error.message);
  assert.equal(error.hresult, ErrorCodes[code]);
  return true;
};

/** The document a writer produced, as XML text (MTOM: the root part with parts put back as base64). */
async function documentOf(writer: XmlWriter): Promise<string> {
  const bytes = await writer.end();
  if (!/^multipart\//.test(writer.contentType)) return new TextDecoder().decode(bytes);
  return rebuildXml(parseMtom(bytes!, writer.contentType));
}

async function write(encoding: (typeof ENCODINGS)[number]['encoding'], build: (w: XmlWriter) => void) {
  const writer = await createXmlWriter({ encoding });
  build(writer);
  return documentOf(writer);
}

for (const { name, encoding } of ENCODINGS) {
  test(`${name}: writeValue writes XML Schema lexical forms`, async () => {
    const values = [
      true,
      false,
      0,
      -0,
      1.5,
      -273.15,
      1e21,
      1.5e-7,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      2n ** 64n,
      -42n,
      new Date(Date.UTC(2026, 11, 2, 9, 30, 0)),
      new Date(Date.UTC(1999, 0, 1, 23, 59, 59, 123)),
      'a < b & c',
    ];
    const xml = await write(encoding, (w) => {
      w.writeStartElement('', 'r', 'urn:r');
      for (const value of values) {
        w.writeStartElement('', 'v', 'urn:r');
        w.writeValue(value);
        w.writeEndElement();
      }
      w.writeEndElement();
    });
    const texts = [...xml.matchAll(/<v>([^<]*)<\/v>/g)].map(([, text]) => text);
    assert.deepEqual(texts, [
      'true',
      'false',
      '0',
      '-0',
      '1.5',
      '-273.15',
      '1e+21',
      '1.5e-7',
      'NaN',
      'INF',
      '-INF',
      '18446744073709551616',
      '-42',
      '2026-12-02T09:30:00Z',
      '1999-01-01T23:59:59.123Z',
      'a &lt; b &amp; c',
    ]);
    // Every number form reads back as the same double (xsd:double, XML Schema Part 2 §3.2.5).
    const read = (text: string) => (text === 'INF' ? Infinity : text === '-INF' ? -Infinity : Number(text));
    for (const [i, value] of values.entries()) {
      if (typeof value === 'number') assert.ok(Object.is(read(texts[i]), value), `${value} → ${texts[i]}`);
    }
  });

  test(`${name}: writeValue of a Uint8Array is writeBytes (a part with MTOM when large)`, async () => {
    const bytes = new Uint8Array(2000).map((_, i) => i * 7);
    const writer = await createXmlWriter({ encoding });
    writer.writeStartElement('', 'r', 'urn:r');
    writer.writeValue(bytes);
    writer.writeEndElement();
    const message = await writer.end();
    const text = new TextDecoder().decode(message);
    assert.equal(text.includes('xop:Include'), name === 'mtom');
    const xml = name === 'mtom' ? rebuildXml(parseMtom(message!, writer.contentType)) : text;
    assert.equal(xml, `<r xmlns="urn:r">${Buffer.from(bytes).toString('base64')}</r>`);
  });

  test(`${name}: typed attribute values, and QNames whose prefix is found or declared`, async () => {
    const xml = await write(encoding, (w) => {
      w.writeStartElement('s', 'Envelope', SOAP12);
      w.writeStartElement('', 'item', 'urn:items');
      w.writeAttribute('', 'flag', '', false);
      w.writeAttribute('', 'count', '', 3);
      w.writeAttribute('', 'ratio', '', Number.NEGATIVE_INFINITY);
      w.writeAttribute('', 'id', '', 9007199254740993n);
      w.writeAttribute('', 'at', '', new Date(Date.UTC(2000, 1, 29)));
      w.writeAttribute('', 'key', '', new Uint8Array([0xfb, 0xff, 0x00]));
      // A namespace not in scope: declared on this start tag with a generated prefix.
      w.writeAttribute('xsi', 'type', XSI, { localName: 'Widget', ns: 'urn:types' });
      // One in scope: its prefix is reused.
      w.writeAttribute('', 'role', '', { localName: 'Sender', ns: SOAP12 });
      // A chosen prefix.
      w.writeAttribute('', 'kind', '', { prefix: 'k', localName: 'Big', ns: 'urn:kinds' });
      w.writeEndElement();
      w.writeEndElement();
    });
    const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml);
    const item = parsed['s:Envelope'].item;
    assert.equal(item.flag, 'false');
    assert.equal(item.count, '3');
    assert.equal(item.ratio, '-INF');
    assert.equal(item.id, '9007199254740993');
    assert.equal(item.at, '2000-02-29T00:00:00Z');
    assert.equal(item.key, '+/8A');
    const [typePrefix, typeName] = item['xsi:type'].split(':');
    assert.equal(typeName, 'Widget');
    assert.equal(item[`xmlns:${typePrefix}`], 'urn:types');
    assert.equal(item.role, 's:Sender');
    assert.equal(item.kind, 'k:Big');
    assert.equal(item['xmlns:k'], 'urn:kinds');
  });

  test(`${name}: writeQualifiedName and lookupPrefix (fault codes)`, async () => {
    const xml = await write(encoding, (w) => {
      w.writeStartElement('env', 'Envelope', SOAP12);
      w.writeStartElement('env', 'Code', SOAP12);
      assert.equal(w.lookupPrefix(SOAP12), 'env');
      assert.equal(w.lookupPrefix('urn:nowhere'), undefined);
      assert.equal(w.lookupNamespace('env'), SOAP12);
      w.writeStartElement('env', 'Value', SOAP12);
      w.writeQualifiedName(undefined, 'Sender', SOAP12);
      w.writeEndElement();
      w.writeStartElement('env', 'Subcode', SOAP12);
      w.writeStartElement('env', 'Value', SOAP12);
      // Not in scope yet: declared on the open start tag.
      w.writeQualifiedName('app', 'BadInput', 'urn:app');
      assert.equal(w.lookupPrefix('urn:app'), 'app');
      w.writeEndElement();
      assert.equal(w.lookupPrefix('urn:app'), undefined, 'the declaration ends with its element');
      w.writeEndElement();
      w.writeEndElement();
      w.writeStartElement('', 'plain', 'urn:default');
      assert.equal(w.lookupPrefix('urn:default'), '');
      w.writeQualifiedName(undefined, 'x', 'urn:default');
      w.writeEndElement();
      w.writeEndElement();
    });
    assert.equal(
      xml.replace(/^<\?xml[^>]*>/, ''),
      `<env:Envelope xmlns:env="${SOAP12}"><env:Code><env:Value>env:Sender</env:Value>` +
        '<env:Subcode><env:Value xmlns:app="urn:app">app:BadInput</env:Value></env:Subcode></env:Code>' +
        '<plain xmlns="urn:default">x</plain></env:Envelope>',
    );
  });

  test(`${name}: writeCData keeps its text, splitting ]]> across sections`, async () => {
    const texts = ['plain <b>markup</b> & more', 'a]]>b', ']]>]]>', '', 'é ✓ 𝄞'];
    const xml = await write(encoding, (w) => {
      w.writeStartElement('', 'r', 'urn:r');
      for (const text of texts) {
        w.writeStartElement('', 'c', 'urn:r');
        w.writeCData(text);
        w.writeEndElement();
      }
      w.writeEndElement();
    });
    assert.match(xml, /<c><!\[CDATA\[a\]\]\]\]><!\[CDATA\[>b\]\]><\/c>/);
    const parsed = new XMLParser({ cdataPropName: '#cdata' }).parse(xml);
    const read = (c: unknown) => {
      const sections = (c as { '#cdata'?: unknown })?.['#cdata'];
      return Array.isArray(sections) ? sections.join('') : String(sections ?? '');
    };
    assert.deepEqual(parsed.r.c.map(read), texts);
  });

  test(`${name}: processing instructions in the prolog, in content and after the root`, async () => {
    const writer = await createXmlWriter({ encoding, writeDeclaration: true });
    writer.writeProcessingInstruction('xml-stylesheet', 'type="text/xsl" href="s.xsl"');
    writer.writeStartElement('', 'r', 'urn:r');
    writer.writeProcessingInstruction('keep', 'a ? b > c');
    writer.writeProcessingInstruction('empty');
    writer.writeEndElement();
    writer.writeProcessingInstruction('after', 'x');
    const xml = await documentOf(writer);
    assert.equal(
      xml,
      '<?xml version="1.0" encoding="utf-8"?><?xml-stylesheet type="text/xsl" href="s.xsl"?>' +
        '<r xmlns="urn:r"><?keep a ? b > c?><?empty?></r><?after x?>',
    );
    const parsed = new XMLParser({ ignoreAttributes: false, ignorePiTags: false }).parse(xml);
    assert.ok('?xml-stylesheet' in parsed && '?after' in parsed, JSON.stringify(parsed));
  });
}

type Misuse = [name: string, code: XmlWriterErrorCode, act: (w: XmlWriter) => unknown, mtomOnly?: true];

const misuses: Misuse[] = [
  ['writeValue of an object that is no QName', 'E_INVALIDARG', (w) => w.writeValue({} as never)],
  ['writeValue of a symbol', 'E_INVALIDARG', (w) => w.writeValue(Symbol('x') as never)],
  ['writeValue of an invalid Date', 'E_INVALIDARG', (w) => w.writeValue(new Date(Number.NaN))],
  ['writeValue of a Date past 9999', 'E_INVALIDARG', (w) => w.writeValue(new Date(Date.UTC(10000, 0, 1)))],
  [
    'writeValue beside binary content',
    'WS_E_INVALID_OPERATION',
    (w) => {
      w.writeBytes(new Uint8Array(1));
      w.writeValue(1);
    },
  ],
  ['an attribute value of null', 'E_INVALIDARG', (w) => w.writeAttribute('', 'a', '', null as never)],
  [
    'a QName with a bad local name',
    'E_INVALIDARG',
    (w) => w.writeAttribute('', 'a', '', { localName: 'a b', ns: 'urn:x' }),
  ],
  [
    'a QName prefix bound to another namespace on the tag',
    'WS_E_INVALID_OPERATION',
    (w) => {
      w.writeXmlnsAttribute('p', 'urn:one');
      w.writeAttribute('', 'a', '', { prefix: 'p', localName: 'n', ns: 'urn:two' });
    },
  ],
  [
    'an unprefixed QName outside the default namespace',
    'WS_E_INVALID_OPERATION',
    (w) => w.writeQualifiedName('', 'n', 'urn:elsewhere'),
  ],
  [
    'writeQualifiedName out of scope once content began',
    'WS_E_INVALID_OPERATION',
    (w) => {
      w.writeChars('x');
      w.writeQualifiedName(undefined, 'n', 'urn:nowhere');
    },
  ],
  [
    'writeQualifiedName outside every element',
    'WS_E_INVALID_OPERATION',
    (w) => {
      w.writeEndElement();
      w.writeQualifiedName(undefined, 'n', 'urn:r');
    },
  ],
  ['writeCData of a non-string', 'E_INVALIDARG', (w) => w.writeCData(1 as never)],
  ['writeCData with a character XML does not allow', 'WS_E_INVALID_FORMAT', (w) => w.writeCData('a\u0001b')],
  [
    'writeCData outside the root element',
    'WS_E_INVALID_OPERATION',
    (w) => {
      w.writeEndElement();
      w.writeCData('x');
    },
  ],
  [
    'writeCData beside binary content',
    'WS_E_INVALID_OPERATION',
    (w) => {
      w.writeBytes(new Uint8Array(1));
      w.writeCData('x');
    },
  ],
  ['a processing instruction named xml', 'E_INVALIDARG', (w) => w.writeProcessingInstruction('XmL', 'x')],
  ['a processing instruction target with a colon', 'E_INVALIDARG', (w) => w.writeProcessingInstruction('a:b')],
  ['processing instruction data with ?>', 'E_INVALIDARG', (w) => w.writeProcessingInstruction('t', 'a ?> b')],
  [
    'processing instruction data with a control character',
    'WS_E_INVALID_FORMAT',
    (w) => w.writeProcessingInstruction('t', 'a\u0000'),
  ],
  [
    'a processing instruction beside binary content',
    'WS_E_INVALID_OPERATION',
    (w) => {
      w.writeBytes(new Uint8Array(1));
      w.writeProcessingInstruction('t');
    },
  ],
  [
    'a processing instruction after the parts began',
    'WS_E_INVALID_OPERATION',
    async (w) => {
      w.pushBytes((sink) => sink.write(new Uint8Array(1)));
      w.writeEndElement();
      await w.flush();
      w.writeProcessingInstruction('late');
    },
    true,
  ],
];

for (const [name, code, act, mtomOnly] of misuses) {
  for (const { name: encodingName, encoding } of ENCODINGS) {
    if (mtomOnly && encodingName !== 'mtom') continue;
    test(`${code} (${encodingName}): ${name}`, async () => {
      const writer = await createXmlWriter({ encoding });
      writer.writeStartElement('', 'r', 'urn:r');
      await assert.rejects(async () => act(writer), isCode(code));
      assert.equal(writer.isFaulted, true);
      assert.throws(() => writer.writeChars('x'), isCode('WS_E_OBJECT_FAULTED'));
      assert.throws(() => writer.lookupPrefix('urn:r'), isCode('WS_E_OBJECT_FAULTED'));
      await assert.rejects(writer.end(), isCode('WS_E_OBJECT_FAULTED'));
    });
  }
}
