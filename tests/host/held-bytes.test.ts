// Held writeBytes content (MTOM): copies that stay right however the caller's buffers change, space
// given back when content goes inline, blocks reused by later messages.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createXmlWriter } from '../../src/index.js';
import { HeldBytes } from '../../src/encodings/held-bytes.js';
import { parseMtom, randomBytes } from './mtom-reader.js';

const concat = (views: Uint8Array[]) => Buffer.concat(views.map((v) => Buffer.from(v)));

test('held views are copies, in order, across block seams', () => {
  const held = new HeldBytes();
  const views: Uint8Array[] = [];
  const a = randomBytes(50_000, 1);
  const b = randomBytes(100_000, 2);
  held.hold(a, views);
  held.hold(b, views);
  const expected = Buffer.concat([Buffer.from(a), Buffer.from(b)]);
  a.fill(0);
  b.fill(0);
  assert.deepEqual(concat(views), expected);
  assert.ok(views.length >= 3, 'the second copy runs over a block seam');
  held.release();
});

test('rewind gives back what was held after the mark; the space is used again', () => {
  const held = new HeldBytes();
  const kept: Uint8Array[] = [];
  held.hold(randomBytes(1000, 3), kept);
  const mark = held.mark();
  const inline: Uint8Array[] = [];
  held.hold(randomBytes(70_000, 4), inline);
  held.rewind(mark);
  const next: Uint8Array[] = [];
  held.hold(randomBytes(500, 5), next);
  assert.equal(next[0].buffer, kept[0].buffer, 'the same block');
  assert.equal(next[0].byteOffset, kept[0].byteOffset + 1000, 'right after the kept bytes');
  assert.deepEqual(concat(kept), Buffer.from(randomBytes(1000, 3)));
  held.release();
});

test('many inline values and parts in one message: every byte right, the caller free to reuse its buffer', async () => {
  const w = await createXmlWriter({ encoding: { type: 'mtom' }, maxMimePartsBufferSize: 1 << 20 });
  const scratch = new Uint8Array(90_000);
  const parts: Uint8Array[] = [];
  w.writeStartElement('', 'r', 'urn:held');
  for (let i = 0; i < 200; i++) {
    w.writeStartElement('', 'v', 'urn:held');
    const size = i % 20 === 0 ? 60_000 + i : 300 + i;
    const value = randomBytes(size, i + 10);
    scratch.set(value);
    w.writeBytes(scratch.subarray(0, size));
    scratch.fill(0xee);
    if (size > 767) parts.push(value);
    w.writeEndElement();
  }
  w.writeEndElement();
  const parsed = parseMtom((await w.end()) as Uint8Array, w.contentType);
  assert.equal(parsed.parts.length, 1 + parts.length);
  for (const [k, value] of parts.entries()) assert.deepEqual(parsed.parts[k + 1].bytes, value);
  const xml = Buffer.from(parsed.parts[0].bytes).toString('latin1');
  assert.ok(xml.includes(`<v>${Buffer.from(randomBytes(301, 11)).toString('base64')}</v>`), 'inline value 1');
  assert.ok(xml.includes(`<v>${Buffer.from(randomBytes(499, 209)).toString('base64')}</v>`), 'inline value 199');
});
