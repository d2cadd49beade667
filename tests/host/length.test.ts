// expectedLength(): the exact message length for a Content-Length header, known once the root
// element is closed and every part still to come has a known size — and still exact while parts
// are being emitted.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createXmlWriter } from '../../src/index.js';
import { randomBytes } from './mtom-reader.js';

test('MTOM: predicted before end(), and at every moment while the parts stream', async () => {
  const seen: (number | undefined)[] = [];
  let received = 0;
  const writer = await createXmlWriter({
    encoding: { type: 'mtom' },
    ringSize: 4096,
    output: (views) => {
      for (const view of views) received += view.length;
      seen.push(writer.expectedLength());
    },
  });
  writer.writeStartElement(undefined, 'r', '');
  assert.equal(writer.expectedLength(), undefined, 'unknown while the root element is open');
  for (const size of [0, 10_000, 3]) {
    const bytes = randomBytes(size, size + 3);
    writer.writeStartElement(undefined, 'p', '');
    writer.pushBytes((sink) => sink.write(bytes), { size });
    writer.writeEndElement();
  }
  writer.writeStartElement(undefined, 'w', '');
  writer.writeBytes(randomBytes(2000, 1));
  writer.writeEndElement();
  writer.writeEndElement();
  const predicted = writer.expectedLength();
  await writer.end();
  assert.equal(predicted, received);
  assert.ok(seen.length > 3);
  for (const value of seen) assert.equal(value, received);
  assert.equal(writer.expectedLength(), received);
});

test('MTOM: unknown when a part has no declared size; text: the bytes written', async () => {
  const mtom = await createXmlWriter({ encoding: { type: 'mtom' } });
  mtom.writeStartElement(undefined, 'r', '');
  mtom.pushBytes((sink) => sink.write(new Uint8Array(5)));
  mtom.writeEndElement();
  assert.equal(mtom.expectedLength(), undefined);

  const text = await createXmlWriter();
  text.writeStartElement(undefined, 'r', '');
  text.pushBytes((sink) => sink.write(new Uint8Array(5)));
  text.writeEndElement();
  const predicted = text.expectedLength();
  assert.equal(predicted, (await text.end())!.length);
});

test('a part larger than 4 GiB: counters and lengths stay exact past 32 bits', async () => {
  const size = 4.5 * 2 ** 30;
  let received = 0;
  let tail = new Uint8Array(0);
  const writer = await createXmlWriter({
    encoding: { type: 'mtom', boundary: 'uuid:big', startUri: 'root@big' },
    ringSize: 1 << 20,
    output: (views) => {
      for (const view of views) received += view.length;
      tail = views[views.length - 1].slice(-64);
    },
  });
  writer.writeStartElement(undefined, 'r', '');
  writer.pushBytes(
    async (sink) => {
      for (let written = 0; written < size; ) {
        const view = await sink.reserve(Math.min(size - written, 1 << 20));
        view.fill(0);
        await sink.commit(view.length);
        written += view.length;
      }
    },
    { size },
  );
  writer.writeEndElement();
  const predicted = writer.expectedLength()!;
  assert.ok(predicted > size);
  await writer.end();
  assert.equal(received, predicted);
  assert.equal(writer.bytesWritten, predicted);
  assert.ok(new TextDecoder().decode(tail).endsWith('\r\n--uuid:big--\r\n'));
});
