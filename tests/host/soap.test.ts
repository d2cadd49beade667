// The node-soap adapter (mtom-stream/soap) with a real node-soap client, created from the digest
// service's WSDL, against the real Metro service (tests/service/). Skipped, and said so, where
// Java or Metro is missing.
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it as test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as soap from 'soap';
import { XmlWriterError } from '../../src/node.js';
import { MtomHttpClient, type SoapAttachment } from '../../src/soap/index.js';
import { sha256 } from '../service/digests.js';
import { javaServiceUnavailable, startJavaService, type JavaService } from '../service/java-service.js';
import { randomBytes } from './mtom-reader.js';

const WSDL = fileURLToPath(new URL('../service/MtomDigestService.wsdl', import.meta.url));
const XOP = 'http://www.w3.org/2004/08/xop/include';
const MIB = 1 << 20;

const unavailable = javaServiceUnavailable();
if (unavailable) console.log(`# node-soap real-service tests skipped: ${unavailable}`);
const it = (name: string, fn: (t: TestContext) => Promise<void>) => test(name, { skip: unavailable }, fn);

/** node-soap's way to put raw XML in an element: the xop:Include naming an attachment. */
const include = (contentId: string) => ({ $xml: `<xop:Include xmlns:xop="${XOP}" href="cid:${contentId}"/>` });

interface DigestResult {
  attributes: { contentLength: string };
  part?: { attributes: { name: string; size: string; sha256: string; xop: string; type: string } }[];
  /** Each attachment as Metro's MIME parser read it. */
  attachment?: { attributes: { contentId: string }; header?: { attributes: { name: string; value: string } }[] }[];
}

/** Metro's view of each attachment: its Content-ID header and Content-Disposition. */
function receivedParts(result: DigestResult): { contentId: string; disposition: string | undefined }[] {
  const parts = (result.attachment ?? []).map(({ header = [] }) => {
    const value = (name: string) =>
      header.find((h) => h.attributes.name.toLowerCase() === name.toLowerCase())?.attributes.value;
    return { contentId: value('Content-ID')!, disposition: value('Content-Disposition') };
  });
  // Metro lists them in no particular order.
  return parts.sort((a, b) => (a.contentId < b.contentId ? -1 : 1));
}

function checkParts(result: DigestResult, sent: { bytes: Uint8Array; type?: string }[]): void {
  const parts = result.part ?? [];
  assert.deepEqual(
    parts.map((p) => ({ size: Number(p.attributes.size), sha256: p.attributes.sha256, xop: p.attributes.xop })),
    sent.map((s) => ({ size: s.bytes.length, sha256: sha256(s.bytes), xop: 'true' })),
  );
  for (const [i, s] of sent.entries()) if (s.type) assert.equal(parts[i].attributes.type, s.type);
}

const VERSIONS = [
  { name: 'SOAP 1.1', options: {}, url: (s: JavaService) => s.soap11 },
  { name: 'SOAP 1.2', options: { forceSoap12Headers: true }, url: (s: JavaService) => s.soap12 },
];

