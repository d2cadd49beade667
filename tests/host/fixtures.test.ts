// Byte-exact messages, written out by hand from the rules in docs/wire-format.md (RFC 2046 §5.1.1 framing,
// XOP 1.0 §3 Include, RFC 4648 base64).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createXmlWriter } from '../../src/index.js';
import type { XmlWriter } from '../../src/index.js';
import { latin1 } from './mtom-reader.js';

const SOAP = 'http://www.w3.org/2003/05/soap-envelope';

function writeEnvelope(writer: XmlWriter, attachment: Uint8Array): void {
  writer.writeStartElement('s', 'Envelope', SOAP);
  writer.writeStartElement('s', 'Body', SOAP);
  writer.writeStartElement('', 'Upload', 'urn:example');
  writer.writeAttribute(undefined, 'name', '', 'a<b & "c"');
  writer.writeStartElement('', 'Note', 'urn:example');
  writer.writeChars('1 < 2 & 3 > 2\r\n');
  writer.writeEndElement();
  writer.writeStartElement('', 'Small', 'urn:example');
  writer.writeBytes(new TextEncoder().encode('foob'));
  writer.writeEndElement();
  writer.writeStartElement('', 'Data', 'urn:example');
  writer.writeAttribute('xmime', 'contentType', 'http://www.w3.org/2005/05/xmlmime', 'image/png');
  writer.pushBytes((sink) => {
    sink.write(attachment);
  });
  writer.writeEndElement();
  writer.writeEndElement();
  writer.writeEndElement();
  writer.writeEndElement();
}

const ATTACHMENT = new TextEncoder().encode('\x89PNG\r\n--not-the-boundary\r\n');

const BODY =
  '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>' +
  '<Upload xmlns="urn:example" name="a&lt;b &amp; &quot;c&quot;">' +
  '<Note>1 &lt; 2 &amp; 3 &gt; 2&#xD;\n</Note>' +
  '<Small>Zm9vYg==</Small>' +
  '<Data xmlns:xmime="http://www.w3.org/2005/05/xmlmime" xmime:contentType="image/png">';

test('text encoding: a small SOAP 1.2 envelope, byte for byte', async () => {
  const writer = await createXmlWriter({ encoding: { type: 'text' }, writeDeclaration: true });
  writeEnvelope(writer, ATTACHMENT);
  const message = await writer.end();
  assert.equal(writer.contentType, 'application/soap+xml; charset=utf-8');
  assert.equal(
    latin1(message!),
    '<?xml version="1.0" encoding="utf-8"?>' +
      BODY +
      Buffer.from(ATTACHMENT).toString('base64') +
      '</Data></Upload></s:Body></s:Envelope>',
  );
});

test('MTOM: the same envelope with one part, byte for byte', async () => {
  const writer = await createXmlWriter({
    encoding: { type: 'mtom', boundary: 'uuid:0f1e2d3c', startUri: 'root@example.org', action: 'urn:upload' },
  });
  writeEnvelope(writer, ATTACHMENT);
  const message = await writer.end();
  assert.equal(
    writer.contentType,
    'multipart/related; type="application/xop+xml"; boundary="uuid:0f1e2d3c"; start="<root@example.org>"; ' +
      'start-info="application/soap+xml; action=\\"urn:upload\\""',
  );
  assert.equal(
    latin1(message!),
    '--uuid:0f1e2d3c\r\n' +
      'Content-ID: <root@example.org>\r\n' +
      'Content-Type: application/xop+xml; charset=utf-8; type="application/soap+xml; action=\\"urn:upload\\""\r\n' +
      'Content-Transfer-Encoding: binary\r\n' +
      '\r\n' +
      BODY +
      '<xop:Include xmlns:xop="http://www.w3.org/2004/08/xop/include" href="cid:1.root@example.org"/>' +
      '</Data></Upload></s:Body></s:Envelope>' +
      '\r\n--uuid:0f1e2d3c\r\n' +
      'Content-ID: <1.root@example.org>\r\n' +
      'Content-Type: image/png\r\n' +
      'Content-Transfer-Encoding: binary\r\n' +
      '\r\n' +
      latin1(ATTACHMENT) +
      '\r\n--uuid:0f1e2d3c--\r\n',
  );
});

