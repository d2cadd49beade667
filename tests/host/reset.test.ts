// XmlWriter.reset(): the next message on the same writer (WsSetOutput on a writer already set up).
// Every message it starts is byte-identical to one from a new writer with the same options; a
// reset that would lose a message is refused with a typed error and faults the writer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { ErrorCodes, XmlWriterError, createXmlWriter } from '../../src/index.js';
import type { XmlWriter, XmlWriterErrorCode, XmlWriterOptions } from '../../src/index.js';
import { collectingOutput, latin1, parseMtom, randomBytes } from './mtom-reader.js';

const NS = 'urn:example:reset';
const MTOM_FIXED: XmlWriterOptions = { encoding: { type: 'mtom', boundary: 'uuid:r1', startUri: 'root@reset' } };

const isCode = (code: XmlWriterErrorCode) => (error: unknown) => {
  assert.ok(error instanceof XmlWriterError, `expected an XmlWriterError, got ${String(error)}`);
  assert.equal(error.code, code, error.message);
  assert.equal(error.hresult, ErrorCodes[code]);
  return true;
};

/** A small document with a namespace, text to escape, an attribute and binary content. */
function writeDocument(w: XmlWriter, n: number): void {
  w.writeStartElement('m', 'Doc', NS);
  w.writeAttribute('', 'n', '', String(n));
  w.writeStartElement('m', 'Text', NS);
  w.writeChars(`message ${n} <&>`);
  w.writeEndElement();
  w.writeStartElement('m', 'Data', NS);
  w.writeBytes(randomBytes(2000 + n, n));
  w.writeEndElement();
  w.writeEndElement();
}

async function freshMessage(options: XmlWriterOptions, n: number): Promise<Uint8Array> {
  const w = await createXmlWriter(options);
  writeDocument(w, n);
  return (await w.end()) as Uint8Array;
}

test('each message after reset() equals one from a new writer (text and MTOM, fixed boundary)', async () => {
  for (const options of [{}, MTOM_FIXED]) {
    const w = await createXmlWriter(options);
    for (let n = 1; n <= 4; n++) {
      if (n > 1) assert.equal(w.reset(), undefined);
      writeDocument(w, n);
      const message = (await w.end()) as Uint8Array;
      assert.deepEqual(message, await freshMessage(options, n), `message ${n}`);
      assert.equal(w.bytesWritten, message.length);
      await w.closed;
    }
  }
});

test('MTOM: every message after reset() has a new boundary and Content-IDs and parses on its own', async () => {
  const w = await createXmlWriter({ encoding: { type: 'mtom' } });
  const boundaries = new Set<string>();
  for (let n = 1; n <= 3; n++) {
    if (n > 1) w.reset();
    writeDocument(w, n + 1000);
    const message = (await w.end()) as Uint8Array;
    const parsed = parseMtom(message, w.contentType);
    boundaries.add(parsed.boundary);
    assert.equal(parsed.parts.length, 2);
    assert.deepEqual(parsed.parts[1].bytes, randomBytes(2000 + n + 1000, n + 1000));
  }
  assert.equal(boundaries.size, 3);
});

test('reset() with an output callback: each message reaches the output whole, in turn', async () => {
  const { output, bytes } = collectingOutput();
  const w = await createXmlWriter({ output });
  writeDocument(w, 1);
  await w.end();
  w.reset();
  writeDocument(w, 2);
  await w.end();
  const both = latin1(bytes());
  assert.equal(both, latin1(await freshMessage({}, 1)) + latin1(await freshMessage({}, 2)));
});

test('reset() before anything is written starts over; the message is as a new writer writes it', async () => {
  const w = await createXmlWriter({ ...MTOM_FIXED, writeDeclaration: true });
  const first = w.closed;
  w.reset();
  await first; // the replaced message is over: nothing was written to it
  writeDocument(w, 7);
  assert.deepEqual(await w.end(), await freshMessage({ ...MTOM_FIXED, writeDeclaration: true }, 7));
});

test('reset() in the middle of a message is WS_E_INVALID_OPERATION; the writer is faulted, no message completes', async () => {
  const { output, bytes } = collectingOutput();
  const w = await createXmlWriter({ ...MTOM_FIXED, output });
  w.writeStartElement('m', 'Doc', NS);
  assert.throws(() => w.reset(), isCode('WS_E_INVALID_OPERATION'));
  assert.equal(w.isFaulted, true);
  assert.throws(() => w.writeEndElement(), isCode('WS_E_OBJECT_FAULTED'));
  await assert.rejects(w.end(), isCode('WS_E_OBJECT_FAULTED'));
  assert.throws(() => w.reset(), isCode('WS_E_OBJECT_FAULTED'));
  assert.ok(!latin1(bytes()).includes('--uuid:r1--'), 'no close delimiter');
});

test('reset() after bytes reached the output, even before the root element, is refused', async () => {
  const { output } = collectingOutput();
  const w = await createXmlWriter({ ...MTOM_FIXED, output });
  await w.flush();
  assert.throws(() => w.reset(), isCode('WS_E_INVALID_OPERATION'));
  assert.equal(w.isFaulted, true);
});

test('reset() while end() is still delivering is refused; the message completes', async () => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const w = await createXmlWriter({ output: () => gate });
  writeDocument(w, 3);
  const ending = w.end();
  await tick();
  assert.throws(() => w.reset(), isCode('WS_E_INVALID_OPERATION'));
  release();
  assert.equal(await ending, undefined);
  assert.equal(w.isFaulted, false);
  w.reset();
  writeDocument(w, 4);
  const done = w.end();
  await tick();
  assert.equal(await done, undefined);
});

test('when another writer took its instance, reset() returns a promise and refuses calls until it settles', async () => {
  // Sizes no other test uses, so the idle pool holds only this writer's instance.
  const sizes = { ringSize: 4096 * 23, scratchSize: 4096 * 3 };
  const w = await createXmlWriter(sizes);
  writeDocument(w, 1);
  await w.end();
  const other = await createXmlWriter(sizes); // takes the idle instance
  const pending = w.reset();
  assert.ok(pending instanceof Promise);
  await pending;
  writeDocument(w, 2);
  assert.deepEqual(await w.end(), await freshMessage({}, 2));
  writeDocument(other, 5);
  assert.deepEqual(await other.end(), await freshMessage({}, 5));

  // The same, with a call made before the promise settled: refused, and the writer stays faulted.
  const third = await createXmlWriter(sizes);
  const forgetful = await createXmlWriter(sizes);
  writeDocument(forgetful, 1);
  await forgetful.end();
  const taker = await createXmlWriter(sizes);
  const waiting = forgetful.reset();
  assert.ok(waiting instanceof Promise);
  assert.throws(() => forgetful.writeStartElement('m', 'Doc', NS), isCode('WS_E_INVALID_OPERATION'));
  await assert.rejects(waiting as Promise<void>, isCode('WS_E_INVALID_OPERATION'));
  assert.equal(forgetful.isFaulted, true);
  assert.throws(() => forgetful.writeStartElement('m', 'Doc', NS), isCode('WS_E_OBJECT_FAULTED'));
  for (const x of [third, taker]) {
    writeDocument(x, 9);
    assert.deepEqual(await x.end(), await freshMessage({}, 9));
  }
});

test('reset() with the signal option aborted is WS_E_OPERATION_ABORTED', async () => {
  const controller = new AbortController();
  const w = await createXmlWriter({ signal: controller.signal });
  writeDocument(w, 1);
  await w.end();
  controller.abort(new Error('stop'));
  assert.throws(() => w.reset(), isCode('WS_E_OPERATION_ABORTED'));
});
