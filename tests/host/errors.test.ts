// Every error code and refused input: each case asserts the code and HRESULT, that the writer is
// faulted (later calls throw WS_E_OBJECT_FAULTED), and that the output has no close delimiter.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { ErrorCodes, XmlWriterError, createXmlWriter } from '../../src/index.js';
import type { XmlWriter, XmlWriterErrorCode, XmlWriterOptions } from '../../src/index.js';
import { collectingOutput, latin1 } from './mtom-reader.js';

const BOUNDARY = 'uuid:e1b2c3';
const XMIME = 'http://www.w3.org/2005/05/xmlmime';

const isCode = (code: XmlWriterErrorCode) => (error: unknown) => {
  assert.ok(error instanceof XmlWriterError, `expected an XmlWriterError, got ${String(error)}`);
  assert.equal(error.code, code, error.message);
  assert.equal(error.hresult, ErrorCodes[code]);
  return true;
};

/** Opens `<r><e>` so most cases start inside an element. */
function open(w: XmlWriter): void {
  w.writeStartElement(undefined, 'r', 'urn:r');
  w.writeStartElement(undefined, 'e', '');
}

/** The last element marks a case whose message was legitimately complete before the misuse. */
type Case = [
  name: string,
  code: XmlWriterErrorCode,
  act: (w: XmlWriter) => unknown,
  options?: XmlWriterOptions,
  completedFirst?: true,
];