describe('node-soap with MtomHttpClient, against the Metro service', () => {
  let service: JavaService;
  let dir: string;
  before(async () => {
    if (unavailable) return;
    service = await startJavaService();
    dir = await mkdtemp(join(tmpdir(), 'mtom-soap-'));
  });
  after(async () => {
    await service?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  for (const version of VERSIONS) {
    describe(version.name, () => {
      const client = async () => {
        const c = await soap.createClientAsync(WSDL, { httpClient: new MtomHttpClient(), ...version.options });
        c.setEndpoint(version.url(service));
        return c;
      };

      it('sends node-soap attachments (Buffers of 0 B, 767 B, 768 B, 1 MiB) as MTOM with the exact Content-Length', async () => {
        const c = await client();
        const sent = [0, 767, 768, MIB].map((size, i) => ({
          bytes: Buffer.from(randomBytes(size, 80 + i)),
          type: i === 1 ? 'image/png' : 'application/octet-stream',
        }));
        const attachments: SoapAttachment[] = sent.map((s, i) => ({
          contentId: `part${i}@test`,
          mimetype: s.type,
          name: `f${i}.bin`,
          body: s.bytes,
        }));
        const [result] = await c.DigestAsync({ file: attachments.map((a) => include(a.contentId)) }, { attachments });
        checkParts(result, sent);
        assert.ok(Number(result.attributes.contentLength) > MIB, `Content-Length ${result.attributes.contentLength}`);
        // The parts keep node-soap's Content-IDs and file names.
        assert.deepEqual(
          receivedParts(result),
          attachments.map((a) => ({ contentId: `<${a.contentId}>`, disposition: `attachment; filename="${a.name}"` })),
        );
        // What node-soap built is what the adapter streamed: the envelope of this SOAP version.
        assert.match(
          c.lastRequest!,
          version.name === 'SOAP 1.2'
            ? /http:\/\/www\.w3\.org\/2003\/05\/soap-envelope/
            : /schemas\.xmlsoap\.org\/soap\/envelope/,
        );
      });

      it('takes file paths and streams: chunked for a stream of unknown size, Content-Length when it is given', async () => {
        const c = await client();
        const file = randomBytes(300_000, 90);
        const streamed = randomBytes(200_000, 91);
        await writeFile(join(dir, `file-${version.name}.bin`), file);
        await writeFile(join(dir, `stream-${version.name}.bin`), streamed);
        const make = (size?: number): SoapAttachment[] => [
          { contentId: 'file', body: { path: join(dir, `file-${version.name}.bin`) } },
          { contentId: 'stream', body: createReadStream(join(dir, `stream-${version.name}.bin`)), size },
        ];
        const args = { file: [include('file'), include('stream')] };
        const [chunked] = await c.DigestAsync(args, { attachments: make() });
        checkParts(chunked, [{ bytes: file }, { bytes: streamed }]);
        assert.equal(chunked.attributes.contentLength, 'none');
        const [sized] = await c.DigestAsync(args, { attachments: make(streamed.length) });
        checkParts(sized, [{ bytes: file }, { bytes: streamed }]);
        assert.ok(Number(sized.attributes.contentLength) > file.length + streamed.length);
      });

      it('sends a Content-ID that its cid: URL must escape and a non-ASCII file name (RFC 2392, RFC 8187)', async () => {
        const c = await client();
        const bytes = randomBytes(2000, 95);
        const attachment: SoapAttachment = { contentId: 'scan#1{a}|b^@test', name: 'résumé 1.pdf', body: bytes };
        // node-soap's caller writes the cid: URL, escaped as RFC 2392 asks.
        const href = `cid:${encodeURIComponent(attachment.contentId).replace(/%40/g, '@')}`;
        const [result] = await c.DigestAsync(
          { file: [{ $xml: `<xop:Include xmlns:xop="${XOP}" href="${href}"/>` }] },
          { attachments: [attachment] },
        );
        checkParts(result, [{ bytes }]);
        assert.deepEqual(receivedParts(result), [
          {
            contentId: '<scan#1{a}|b^@test>',
            disposition: `attachment; filename="r_sum_ 1.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9%201.pdf`,
          },
        ]);
      });

      it('refuses, with typed errors, an attachment no placeholder names and a placeholder with no attachment', async () => {
        const c = await client();
        const body = Buffer.from('x');
        await assert.rejects(
          c.DigestAsync(
            { file: [include('a')] },
            {
              attachments: [
                { contentId: 'a', body },
                { contentId: 'orphan', body },
              ],
            },
          ),
          (e: unknown) => e instanceof XmlWriterError && e.code === 'E_INVALIDARG' && /orphan/.test(e.message),
        );
        await assert.rejects(
          c.DigestAsync({ file: [include('missing')] }, { attachments: [] }),
          (e: unknown) => e instanceof XmlWriterError && e.code === 'E_INVALIDARG' && /missing/.test(e.message),
        );
        await assert.rejects(
          c.DigestAsync(
            { file: [include('a')] },
            {
              attachments: [
                { contentId: 'a', body },
                { contentId: 'a', body },
              ],
            },
          ),
          (e: unknown) => e instanceof XmlWriterError && e.code === 'E_INVALIDARG' && /two attachments/.test(e.message),
        );
        for (const bad of [
          { contentId: 'a b', body },
          { contentId: 'a', name: 'x\r\ny', body },
        ]) {
          await assert.rejects(
            c.DigestAsync({ file: [include('a')] }, { attachments: [bad] }),
            (e: unknown) => e instanceof XmlWriterError && e.code === 'E_INVALIDARG',
          );
        }
      });
    });
  }

  it('fetches the WSDL over HTTP through the same client (GET)', async () => {
    const wsdl = await readFile(WSDL);
    const server = createServer((_, res) => res.writeHead(200, { 'Content-Type': 'text/xml' }).end(wsdl));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/digest?wsdl`;
      const c = await soap.createClientAsync(url, { httpClient: new MtomHttpClient() });
      c.setEndpoint(service.soap11);
      const bytes = randomBytes(1000, 99);
      const [result] = await c.DigestAsync(
        { file: [include('x')] },
        { attachments: [{ contentId: 'x', body: bytes }] },
      );
      checkParts(result, [{ bytes }]);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