test('MTOM with nothing optimized is still a package, with the MIME header and 8bit root part', async () => {
  const writer = await createXmlWriter({
    encoding: {
      type: 'mtom',
      boundary: 'b',
      startUri: 'r',
      startInfo: 'text/xml',
      writeMimeHeader: true,
      rootTransferEncoding: '8bit',
    },
  });
  writer.writeStartElement(undefined, 'a', '');
  writer.writeEndElement();
  const message = await writer.end();
  assert.equal(
    latin1(message!),
    'MIME-Version: 1.0\r\n' +
      'Content-Type: multipart/related; type="application/xop+xml"; boundary="b"; start="<r>"; start-info="text/xml"\r\n' +
      '\r\n' +
      '--b\r\n' +
      'Content-ID: <r>\r\n' +
      'Content-Type: application/xop+xml; charset=utf-8; type="text/xml"\r\n' +
      'Content-Transfer-Encoding: 8bit\r\n' +
      '\r\n' +
      '<a/>' +
      '\r\n--b--\r\n',
  );
});

test('MTOM: a zero-byte part survives, and parts follow the root in reference order', async () => {
  const writer = await createXmlWriter({ encoding: { type: 'mtom', boundary: 'B', startUri: 'r@x' } });
  writer.writeStartElement(undefined, 'r', '');
  for (const [name, bytes] of [
    ['empty', new Uint8Array(0)],
    ['two', new Uint8Array([0x32])],
  ] as const) {
    writer.writeStartElement(undefined, name, '');
    writer.pushBytes((sink) => sink.write(bytes), { contentType: 'text/plain; charset=us-ascii' });
    writer.writeEndElement();
  }
  writer.writeEndElement();
  const message = latin1((await writer.end())!);
  const include = (n: number) => `<xop:Include xmlns:xop="http://www.w3.org/2004/08/xop/include" href="cid:${n}.r@x"/>`;
  const part = (n: number, body: string) =>
    `\r\n--B\r\nContent-ID: <${n}.r@x>\r\nContent-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: binary\r\n\r\n${body}`;
  assert.equal(
    message,
    '--B\r\nContent-ID: <r@x>\r\nContent-Type: application/xop+xml; charset=utf-8; type="application/soap+xml"\r\n' +
      'Content-Transfer-Encoding: binary\r\n\r\n' +
      `<r><empty>${include(1)}</empty><two>${include(2)}</two></r>` +
      part(1, '') +
      part(2, '2') +
      '\r\n--B--\r\n',
  );
});

test('writeBytes under MTOM: up to maxInlineByteCount inline as base64, beyond as a part', async () => {
  const writer = await createXmlWriter({
    encoding: { type: 'mtom', boundary: 'B', startUri: 'r', maxInlineByteCount: 3 },
  });
  writer.writeStartElement(undefined, 'r', '');
  writer.writeStartElement(undefined, 'inline', '');
  writer.writeBytes(new Uint8Array([1, 2]));
  writer.writeBytes(new Uint8Array([3]));
  writer.writeEndElement();
  writer.writeStartElement(undefined, 'part', '');
  writer.writeBytes(new Uint8Array([1, 2]));
  writer.writeBytes(new Uint8Array([3, 4]));
  writer.writeEndElement();
  writer.writeEndElement();
  const message = latin1((await writer.end())!);
  assert.ok(message.includes('<inline>AQID</inline>'), message);
  assert.ok(
    message.includes('<part><xop:Include xmlns:xop="http://www.w3.org/2004/08/xop/include" href="cid:1.r"/></part>'),
  );
  assert.ok(
    message.endsWith(
      'Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n\x01\x02\x03\x04\r\n--B--\r\n',
    ),
  );
});