const cases: Case[] = [
  // E_INVALIDARG: names, values, header parameters.
  ['a local name that is not an NCName', 'E_INVALIDARG', (w) => w.writeStartElement(undefined, '1a', '')],
  ['a local name with a colon', 'E_INVALIDARG', (w) => w.writeStartElement(undefined, 'a:b', '')],
  ['a prefix that is not an NCName', 'E_INVALIDARG', (w) => w.writeStartElement('a b', 'c', 'urn:x')],
  ['a prefixed element without a namespace', 'E_INVALIDARG', (w) => w.writeStartElement('p', 'a', '')],
  ['binding xml to another namespace', 'E_INVALIDARG', (w) => w.writeStartElement('xml', 'a', 'urn:x')],
  [
    'binding the xmlns prefix',
    'E_INVALIDARG',
    (w) => {
      open(w);
      w.writeXmlnsAttribute('xmlns', 'urn:x');
    },
  ],
  [
    'an xmlns attribute through writeAttribute',
    'E_INVALIDARG',
    (w) => {
      open(w);
      w.writeAttribute(undefined, 'xmlns', '', 'urn:x');
    },
  ],
  [
    'a comment containing --',
    'E_INVALIDARG',
    (w) => {
      open(w);
      w.writeComment('a -- b');
    },
  ],
  [
    'a comment ending in -',
    'E_INVALIDARG',
    (w) => {
      open(w);
      w.writeComment('a -');
    },
  ],
  [
    'an attribute value of no XML Schema type',
    'E_INVALIDARG',
    (w) => {
      open(w);
      w.writeAttribute(undefined, 'a', '', Symbol('x') as unknown as string);
    },
  ],
  [
    'writeBytes of a non-Uint8Array',
    'E_INVALIDARG',
    (w) => {
      open(w);
      w.writeBytes('x' as unknown as Uint8Array);
    },
  ],
  [
    'a part Content-Type with CRLF',
    'E_INVALIDARG',
    (w) => {
      open(w);
      w.pushBytes(() => {}, { contentType: 'text/plain\r\nX-Evil: 1' });
    },
  ],
  [
    'an xmime:contentType that is not a media type',
    'E_INVALIDARG',
    (w) => {
      open(w);
      w.writeAttribute('xmime', 'contentType', XMIME, 'not a type');
      w.pushBytes(() => {});
    },
  ],
  [
    'a pullBytes count beyond the view',
    'E_INVALIDARG',
    async (w) => {
      open(w);
      w.pullBytes((view) => view.length + 1);
      w.writeEndElement();
      w.writeEndElement();
      await w.end();
    },
  ],
  [
    'sink.reserve(0)',
    'E_INVALIDARG',
    async (w) => {
      open(w);
      w.pushBytes((sink) => void sink.reserve(0));
      w.writeEndElement();
      w.writeEndElement();
      await w.end();
    },
  ],

  // WS_E_INVALID_OPERATION: calls out of order.
  ['writeEndElement without an open element', 'WS_E_INVALID_OPERATION', (w) => w.writeEndElement()],
  [
    'a second root element',
    'WS_E_INVALID_OPERATION',
    (w) => {
      w.writeStartElement(undefined, 'a', '');
      w.writeEndElement();
      w.writeStartElement(undefined, 'b', '');
    },
  ],
  ['character data outside the root element', 'WS_E_INVALID_OPERATION', (w) => w.writeChars('x')],
  [
    'an attribute after content',
    'WS_E_INVALID_OPERATION',
    (w) => {
      open(w);
      w.writeChars('x');
      w.writeAttribute(undefined, 'a', '', 'v');
    },
  ],
  [
    'a duplicate attribute',
    'WS_E_INVALID_OPERATION',
    (w) => {
      open(w);
      w.writeAttribute('p', 'a', 'urn:x', '1');
      w.writeAttribute('q', 'a', 'urn:x', '2');
    },
  ],
  [
    'rebinding a prefix the element uses',
    'WS_E_INVALID_OPERATION',
    (w) => {
      w.writeStartElement('p', 'a', 'urn:one');
      w.writeAttribute('p', 'b', 'urn:two', 'v');
    },
  ],
  [
    'a caller-written xop:Include',
    'WS_E_INVALID_OPERATION',
    (w) => {
      open(w);
      w.writeStartElement('xop', 'Include', 'http://www.w3.org/2004/08/xop/include');
    },
  ],
  [
    'text after binary content',
    'WS_E_INVALID_OPERATION',
    (w) => {
      open(w);
      w.writeBytes(new Uint8Array(1));
      w.writeChars('x');
    },
  ],
  [
    'a comment beside binary content',
    'WS_E_INVALID_OPERATION',
    (w) => {
      open(w);
      w.writeBytes(new Uint8Array(1));
      w.writeComment('x');
    },
  ],
  [
    'binary content after text',
    'WS_E_INVALID_OPERATION',
    (w) => {
      open(w);
      w.writeChars('x');
      w.writeBytes(new Uint8Array(1));
    },
  ],
  [
    'an element beside pushed bytes',
    'WS_E_INVALID_OPERATION',
    (w) => {
      open(w);
      w.pushBytes(() => {});
      w.writeStartElement(undefined, 'x', '');
    },
  ],
  [
    'two pushBytes in one element',
    'WS_E_INVALID_OPERATION',
    (w) => {
      open(w);
      w.pushBytes(() => {});
      w.pushBytes(() => {});
    },
  ],
  ['binary content outside an element', 'WS_E_INVALID_OPERATION', (w) => w.writeBytes(new Uint8Array(1))],
  ['end() before the root element', 'WS_E_INVALID_OPERATION', (w) => w.end()],
  [
    'a write after end()',
    'WS_E_INVALID_OPERATION',
    async (w) => {
      w.writeStartElement(undefined, 'a', '');
      await w.end();
      w.writeStartElement(undefined, 'b', '');
    },
    undefined,
    true,
  ],
  [
    'a call while an async pushBytes runs (text)',
    'WS_E_INVALID_OPERATION',
    (w) => {
      open(w);
      void (w.pushBytes(() => tick()) as Promise<void>).catch(() => {});
      w.writeEndElement();
    },
    { encoding: { type: 'text' } },
  ],
  [
    'a sink used after its callback finished',
    'WS_E_INVALID_OPERATION',
    async (w) => {
      let kept: { write(b: Uint8Array): unknown } | undefined;
      open(w);
      w.pushBytes((sink) => {
        kept = sink;
      });
      w.writeEndElement();
      w.writeEndElement();
      await w.end();
      kept!.write(new Uint8Array(1));
    },
    { encoding: { type: 'text' } },
  ],
  [
    'a sync producer that ignores a pending sink write',
    'WS_E_INVALID_OPERATION',
    async (w) => {
      open(w);
      w.pushBytes((sink) => {
        for (let i = 0; i < 4; i++) void sink.write(new Uint8Array(3000));
      });
      w.writeEndElement();
      w.writeEndElement();
      await w.end();
    },
    { ringSize: 4096, output: () => tick() },
  ],

  // WS_E_QUOTA_EXCEEDED: WWSAPI's writer quotas and the ring.
  [
    'maxDepth',
    'WS_E_QUOTA_EXCEEDED',
    (w) => {
      for (let i = 0; i < 4; i++) w.writeStartElement(undefined, 'a', '');
    },
    { maxDepth: 3 },
  ],
  [
    'maxAttributes',
    'WS_E_QUOTA_EXCEEDED',
    (w) => {
      open(w);
      for (let i = 0; i < 3; i++) w.writeAttribute(undefined, `a${i}`, '', '');
    },
    { maxAttributes: 2 },
  ],
  [
    'maxNamespaces',
    'WS_E_QUOTA_EXCEEDED',
    (w) => {
      open(w);
      for (let i = 0; i < 3; i++) w.writeXmlnsAttribute(`p${i}`, `urn:${i}`);
    },
    { maxNamespaces: 2 },
  ],
  [
    'maxMimePartsBufferSize',
    'WS_E_QUOTA_EXCEEDED',
    (w) => {
      open(w);
      w.writeBytes(new Uint8Array(600));
      w.writeBytes(new Uint8Array(600));
    },
    { maxMimePartsBufferSize: 1000 },
  ],
  [
    'the ring filling in a sync write while the output is async',
    'WS_E_QUOTA_EXCEEDED',
    (w) => {
      open(w);
      w.writeChars('x'.repeat(10_000));
    },
    { ringSize: 4096, output: () => tick() },
  ],

  // WS_E_INVALID_FORMAT: characters XML 1.0 forbids, boundary collisions, size mismatches.
  [
    'a C0 control in text',
    'WS_E_INVALID_FORMAT',
    (w) => {
      open(w);
      w.writeChars('a\u0001b');
    },
  ],
  [
    'U+FFFE in text',
    'WS_E_INVALID_FORMAT',
    (w) => {
      open(w);
      w.writeChars('\uFFFE');
    },
  ],
  [
    'a lone surrogate in text',
    'WS_E_INVALID_FORMAT',
    (w) => {
      open(w);
      w.writeChars('a\uD800b');
    },
  ],
  [
    'a C0 control in a comment',
    'WS_E_INVALID_FORMAT',
    (w) => {
      open(w);
      w.writeComment('\u0007');
    },
  ],
  [
    'a C0 control in an attribute value',
    'WS_E_INVALID_FORMAT',
    (w) => {
      open(w);
      w.writeAttribute(undefined, 'a', '', '\u0008');
    },
  ],
  [
    'malformed UTF-8 in writeCharsUtf8',
    'WS_E_INVALID_FORMAT',
    (w) => {
      open(w);
      w.writeCharsUtf8(new Uint8Array([0x61, 0xc0, 0x80]));
    },
  ],
  [
    'the boundary inside a part',
    'WS_E_INVALID_FORMAT',
    async (w) => {
      open(w);
      w.pushBytes((sink) => sink.write(new TextEncoder().encode(`xx${BOUNDARY}xx`)));
      w.writeEndElement();
      w.writeEndElement();
      await w.end();
    },
  ],
  [
    'the boundary across two writes into a part',
    'WS_E_INVALID_FORMAT',
    async (w) => {
      open(w);
      w.pushBytes((sink) => sink.write([new TextEncoder().encode('uuid:e1'), new TextEncoder().encode('b2c3')]));
      w.writeEndElement();
      w.writeEndElement();
      await w.end();
    },
  ],
  [
    'the boundary inside the root part',
    'WS_E_INVALID_FORMAT',
    (w) => {
      open(w);
      w.writeChars(`see ${BOUNDARY}`);
    },
  ],
  [
    'the boundary inside a long text value (checked and escaped by the core in one call)',
    'WS_E_INVALID_FORMAT',
    (w) => {
      open(w);
      w.writeChars(`${'a & b '.repeat(100)}${BOUNDARY}`);
    },
  ],
  [
    'the boundary inside an attribute value longer than the JavaScript copy takes',
    'WS_E_INVALID_FORMAT',
    (w) => {
      open(w);
      w.writeStartElement('', 'e', '');
      w.writeAttribute('', 'a', '', `a "quoted" ${BOUNDARY} value`);
    },
  ],
  [
    "the boundary in markup (an element's qualified name) written after markup without it",
    'WS_E_INVALID_FORMAT',
    (w) => {
      open(w);
      w.writeStartElement('uuid', 'x', 'urn:x');
      w.writeStartElement('uuid', 'e1b2c3', 'urn:x');
    },
  ],
  [
    'a part shorter than its declared size',
    'WS_E_INVALID_FORMAT',
    async (w) => {
      open(w);
      w.pushBytes((sink) => sink.write(new Uint8Array(3)), { size: 4 });
      w.writeEndElement();
      w.writeEndElement();
      await w.end();
    },
  ],
  [
    'a part longer than its declared size',
    'WS_E_INVALID_FORMAT',
    async (w) => {
      open(w);
      w.pushBytes((sink) => sink.write(new Uint8Array(5)), { size: 4 });
      w.writeEndElement();
      w.writeEndElement();
      await w.end();
    },
  ],

  // WS_E_OPERATION_ABORTED.
  [
    'abort() while a part is streaming',
    'WS_E_OPERATION_ABORTED',
    async (w) => {
      open(w);
      w.pushBytes(async (sink) => {
        await sink.write(new Uint8Array(10));
        w.abort(new Error('stop'));
        await sink.write(new Uint8Array(10));
      });
      w.writeEndElement();
      w.writeEndElement();
      await w.end();
    },
  ],
];

