// The writer's MTOM messages sent to a real service: Metro (the JAX-WS reference implementation)
// on 127.0.0.1, which streams every attachment through SHA-256 and answers with the digests and
// sizes it read. Where Java or Metro is missing these tests are reported as skipped.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it as test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  postMessage,
  requestMessage,
  writeAttachment,
  type NodeAttachmentSource,
  type XmlWriter,
} from '../../src/node.js';
import {
  packMessage,
  postMessage as postXmlMessage,
  requestMessage as requestXmlMessage,
  writeXml,
} from '../../src/xml/node.js';
import { assertDigests, parseDigests, SOAP11, SOAP12 } from '../service/digests.js';
import { javaServiceUnavailable, SERVICE_NS, startJavaService, type JavaService } from '../service/java-service.js';
import { randomBytes } from './mtom-reader.js';

const MIB = 1 << 20;

interface Version {
  name: string;
  envelope: string;
  url(service: JavaService): string;
  encoding: { type: 'mtom'; startInfo?: string; action?: string };
  headers: Record<string, string>;
}

const VERSIONS: Version[] = [
  {
    name: 'SOAP 1.1',
    envelope: SOAP11,
    url: (service) => service.soap11,
    encoding: { type: 'mtom', startInfo: 'text/xml' },
    headers: { SOAPAction: '"urn:mtom-stream:service/Digest"' },
  },
  {
    name: 'SOAP 1.2',
    envelope: SOAP12,
    url: (service) => service.soap12,
    encoding: { type: 'mtom', action: 'urn:mtom-stream:service/Digest' },
    headers: {},
  },
];

interface Attachment {
  name: string;
  bytes: Uint8Array;
  /** How to hand the bytes to writeAttachment; default the Uint8Array itself (sized). */
  source?: () => NodeAttachmentSource;
}

/** An envelope whose payload has one element per attachment, each written by writeAttachment. */
function upload(version: Version, attachments: Attachment[]) {
  return async (writer: XmlWriter) => {
    writer.writeStartElement('s', 'Envelope', version.envelope);
    writer.writeStartElement('s', 'Body', version.envelope);
    writer.writeStartElement('t', 'Upload', SERVICE_NS);
    for (const { name, bytes, source } of attachments) {
      writer.writeStartElement('t', name, SERVICE_NS);
      await writeAttachment(writer, source ? source() : bytes);
      writer.writeEndElement();
    }
    writer.writeEndElement();
    writer.writeEndElement();
    writer.writeEndElement();
  };
}

/** A ReadableStream of `bytes` in uneven chunks, so the size is unknown and the request chunked. */
function streamOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      const end = at + 5000 + (at % 7919);
      controller.enqueue(bytes.slice(at, end));
      at = end;
    },
  });
}

const SIZES = [0, 767, 768, MIB];
const sized = (seed: number): Attachment[] =>
  SIZES.map((size, i) => ({ name: `p${i}`, bytes: randomBytes(size, seed + i) }));
const unsized = (seed: number): Attachment[] => sized(seed).map((a) => ({ ...a, source: () => streamOf(a.bytes) }));

const XOP = 'http://www.w3.org/2004/08/xop/include';

/** An envelope as text, one element per attachment holding `<xop:Include href="cid:NAME"/>`. */
function envelopeWithPlaceholders(version: Version, attachments: Attachment[]): string {
  const elements = attachments.map(
    (a) => `<t:${a.name} xmime:contentType="image/png"><xop:Include href="cid:${a.name}"/></t:${a.name}>`,
  );
  return (
    `<?xml version="1.0" encoding="utf-8"?>\n<s:Envelope xmlns:s="${version.envelope}"><s:Body>` +
    `<t:Upload xmlns:t="${SERVICE_NS}" xmlns:xop="${XOP}" xmlns:xmime="http://www.w3.org/2005/05/xmlmime">` +
    `${elements.join('')}</t:Upload></s:Body></s:Envelope>`
  );
}

const total = (attachments: Attachment[]) => attachments.reduce((sum, a) => sum + a.bytes.length, 0);

