import { parseMultipart } from '@mjackson/multipart-parser';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createXmlWriter, postMessage, type XmlWriter, type XmlWriterError } from '../../src/index.js';
import { requestMessage, writeAttachment } from '../../src/node.js';
import type { TransferProgress } from '../../src/streams.js';
import { randomBytes as pattern } from './mtom-reader.js';
import { canListOpenFiles, isOpen } from './open-files.js';

const BOUNDARY = 'MIME_boundary-http.test';
const ROOT_ID = 'root.http@test';
const MTOM = { type: 'mtom', boundary: BOUNDARY, startUri: ROOT_ID } as const;
const CLOSE = `\r\n--${BOUNDARY}--\r\n`;
const SOAP12 = 'http://www.w3.org/2003/05/soap-envelope';
const NS = 'urn:http-test';

interface Received {
  method: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** Whether the whole body arrived (false: the client broke off). */
  complete: boolean;
}

/** A local server (127.0.0.1 only) that records each request and answers 200 with the byte count. */
class TestServer {
  private readonly server: Server;
  readonly requests: Received[] = [];
  private waiters: ((request: Received) => void)[] = [];
  url = '';

  constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      let recorded = false;
      const record = (complete: boolean) => {
        if (recorded) return;
        recorded = true;
        const request = { method: req.method!, headers: req.headers, body: Buffer.concat(chunks), complete };
        this.requests.push(request);
        this.waiters.shift()?.(request);
      };
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        record(true);
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ received: Buffer.concat(chunks).length }));
      });
      req.on('error', () => record(false));
      req.on('close', () => record(req.complete));
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/upload`;
  }

  /** The next request to finish (or break off). */
  next(): Promise<Received> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Parses a received MTOM body with a MIME parser nobody here wrote. */
function parseBody(request: Received) {
  const contentType = String(request.headers['content-type']);
  const boundary = /boundary="([^"]+)"/.exec(contentType)![1];
  const [root, ...parts] = [...parseMultipart(new Uint8Array(request.body), { boundary, maxFileSize: 1 << 30 })];
  return {
    rootHeaders: root.headers,
    xml: new TextDecoder().decode(root.bytes),
    parts: parts.map((p) => ({ id: p.headers.get('Content-ID'), type: p.headers.get('Content-Type'), bytes: p.bytes })),
  };
}

function checkMtomHeaders(request: Received): void {
  assert.equal(
    request.headers['content-type'],
    `multipart/related; type="application/xop+xml"; boundary="${BOUNDARY}"; start="<${ROOT_ID}>"; start-info="application/soap+xml"`,
  );
  assert.equal(request.headers['mime-version'], '1.0');
  assert.ok(request.body.toString('latin1').endsWith(CLOSE));
}

function checkContentLength(request: Received): void {
  assert.equal(request.headers['transfer-encoding'], undefined);
  assert.equal(request.headers['content-length'], String(request.body.length));
}

function checkChunked(request: Received): void {
  assert.equal(request.headers['transfer-encoding'], 'chunked');
  assert.equal(request.headers['content-length'], undefined);
}

/** A SOAP 1.2 envelope with one element per attachment. */
async function buildUpload(writer: XmlWriter, sources: Parameters<typeof writeAttachment>[1][]): Promise<void> {
  writer.writeStartElement('s', 'Envelope', SOAP12);
  writer.writeStartElement('s', 'Body', SOAP12);
  writer.writeStartElement('', 'upload', NS);
  writer.writeStartElement('', 'title', NS);
  writer.writeChars('quarterly <numbers> & notes');
  writer.writeEndElement();
  for (const source of sources) {
    writer.writeStartElement('', 'file', NS);
    await writeAttachment(writer, source);
    writer.writeEndElement();
  }
  writer.writeEndElement();
  writer.writeEndElement();
  writer.writeEndElement();
}

function streamOf(bytes: Uint8Array, chunk: number, onCancel?: (reason: unknown) => void): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      const end = at + chunk;
      controller.enqueue(bytes.slice(at, end));
      at = end;
    },
    cancel: onCancel,
  });
}

async function readJson(response: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString());
}

let server: TestServer;
let dir: string;
before(async () => {
  server = new TestServer();
  await server.start();
  dir = await mkdtemp(join(tmpdir(), 'mtom-stream-http-'));
});
after(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describe('postMessage (fetch)', () => {
  test('sends Content-Length when every part is sized, and the parts arrive intact', async () => {
    const filePath = join(dir, 'sized.bin');
    const [a, b, c] = [pattern(100_000, 1), pattern(50_000, 2), pattern(300_000, 3)];
    await writeFile(filePath, c);
    const progress: TransferProgress[] = [];
    const arrived = server.next();
    const response = await postMessage(
      server.url,
      (writer) => buildUpload(writer, [a, new Blob([b], { type: 'image/png' }), { path: filePath }]),
      {
        encoding: MTOM,
        ringSize: 16384,
        onTransferProgress: (p) => progress.push({ ...p }),
      },
    );
    const request = await arrived;
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { received: request.body.length });
    assert.equal(request.method, 'POST');
    assert.ok(request.complete);
    checkContentLength(request);
    checkMtomHeaders(request);
    const { rootHeaders, xml, parts } = parseBody(request);
    assert.equal(rootHeaders.get('Content-ID'), `<${ROOT_ID}>`);
    assert.match(
      xml,
      /^<s:Envelope xmlns:s="http:\/\/www\.w3\.org\/2003\/05\/soap-envelope"><s:Body><upload xmlns="urn:http-test">/,
    );
    assert.ok(xml.includes('<title>quarterly &lt;numbers&gt; &amp; notes</title>'));
    const hrefs = [...xml.matchAll(/href="cid:([^"]+)"/g)].map((m) => `<${m[1]}>`);
    assert.deepEqual(
      parts.map((p) => p.id),
      hrefs,
    );
    assert.deepEqual(
      parts.map((p) => p.type),
      ['application/octet-stream', 'image/png', 'application/octet-stream'],
    );
    for (const [i, bytes] of [a, b, c].entries()) assert.ok(Buffer.from(parts[i].bytes).equals(bytes), `part ${i}`);
    // Total progress: the total was known from the first byte, and every byte was counted.
    assert.ok(progress.length > 10);
    assert.ok(progress.every((p) => p.totalBytes === request.body.length));
    assert.equal(progress.at(-1)!.bytesSent, request.body.length);
  });

  test('streams chunked when a part has no known size', async () => {
    const data = pattern(200_000, 4);
    const arrived = server.next();
    const response = await postMessage(
      server.url,
      (writer) => buildUpload(writer, [streamOf(data, 7000), pattern(10)]),
      {
        encoding: MTOM,
        ringSize: 16384,
      },
    );
    const request = await arrived;
    assert.equal(response.status, 200);
    checkChunked(request);
    checkMtomHeaders(request);
    const { parts } = parseBody(request);
    assert.ok(Buffer.from(parts[0].bytes).equals(data));
    assert.ok(Buffer.from(parts[1].bytes).equals(pattern(10)));
  });

  test('falls back to chunked when the root part outgrows the ring (build awaits flush)', async () => {
    const arrived = server.next();
    const response = await postMessage(
      server.url,
      async (writer) => {
        writer.writeStartElement('', 'items', NS);
        for (let i = 0; i < 2000; i++) {
          writer.writeStartElement('', 'item', NS);
          writer.writeChars(`item number ${i} `.repeat(4));
          writer.writeEndElement();
          if (i % 100 === 99) await writer.flush();
        }
        writer.writeStartElement('', 'file', NS);
        await writeAttachment(writer, pattern(5000, 5));
        writer.writeEndElement();
        writer.writeEndElement();
      },
      { encoding: MTOM, ringSize: 16384 },
    );
    const request = await arrived;
    assert.equal(response.status, 200);
    checkChunked(request);
    const { xml, parts } = parseBody(request);
    assert.equal([...xml.matchAll(/<item>/g)].length, 2000);
    assert.ok(xml.endsWith('</items>'));
    assert.ok(Buffer.from(parts[0].bytes).equals(pattern(5000, 5)));
  });

  test('sends SOAP 1.1 text with Content-Length and the caller’s SOAPAction, byte-identical to buffered output', async () => {
    const build = (writer: XmlWriter) => buildUpload(writer, [pattern(3000, 6)]);
    const encoding = { type: 'text', mediaType: 'text/xml' } as const;
    const reference = await createXmlWriter({ encoding });
    await build(reference);
    const expected = (await reference.end())!;
    const arrived = server.next();
    const response = await postMessage(server.url, build, {
      encoding,
      headers: { SOAPAction: '"urn:http-test/upload"' },
    });
    const request = await arrived;
    assert.equal(response.status, 200);
    checkContentLength(request);
    assert.equal(request.headers['content-type'], 'text/xml; charset=utf-8');
    assert.equal(request.headers.soapaction, '"urn:http-test/upload"');
    assert.equal(request.headers['mime-version'], undefined);
    assert.ok(request.body.equals(expected));
  });

  test('rejects with build’s error and sends nothing', async () => {
    const before = server.requests.length;
    let cancelled: unknown;
    const failure = new Error('no such customer');
    await assert.rejects(
      postMessage(
        server.url,
        async (writer) => {
          writer.writeStartElement('', 'a', NS);
          writer.writeStartElement('', 'b', NS);
          await writeAttachment(
            writer,
            streamOf(pattern(10), 5, (reason) => (cancelled = reason)),
          );
          writer.writeEndElement();
          throw failure;
        },
        { encoding: MTOM },
      ),
      (error) => error === failure,
    );
    assert.equal((cancelled as Error & { cause?: unknown }).cause, failure, 'the source was released');
    assert.equal(server.requests.length, before);
  });

  test('rejects with the transport’s error when the server is unreachable, releasing the sources', async () => {
    const closed = new TestServer();
    await closed.start();
    await closed.close();
    let cancelled = false;
    await assert.rejects(
      // Larger than the ring, so the source is still being read when the connection fails.
      postMessage(
        closed.url,
        (writer) => buildUpload(writer, [streamOf(pattern(1 << 20), 1000, () => (cancelled = true))]),
        {
          encoding: MTOM,
          ringSize: 16384,
        },
      ),
      (error: Error) => error instanceof TypeError && /fetch failed/.test(error.message),
    );
    assert.ok(cancelled);
  });

  test('bufferBody collects the message into a Blob and sends it with its exact length', async () => {
    const data = pattern(40_000, 12);
    const arrived = server.next();
    const response = await postMessage(server.url, (writer) => buildUpload(writer, [streamOf(data, 3000)]), {
      encoding: MTOM,
      ringSize: 16384,
      bufferBody: true,
    });
    const request = await arrived;
    assert.equal(response.status, 200);
    checkContentLength(request);
    checkMtomHeaders(request);
    assert.ok(Buffer.from(parseBody(request).parts[0].bytes).equals(data));
  });

  test('a root part larger than the ring without flush() fails with WS_E_QUOTA_EXCEEDED', async () => {
    const before = server.requests.length;
    await assert.rejects(
      postMessage(
        server.url,
        (writer) => {
          writer.writeStartElement('', 'items', NS);
          for (let i = 0; i < 2000; i++) writer.writeChars(`item number ${i} `.repeat(4));
        },
        { encoding: MTOM, ringSize: 16384 },
      ),
      { code: 'WS_E_QUOTA_EXCEEDED' },
    );
    assert.equal(server.requests.length, before);
  });

  test('refuses writeMimeHeader: over HTTP the MIME header belongs to HTTP', async () => {
    await assert.rejects(
      postMessage(server.url, () => {}, { encoding: { ...MTOM, writeMimeHeader: true } }),
      { code: 'E_INVALIDARG' },
    );
  });

  test('abort mid-upload: rejects with WS_E_OPERATION_ABORTED, the server gets a truncated body, the file is closed', async () => {
    const filePath = join(dir, 'large-fetch.bin');
    await writeFile(filePath, pattern(8 << 20, 7));
    const controller = new AbortController();
    const arrived = server.next();
    await assert.rejects(
      postMessage(server.url, (writer) => buildUpload(writer, [{ path: filePath }]), {
        encoding: MTOM,
        ringSize: 65536,
        signal: controller.signal,
        onTransferProgress: (p) => {
          if (p.bytesSent > 1 << 20) controller.abort(new Error('user pressed stop'));
        },
      }),
      { code: 'WS_E_OPERATION_ABORTED' },
    );
    const request = await arrived;
    assert.ok(!request.complete);
    assert.ok(request.body.length < 8 << 20);
    assert.ok(!request.body.toString('latin1').endsWith(CLOSE));
    if (canListOpenFiles) {
      for (let i = 0; i < 1000 && isOpen(filePath); i++) await new Promise((resolve) => setImmediate(resolve));
      assert.ok(!isOpen(filePath));
    }
  });
});

describe('requestMessage (node:http)', () => {
  test('sends Content-Length when the length is known, and resolves with the response', async () => {
    const data = pattern(250_000, 8);
    const arrived = server.next();
    const response = await requestMessage(
      server.url,
      (writer) => buildUpload(writer, [data, new Blob([pattern(20, 9)])]),
      {
        encoding: MTOM,
        ringSize: 16384,
        headers: { authorization: 'Bearer t', 'content-type': 'ignored/overridden' },
      },
    );
    const request = await arrived;
    assert.equal(response.statusCode, 200);
    assert.deepEqual(await readJson(response), { received: request.body.length });
    assert.equal(request.headers.authorization, 'Bearer t');
    checkContentLength(request);
    checkMtomHeaders(request);
    const { parts } = parseBody(request);
    assert.ok(Buffer.from(parts[0].bytes).equals(data));
    assert.ok(Buffer.from(parts[1].bytes).equals(pattern(20, 9)));
  });

  test('sends chunked when a part has no known size', async () => {
    const data = pattern(120_000, 10);
    const arrived = server.next();
    const response = await requestMessage(
      new URL(server.url),
      (writer) => buildUpload(writer, [streamOf(data, 5000)]),
      {
        encoding: MTOM,
      },
    );
    const request = await arrived;
    assert.equal(response.statusCode, 200);
    response.resume();
    checkChunked(request);
    assert.ok(Buffer.from(parseBody(request).parts[0].bytes).equals(data));
  });

  test('abort mid-upload: rejects with WS_E_OPERATION_ABORTED and the server sees no close delimiter', async () => {
    const filePath = join(dir, 'large-http.bin');
    await writeFile(filePath, pattern(8 << 20, 11));
    const controller = new AbortController();
    const arrived = server.next();
    await assert.rejects(
      requestMessage(server.url, (writer) => buildUpload(writer, [{ path: filePath }]), {
        encoding: MTOM,
        signal: controller.signal,
        onTransferProgress: (p) => {
          if (p.bytesSent > 1 << 20) controller.abort();
        },
      }),
      { code: 'WS_E_OPERATION_ABORTED' },
    );
    const request = await arrived;
    assert.ok(!request.complete);
    assert.ok(!request.body.toString('latin1').endsWith(CLOSE));
    if (canListOpenFiles) {
      for (let i = 0; i < 1000 && isOpen(filePath); i++) await new Promise((resolve) => setImmediate(resolve));
      assert.ok(!isOpen(filePath));
    }
  });

  test('rejects with the transport’s error when the server is unreachable', async () => {
    const closed = new TestServer();
    await closed.start();
    await closed.close();
    await assert.rejects(
      requestMessage(closed.url, (writer) => buildUpload(writer, [pattern(10)]), { encoding: MTOM }),
      {
        code: 'ECONNREFUSED',
      },
    );
  });
});

/** A local server (127.0.0.1 only) with its own handler, for the answers TestServer never gives. */
async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/upload`,
    close(): Promise<void> {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A local TCP server (127.0.0.1 only) that speaks HTTP by hand, to answer without reading the body. */
async function serveRaw(onSocket: (socket: Socket) => void) {
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/upload`,
    close(): Promise<void> {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Waits (up to 5 s) until `path` is no longer open in this process: closing a file takes a thread-pool turn. */
async function closedSoon(path: string): Promise<boolean> {
  if (!canListOpenFiles) return true;
  for (let i = 0; i < 500 && isOpen(path); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  return !isOpen(path);
}

const smallFile = join(tmpdir(), `mtom-stream-http-small-${process.pid}.bin`);
after(() => rm(smallFile, { force: true }));

/** An upload whose writer and stream source the test keeps, to check what became of them. */
function trackedUpload(filePath: string) {
  const seen: { writer?: XmlWriter; cancelled: unknown } = { cancelled: undefined };
  const build = async (writer: XmlWriter) => {
    seen.writer = writer;
    await buildUpload(writer, [
      { path: filePath },
      streamOf(pattern(1000), 100, (reason) => (seen.cancelled = reason ?? 'cancelled')),
    ]);
  };
  return { seen, build };
}

describe('an answer before the body is read (401, 413)', () => {
  let bigFile: string;
  before(async () => {
    bigFile = join(dir, 'refused.bin');
    await writeFile(bigFile, pattern(24 << 20, 21));
  });

  // [status, whether the server closes the connection after its answer, as a proxy refusing does]
  for (const [status, hangUp] of [
    [401, false],
    [413, false],
    [413, true],
  ] as const) {
    // The answer is large enough to arrive in many reads: it must come back whole.
    const answer = `refused with ${status}\n`.repeat(40_000);
    /** Answers as soon as the request head has arrived, then reads nothing more (as a proxy refusing does). */
    const refuse = () =>
      serveRaw((socket) => {
        let head = '';
        const onData = (chunk: Buffer) => {
          head += chunk.toString('latin1');
          if (!head.includes('\r\n\r\n')) return;
          socket.off('data', onData);
          socket.pause();
          const reason = status === 401 ? 'Unauthorized' : 'Payload Too Large';
          const fields = `Content-Type: text/plain\r\nContent-Length: ${answer.length}\r\nConnection: close\r\n`;
          const response = `HTTP/1.1 ${status} ${reason}\r\n${fields}\r\n${answer}`;
          if (hangUp) socket.end(response);
          else socket.write(response);
        };
        socket.on('data', onData);
      });

    const how = hangUp ? ', then hangs up' : '';
    test(`postMessage resolves with the ${status}${how}; the writer is aborted, every source released, the file closed`, {
      timeout: 30_000,
    }, async () => {
      const refusing = await refuse();
      try {
        const { seen, build } = trackedUpload(bigFile);
        const response = await postMessage(refusing.url, build, { encoding: MTOM });
        assert.equal(response.status, status);
        assert.equal(await response.text(), answer);
        assert.ok(seen.writer!.isFaulted);
        await assert.rejects(seen.writer!.closed, { code: 'WS_E_OPERATION_ABORTED' });
        assert.ok(seen.cancelled !== undefined, 'the stream source was cancelled');
        assert.ok(await closedSoon(bigFile), 'the file is closed');
      } finally {
        await refusing.close();
      }
    });

    test(`requestMessage resolves with the ${status}${how}; the writer is aborted, every source released, the file closed`, {
      timeout: 30_000,
    }, async () => {
      const refusing = await refuse();
      try {
        const { seen, build } = trackedUpload(bigFile);
        const response = await requestMessage(refusing.url, build, { encoding: MTOM });
        assert.equal(response.statusCode, status);
        const chunks: Buffer[] = [];
        for await (const chunk of response) chunks.push(chunk as Buffer);
        assert.equal(Buffer.concat(chunks).toString(), answer);
        assert.ok(seen.writer!.isFaulted);
        await assert.rejects(seen.writer!.closed, { code: 'WS_E_OPERATION_ABORTED' });
        assert.ok(seen.cancelled !== undefined, 'the stream source was cancelled');
        assert.ok(await closedSoon(bigFile), 'the file is closed');
      } finally {
        await refusing.close();
      }
    });
  }
});

describe('transport failures abort the writer and release its sources', () => {
  before(() => writeFile(smallFile, pattern(1000)));
  const badHeaders: [string, Record<string, string>][] = [
    ['a CR LF in a value', { 'X-Evil': 'a\r\nInjected: 1' }],
    ['a space in a name', { 'Bad Name': 'x' }],
    ['an LF in SOAPAction', { SOAPAction: '"urn:a"\nX: y' }],
  ];
  for (const [what, headers] of badHeaders) {
    test(`a header with ${what} is E_INVALIDARG before build runs, and nothing is sent`, async () => {
      const before = server.requests.length;
      let built = false;
      const build = () => {
        built = true;
      };
      await assert.rejects(postMessage(server.url, build, { encoding: MTOM, headers }), { code: 'E_INVALIDARG' });
      await assert.rejects(requestMessage(server.url, build, { encoding: MTOM, headers }), { code: 'E_INVALIDARG' });
      assert.equal(built, false, 'build never ran, so nothing was claimed');
      assert.equal(server.requests.length, before);
    });
  }

  test('postMessage: a header only the transport refuses (Expect, Upgrade) aborts the writer and cancels a ReadableStream source', async () => {
    const refused: Record<string, string>[] = [{ Expect: '100-continue' }, { Upgrade: 'websocket' }];
    for (const headers of refused) {
      const { seen, build } = trackedUpload(smallFile);
      await assert.rejects(postMessage(server.url, build, { encoding: MTOM, headers }), (error: Error) => {
        assert.match(String((error.cause as Error | undefined)?.message), /header/);
        return true;
      });
      assert.ok(seen.writer!.isFaulted, Object.keys(headers)[0]);
      assert.ok(seen.cancelled !== undefined, 'the stream source was cancelled');
    }
  });

  test('postMessage: a fetch that throws aborts the writer and cancels a ReadableStream source', async () => {
    const failure = new TypeError('no network here');
    const { seen, build } = trackedUpload(smallFile);
    const fetch = (() => {
      throw failure;
    }) as typeof globalThis.fetch;
    await assert.rejects(postMessage(server.url, build, { encoding: MTOM, fetch }), (error) => error === failure);
    assert.ok(seen.writer!.isFaulted);
    assert.ok(seen.cancelled !== undefined, 'the stream source was cancelled');
  });

  test('requestMessage: request options http.request refuses abort the writer and cancel a ReadableStream source', async () => {
    const { seen, build } = trackedUpload(smallFile);
    await assert.rejects(
      requestMessage(server.url, build, { encoding: MTOM, request: { agent: 'not an agent' } as never }),
      {
        code: 'ERR_INVALID_ARG_TYPE',
      },
    );
    assert.ok(seen.writer!.isFaulted);
    assert.ok(seen.cancelled !== undefined, 'the stream source was cancelled');
  });

  test('requestMessage: a connection that cannot be made aborts the writer and cancels a ReadableStream source', async () => {
    const failure = new Error('no route to host');
    const { seen, build } = trackedUpload(smallFile);
    const createConnection = () => {
      throw failure;
    };
    await assert.rejects(
      requestMessage(server.url, build, { encoding: MTOM, request: { createConnection } as never }),
      (error) => error === failure,
    );
    assert.ok(seen.writer!.isFaulted);
    assert.ok(seen.cancelled !== undefined, 'the stream source was cancelled');
  });
});

describe('redirects', () => {
  before(() => writeFile(smallFile, pattern(1000)));
  test('fetch is asked not to follow redirects nor to keep the body for a replay', async () => {
    let seenInit: RequestInit | undefined;
    const fetch = ((url: string | URL, init?: RequestInit) => {
      seenInit = init;
      return globalThis.fetch(url, init);
    }) as typeof globalThis.fetch;
    const response = await postMessage(server.url, (writer) => buildUpload(writer, [pattern(10)]), {
      encoding: MTOM,
      fetch,
    });
    assert.equal(response.status, 200);
    assert.equal(seenInit?.redirect, 'error');
    assert.equal((seenInit as { window?: unknown }).window, null);
  });

  test('a redirect on an upload is WS_E_INVALID_OPERATION, and the sources are released', {
    timeout: 30_000,
  }, async () => {
    const bigFile = join(dir, 'redirected.bin');
    await writeFile(bigFile, pattern(24 << 20, 22));
    // Answers 307 as soon as the request head has arrived, reading nothing more.
    const redirecting = await serveRaw((socket) => {
      socket.once('data', () => {
        socket.pause();
        socket.write('HTTP/1.1 307 Temporary Redirect\r\nLocation: /elsewhere\r\nContent-Length: 0\r\n\r\n');
      });
    });
    try {
      const { seen, build } = trackedUpload(bigFile);
      await assert.rejects(postMessage(redirecting.url, build, { encoding: MTOM }), (error: XmlWriterError) => {
        assert.equal(error.code, 'WS_E_INVALID_OPERATION');
        assert.match(error.message, /redirect/);
        return true;
      });
      assert.ok(seen.writer!.isFaulted);
      await assert.rejects(seen.writer!.closed);
      assert.ok(seen.cancelled !== undefined, 'the stream source was cancelled');
      assert.ok(await closedSoon(bigFile), 'the file is closed');
    } finally {
      await redirecting.close();
    }
  });
});

describe('signal', () => {
  test('requestMessage: aborting after the body was sent rejects with WS_E_OPERATION_ABORTED (server never answers)', {
    timeout: 30_000,
  }, async () => {
    const controller = new AbortController();
    const silent = await serve((req) => {
      req.resume();
      req.on('end', () => controller.abort(new Error('gave up waiting')));
    });
    try {
      await assert.rejects(
        requestMessage(silent.url, (writer) => buildUpload(writer, [pattern(100_000)]), {
          encoding: MTOM,
          signal: controller.signal,
        }),
        (error: XmlWriterError) => {
          assert.equal(error.code, 'WS_E_OPERATION_ABORTED');
          assert.equal((error.cause as Error).message, 'gave up waiting');
          return true;
        },
      );
    } finally {
      await silent.close();
    }
  });

  test('postMessage: aborting after the body was sent rejects with WS_E_OPERATION_ABORTED (server never answers)', {
    timeout: 30_000,
  }, async () => {
    const controller = new AbortController();
    const silent = await serve((req) => {
      req.resume();
      req.on('end', () => controller.abort(new Error('gave up waiting')));
    });
    try {
      await assert.rejects(
        postMessage(silent.url, (writer) => buildUpload(writer, [pattern(100_000)]), {
          encoding: MTOM,
          signal: controller.signal,
        }),
        (error: XmlWriterError) => {
          assert.equal(error.code, 'WS_E_OPERATION_ABORTED');
          assert.equal((error.cause as Error).message, 'gave up waiting');
          return true;
        },
      );
    } finally {
      await silent.close();
    }
  });

  test('one long-lived signal shared by 20,000 writers keeps no listener once each has ended', async () => {
    const shutdown = new AbortController();
    const baseline = getEventListeners(shutdown.signal, 'abort').length;
    for (let i = 0; i < 20_000; i++) {
      const writer = await createXmlWriter({ signal: shutdown.signal, ringSize: 4096 });
      writer.writeStartElement('', 'r', NS);
      await writer.end();
      assert.equal(getEventListeners(shutdown.signal, 'abort').length, baseline, `after writer ${i}`);
    }
  });

  test('a writer that fails lets go of the shared signal too', async () => {
    const shutdown = new AbortController();
    const writer = await createXmlWriter({ signal: shutdown.signal });
    assert.equal(getEventListeners(shutdown.signal, 'abort').length, 1);
    assert.throws(() => writer.writeEndElement(), { code: 'WS_E_INVALID_OPERATION' });
    await writer.closed.catch(() => {});
    assert.equal(getEventListeners(shutdown.signal, 'abort').length, 0);
  });

  test('postMessage and requestMessage with one shared signal leave no listener behind', async () => {
    const shutdown = new AbortController();
    for (let i = 0; i < 30; i++) {
      const response = await postMessage(server.url, (writer) => buildUpload(writer, [pattern(100)]), {
        encoding: MTOM,
        signal: shutdown.signal,
      });
      await response.arrayBuffer();
      const incoming = await requestMessage(server.url, (writer) => buildUpload(writer, [pattern(100)]), {
        encoding: MTOM,
        signal: shutdown.signal,
      });
      await readJson(incoming);
    }
    // node:http removes its listener when the request closes, a little after the answer was read.
    for (let i = 0; i < 400 && getEventListeners(shutdown.signal, 'abort').length > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    assert.equal(getEventListeners(shutdown.signal, 'abort').length, 0);
  });
});

describe('the mtom-stream/node entry', () => {
  test('exports the universal entry plus the documented Node helpers, and no internals', async () => {
    const universal = Object.keys(await import('../../src/index.js'));
    const node = await import('../../src/node.js');
    const nodeOnly = Object.keys(node)
      .filter((name) => !universal.includes(name))
      .sort();
    assert.deepEqual(nodeOnly, ['createXmlWriterReadable', 'nodeSourceSize', 'requestMessage']);
    assert.ok(universal.every((name) => name in node));
    for (const internal of ['queueToNodeReadable', 'readFileInto', 'OutputQueue', 'prepareMessage'])
      assert.ok(!(internal in node), internal);
    // writeAttachment is the Node one, which also takes paths, FileHandles and Node Readables.
    assert.notEqual(node.writeAttachment, (await import('../../src/index.js')).writeAttachment);
  });
});
