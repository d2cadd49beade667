// Messages that look complete are correct: every path that once completed a wrong message (content
// in the wrong place, duplicated bytes, a dropped attachment, a character reference outside the
// root) now either writes the right bytes or fails loudly — a typed error, a faulted writer, and
// no close delimiter.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { SaxesParser } from 'saxes';
import { ErrorCodes, XmlWriterError, createXmlWriter } from '../../src/index.js';
import type { XmlWriter, XmlWriterErrorCode, XmlWriterOptions } from '../../src/index.js';
import { writeAttachment } from '../../src/node.js';
import { collectingOutput, latin1, parseMtom } from './mtom-reader.js';

const BOUNDARY = 'BND';
const MTOM = { type: 'mtom', boundary: BOUNDARY, startUri: 'r@x' } as const;
const CLOSE = `\r\n--${BOUNDARY}--\r\n`;
const utf8 = (s: string) => new TextEncoder().encode(s);

const isCode = (code: XmlWriterErrorCode) => (error: unknown) => {
  assert.ok(error instanceof XmlWriterError, `expected an XmlWriterError, got ${String(error)}`);
  assert.equal(error.code, code, error.message);
  assert.equal(error.hresult, ErrorCodes[code]);
  return true;
};

/** A writer whose output is collected (a copy of every view). */
async function collected(options: XmlWriterOptions = {}) {
  const out = collectingOutput();
  const writer = await createXmlWriter({ output: out.output, ...options });
  return { writer, out };
}

/** The writer is faulted, refuses everything, and its output has no close delimiter. */
async function assertFailedLoudly(writer: XmlWriter, sent: () => Uint8Array): Promise<void> {
  assert.equal(writer.isFaulted, true);
  assert.throws(() => writer.writeChars('x'), isCode('WS_E_OBJECT_FAULTED'));
  await assert.rejects(writer.end(), isCode('WS_E_OBJECT_FAULTED'));
  await tick();
  assert.ok(!latin1(sent()).includes(CLOSE), 'a failed message must never end like a complete one');
}

/** Fails the test if an unhandled rejection happens while `run` runs (and a few turns after). */
async function withoutUnhandledRejections(run: () => Promise<void>): Promise<void> {
  const unhandled: unknown[] = [];
  const listener = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', listener);
  try {
    await run();
    for (let i = 0; i < 5; i++) await tick();
  } finally {
    process.off('unhandledRejection', listener);
  }
  assert.deepEqual(unhandled, []);
}

describe('content after the root element never lands in a part', () => {
  const afterRoot: [string, (w: XmlWriter) => void][] = [
    ['writeComment', (w) => w.writeComment('after')],
    ['writeChars', (w) => w.writeChars('  \n')],
    ['writeCharsUtf8', (w) => w.writeCharsUtf8(utf8(' \r\n'))],
  ];
  for (const [name, write] of afterRoot) {
    test(`${name} after a flush() that emitted the parts is refused`, async () => {
      const { writer, out } = await collected({ encoding: MTOM });
      writer.writeStartElement('', 'root', 'urn:x');
      writer.pushBytes((s) => s.write(utf8('HELLO')), { size: 5 });
      writer.writeEndElement();
      await writer.flush();
      assert.throws(() => write(writer), isCode('WS_E_INVALID_OPERATION'));
      await assertFailedLoudly(writer, out.bytes);
    });

    test(`${name} after the root element, before the parts, stays in the root part`, async () => {
      const { writer, out } = await collected({ encoding: MTOM });
      writer.writeStartElement('', 'root', 'urn:x');
      writer.pushBytes((s) => s.write(utf8('HELLO')), { size: 5 });
      writer.writeEndElement();
      write(writer);
      const length = writer.expectedLength();
      await writer.end();
      assert.equal(out.bytes().length, length);
      const parsed = parseMtom(out.bytes(), writer.contentType);
      assert.equal(parsed.parts.length, 2);
      assert.equal(latin1(parsed.parts[1].bytes), 'HELLO');
      assert.match(latin1(parsed.parts[0].bytes), /<\/root>(<!--after-->|[ \r\n]+)$/);
    });
  }

  test('with the text encoding, content after a flush() is simply the document going on', async () => {
    const { writer, out } = await collected();
    writer.writeStartElement('', 'root', 'urn:x');
    writer.writeEndElement();
    await writer.flush();
    writer.writeComment('after');
    await writer.end();
    assert.equal(latin1(out.bytes()), '<root xmlns="urn:x"/><!--after-->');
  });
});

