// The XML the writer produces: namespace declarations (Namespaces in XML 1.0), escaping (XML 1.0
// §2.4, §3.3.3), long and non-ASCII text, empty elements, end() closing what is open.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createXmlWriter } from '../../src/index.js';
import type { XmlWriter } from '../../src/index.js';

async function xml(write: (w: XmlWriter) => void | Promise<void>, ringSize?: number): Promise<string> {
  const writer = await createXmlWriter({ ringSize });
  await write(writer);
  return new TextDecoder().decode((await writer.end())!);
}

test('prefixes are declared when needed and reused while in scope', async () => {
  const out = await xml((w) => {
    w.writeStartElement('a', 'root', 'urn:a');
    w.writeStartElement('a', 'child', 'urn:a');
    w.writeAttribute('a', 'x', 'urn:a', '1');
    w.writeStartElement(undefined, 'found', 'urn:a');
    w.writeEndElement();
    w.writeStartElement('a', 'shadow', 'urn:other');
    w.writeEndElement();
    w.writeEndElement();
    w.writeEndElement();
  });
  assert.equal(
    out,
    '<a:root xmlns:a="urn:a"><a:child a:x="1"><a:found/><a:shadow xmlns:a="urn:other"/></a:child></a:root>',
  );
});

test('the default namespace: declared, inherited, and undeclared with xmlns=""', async () => {
  const out = await xml((w) => {
    w.writeStartElement('', 'root', 'urn:d');
    w.writeStartElement(undefined, 'same', 'urn:d');
    w.writeEndElement();
    w.writeStartElement(undefined, 'none', '');
    w.writeAttribute(undefined, 'plain', '', 'v');
    w.writeEndElement();
    w.writeEndElement();
  });
  assert.equal(out, '<root xmlns="urn:d"><same/><none xmlns="" plain="v"/></root>');
});

test('attributes in a namespace get a prefix; xml: needs no declaration', async () => {
  const out = await xml((w) => {
    w.writeStartElement('', 'root', 'urn:d');
    w.writeAttribute(undefined, 'attr', 'urn:d', '1');
    w.writeAttribute('xml', 'lang', 'http://www.w3.org/XML/1998/namespace', 'en');
    w.writeXmlnsAttribute('q', 'urn:q');
    w.writeAttribute(undefined, 'other', 'urn:q', '2');
    w.writeEndElement();
  });
  assert.equal(out, '<root xmlns="urn:d" xmlns:ns0="urn:d" ns0:attr="1" xml:lang="en" xmlns:q="urn:q" q:other="2"/>');
});

test('writeXmlnsAttribute of a declaration already made on the element writes nothing more', async () => {
  const out = await xml((w) => {
    w.writeStartElement('p', 'root', 'urn:p');
    w.writeXmlnsAttribute('p', 'urn:p');
    w.writeEndElement();
  });
  assert.equal(out, '<p:root xmlns:p="urn:p"/>');
});

test('escaping in text and in attribute values, including namespace URIs', async () => {
  const out = await xml((w) => {
    w.writeStartElement('p', 'r', 'urn:a?b&c="d"');
    w.writeAttribute(undefined, 'v', '', '<&>"\'\t\n\r]]>');
    w.writeChars('<&>"\'\t\n\r]]>');
    w.writeEndElement();
  });
  assert.equal(
    out,
    '<p:r xmlns:p="urn:a?b&amp;c=&quot;d&quot;" v="&lt;&amp;&gt;&quot;\'&#x9;&#xA;&#xD;]]&gt;">&lt;&amp;&gt;"\'\t\n&#xD;]]&gt;</p:r>',
  );
});

test('long and non-ASCII text crosses scratch and ring seams intact', async () => {
  const text = 'é😀&<x>'.repeat(40_000);
  const out = await xml((w) => {
    w.writeStartElement(undefined, 'r', '');
    w.writeChars(text);
    w.writeCharsUtf8(new TextEncoder().encode(text));
    w.writeEndElement();
  }, 4096);
  const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  assert.equal(out, `<r>${escaped}${escaped}</r>`);
});

