// Replies over real HTTP (a local node:http server that answers with an MTOM message written by
// this library): the fetch Response from postMessage and the IncomingMessage from requestMessage
// read through readResponse / readMessage with their own Content-Type, a SOAP fault included.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { createXmlWriter, postMessage, readMessage, readResponse } from '../../src/index.js';
import { requestMessage } from '../../src/node.js';
import { randomBytes } from './mtom-reader.js';

const SOAP = 'http://www.w3.org/2003/05/soap-envelope';
const PHOTO = randomBytes(300_000, 21);
let server: Server;
let url = '';

before(async () => {
  server = createServer(async (req, res) => {
    for await (const chunk of req) void chunk; // the request is not what these tests look at
    const fault = req.url === '/fault';
    const writer = await createXmlWriter({
      encoding: { type: 'mtom' },
      output: (views) => {
        for (const v of views) res.write(Buffer.from(v));
      },
    });
    res.writeHead(fault ? 500 : 200, { 'Content-Type': writer.contentType, 'MIME-Version': '1.0' });
    writer.writeStartElement('s', 'Envelope', SOAP);
    writer.writeStartElement('s', 'Body', SOAP);
    if (fault) {
      writer.writeStartElement('s', 'Fault', SOAP);
      writer.writeStartElement('s', 'Reason', SOAP);
      writer.writeChars('no such photo');
      writer.writeEndElement();
      writer.writeEndElement();
    } else {
      writer.writeStartElement('', 'Photo', 'urn:example');
      writer.pushBytes((sink) => sink.write(PHOTO), { contentType: 'image/jpeg' });
      writer.writeEndElement();
    }
    writer.writeEndElement();
    writer.writeEndElement();
    await writer.end();
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => new Promise<void>((resolve) => server.close(() => resolve())));

const build = (writer: Parameters<Parameters<typeof postMessage>[1]>[0]) => {
  writer.writeStartElement('s', 'Envelope', SOAP);
  writer.writeStartElement('s', 'Body', SOAP);
  writer.writeStartElement('', 'GetPhoto', 'urn:example');
  writer.writeEndElement();
  writer.writeEndElement();
  writer.writeEndElement();
};

test('postMessage → readResponse streams the reply part', async () => {
  const response = await postMessage(`${url}/photo`, build, { encoding: { type: 'mtom' } });
  const reader = await readResponse(response);
  const names: string[] = [];
  let photo: Buffer | undefined;
  const view = new Uint8Array(8192);
  for await (const node of reader) {
    if (node.type === 'element') names.push(node.localName);
    if (node.type === 'bytes') {
      assert.equal(node.contentType, 'image/jpeg');
      const chunks: Buffer[] = [];
      for (let n = await reader.readBytes(view); n > 0; n = await reader.readBytes(view)) {
        chunks.push(Buffer.from(view.subarray(0, n)));
      }
      photo = Buffer.concat(chunks);
    }
  }
  assert.deepEqual(names, ['Envelope', 'Body', 'Photo']);
  assert.deepEqual(new Uint8Array(photo!), PHOTO);
});

test('requestMessage → readMessage; a SOAP fault reads like any other message', async () => {
  const incoming = await requestMessage(`${url}/fault`, build, { encoding: { type: 'mtom' } });
  assert.equal(incoming.statusCode, 500);
  const { xml, parts } = await readMessage(incoming);
  assert.match(xml, /<s:Fault><s:Reason>no such photo<\/s:Reason><\/s:Fault>/);
  assert.deepEqual(parts, []);
});