describe('a writer call from inside a synchronous output callback', () => {
  for (const encoding of [{ type: 'text' } as const, MTOM]) {
    for (const caught of [true, false]) {
      const how = caught ? 'catches' : 'rethrows';
      test(`is refused and faults the writer (${encoding.type}, the callback ${how})`, async () => {
        const chunks: Uint8Array[] = [];
        let inner: unknown;
        let writer!: XmlWriter;
        writer = await createXmlWriter({
          encoding,
          ringSize: 4096,
          output: (views) => {
            for (const view of views) chunks.push(view.slice());
            if (inner !== undefined) return;
            try {
              writer.writeChars('REENTRANT');
              inner = 'accepted';
            } catch (error) {
              inner = error;
              if (!caught) throw error;
            }
          },
        });
        writer.writeStartElement('', 'root', 'urn:x');
        const text = 'abcdefghij'.repeat(1000);
        assert.throws(() => writer.writeChars(text), isCode('WS_E_INVALID_OPERATION'));
        assert.ok(isCode('WS_E_INVALID_OPERATION')(inner));
        // What reached the output is a prefix of the message, with no byte written twice.
        const reference = await createXmlWriter({ encoding });
        reference.writeStartElement('', 'root', 'urn:x');
        reference.writeChars(text);
        const whole = latin1((await reference.end())!);
        const sent = latin1(Buffer.concat(chunks));
        assert.ok(sent.length > 0 && whole.startsWith(sent), 'the output holds duplicated or foreign bytes');
        await assertFailedLoudly(writer, () => Buffer.concat(chunks));
      });
    }
  }
});

describe('writer calls from inside producer and pull callbacks (both encodings)', () => {
  for (const encoding of [{ type: 'text' } as const, MTOM]) {
    const cases: [string, (w: XmlWriter, inner: (call: () => unknown) => void) => unknown][] = [
      [
        'writeEndElement inside a pushBytes producer',
        (w, inner) =>
          w.pushBytes((sink) => {
            sink.write(new Uint8Array([1, 2, 3]));
            inner(() => w.writeEndElement());
          }),
      ],
      [
        'end() inside a synchronous pushBytes producer',
        (w, inner) =>
          w.pushBytes((sink) => {
            sink.write(new Uint8Array([1, 2, 3]));
            inner(() => w.end());
          }),
      ],
      [
        'end() inside an asynchronous pushBytes producer',
        (w, inner) =>
          w.pushBytes(async (sink) => {
            await sink.write(new Uint8Array([1, 2, 3]));
            inner(() => w.end());
          }),
      ],
      [
        'writeChars inside a pullBytes callback',
        (w, inner) => {
          let calls = 0;
          return w.pullBytes((view) => {
            if (calls++ > 0) return 0;
            inner(() => w.writeChars('x'));
            view[0] = 1;
            return 1;
          });
        },
      ],
      ['another pushBytes inside a producer', (w, inner) => w.pushBytes(() => inner(() => w.pushBytes(() => {})))],
    ];
    for (const [name, act] of cases) {
      test(`${name} is refused (${encoding.type})`, async () => {
        const { writer, out } = await collected({ encoding });
        writer.writeStartElement('', 'root', 'urn:x');
        writer.writeStartElement('', 'a', 'urn:x');
        const refusals: unknown[] = [];
        const inner = (call: () => unknown) => {
          try {
            const result = call();
            if (result instanceof Promise) result.catch((error: unknown) => refusals.push(error));
            else refusals.push('accepted');
          } catch (error) {
            refusals.push(error);
          }
        };
        // The text encoding runs the callback in the call itself, MTOM when end() emits the part:
        // that step fails, and the refused call fails before anything else goes on.
        let step = 'the binary content call';
        await assert.rejects(async () => {
          await act(writer, inner);
          step = 'writeEndElement';
          writer.writeEndElement();
          writer.writeEndElement();
          step = 'end';
          await writer.end();
        }, isCode('WS_E_INVALID_OPERATION'));
        assert.equal(step, encoding.type === 'text' ? 'the binary content call' : 'end');
        assert.equal(refusals.length, 1);
        assert.ok(isCode('WS_E_INVALID_OPERATION')(refusals[0]));
        await assertFailedLoudly(writer, out.bytes);
      });
    }
  }

  test('a producer may still use its own sink, synchronously and after awaits', async () => {
    const { writer, out } = await collected();
    writer.writeStartElement('', 'a', '');
    await writer.pushBytes(async (sink) => {
      sink.write(new Uint8Array([1, 2, 3]));
      await tick();
      const view = await sink.reserve(3);
      view.set([4, 5, 6]);
      await sink.commit(3);
    });
    writer.writeEndElement();
    await writer.end();
    assert.equal(latin1(out.bytes()), '<a>AQIDBAUG</a>');
  });

  test('a sink used from inside the output callback is refused', async () => {
    let sinkCall: (() => unknown) | undefined;
    let refusal: unknown;
    const writer = await createXmlWriter({
      ringSize: 4096,
      output: () => {
        if (!sinkCall || refusal) return;
        try {
          sinkCall();
        } catch (error) {
          refusal = error;
        }
      },
    });
    writer.writeStartElement('', 'a', '');
    assert.throws(
      () =>
        writer.pushBytes((sink) => {
          sinkCall = () => sink.write(new Uint8Array(10));
          sink.write(new Uint8Array(20_000));
        }),
      isCode('WS_E_INVALID_OPERATION'),
    );
    assert.ok(isCode('WS_E_INVALID_OPERATION')(refusal));
    assert.equal(writer.isFaulted, true);
  });
});

