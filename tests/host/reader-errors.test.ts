// Hand-made hostile and malformed messages: each is refused with its code (and HRESULT), the
// reader is faulted afterwards, and nothing that failed ever looks complete.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createXmlReader, readMessage, XmlReaderError, type XmlReaderErrorCode } from '../../src/reader/index.js';
import { ErrorCodes } from '../../src/errors.js';
import { chunked } from './reader-infoset.js';

const B = 'uuid:7a1c';
const XOP = 'http://www.w3.org/2004/08/xop/include';
const CT = `multipart/related; type="application/xop+xml"; boundary="${B}"; start="<root>"; start-info="text/xml"`;
const ROOT_HEADERS = 'Content-ID: <root>\r\nContent-Type: application/xop+xml; charset=utf-8; type="text/xml"\r\n';

interface Part {
  headers: string;
  body: string | Uint8Array;
}

const include = (id: string) => `<xop:Include xmlns:xop="${XOP}" href="cid:${id}"/>`;
const doc = (inner: string) => `<e:Envelope xmlns:e="urn:e"><e:Body>${inner}</e:Body></e:Envelope>`;
const part = (id: string, body: string | Uint8Array, extra = 'Content-Type: application/octet-stream\r\n'): Part => ({
  headers: `Content-ID: <${id}>\r\n${extra}`,
  body,
});

/** A multipart body from its parts; `close: false` leaves out the close delimiter. */
function message(root: string, parts: Part[] = [], options: { boundary?: string; close?: boolean } = {}): Uint8Array {
  const boundary = options.boundary ?? B;
  const chunks: Buffer[] = [];
  for (const p of [{ headers: ROOT_HEADERS, body: root }, ...parts]) {
    chunks.push(Buffer.from(`--${boundary}\r\n${p.headers}\r\n`, 'latin1'));
    chunks.push(typeof p.body === 'string' ? Buffer.from(p.body) : Buffer.from(p.body));
    chunks.push(Buffer.from('\r\n'));
  }
  if (options.close !== false) chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return new Uint8Array(Buffer.concat(chunks));
}

const oneAttachment = () =>
  message(doc(`<m:Data xmlns:m="urn:m">${include('a@x')}</m:Data>`), [part('a@x', 'attachment bytes')]);

