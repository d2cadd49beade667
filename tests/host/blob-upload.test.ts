// postMessage with upload: 'blob' in Node (no XMLHttpRequest: the Blob goes through fetch). The
// message Blob holds the writer's bytes and the attachments' own Blobs: its bytes must equal the
// streamed message's, byte for byte, and an attachment Blob must never be read.
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { BlobMessageOutput } from '../../src/blob-message.js';
import { createXmlWriter, postMessage, writeAttachment, XmlWriterError, type XmlWriter } from '../../src/index.js';
import type { TransferProgress } from '../../src/streams.js';
import { randomBytes as pattern } from './mtom-reader.js';

const MTOM = { type: 'mtom', boundary: 'uuid:blob-upload-test', startUri: 'root@blob.test' } as const;

/** A Blob whose bytes can be taken only by the platform itself: reading it through script throws. */
class UnreadableBlob extends Blob {
  override stream(): ReturnType<Blob['stream']> {
    throw new Error('the Blob was read through stream()');
  }
  override arrayBuffer(): Promise<ArrayBuffer> {
    throw new Error('the Blob was read through arrayBuffer()');
  }
  override slice(): Blob {
    throw new Error('the Blob was sliced');
  }
}

async function build(writer: XmlWriter, attachments: Blob[]): Promise<void> {
  writer.writeStartElement('', 'Upload', 'urn:blob-test');
  writer.writeStartElement('', 'Note', 'urn:blob-test');
  writer.writeChars('small parts stay inline: ');
  writer.writeEndElement();
  writer.writeStartElement('', 'Inline', 'urn:blob-test');
  writer.writeBytes(pattern(100, 1));
  writer.writeEndElement();
  for (const attachment of attachments) {
    writer.writeStartElement('', 'Data', 'urn:blob-test');
    await writeAttachment(writer, attachment);
    writer.writeEndElement();
  }
  writer.writeEndElement();
}

/** The same message written by the streaming writer, which reads every attachment. */
async function reference(attachments: Blob[]): Promise<Uint8Array> {
  const writer = await createXmlWriter({ encoding: MTOM, ringSize: 4096 });
  await build(
    writer,
    attachments.map((blob) => new Blob([blob], { type: blob.type })),
  );
  return writer.end();
}

interface Received {
  headers: IncomingHttpHeaders;
  body: Buffer;
}

describe("postMessage with upload: 'blob'", () => {
  let server: Server;
  let url: string;
  const received: Received[] = [];
  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks) });
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('sends the streamed message byte for byte, with its exact Content-Length, never reading the Blobs', async () => {
    const bytes = [pattern(300_001, 2), pattern(0, 3), pattern(70_000, 4)];
    const attachments = bytes.map((b, i) => new UnreadableBlob([b], { type: i === 2 ? 'image/png' : '' }));
    const progress: TransferProgress[] = [];
    const response = await postMessage(url, (writer) => build(writer, attachments), {
      encoding: MTOM,
      ringSize: 4096,
      upload: 'blob',
      onTransferProgress: (p) => progress.push(p),
    });
    assert.equal(response.status, 200);
    const request = received.at(-1)!;
    const expected = await reference(bytes.map((b, i) => new Blob([b], { type: i === 2 ? 'image/png' : '' })));
    assert.equal(request.body.length, expected.length);
    assert.ok(request.body.equals(expected), 'the sent message differs from the streamed one');
    assert.equal(request.headers['content-length'], String(expected.length));
    assert.equal(request.headers['mime-version'], '1.0');
    assert.match(
      String(request.headers['content-type']),
      /^multipart\/related; type="application\/xop\+xml"; boundary="uuid:blob-upload-test"/,
    );
    assert.match(request.body.toString('latin1'), /\r\nContent-Type: image\/png\r\n/);
    // fetch reports nothing while sending: one event once the response has come.
    assert.deepEqual(progress, [{ bytesSent: expected.length, totalBytes: expected.length }]);
  });

  test('reads Blobs with the text encoding (base64 inline), where no part can reference them', async () => {
    const data = pattern(5000, 5);
    await postMessage(url, (writer) => build(writer, [new Blob([data])]), { upload: 'blob' });
    const body = received.at(-1)!.body.toString('utf8');
    assert.ok(body.includes(`<Data>${Buffer.from(data).toString('base64')}</Data>`));
  });

  test('a failing build aborts the writer and sends nothing', async () => {
    const before = received.length;
    const failure = new Error('build failed');
    await assert.rejects(
      postMessage(
        url,
        async (writer) => {
          await build(writer, [new Blob([pattern(10, 6)])]);
          throw failure;
        },
        { encoding: MTOM, upload: 'blob' },
      ),
      (error) => error === failure,
    );
    assert.equal(received.length, before);
  });

  test('an aborted signal stops it with WS_E_OPERATION_ABORTED before anything is sent', async () => {
    const before = received.length;
    const controller = new AbortController();
    await assert.rejects(
      postMessage(
        url,
        async (writer) => {
          await build(writer, [new Blob([pattern(10, 7)])]);
          controller.abort(new Error('stop'));
        },
        { encoding: MTOM, upload: 'blob', signal: controller.signal },
      ),
      (error) => error instanceof XmlWriterError && error.code === 'WS_E_OPERATION_ABORTED',
    );
    assert.equal(received.length, before);
  });

  test('refuses an unknown upload mode with E_INVALIDARG', async () => {
    await assert.rejects(
      postMessage(url, () => {}, { upload: 'chunks' as 'blob' }),
      (error) => error instanceof XmlWriterError && error.code === 'E_INVALIDARG',
    );
  });
});

describe('BlobMessageOutput', () => {
  test('places each referenced Blob where its part body starts, across any split of the output', async () => {
    for (const ringSize of [4096, 5000, 65536]) {
      const message = new BlobMessageOutput();
      const writer = await createXmlWriter({ encoding: MTOM, ringSize, output: message.output });
      message.follow(writer);
      const bytes = [pattern(9_999, 8), pattern(1, 9), pattern(4096, 10)];
      await build(
        writer,
        bytes.map((b) => new UnreadableBlob([b])),
      );
      await writer.end();
      const sent = new Uint8Array(await message.toBlob().arrayBuffer());
      const expected = await reference(bytes.map((b) => new Blob([b])));
      assert.equal(sent.length, writer.bytesWritten);
      assert.ok(Buffer.from(sent).equals(expected), `ring ${ringSize}: the Blob message differs from the streamed one`);
    }
  });
});