describe('attachment sources claim their element at the call', () => {
  let dir: string;
  let file: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mtom-integrity-'));
    file = join(dir, 'photo.bin');
    await writeFile(file, new Uint8Array(1000).fill(7));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  for (const encoding of [{ type: 'text' } as const, MTOM]) {
    test(`a forgotten await on a file source refuses the next call (${encoding.type})`, async () => {
      await withoutUnhandledRejections(async () => {
        const { writer, out } = await collected({ encoding });
        writer.writeStartElement('', 'root', 'urn:x');
        void writeAttachment(writer, { path: file });
        assert.throws(() => writer.writeEndElement(), isCode('WS_E_INVALID_OPERATION'));
        await assertFailedLoudly(writer, out.bytes);
      });
    });

    test(`a forgotten await then end() is refused, not completed without the file (${encoding.type})`, async () => {
      await withoutUnhandledRejections(async () => {
        const { writer, out } = await collected({ encoding });
        writer.writeStartElement('', 'root', 'urn:x');
        void writeAttachment(writer, { path: file });
        await assert.rejects(writer.end(), isCode('WS_E_INVALID_OPERATION'));
        await assertFailedLoudly(writer, out.bytes);
      });
    });

    test(`an awaited file source gives its bytes and exact length (${encoding.type})`, async () => {
      const { writer, out } = await collected({ encoding });
      writer.writeStartElement('', 'root', 'urn:x');
      await writeAttachment(writer, { path: file });
      writer.writeEndElement();
      const length = writer.expectedLength();
      await writer.end();
      assert.equal(out.bytes().length, length);
      const expected = Buffer.from(new Uint8Array(1000).fill(7)).toString('base64');
      if (encoding.type === 'text') assert.equal(latin1(out.bytes()), `<root xmlns="urn:x">${expected}</root>`);
      else assert.deepEqual(parseMtom(out.bytes(), writer.contentType).parts[1].bytes, new Uint8Array(1000).fill(7));
    });
  }
});

describe('every source failure is an XmlWriterError that faults the writer', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mtom-sources-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const failing: [string, () => Parameters<typeof writeAttachment>[1], (cause: unknown) => void][] = [
    [
      'a missing path',
      () => ({ path: join(dir, 'missing.bin') }),
      (cause) => assert.equal((cause as NodeJS.ErrnoException).code, 'ENOENT'),
    ],
    ['a directory', () => ({ path: dir }), () => {}],
    [
      'a ReadableStream that errors',
      () =>
        new ReadableStream({
          pull(controller) {
            controller.enqueue(new Uint8Array(4));
            controller.error(new Error('network down'));
          },
        }),
      (cause) => assert.equal((cause as Error).message, 'network down'),
    ],
    [
      'an async iterable that throws',
      () =>
        (async function* () {
          yield new Uint8Array(4);
          throw new Error('disk gone');
        })(),
      (cause) => assert.equal((cause as Error).message, 'disk gone'),
    ],
  ];

  for (const encoding of [{ type: 'text' } as const, MTOM]) {
    for (const [name, source, checkCause] of failing) {
      test(`${name} (${encoding.type}): a caller that catches and goes on gets no message`, async () => {
        const { writer, out } = await collected({ encoding });
        writer.writeStartElement('', 'root', 'urn:x');
        writer.writeStartElement('', 'data', 'urn:x');
        let failure: unknown;
        try {
          await writeAttachment(writer, source());
          writer.writeEndElement();
          writer.writeEndElement();
          await writer.end();
        } catch (error) {
          failure = error;
        }
        assert.ok(failure instanceof XmlWriterError, `expected an XmlWriterError, got ${String(failure)}`);
        if (failure.code === 'WS_E_INVALID_FORMAT' && failure.cause !== undefined) checkCause(failure.cause);
        assert.ok(['WS_E_INVALID_FORMAT'].includes(failure.code), failure.message);
        await assertFailedLoudly(writer, out.bytes);
      });
    }
  }
});