async function expectCode(
  promise: Promise<unknown>,
  code: XmlReaderErrorCode,
  pattern?: RegExp,
): Promise<XmlReaderError> {
  const error = await promise.then(
    () => assert.fail(`expected ${code}, but it succeeded`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof XmlReaderError, `expected an XmlReaderError, got ${String(error)}`);
  assert.equal(error.code, code, error.message);
  assert.equal(error.hresult, ErrorCodes[code]);
  if (pattern) assert.match(error.message, pattern);
  return error;
}

/** Reads everything, parts included, with the streaming reader (chunks of 3 bytes). */
async function readAll(input: Uint8Array, contentType = CT, limits = {}): Promise<void> {
  const reader = await createXmlReader({
    input: chunked(input, [3]),
    encoding: { type: 'mtom', contentType },
    ...limits,
  });
  const view = new Uint8Array(7);
  for await (const node of reader) if (node.type === 'bytes') while ((await reader.readBytes(view)) > 0);
}

/** Both ways in: readMessage and the streaming reader must refuse alike. */
async function refuse(input: Uint8Array, code: XmlReaderErrorCode, pattern?: RegExp, contentType = CT, limits = {}) {
  await expectCode(readMessage(input, { contentType, ...limits }), code, pattern);
  await expectCode(readAll(input, contentType, limits), code, pattern);
}

const cases: [string, () => Promise<void>][] = [
  // Truncation: never a short result that looks complete.
  [
    'a message without its close delimiter',
    () => refuse(message(doc(''), [], { close: false }), 'WS_E_INVALID_FORMAT', /cut short/),
  ],
  [
    'a part cut short',
    async () => {
      const whole = oneAttachment();
      await refuse(whole.subarray(0, whole.length - 30), 'WS_E_INVALID_FORMAT', /cut short/);
    },
  ],
  [
    'a root part cut short',
    async () => {
      const whole = oneAttachment();
      await refuse(whole.subarray(0, 150), 'WS_E_INVALID_FORMAT', /cut short/);
    },
  ],
  [
    'a root part whose XML is not finished',
    () => refuse(message('<e:Envelope xmlns:e="urn:e"><e:Body>'), 'WS_E_INVALID_FORMAT', /malformed XML/),
  ],
  [
    'a message cut inside the delimiter',
    async () => {
      const whole = oneAttachment();
      await refuse(whole.subarray(0, whole.length - 6), 'WS_E_INVALID_FORMAT', /cut short/);
    },
  ],
  // XOP §3 rules.
  [
    'an xop:Include without href',
    () =>
      refuse(message(doc(`<m xmlns="urn:m"><xop:Include xmlns:xop="${XOP}"/></m>`)), 'WS_E_INVALID_FORMAT', /no href/),
  ],
  [
    'an xop:Include href that is not cid:',
    () =>
      refuse(
        message(doc(`<m xmlns="urn:m"><xop:Include xmlns:xop="${XOP}" href="http://x/"/></m>`)),
        'WS_E_INVALID_FORMAT',
        /not a cid/,
      ),
  ],
  [
    'an xop:Include of a part that is not there',
    () =>
      refuse(
        message(doc(`<m xmlns="urn:m">${include('nope@x')}</m>`), [part('a@x', 'x')]),
        'WS_E_INVALID_FORMAT',
        /no such part/,
      ),
  ],
  [
    'an xop:Include with a child',
    () =>
      refuse(
        message(doc(`<m xmlns="urn:m"><xop:Include xmlns:xop="${XOP}" href="cid:a@x"><c/></xop:Include></m>`), [
          part('a@x', 'x'),
        ]),
        'WS_E_INVALID_FORMAT',
        /must be empty/,
      ),
  ],
  [
    'an xop:Include with text inside',
    () =>
      refuse(
        message(doc(`<m xmlns="urn:m"><xop:Include xmlns:xop="${XOP}" href="cid:a@x">text</xop:Include></m>`), [
          part('a@x', 'x'),
        ]),
        'WS_E_INVALID_FORMAT',
        /must be empty/,
      ),
  ],
  [
    'text before an xop:Include',
    () =>
      refuse(
        message(doc(`<m xmlns="urn:m">AAAA${include('a@x')}</m>`), [part('a@x', 'x')]),
        'WS_E_INVALID_FORMAT',
        /only content/,
      ),
  ],
  [
    'text after an xop:Include',
    () =>
      refuse(
        message(doc(`<m xmlns="urn:m">${include('a@x')}AAAA</m>`), [part('a@x', 'x')]),
        'WS_E_INVALID_FORMAT',
        /also text/,
      ),
  ],
  [
    'an element beside an xop:Include',
    () =>
      refuse(
        message(doc(`<m xmlns="urn:m">${include('a@x')}<n/></m>`), [part('a@x', 'x')]),
        'WS_E_INVALID_FORMAT',
        /only content/,
      ),
  ],
  [
    'two xop:Includes of one part',
    () =>
      refuse(
        message(doc(`<m xmlns="urn:m">${include('a@x')}</m><n xmlns="urn:m">${include('a@x')}</n>`), [
          part('a@x', 'x'),
        ]),
        'WS_E_INVALID_FORMAT',
        /same part/,
      ),
  ],
  [
    'a root part that is not application/xop+xml',
    async () => {
      const body = Buffer.from(
        `--${B}\r\nContent-ID: <root>\r\nContent-Type: text/xml\r\n\r\n${doc('')}\r\n--${B}--\r\n`,
      );
      await refuse(new Uint8Array(body), 'WS_E_INVALID_FORMAT', /not application\/xop\+xml/);
    },
  ],
  [
    'a first part that is not the start part',
    () => refuse(message(doc('')), 'WS_E_INVALID_FORMAT', /not the root part/, CT.replace('<root>', '<other>')),
  ],
  [
    'a root part in UTF-16',
    async () => {
      const body = Buffer.from(
        `--${B}\r\nContent-ID: <root>\r\nContent-Type: application/xop+xml; charset=utf-16\r\n\r\n${doc('')}\r\n--${B}--\r\n`,
      );
      await refuse(new Uint8Array(body), 'WS_E_INVALID_FORMAT', /charset/);
    },
  ],
  [
    'a root part that is not UTF-8',
    () =>
      refuse(
        message(doc('')).map((b) => (b === 0x42 ? 0xff : b)),
        'WS_E_INVALID_FORMAT',
        /UTF-8/,
      ),
  ],
  // Bombs and quotas.
  [
    'a header bomb (maxHeaderBytes)',
    () =>
      refuse(
        message(doc(`<m xmlns="urn:m">${include('a@x')}</m>`), [part('a@x', 'x', `X-Pad: ${'a'.repeat(20000)}\r\n`)]),
        'WS_E_QUOTA_EXCEEDED',
        /maxHeaderBytes/,
      ),
  ],
  [
    'a header bomb in many short lines',
    () =>
      refuse(message(doc(''), [part('a@x', 'x', 'X-A: b\r\n'.repeat(2000))]), 'WS_E_QUOTA_EXCEEDED', /maxHeaderBytes/),
  ],
  [
    'a part-count bomb (maxMimeParts)',
    () =>
      refuse(
        message(
          doc(''),
          Array.from({ length: 20 }, (_, i) => part(`p${i}@x`, 'x')),
        ),
        'WS_E_QUOTA_EXCEEDED',
        /maxMimeParts/,
        CT,
        { maxMimeParts: 10 },
      ),
  ],
  [
    'deep nesting (maxDepth)',
    () => refuse(message(doc('<a>'.repeat(40) + '</a>'.repeat(40))), 'WS_E_QUOTA_EXCEEDED', /maxDepth/),
  ],
  ['a huge name', () => refuse(message(doc(`<${'n'.repeat(5000)}/>`)), 'WS_E_QUOTA_EXCEEDED', /maxNameLength/)],
  [
    'too many attributes',
    () =>
      refuse(
        message(doc(`<a ${Array.from({ length: 200 }, (_, i) => `a${i}="v"`).join(' ')}/>`)),
        'WS_E_QUOTA_EXCEEDED',
        /maxAttributes/,
      ),
  ],
  [
    'a root part over maxRootPartSize',
    () =>
      refuse(message(doc(`<a>${'x'.repeat(5000)}</a>`)), 'WS_E_QUOTA_EXCEEDED', /maxRootPartSize/, CT, {
        maxRootPartSize: 1000,
      }),
  ],
  [
    'parts before their elements over maxMimePartsBufferSize',
    () =>
      refuse(
        message(doc(`<m xmlns="urn:m">${include('b@x')}</m><n xmlns="urn:m">${include('a@x')}</n>`), [
          part('a@x', 'y'.repeat(5000)),
          part('b@x', 'x'),
        ]),
        'WS_E_QUOTA_EXCEEDED',
        /maxMimePartsBufferSize/,
        CT,
        { maxMimePartsBufferSize: 1000 },
      ),
  ],
  [
    'a message over readMessage maxSize',
    () =>
      expectCode(
        readMessage(oneAttachment(), { contentType: CT, maxSize: 100 }),
        'WS_E_QUOTA_EXCEEDED',
        /maxSize/,
      ).then(() => {}),
  ],
  // No DTD, no entities.
  ['a DOCTYPE', () => refuse(message(`<!DOCTYPE e>${doc('')}`), 'WS_E_INVALID_FORMAT', /DOCTYPE/)],
  [
    'an entity declaration',
    () =>
      refuse(message(`<!DOCTYPE e [<!ENTITY x "${'y'.repeat(100)}">]>${doc('&x;')}`), 'WS_E_INVALID_FORMAT', /DOCTYPE/),
  ],
  [
    'a reference to an undeclared entity',
    () => refuse(message(doc('<a>&x;</a>')), 'WS_E_INVALID_FORMAT', /malformed XML/),
  ],
  // The MIME structure.
  [
    'a boundary over 70 characters',
    () =>
      refuse(
        message(doc(''), [], { boundary: 'b'.repeat(71) }),
        'WS_E_INVALID_FORMAT',
        /70/,
        CT.replace(B, 'b'.repeat(71)),
      ),
  ],
  [
    'a boundary with a character RFC 2046 forbids',
    () =>
      refuse(message(doc(''), [], { boundary: 'a@b' }), 'WS_E_INVALID_FORMAT', /does not allow/, CT.replace(B, 'a@b')),
  ],
  [
    'a Content-Type without a boundary',
    () =>
      refuse(message(doc('')), 'WS_E_INVALID_FORMAT', /no boundary/, 'multipart/related; type="application/xop+xml"'),
  ],
  [
    'a nested multipart',
    () =>
      refuse(
        message(doc(''), [part('n@x', 'x', 'Content-Type: multipart/mixed; boundary=inner\r\n')]),
        'WS_E_INVALID_FORMAT',
        /nested/,
      ),
  ],
  [
    'multipart/mixed',
    () => refuse(message(doc('')), 'WS_E_INVALID_FORMAT', /multipart\/mixed/, CT.replace('related', 'mixed')),
  ],
  [
    'SOAP with Attachments (type text/xml)',
    () =>
      refuse(
        message(doc('')),
        'WS_E_INVALID_FORMAT',
        /not an XOP package/,
        CT.replace('application/xop+xml', 'text/xml'),
      ),
  ],
  [
    'two parts with one Content-ID',
    () =>
      refuse(
        message(doc(`<m xmlns="urn:m">${include('a@x')}</m>`), [part('a@x', 'x'), part('a@x', 'y')]),
        'WS_E_INVALID_FORMAT',
        /two MIME parts/,
      ),
  ],
  [
    'a part without a Content-ID',
    () =>
      refuse(
        message(doc(''), [{ headers: 'Content-Type: text/plain\r\n', body: 'x' }]),
        'WS_E_INVALID_FORMAT',
        /no Content-ID/,
      ),
  ],
  [
    'a part in quoted-printable',
    () =>
      refuse(
        message(doc(`<m xmlns="urn:m">${include('a@x')}</m>`), [
          part('a@x', 'x=41', 'Content-Transfer-Encoding: quoted-printable\r\n'),
        ]),
        'WS_E_INVALID_FORMAT',
        /quoted-printable/,
      ),
  ],
  [
    'a base64 part that is not base64',
    () =>
      refuse(
        message(doc(`<m xmlns="urn:m">${include('a@x')}</m>`), [
          part('a@x', 'QUJD*', 'Content-Transfer-Encoding: base64\r\n'),
        ]),
        'WS_E_INVALID_FORMAT',
        /base64/,
      ),
  ],
  [
    'a malformed header line',
    () => refuse(message(doc(''), [part('a@x', 'x', 'no colon here\r\n')]), 'WS_E_INVALID_FORMAT', /header line/),
  ],
  [
    'a multipart body without parts',
    () => refuse(new Uint8Array(Buffer.from(`--${B}--\r\n`)), 'WS_E_INVALID_FORMAT', /no parts/),
  ],
  ['a malformed Content-Type', () => refuse(message(doc('')), 'WS_E_INVALID_FORMAT', /media type/, 'multipart')],
];

for (const [name, run] of cases) test(`refuses ${name}`, run);

test('a failed reader is faulted: later calls say so and carry the first failure', async () => {
  const reader = await createXmlReader({
    input: message(`<!DOCTYPE e>${doc('')}`),
    encoding: { type: 'mtom', contentType: CT },
  });
  const first = await expectCode(reader.read(), 'WS_E_INVALID_FORMAT');
  assert.equal(reader.isFaulted, true);
  const later = await expectCode(reader.read(), 'WS_E_OBJECT_FAULTED');
  assert.equal(later.cause, first);
  await expectCode(reader.readBytes(new Uint8Array(4)), 'WS_E_OBJECT_FAULTED');
});

test('a bytes stream whose part is cut short errors, and never closes as if complete', async () => {
  const whole = oneAttachment();
  const reader = await createXmlReader({
    input: chunked(whole.subarray(0, whole.length - 20), [16]),
    encoding: { type: 'mtom', contentType: CT },
  });
  let node = await reader.read();
  while (node && node.type !== 'bytes') node = await reader.read();
  const chunks: Uint8Array[] = [];
  const stream = reader.bytesStream().getReader();
  await expectCode(
    (async () => {
      for (let next = await stream.read(); !next.done; next = await stream.read()) chunks.push(next.value);
    })(),
    'WS_E_INVALID_FORMAT',
    /cut short/,
  );
});

test('aborting the signal stops a pending call with WS_E_OPERATION_ABORTED and releases the input', async () => {
  const controller = new AbortController();
  let released = false;
  const head = oneAttachment().subarray(0, 100);
  let sent = false;
  // Sends the first 100 bytes, then never answers: only the abort can end the pending read.
  const input = new ReadableStream<Uint8Array>({
    pull(c) {
      if (!sent) c.enqueue(head);
      sent = true;
      return new Promise(() => {});
    },
    cancel() {
      released = true;
    },
  });
  const reader = await createXmlReader({
    input,
    encoding: { type: 'mtom', contentType: CT },
    signal: controller.signal,
  });
  const pending = reader.read();
  setTimeout(() => controller.abort(new Error('user gave up')), 20);
  const error = await expectCode(pending, 'WS_E_OPERATION_ABORTED');
  assert.equal((error.cause as Error).message, 'user gave up');
  assert.equal(released, true);
  await expectCode(reader.read(), 'WS_E_OBJECT_FAULTED');
});

test('calls out of order: readBytes on an element, a second call while one is pending', async () => {
  const reader = await createXmlReader({
    input: chunked(oneAttachment(), [5]),
    encoding: { type: 'mtom', contentType: CT },
  });
  const node = await reader.read();
  assert.equal(node?.type, 'element');
  const misuse = reader.readBytes(new Uint8Array(4));
  await expectCode(misuse, 'WS_E_INVALID_OPERATION', /bytes or text node/);
  const reader2 = await createXmlReader({
    input: chunked(oneAttachment(), [5]),
    encoding: { type: 'mtom', contentType: CT },
  });
  const first = reader2.read();
  await expectCode(reader2.read(), 'WS_E_INVALID_OPERATION', /pending/);
  assert.equal((await first)?.type, 'element');
});

test('bad options are E_INVALIDARG', async () => {
  await expectCode(createXmlReader({ input: new Uint8Array(0), maxDepth: 0 }), 'E_INVALIDARG', /maxDepth/);
  await expectCode(createXmlReader({ input: 42 as never }), 'E_INVALIDARG', /input/);
  await expectCode(createXmlReader({ input: new Uint8Array(0), encoding: { type: 'dime' } as never }), 'E_INVALIDARG');
  await expectCode(readMessage(new Uint8Array(0), { encoding: 'swa' as never }), 'E_INVALIDARG');
});
