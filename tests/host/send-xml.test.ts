// postMessage / requestMessage given the envelope itself, `(url, xml, { attachments })`, against a
// loopback server that keeps each request: the body read back with an independent multipart
// parser, Content-Length or chunked as the sizes allow, and typed errors before anything is sent.
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it as test } from 'node:test';
import { postMessage as postBuilt } from '../../src/http.js';
import { requestMessage as requestBuilt, XmlWriterError, type XmlWriterErrorCode } from '../../src/node.js';
import * as universal from '../../src/xml/index.js';
import { postMessage, requestMessage } from '../../src/xml/node.js';
import { parseMtom, randomBytes, rebuildXml } from './mtom-reader.js';

const SOAP12 = 'http://www.w3.org/2003/05/soap-envelope';
const XOP = 'http://www.w3.org/2004/08/xop/include';

const envelope = (names: string[]) =>
  `<s:Envelope xmlns:s="${SOAP12}"><s:Body><m:Upload xmlns:m="urn:m" xmlns:xop="${XOP}">` +
  names.map((name) => `<m:${name}><xop:Include href="cid:${name}"/></m:${name}>`).join('') +
  '</m:Upload></s:Body></s:Envelope>';

interface Received {
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const isCode = (code: XmlWriterErrorCode) => (error: unknown) => error instanceof XmlWriterError && error.code === code;

describe('postMessage and requestMessage given XML', () => {
  let server: Server;
  let url: string;
  const received: Received[] = [];
  before(async () => {
    server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      received.push({ headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** The last request's XML with its parts put back, and its headers. */
  const last = () => {
    const { headers, body } = received[received.length - 1];
    return {
      headers,
      xml: rebuildXml(parseMtom(body, headers['content-type']!)),
      parts: parseMtom(body, headers['content-type']!).parts,
    };
  };

  test('requestMessage(url, xml, { attachments }): MTOM by default, with the exact Content-Length', async () => {
    const photo = randomBytes(5000, 1);
    const scan = randomBytes(70_000, 2);
    const response = await requestMessage(url, envelope(['photo', 'scan']), {
      attachments: { photo, scan: new Blob([scan], { type: 'application/pdf' }) },
    });
    response.resume();
    assert.equal(response.statusCode, 200);
    const { headers, xml, parts } = last();
    assert.match(headers['content-type']!, /^multipart\/related; type="application\/xop\+xml"/);
    assert.equal(Number(headers['content-length']), received[received.length - 1].body.length);
    assert.deepEqual(
      parts.slice(1).map((p) => p.bytes),
      [photo, scan],
    );
    assert.equal(parts[2].headers['content-type'], 'application/pdf');
    assert.ok(xml.includes(`<m:photo>${Buffer.from(photo).toString('base64')}</m:photo>`));
  });

  test('requestMessage chunked when a size is unknown, and the text encoding when asked', async () => {
    const data = randomBytes(100_000, 3);
    const stream = new Blob([data]).stream();
    (await requestMessage(url, envelope(['data']), { attachments: { data: stream } })).resume();
    assert.equal(last().headers['transfer-encoding'], 'chunked');
    assert.deepEqual(last().parts[1].bytes, data);

    const response = await requestMessage(url, envelope(['data']), {
      attachments: { data },
      encoding: { type: 'text' },
    });
    response.resume();
    const { headers, body } = received[received.length - 1];
    assert.equal(headers['content-type'], 'application/soap+xml; charset=utf-8');
    assert.ok(body.toString().includes(`<m:data>${Buffer.from(data).toString('base64')}</m:data>`));
  });

  const posts: [
    string,
    (url: string, xml: string, options: { attachments: Record<string, Uint8Array> }) => Promise<Response>,
  ][] = [
    ['Node', (u, xml, options) => postMessage(u, xml, options)],
    ['universal', (u, xml, options) => universal.postMessage(u, xml, options)],
  ];
  for (const [name, post] of posts) {
    test(`postMessage(url, xml, { attachments }) from the ${name} entry`, async () => {
      const bytes = randomBytes(3000, 4);
      const response = await post(url, envelope(['a']), { attachments: { a: bytes } });
      assert.equal(response.status, 200);
      assert.deepEqual(last().parts[1].bytes, bytes);
    });
  }

  test('with a build callback, both are the plain calls', async () => {
    const response = await requestMessage(url, (writer) => {
      writer.writeStartElement('s', 'Envelope', SOAP12);
      writer.writeEndElement();
    });
    response.resume();
    assert.equal(received[received.length - 1].body.toString(), `<s:Envelope xmlns:s="${SOAP12}"/>`);
  });

  test('fails with the copy’s own typed error, before anything is sent', async () => {
    const before = received.length;
    const cases: [string, () => Promise<unknown>, XmlWriterErrorCode, RegExp][] = [
      [
        'a missing attachment',
        () => requestMessage(url, envelope(['gone']), { attachments: {} }),
        'E_INVALIDARG',
        /gone/,
      ],
      ['malformed XML', () => postMessage(url, '<s:Envelope', {}), 'WS_E_INVALID_FORMAT', /malformed/],
      ['a DOCTYPE', () => requestMessage(url, '<!DOCTYPE x><x/>'), 'WS_E_INVALID_FORMAT', /DOCTYPE/],
      [
        'attachments beside a build callback',
        () => requestMessage(url, () => {}, { attachments: { a: new Uint8Array(1) } } as never),
        'E_INVALIDARG',
        /build callback/,
      ],
    ];
    cases.push(
      [
        'XML given to the plain requestMessage',
        () => requestBuilt(url, '<r/>' as never),
        'E_INVALIDARG',
        /mtom-stream\/xml/,
      ],
      ['XML given to the plain postMessage', () => postBuilt(url, '<r/>' as never), 'E_INVALIDARG', /mtom-stream\/xml/],
    );
    for (const [what, send, code, message] of cases) {
      await assert.rejects(send(), (error: unknown) => {
        assert.ok(isCode(code)(error), `${what}: ${String(error)}`);
        assert.match((error as Error).message, message, what);
        return true;
      });
    }
    assert.equal(received.length, before, 'no request reached the server');
  });

  test('a build that aborts the writer and throws after an await is reported with its own error', async () => {
    const before = received.length;
    const own = new Error('the build failed its own way');
    const build = async (writer: Parameters<Parameters<typeof requestBuilt>[1]>[0]) => {
      writer.writeStartElement('', 'r', 'urn:r');
      writer.abort(own);
      await new Promise((resolve) => setTimeout(resolve, 20));
      throw own;
    };
    await assert.rejects(requestBuilt(url, build, { encoding: { type: 'mtom' } }), (e: unknown) => e === own);
    await assert.rejects(postBuilt(url, build, { encoding: { type: 'mtom' } }), (e: unknown) => e === own);
    // The caller's own signal still answers at once, with its abort.
    const controller = new AbortController();
    const hanging = requestBuilt(
      url,
      async (writer) => {
        writer.writeStartElement('', 'r', 'urn:r');
        controller.abort(new Error('stop'));
        await new Promise(() => {});
      },
      { signal: controller.signal },
    );
    await assert.rejects(hanging, (e: unknown) => isCode('WS_E_OPERATION_ABORTED')(e));
    assert.equal(received.length, before, 'nothing was sent');
  });
});