test('empty text still closes the start tag; no content gives an empty-element tag', async () => {
  const out = await xml((w) => {
    w.writeStartElement(undefined, 'r', '');
    w.writeStartElement(undefined, 'a', '');
    w.writeChars('');
    w.writeEndElement();
    w.writeStartElement(undefined, 'b', '');
    w.writeEndElement();
    w.writeEndElement();
  });
  assert.equal(out, '<r><a></a><b/></r>');
});

test('end() closes the elements still open', async () => {
  const out = await xml((w) => {
    w.writeStartElement(undefined, 'a', '');
    w.writeStartElement(undefined, 'b', '');
    w.writeChars('x');
  });
  assert.equal(out, '<a><b>x</b></a>');
});

test('whitespace is allowed around the root element', async () => {
  const out = await xml((w) => {
    w.writeChars('\n');
    w.writeStartElement(undefined, 'a', '');
    w.writeEndElement();
    w.writeChars('\n');
  });
  assert.equal(out, '\n<a/>\n');
});

test('text encoding: writeBytes in pieces is one canonical base64 value', async () => {
  const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 31) & 255);
  const out = await xml((w) => {
    w.writeStartElement(undefined, 'b', '');
    for (let at = 0; at < bytes.length; at += 7) w.writeBytes(bytes.subarray(at, at + 7));
    w.writeEndElement();
  });
  assert.equal(out, `<b>${Buffer.from(bytes).toString('base64')}</b>`);
});

test('text encoding: writeBytes and pushBytes of pieces larger and smaller than a 4096-byte ring', async () => {
  const bytes = Uint8Array.from({ length: 40_000 }, (_, i) => (i * 131 + (i >> 7)) & 255);
  const sizes = [0, 1, 2, 5000, 1, 3, 4095, 4096, 12_000, 7, 2, 8];
  const pieces: Uint8Array[] = [];
  for (let at = 0, k = 0; at < bytes.length; k++) {
    const end = Math.min(bytes.length, at + sizes[k % sizes.length]);
    pieces.push(bytes.subarray(at, end));
    at = end;
  }
  const want = `<b>${Buffer.from(bytes).toString('base64')}</b>`;
  const written = await xml((w) => {
    w.writeStartElement(undefined, 'b', '');
    for (const piece of pieces) w.writeBytes(piece);
    w.writeEndElement();
  }, 4096);
  assert.equal(written, want);
  const pushed = await xml(async (w) => {
    w.writeStartElement(undefined, 'b', '');
    await w.pushBytes(async (sink) => {
      for (const piece of pieces) await sink.write(piece);
    });
    w.writeEndElement();
  }, 4096);
  assert.equal(pushed, want);
});

test('bytesWritten and bytesFlushed count what was produced and what reached the output', async () => {
  let received = 0;
  const writer = await createXmlWriter({
    output: (views) => {
      for (const v of views) received += v.length;
    },
  });
  writer.writeStartElement(undefined, 'abc', '');
  assert.equal(writer.bytesWritten, 4);
  assert.equal(writer.bytesFlushed, 0);
  await writer.flush(100);
  assert.equal(received, 0, 'flush(minSize) waits for minSize buffered bytes');
  await writer.flush();
  assert.equal(received, 4);
  writer.writeEndElement();
  await writer.end();
  assert.equal(received, 6);
  assert.equal(writer.bytesFlushed, 6);
});

test('comments: at the top level and inside elements, written as they are', async () => {
  const out = await xml((w) => {
    w.writeComment(' before <root> & all ');
    w.writeStartElement(undefined, 'r', '');
    w.writeComment('é😀');
    w.writeChars('x');
    w.writeEndElement();
    w.writeComment('');
  });
  assert.equal(out, '<!-- before <root> & all --><r><!--é😀-->x</r><!---->');
});

