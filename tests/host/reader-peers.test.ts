// Messages other stacks' MTOM writers produced (tests/fixtures/peer-messages/README.md): each
// reads to its expected document and parts, whole through readMessage and through the streaming
// reader fed in small chunks.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { test } from 'node:test';
import { createXmlReader, readMessage } from '../../src/reader/index.js';
import { chunked, infoset, readerInfoset } from './reader-infoset.js';

const DIR = new URL('../fixtures/peer-messages/', import.meta.url);
const NAMES = readdirSync(DIR)
  .filter((f) => f.endsWith('.body'))
  .map((f) => f.slice(0, -'.body'.length))
  .sort();

interface ExpectedPart {
  content_id: string | null;
  content_type: string;
  size: number;
  sha256: string;
}

function load(name: string) {
  const file = (suffix: string) => new URL(`${name}${suffix}`, DIR);
  return {
    body: new Uint8Array(readFileSync(file('.body'))),
    contentType: readFileSync(file('.ct'), 'utf8'),
    expected: infoset(readFileSync(file('.expected.xml'), 'utf8')),
    parts: (JSON.parse(readFileSync(file('.parts.json'), 'utf8')) as { parts: ExpectedPart[] }).parts,
  };
}

const bare = (id: string) => id.replace(/^<|>$/g, '');
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

function assertParts(
  actual: { contentId: string; contentType: string; bytes: Uint8Array }[],
  expected: ExpectedPart[],
): void {
  assert.equal(actual.length, expected.length, 'part count');
  expected.forEach((want, i) => {
    const got = actual[i];
    if (want.content_id !== null) assert.equal(got.contentId, bare(want.content_id));
    assert.equal(got.contentType, want.content_type);
    assert.equal(got.bytes.length, want.size);
    assert.equal(sha256(got.bytes), want.sha256);
  });
}

test('the peer fixtures are all here', () => {
  assert.equal(NAMES.length, 37);
});

for (const name of NAMES) {
  test(`${name}: readMessage gives the expected document and parts`, async () => {
    const { body, contentType, expected, parts } = load(name);
    const message = await readMessage(body, { contentType });
    assert.deepEqual(infoset(message.xml), expected);
    assertParts(message.parts, parts);
  });

  test(`${name}: the streaming reader, fed 1 to 13 bytes at a time, gives the same`, async () => {
    const { body, contentType, expected, parts } = load(name);
    for (const sizes of [[1], [7, 13, 2, 5], [4096]]) {
      const reader = await createXmlReader({ input: chunked(body, sizes), encoding: { type: 'mtom', contentType } });
      const read = await readerInfoset(reader, 5);
      assert.deepEqual(read.events, expected, `chunks of ${sizes}`);
      assertParts(
        read.parts.map(({ node, bytes }) => ({ contentId: node.contentId, contentType: node.contentType, bytes })),
        parts,
      );
      assert.equal(reader.unreferencedParts.length, 0);
    }
  });
}