for (const [name, code, act, options, completedFirst] of cases) {
  test(`${code}: ${name}`, async () => {
    const out = collectingOutput();
    const userOutput = options?.output;
    const writer = await createXmlWriter({
      encoding: { type: 'mtom', boundary: BOUNDARY, startUri: 'root@errors' },
      ...options,
      output: async (views) => {
        out.output(views);
        await userOutput?.(views);
      },
    });
    await assert.rejects(async () => act(writer), isCode(code));
    assert.equal(writer.isFaulted, true);
    assert.throws(() => writer.writeChars('x'), isCode('WS_E_OBJECT_FAULTED'));
    await assert.rejects(writer.flush(), isCode('WS_E_OBJECT_FAULTED'));
    await assert.rejects(writer.end(), isCode('WS_E_OBJECT_FAULTED'));
    await tick();
    const sent = latin1(out.bytes());
    const closes = sent.split(`\r\n--${BOUNDARY}--\r\n`).length - 1;
    assert.equal(closes, completedFirst ? 1 : 0, 'a failed message must never end like a complete one');
  });
}

test('the object-faulted error carries the original failure as its cause', async () => {
  const writer = await createXmlWriter();
  assert.throws(() => writer.writeEndElement(), isCode('WS_E_INVALID_OPERATION'));
  try {
    writer.writeChars('x');
    assert.fail('expected a throw');
  } catch (error) {
    assert.ok(error instanceof XmlWriterError && error.cause instanceof XmlWriterError);
    assert.equal((error.cause as XmlWriterError).code, 'WS_E_INVALID_OPERATION');
  }
});

