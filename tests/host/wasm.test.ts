// The door to WebAssembly on its own: what the core refuses comes back as typed errors, and an
// instance handed to the next writer starts with every unit reset.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { XmlWriterError } from '../../src/errors.js';
import { Core } from '../../src/wasm.js';

const isInvalidArg = (message: RegExp) => (e: unknown) =>
  e instanceof XmlWriterError && e.code === 'E_INVALIDARG' && e.hresult === 0x80070057 && message.test(e.message);

const encoder = new TextEncoder();

/** Copies bytes into the ring through one reservation. */
function put(core: Core, text: string): void {
  const bytes = encoder.encode(text);
  const window = core.reserve(bytes.length, bytes.length);
  assert.ok(window);
  window.set(bytes);
  core.commit(bytes.length);
}

test('sizes the core cannot lay out are E_INVALIDARG', async () => {
  await assert.rejects(Core.create({ ringSize: 4095, scratchSize: 4096 }), isInvalidArg(/at least 4096/));
  await assert.rejects(Core.create({ ringSize: 4096, scratchSize: 100 }), isInvalidArg(/at least 4096/));
});

test('a commit past the reservation is E_INVALIDARG and commits nothing', async () => {
  const core = await Core.create({ ringSize: 8192, scratchSize: 4096 });
  const window = core.reserve(16, 16);
  assert.equal(window?.length, 16);
  assert.throws(() => core.commit(17), isInvalidArg(/17 bytes exceeds the 16-byte reservation/));
  assert.equal(core.used, 0);
});

test('a release past the committed bytes is E_INVALIDARG and releases nothing', async () => {
  const core = await Core.create({ ringSize: 8192, scratchSize: 4096 });
  put(core, 'abc');
  assert.throws(() => core.release(4), isInvalidArg(/4 bytes exceeds the 3 committed/));
  assert.equal(core.used, 3);
  core.release(3);
  assert.equal(core.used, 0);
});

test('a MIME boundary of 0 or 71 bytes is E_INVALIDARG; 1 and 70 are taken', async () => {
  const core = await Core.create({ ringSize: 8192, scratchSize: 4096 });
  assert.throws(() => core.setBoundary(''), isInvalidArg(/1 to 70 bytes .* not 0/));
  assert.throws(() => core.setBoundary('b'.repeat(71)), isInvalidArg(/not 71/));
  core.setBoundary('b');
  core.setBoundary('b'.repeat(70));
});

test('a recycled instance starts with the ring empty and the boundary scan off', async () => {
  const sizes = { ringSize: 12288, scratchSize: 4096, simd: true };
  const core = await Core.create(sizes);
  core.setBoundary('uuid:recycled');
  core.setScanning(true);
  put(core, 'x--uuid:recycled');
  assert.equal(core.collisionOffset(), 3);
  core.recycle();

  const again = await Core.create(sizes);
  assert.equal(again, core, 'the idle instance is reused');
  assert.equal(again.used, 0);
  assert.equal(again.collisionOffset(), -1);
  put(again, '--uuid:recycled');
  assert.equal(again.collisionOffset(), -1, 'scanning stays off until a writer turns it on');
  again.setScanning(true);
  put(again, 'uuid:recycled');
  assert.equal(again.collisionOffset(), 0, 'offsets count the bytes scanned since the reset');
});