describe('whitespace outside the root element', () => {
  /** saxes refuses a character reference outside the root; it must parse what the writer wrote. */
  function parses(xml: string): void {
    const parser = new SaxesParser({ xmlns: true });
    let failure: unknown;
    parser.on('error', (error) => {
      failure ??= error;
    });
    parser.write(xml).close();
    assert.equal(failure, undefined, `saxes refused ${JSON.stringify(xml)}`);
  }

  test('is written as it is, CR included, with writeChars and writeCharsUtf8', async () => {
    const { writer, out } = await collected({ writeDeclaration: true });
    writer.writeChars('\r\n');
    writer.writeCharsUtf8(utf8('\t\r\n'));
    writer.writeStartElement('', 'r', 'urn:x');
    writer.writeChars('a\rb');
    writer.writeEndElement();
    writer.writeChars(' \r\n');
    await writer.end();
    const xml = latin1(out.bytes());
    assert.equal(xml, '<?xml version="1.0" encoding="utf-8"?>\r\n\t\r\n<r xmlns="urn:x">a&#xD;b</r> \r\n');
    parses(xml);
  });

  test('a large run of whitespace bytes is written too', async () => {
    const { writer, out } = await collected();
    writer.writeCharsUtf8(new Uint8Array(300_000).fill(0x0a));
    writer.writeStartElement('', 'r', '');
    await writer.end();
    assert.equal(latin1(out.bytes()), `${'\n'.repeat(300_000)}<r/>`);
  });

  test('anything but whitespace there is refused', async () => {
    for (const write of [(w: XmlWriter) => w.writeChars(' x'), (w: XmlWriter) => w.writeCharsUtf8(utf8('\u00a0'))]) {
      const { writer, out } = await collected({ encoding: MTOM });
      assert.throws(() => write(writer), isCode('WS_E_INVALID_OPERATION'));
      await assertFailedLoudly(writer, out.bytes);
    }
  });
});

describe('the text encoding checks a declared size as MTOM does', () => {
  for (const encoding of [{ type: 'text' } as const, MTOM]) {
    for (const size of [-1, 1.5, Number.NaN, '3', 2 ** 53]) {
      test(`size ${String(size)} is E_INVALIDARG (${encoding.type})`, async () => {
        for (const call of ['pushBytes', 'pullBytes'] as const) {
          const { writer, out } = await collected({ encoding });
          writer.writeStartElement('', 'r', 'urn:x');
          assert.throws(() => writer[call](() => 0 as never, { size: size as number }), isCode('E_INVALIDARG'));
          await assertFailedLoudly(writer, out.bytes);
        }
      });
    }
    const producers: [string, number, (w: XmlWriter, size: number) => unknown][] = [
      ['a producer that writes fewer bytes', 4, (w, size) => w.pushBytes((s) => s.write(new Uint8Array(3)), { size })],
      ['a producer that writes more bytes', 2, (w, size) => w.pushBytes((s) => s.write(new Uint8Array(3)), { size })],
      [
        'a reserve/commit producer that commits more',
        2,
        (w, size) =>
          w.pushBytes(
            (s) => {
              const view = s.reserve(3) as Uint8Array;
              s.commit(Math.min(3, view.length));
            },
            { size },
          ),
      ],
      [
        'a pull callback that gives fewer bytes',
        4,
        (w, size) => {
          let once = false;
          return w.pullBytes(
            (view) => {
              if (once) return 0;
              once = true;
              view.fill(1, 0, 3);
              return 3;
            },
            { size },
          );
        },
      ],
      ['a source with a wrong size', 5, (w, size) => writeAttachment(w, new Uint8Array(3), { size })],
    ];
    for (const [name, size, act] of producers) {
      test(`${name} than declared is WS_E_INVALID_FORMAT (${encoding.type})`, async () => {
        const { writer, out } = await collected({ encoding });
        writer.writeStartElement('', 'r', 'urn:x');
        await assert.rejects(async () => {
          await act(writer, size);
          writer.writeEndElement();
          await writer.end();
        }, isCode('WS_E_INVALID_FORMAT'));
        await assertFailedLoudly(writer, out.bytes);
      });
    }
  }

  test('a producer that writes exactly its declared size passes (text)', async () => {
    const { writer, out } = await collected();
    writer.writeStartElement('', 'r', '');
    writer.pushBytes((s) => s.write(new Uint8Array([1, 2, 3])), { size: 3 });
    writer.writeEndElement();
    await writer.end();
    assert.equal(latin1(out.bytes()), '<r>AQID</r>');
  });
});