test('an output callback that throws faults the writer with its own error', async () => {
  const failure = new Error('socket closed');
  const writer = await createXmlWriter({
    output: () => {
      throw failure;
    },
  });
  writer.writeStartElement(undefined, 'a', '');
  await assert.rejects(writer.end(), (e) => e === failure);
  assert.throws(() => writer.writeChars('x'), isCode('WS_E_OBJECT_FAULTED'));
});

test('an abort ends a call that waits on an output that never settles', async () => {
  const writer = await createXmlWriter({ output: () => new Promise<void>(() => {}) });
  writer.writeStartElement(undefined, 'a', '');
  const flushing = writer.flush();
  await tick();
  writer.abort(new Error('user gave up'));
  await assert.rejects(flushing, isCode('WS_E_OPERATION_ABORTED'));
  await assert.rejects(writer.closed, isCode('WS_E_OPERATION_ABORTED'));
});

test('an AbortSignal stops the writer; an already aborted one refuses to create it', async () => {
  const controller = new AbortController();
  const writer = await createXmlWriter({ encoding: { type: 'mtom' }, signal: controller.signal });
  writer.writeStartElement(undefined, 'a', '');
  controller.abort();
  assert.throws(() => writer.writeEndElement(), isCode('WS_E_OBJECT_FAULTED'));
  assert.equal(writer.signal.aborted, true);
  await assert.rejects(createXmlWriter({ signal: controller.signal }), isCode('WS_E_OPERATION_ABORTED'));
});

const badOptions: [string, XmlWriterOptions][] = [
  ['a boundary of 71 characters', { encoding: { type: 'mtom', boundary: 'b'.repeat(71) } }],
  ['a boundary ending in a space', { encoding: { type: 'mtom', boundary: 'abc ' } }],
  ['a boundary with a CR', { encoding: { type: 'mtom', boundary: 'a\rb' } }],
  ['a boundary with a quote', { encoding: { type: 'mtom', boundary: 'a"b' } }],
  ['an empty boundary', { encoding: { type: 'mtom', boundary: '' } }],
  ['a startUri with angle brackets', { encoding: { type: 'mtom', startUri: '<root>' } }],
  ['a startUri with a percent sign', { encoding: { type: 'mtom', startUri: 'a%40b' } }],
  ['a startUri with two @', { encoding: { type: 'mtom', startUri: 'a@b@c' } }],
  ['a startInfo with CRLF', { encoding: { type: 'mtom', startInfo: 'text/xml\r\nX: y' } }],
  ['startInfo application/xop+xml', { encoding: { type: 'mtom', startInfo: 'application/xop+xml' } }],
  ['an action with LF', { encoding: { type: 'mtom', action: 'urn:a\nb' } }],
  ['an unknown root transfer encoding', { encoding: { type: 'mtom', rootTransferEncoding: 'base64' as 'binary' } }],
  ['a negative maxInlineByteCount', { encoding: { type: 'mtom', maxInlineByteCount: -1 } }],
  ['a ring below 4 KiB', { ringSize: 100 }],
  ['a maxDepth of 0', { maxDepth: 0 }],
  ['an output that is not a function', { output: 'x' as unknown as () => void }],
  ['an unknown encoding', { encoding: { type: 'binary' } as unknown as { type: 'text' } }],
];

for (const [name, options] of badOptions) {
  test(`E_INVALIDARG at creation: ${name}`, async () => {
    await assert.rejects(createXmlWriter(options), isCode('E_INVALIDARG'));
  });
}