const escapeText = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#xD;');
const escapeAttribute = (s: string) =>
  escapeText(s).replace(/"/g, '&quot;').replace(/\n/g, '&#xA;').replace(/\t/g, '&#x9;');

test('values of every length give the same bytes by each way of escaping them, in small and large rings', async () => {
  // Lengths cross the JavaScript copy (short ASCII), the one-crossing staged escape (up to 1,024
  // units) and the chunked path; specials sit at the start, the middle and the end.
  const specials = '&<>"\t\n\r';
  for (const ringSize of [4096, undefined]) {
    for (let length = 0; length <= 1100; length += length < 40 ? 1 : 37) {
      for (const tail of ['', 'é', '😀']) {
        const chars = Array.from({ length }, (_, i) =>
          i % 11 === 3 ? specials[i % specials.length] : 'abcdefgh'[i % 8],
        );
        const value = chars.join('') + tail;
        const out = await xml((w) => {
          w.writeStartElement('', 'r', '');
          w.writeAttribute('', 'v', '', value);
          w.writeChars(value);
          w.writeEndElement();
        }, ringSize);
        assert.equal(out, `<r v="${escapeAttribute(value)}">${escapeText(value)}</r>`, `length ${length}${tail}`);
      }
    }
  }
});

test('a character XML does not allow is refused wherever it sits in a staged value, and faults the writer', async () => {
  for (const length of [10, 30, 500, 1024, 2000]) {
    for (const at of [0, Math.floor(length / 2), length - 1]) {
      const value = `${'a'.repeat(at)}\u0001${'b'.repeat(length - at - 1)}`;
      const writer = await createXmlWriter();
      writer.writeStartElement('', 'r', '');
      assert.throws(
        () => writer.writeChars(value),
        (error: Error & { code?: string }) =>
          error.code === 'WS_E_INVALID_FORMAT' && error.message.includes(`byte ${at % 65536} `),
      );
      assert.equal(writer.isFaulted, true);
      assert.throws(() => writer.writeEndElement(), { code: 'WS_E_OBJECT_FAULTED' });
    }
  }
});

test('names of every length, ASCII and not, give their tags intact', async () => {
  for (let length = 1; length <= 9; length++) {
    for (const first of ['n', 'é', '\u4e2d']) {
      const local = first + 'x'.repeat(length - 1);
      const out = await xml((w) => {
        w.writeStartElement('p', local, 'urn:n');
        w.writeAttribute('p', local, 'urn:n', '1');
        w.writeStartElement(undefined, local, '');
        w.writeEndElement();
        w.writeStartElement('p', local, 'urn:n');
        w.writeChars('t');
        w.writeEndElement();
        w.writeEndElement();
      });
      assert.equal(
        out,
        `<p:${local} xmlns:p="urn:n" p:${local}="1"><${local}/><p:${local}>t</p:${local}></p:${local}>`,
      );
    }
  }
});

test('namespace declarations repeated across messages and prefixes are written the same each time', async () => {
  // Escaped, non-ASCII (never cached), plain, and longer than the cache takes.
  const uris = ['urn:a?b&c="d"<e>', 'urn:é', 'urn:plain', `urn:${'x'.repeat(600)}&`];
  for (let message = 0; message < 3; message++) {
    const out = await xml((w) => {
      w.writeStartElement('', 'r', '');
      for (const [i, uri] of uris.entries()) {
        w.writeXmlnsAttribute(`p${i}`, uri);
        w.writeXmlnsAttribute(`q${i}`, uri);
      }
      w.writeStartElement('', 'c', uris[0]);
      w.writeEndElement();
      w.writeEndElement();
    });
    const declared = uris.map(
      (uri, i) => ` xmlns:p${i}="${escapeAttribute(uri)}" xmlns:q${i}="${escapeAttribute(uri)}"`,
    );
    assert.equal(out, `<r${declared.join('')}><c xmlns="${escapeAttribute(uris[0])}"/></r>`);
  }
  // A URI holding a character XML does not allow is refused every time, never cached.
  for (let message = 0; message < 2; message++) {
    const writer = await createXmlWriter();
    writer.writeStartElement('', 'r', '');
    assert.throws(() => writer.writeXmlnsAttribute('p', 'urn:\u0002'), { code: 'WS_E_INVALID_FORMAT' });
    assert.equal(writer.isFaulted, true);
  }
});