/** A header of the request that `response` answers (Node's IncomingMessage keeps it as `req`). */
function sentHeader(response: IncomingMessage, name: string): string {
  return String((response as IncomingMessage & { req: ClientRequest }).req.getHeader(name));
}

async function text(response: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('latin1');
}

const unavailable = javaServiceUnavailable();
if (unavailable) console.log(`# real-service tests skipped: ${unavailable}`);
/** Each test is reported as skipped, with the reason, where the service cannot run. */
const it = (name: string, fn: (t: TestContext) => Promise<void>) => test(name, { skip: unavailable }, fn);

describe('a real MTOM service (Metro JAX-WS RI)', () => {
  let service: JavaService;
  before(async () => {
    if (!unavailable) service = await startJavaService();
  });
  after(() => service?.stop());

  for (const version of VERSIONS) {
    describe(version.name, () => {
      it('postMessage with Content-Length: parts of 0 B, 767 B, 768 B and 1 MiB in one message', async () => {
        const attachments = sized(1);
        const response = await postMessage(version.url(service), upload(version, attachments), {
          encoding: version.encoding,
          headers: version.headers,
        });
        const body = await response.text();
        assert.equal(response.status, 200, body);
        const digests = parseDigests(body);
        assert.ok(digests.contentLength! > total(attachments), `Content-Length ${digests.contentLength}`);
        assertDigests(
          digests,
          attachments.map((a) => ({ ...a, xop: true })),
        );
      });

      it('postMessage chunked: streams of unknown size', async () => {
        const attachments = unsized(11);
        const response = await postMessage(version.url(service), upload(version, attachments), {
          encoding: version.encoding,
          headers: version.headers,
        });
        const body = await response.text();
        assert.equal(response.status, 200, body);
        const digests = parseDigests(body);
        assert.equal(digests.contentLength, undefined, 'chunked');
        assertDigests(digests, attachments);
      });

      it('requestMessage with Content-Length, each size in a message of its own', async () => {
        for (const attachment of sized(21)) {
          const response = await requestMessage(version.url(service), upload(version, [attachment]), {
            encoding: version.encoding,
            headers: version.headers,
          });
          const body = await text(response);
          assert.equal(response.statusCode, 200, body);
          const digests = parseDigests(body);
          assert.ok(digests.contentLength! > attachment.bytes.length, `Content-Length ${digests.contentLength}`);
          assertDigests(digests, [attachment]);
        }
      });

      it('requestMessage chunked, with a file part beside streams', async () => {
        const dir = await mkdtemp(join(tmpdir(), 'mtom-service-'));
        try {
          const file = { name: 'file', bytes: randomBytes(300_000, 31) };
          await writeFile(join(dir, 'file.bin'), file.bytes);
          const attachments = [...unsized(32), { ...file, source: () => ({ path: join(dir, 'file.bin') }) }];
          const response = await requestMessage(version.url(service), upload(version, attachments), {
            encoding: version.encoding,
            headers: version.headers,
            ringSize: 16384,
          });
          const body = await text(response);
          assert.equal(response.statusCode, 200, body);
          const digests = parseDigests(body);
          assert.equal(digests.contentLength, undefined, 'chunked');
          assertDigests(digests, attachments);
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      });

      it('packMessage: an envelope with cid: placeholders, sent with its exact Content-Length', async () => {
        const attachments = sized(61);
        const packed = await packMessage(envelopeWithPlaceholders(version, attachments), {
          attachments: Object.fromEntries(attachments.map((a) => [a.name, a.bytes])),
          encoding: version.encoding,
        });
        const response = await fetch(version.url(service), {
          method: 'POST',
          headers: { ...packed.headers, ...version.headers },
          body: packed.body,
          duplex: 'half',
        } as RequestInit);
        const body = await response.text();
        assert.equal(response.status, 200, body);
        const digests = parseDigests(body);
        assert.equal(digests.contentLength, packed.length);
        assertDigests(
          digests,
          attachments.map((a) => ({ ...a, xop: true })),
        );
        assert.deepEqual(
          digests.parts.map((p) => p.type),
          attachments.map(() => 'image/png'),
        );
      });

      it('writeXml in postMessage (chunked, streams) and requestMessage (file: placeholders, long base64 text)', async () => {
        const streamed = unsized(71);
        const viaFetch = await postMessage(
          version.url(service),
          async (writer) => {
            await writeXml(writer, envelopeWithPlaceholders(version, streamed), {
              attachments: Object.fromEntries(streamed.map((a) => [a.name, streamOf(a.bytes)])),
            });
          },
          { encoding: version.encoding, headers: version.headers },
        );
        const fetchBody = await viaFetch.text();
        assert.equal(viaFetch.status, 200, fetchBody);
        assert.equal(parseDigests(fetchBody).contentLength, undefined);
        assertDigests(parseDigests(fetchBody), streamed);

        const dir = await mkdtemp(join(tmpdir(), 'mtom-service-xml-'));
        try {
          const file = randomBytes(MIB, 72);
          const inline = randomBytes(5000, 73);
          await writeFile(join(dir, 'file.bin'), file);
          const xml =
            `<s:Envelope xmlns:s="${version.envelope}"><s:Body><t:Upload xmlns:t="${SERVICE_NS}" xmlns:xop="${XOP}">` +
            '<t:file><xop:Include href="file:file.bin"/></t:file>' +
            `<t:inline>${Buffer.from(inline).toString('base64')}</t:inline>` +
            '</t:Upload></s:Body></s:Envelope>';
          const viaHttp = await requestMessage(
            version.url(service),
            async (writer) => void (await writeXml(writer, xml, { baseDir: dir, minPartSize: 768 })),
            {
              encoding: version.encoding,
              headers: version.headers,
            },
          );
          const httpBody = await text(viaHttp);
          assert.equal(viaHttp.statusCode, 200, httpBody);
          assert.ok(parseDigests(httpBody).contentLength! > MIB);
          assertDigests(parseDigests(httpBody), [
            { name: 'file', bytes: file, xop: true },
            { name: 'inline', bytes: inline, xop: true },
          ]);
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      });

      it('writeBytes: 767 bytes stay inline as base64, 768 become a part', async () => {
        const small = randomBytes(767, 41);
        const large = randomBytes(768, 42);
        const response = await postMessage(
          version.url(service),
          (writer) => {
            writer.writeStartElement('s', 'Envelope', version.envelope);
            writer.writeStartElement('s', 'Body', version.envelope);
            writer.writeStartElement('t', 'Upload', SERVICE_NS);
            for (const [name, bytes] of [
              ['small', small],
              ['large', large],
            ] as const) {
              writer.writeStartElement('t', name, SERVICE_NS);
              writer.writeBytes(bytes);
              writer.writeEndElement();
            }
            writer.writeEndElement();
            writer.writeEndElement();
            writer.writeEndElement();
          },
          { encoding: version.encoding, headers: version.headers },
        );
        const body = await response.text();
        assert.equal(response.status, 200, body);
        assertDigests(parseDigests(body), [
          { name: 'small', bytes: small, xop: false },
          { name: 'large', bytes: large, xop: true },
        ]);
      });
    });
  }

  it('the CLI: `pack` output posted as it is, with the Content-Type it prints', async () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const dir = await mkdtemp(join(tmpdir(), 'mtom-service-cli-'));
    try {
      const photo = randomBytes(200_000, 51);
      const inline = randomBytes(2048, 52);
      await writeFile(join(dir, 'photo.bin'), photo);
      const envelope =
        `<s:Envelope xmlns:s="${SOAP11}"><s:Body><t:Upload xmlns:t="${SERVICE_NS}" xmlns:xop="http://www.w3.org/2004/08/xop/include">` +
        '<t:photo><xop:Include href="cid:photo"/></t:photo>' +
        `<t:data>${Buffer.from(inline).toString('base64')}</t:data>` +
        '</t:Upload></s:Body></s:Envelope>';
      await writeFile(join(dir, 'envelope.xml'), envelope);
      const out = join(dir, 'message.mtom');
      const cli = await run(process.execPath, [
        join(root, 'dist', 'cli', 'main.js'),
        'pack',
        '--soap11',
        '--attach',
        `photo=${join(dir, 'photo.bin')}`,
        '-o',
        out,
        '--print-content-type',
        join(dir, 'envelope.xml'),
      ]);
      assert.equal(cli.code, 0, cli.stderr);
      const contentType = cli.stdout.trim();
      assert.match(contentType, /^multipart\/related; /);
      const response = await fetch(service.soap11, {
        method: 'POST',
        headers: { 'Content-Type': contentType, 'MIME-Version': '1.0', SOAPAction: '""' },
        body: await readFile(out),
      });
      const body = await response.text();
      assert.equal(response.status, 200, body);
      assertDigests(parseDigests(body), [
        { name: 'photo', bytes: photo, xop: true },
        { name: 'data', bytes: inline, xop: true },
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  describe('part headers, the action placement, typed values, CDATA and processing instructions', () => {
    const soap12 = VERSIONS[1];

    for (const placement of [undefined, 'start-info', 'top-level', 'both'] as const) {
      it(`SOAP 1.2 with the action placed ${placement ?? 'by default'}: Metro reads the message`, async () => {
        const attachments = [{ name: 'p', bytes: randomBytes(5000, 70) }];
        const encoding = { ...soap12.encoding, actionPlacement: placement };
        const response = await requestMessage(soap12.url(service), upload(soap12, attachments), { encoding });
        const body = await text(response);
        assert.equal(response.statusCode, 200, body);
        assertDigests(parseDigests(body), [{ ...attachments[0], xop: true }]);
        const sent = sentHeader(response, 'content-type');
        const startInfo = 'start-info="application/soap+xml; action=\\"urn:mtom-stream:service/Digest\\""';
        assert.equal(sent.includes(startInfo), placement !== 'top-level', sent);
        assert.equal(
          /"; action="urn:mtom-stream:service\/Digest"$/.test(sent),
          placement === 'top-level' || placement === 'both',
          sent,
        );
      });
    }

    for (const version of VERSIONS) {
      it(`${version.name}: requestMessage and postMessage take the envelope and its attachments`, async () => {
        const attachments = sized(80);
        const xml = envelopeWithPlaceholders(version, attachments);
        const options = { encoding: version.encoding, headers: version.headers };
        const byName = (list: Attachment[], stream = false) =>
          Object.fromEntries(list.map((a) => [a.name, stream ? streamOf(a.bytes) : a.bytes]));
        const sizedResponse = await requestXmlMessage(version.url(service), xml, {
          ...options,
          attachments: byName(attachments),
        });
        const sizedBody = await text(sizedResponse);
        assert.equal(sizedResponse.statusCode, 200, sizedBody);
        const digests = parseDigests(sizedBody);
        assert.equal(digests.contentLength, Number(sentHeader(sizedResponse, 'content-length')));
        assertDigests(digests, attachments);
        const posted = await postXmlMessage(version.url(service), xml, {
          ...options,
          attachments: byName(attachments, true),
        });
        const postedBody = await posted.text();
        assert.equal(posted.status, 200, postedBody);
        assert.equal(parseDigests(postedBody).contentLength, undefined, 'chunked');
        assertDigests(parseDigests(postedBody), attachments);
      });

      it(`${version.name}: chosen Content-IDs and part headers reach Metro, and each href finds its part`, async () => {
        const parts = [
          {
            name: 'a',
            bytes: randomBytes(1000, 71),
            options: { contentId: 'http://tempuri.org/1/42', filename: 'a.pdf' },
          },
          {
            name: 'b',
            bytes: randomBytes(MIB, 72),
            options: {
              contentId: 'b#2{x}@example.org',
              filename: 'résumé.pdf',
              contentLocation: 'http://example.org/b.pdf',
              contentDescription: 'the second part',
            },
          },
          { name: 'c', bytes: randomBytes(900, 73), options: {} },
        ];
        const response = await requestMessage(
          version.url(service),
          async (writer) => {
            writer.writeStartElement('s', 'Envelope', version.envelope);
            writer.writeStartElement('s', 'Body', version.envelope);
            writer.writeStartElement('t', 'Upload', SERVICE_NS);
            for (const { name, bytes, options } of parts) {
              writer.writeStartElement('t', name, SERVICE_NS);
              if (name === 'c') writer.writeBytes(bytes, { contentId: 'bytes-c', filename: 'c.bin' });
              else await writeAttachment(writer, bytes, options);
              writer.writeEndElement();
            }
            writer.writeEndElement();
            writer.writeEndElement();
            writer.writeEndElement();
          },
          { encoding: version.encoding, headers: version.headers },
        );
        const body = await text(response);
        assert.equal(response.statusCode, 200, body);
        const digests = parseDigests(body);
        assertDigests(
          digests,
          parts.map((p) => ({ ...p, xop: true })),
        );
        assert.equal(digests.contentLength, Number(sentHeader(response, 'content-length')));
        const byId = new Map(digests.attachments.map((a) => [a.headers['content-id'], a.headers]));
        assert.deepEqual([...byId.keys()].sort(), ['<b#2{x}@example.org>', '<bytes-c>', '<http://tempuri.org/1/42>']);
        assert.equal(byId.get('<http://tempuri.org/1/42>')!['content-disposition'], 'attachment; filename="a.pdf"');
        const b = byId.get('<b#2{x}@example.org>')!;
        assert.equal(
          b['content-disposition'],
          `attachment; filename="r_sum_.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf`,
        );
        assert.equal(b['content-location'], 'http://example.org/b.pdf');
        assert.equal(b['content-description'], 'the second part');
        assert.equal(byId.get('<bytes-c>')!['content-disposition'], 'attachment; filename="c.bin"');
      });
    }

    it('typed values, a CDATA section, processing instructions and QName attributes, written and copied', async () => {
      const inline = randomBytes(600, 74);
      const cdata = randomBytes(300, 75);
      const part = randomBytes(3000, 76);
      const copied = randomBytes(400, 77);
      const response = await requestMessage(
        soap12.url(service),
        async (writer) => {
          writer.writeStartElement('s', 'Envelope', SOAP12);
          writer.writeStartElement('s', 'Body', SOAP12);
          writer.writeStartElement('t', 'Upload', SERVICE_NS);
          writer.writeAttribute('', 'count', '', 4);
          writer.writeAttribute('', 'at', '', new Date(Date.UTC(2026, 0, 1)));
          writer.writeAttribute('xsi', 'type', 'http://www.w3.org/2001/XMLSchema-instance', {
            localName: 'Upload',
            ns: SERVICE_NS,
          });
          writer.writeProcessingInstruction('trace', 'id="1"');
          writer.writeStartElement('t', 'inline', SERVICE_NS);
          writer.writeValue(inline);
          writer.writeEndElement();
          writer.writeStartElement('t', 'cdata', SERVICE_NS);
          writer.writeCData(Buffer.from(cdata).toString('base64'));
          writer.writeEndElement();
          writer.writeStartElement('t', 'part', SERVICE_NS);
          writer.writeValue(part);
          writer.writeEndElement();
          await writeXml(
            writer,
            `<?copied here?><t:copied xmlns:t="${SERVICE_NS}"><![CDATA[${Buffer.from(copied).toString('base64')}]]></t:copied>`,
          );
          writer.writeEndElement();
          writer.writeEndElement();
          writer.writeEndElement();
        },
        { encoding: soap12.encoding },
      );
      const body = await text(response);
      assert.equal(response.statusCode, 200, body);
      assertDigests(parseDigests(body), [
        { name: 'inline', bytes: inline, xop: false },
        { name: 'cdata', bytes: cdata, xop: false },
        { name: 'part', bytes: part, xop: true },
        { name: 'copied', bytes: copied, xop: false },
      ]);
    });
  });
});

function run(command: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
    child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