describe('an element named xmlns', () => {
  test('is refused without a prefix (Namespaces in XML 1.0 §3)', async () => {
    for (const [prefix, ns] of [
      ['', 'urn:x'],
      [undefined, ''],
      ['', ''],
    ] as const) {
      const { writer, out } = await collected();
      assert.throws(() => writer.writeStartElement(prefix, 'xmlns', ns), isCode('E_INVALIDARG'));
      await assertFailedLoudly(writer, out.bytes);
    }
  });

  test('is allowed with a prefix', async () => {
    const { writer, out } = await collected();
    writer.writeStartElement('p', 'xmlns', 'urn:x');
    await writer.end();
    assert.equal(latin1(out.bytes()), '<p:xmlns xmlns:p="urn:x"/>');
  });
});

describe('abort() and the last byte', () => {
  for (const encoding of [{ type: 'text' } as const, MTOM]) {
    test(`after the last byte is handed to the output, abort() leaves the message done (${encoding.type})`, async () => {
      const out = collectingOutput();
      let release!: () => void;
      let deliveries = 0;
      const writer = await createXmlWriter({
        encoding,
        output: (views) => {
          out.output(views);
          deliveries++;
          return new Promise<void>((resolve) => {
            release = resolve;
          });
        },
      });
      writer.writeStartElement('', 'r', 'urn:x');
      writer.pushBytes((s) => s.write(new Uint8Array(900)), { size: 900 });
      writer.writeEndElement();
      const ending = writer.end();
      while (deliveries === 0) await tick();
      writer.abort(new Error('too late'));
      assert.equal(writer.isFaulted, false);
      assert.equal(writer.signal.aborted, false);
      release();
      assert.equal(await ending, undefined);
      await writer.closed;
      if (encoding.type === 'mtom') assert.ok(latin1(out.bytes()).endsWith(CLOSE));
      assert.equal(out.bytes().length, writer.bytesWritten);
    });

    test(`a call while the last byte is delivered is refused; the message stays done (${encoding.type})`, async () => {
      let release!: () => void;
      let delivered = false;
      const writer = await createXmlWriter({
        encoding,
        output: () => {
          delivered = true;
          return new Promise<void>((resolve) => {
            release = resolve;
          });
        },
      });
      writer.writeStartElement('', 'r', 'urn:x');
      const ending = writer.end();
      while (!delivered) await tick();
      assert.throws(() => writer.writeComment('late'), isCode('WS_E_INVALID_OPERATION'));
      release();
      await ending;
      await writer.closed;
    });
  }

  test('before the last byte is handed over, abort() fails the message', async () => {
    {
      const encoding = MTOM;
      const out = collectingOutput();
      let release: (() => void) | undefined;
      const writer = await createXmlWriter({
        encoding,
        ringSize: 4096,
        output: (views) => {
          out.output(views);
          return new Promise<void>((resolve) => {
            release = resolve;
          });
        },
      });
      writer.writeStartElement('', 'r', 'urn:x');
      writer.pushBytes((s) => s.write(new Uint8Array(9000)));
      writer.writeEndElement();
      const ending = writer.end();
      while (!release) await tick();
      writer.abort(new Error('stop'));
      release();
      await assert.rejects(ending, isCode('WS_E_OPERATION_ABORTED'));
      assert.equal(writer.isFaulted, true);
      assert.ok(!latin1(out.bytes()).includes(CLOSE));
    }
  });
});

describe('the public surface', () => {
  test('has no begin(): a writer writes its headers once, when it is created', async () => {
    const writer = await createXmlWriter({ encoding: MTOM });
    assert.equal((writer as unknown as Record<string, unknown>).begin, undefined);
    writer.writeStartElement('', 'r', '');
    const message = latin1((await writer.end())!);
    assert.equal(message.split('Content-ID: <r@x>').length, 2);
  });
});
