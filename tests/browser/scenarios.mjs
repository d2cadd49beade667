// Messages written the same way in the browser and in Node: each scenario builds one MTOM
// message from deterministic inputs (fixed boundary and startUri, so the Content-IDs are fixed
// too) and returns its bytes. run.mjs compares the browser's bytes with Node's, and the SIMD
// core's with the scalar core's. Only web-platform APIs are used here (Blob, File,
// ReadableStream, crypto.subtle), which Node ≥ 20 has as well.
import * as mtom from '../../dist/index.js';

const { createXmlWriter } = mtom;

const SOAP = 'http://www.w3.org/2003/05/soap-envelope';
const XMIME = 'http://www.w3.org/2005/05/xmlmime';
const BOUNDARY = 'uuid:0b0e3c2a-6a55-4c8e-9d7e-3f1f2c9a7b41';

/** Deterministic bytes (a 32-bit LCG), with CR LF and "--" runs planted in them. */
export function bytes(length, seed = 1) {
  const out = new Uint8Array(length);
  let x = seed >>> 0;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  for (let at = 97; at + 4 < length; at += 4099) out.set([13, 10, 45, 45], at);
  return out;
}

function concat(chunks) {
  let length = 0;
  for (const c of chunks) length += c.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** An output callback that keeps copies of what it is lent (views are valid only during the call). */
function collector({ async = false } = {}) {
  const chunks = [];
  let calls = 0;
  return {
    chunks,
    output(buffers) {
      for (const b of buffers) chunks.push(b.slice());
      if (async && ++calls % 2 === 0) return new Promise((resolve) => setTimeout(resolve, 0));
      return undefined;
    },
  };
}

function mtomOptions(name, extra = {}) {
  return { type: 'mtom', boundary: BOUNDARY, startUri: `${name}@mtom-stream.test`, ...extra };
}

function envelope(writer, body) {
  writer.writeStartElement('s', 'Envelope', SOAP);
  writer.writeXmlnsAttribute('xmime', XMIME);
  writer.writeStartElement('s', 'Body', SOAP);
  writer.writeStartElement('', 'Upload', 'urn:example');
  writer.writeAttribute(undefined, 'note', '', 'a < b & "c" \u00e9 \u{1F600}');
  return (async () => {
    await body();
    writer.writeEndElement();
    writer.writeEndElement();
    writer.writeEndElement();
  })();
}

/** Reads a ReadableStream in chunks of `sizes` bytes, cycling. */
function chunkedStream(data, sizes) {
  let at = 0;
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= data.length) return controller.close();
      const n = sizes[i++ % sizes.length];
      controller.enqueue(data.slice(at, at + n));
      at += n;
    },
  });
}

/** Reads a stream to its end with a default reader, or a BYOB reader with buffers of `byob` bytes. */
async function readAll(readable, byob = 0) {
  const chunks = [];
  if (byob > 0) {
    const reader = readable.getReader({ mode: 'byob' });
    for (;;) {
      const { done, value } = await reader.read(new Uint8Array(byob));
      if (value && value.length > 0) chunks.push(value);
      if (done) return concat(chunks);
    }
  }
  const reader = readable.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return concat(chunks);
    chunks.push(value);
  }
}

/** A ReadableStream source written through createXmlWriterStream, read with `byob`-byte buffers or a default reader. */
async function streamScenario(simd, name, byob) {
  if (byob > 0 && typeof ReadableStreamBYOBReader === 'undefined')
    return { unsupported: 'this engine has no BYOB reader (ReadableStreamBYOBReader)' };
  const { writer, readable } = await mtom.createXmlWriterStream({ simd, ringSize: 16384, encoding: mtomOptions(name) });
  const data = bytes(1_000_003, 8);
  const reading = readAll(readable, byob);
  await envelope(writer, async () => {
    writer.writeStartElement('', 'Data', 'urn:example');
    await mtom.writeAttachment(writer, chunkedStream(data, [1, 4096, 65537, 3, 777]), {
      size: data.length,
      contentType: 'video/mp4',
    });
    writer.writeEndElement();
  });
  const expectedLength = writer.expectedLength();
  await writer.end();
  return { bytes: await reading, expectedLength, simdUsed: writer.simd };
}

/**
 * The scenarios: name → (simd) => Promise<{ bytes, expectedLength?, simdUsed }>.
 * `simd` is passed to createXmlWriter as is (true, false or undefined for detection).
 */
export const scenarios = {
  /** Text, attributes, namespaces; writeBytes inline (small) and as a part (large); buffered output. */
  async 'document, writeBytes inline and as a part (buffered output)'(simd) {
    const writer = await createXmlWriter({ simd, encoding: mtomOptions('doc'), writeDeclaration: true });
    await envelope(writer, () => {
      writer.writeStartElement('', 'Text', 'urn:example');
      writer.writeChars('1 < 2 && 3 > 2 ]]> \r\n tab\t caf\u00e9 \u{10348}');
      writer.writeEndElement();
      writer.writeStartElement('', 'Small', 'urn:example');
      writer.writeBytes(bytes(767, 2));
      writer.writeEndElement();
      writer.writeStartElement('', 'Large', 'urn:example');
      writer.writeAttribute('xmime', 'contentType', XMIME, 'image/png');
      writer.writeBytes(bytes(1000, 3));
      writer.writeBytes(bytes(2000, 4));
      writer.writeEndElement();
    });
    return { bytes: await writer.end(), simdUsed: writer.simd };
  },

  /** Blob and File sources through writeAttachment; their sizes give expectedLength. */
  async 'Blob and File attachments (writeAttachment)'(simd) {
    const { chunks, output } = collector();
    const writer = await createXmlWriter({ simd, output, encoding: mtomOptions('blob') });
    const blob = new Blob([bytes(300_000, 5), bytes(1234, 6)], { type: 'application/pdf' });
    const file = new File([bytes(70_001, 7)], 'photo.png', { type: 'image/png' });
    const empty = new Blob([]);
    await envelope(writer, async () => {
      for (const [name, source] of [
        ['Blob', blob],
        ['File', file],
        ['Empty', empty],
      ]) {
        writer.writeStartElement('', name, 'urn:example');
        await mtom.writeAttachment(writer, source);
        writer.writeEndElement();
      }
    });
    const expectedLength = writer.expectedLength();
    await writer.end();
    return { bytes: concat(chunks), expectedLength, simdUsed: writer.simd };
  },

  /** A ReadableStream source (odd chunk sizes) into createXmlWriterStream, read with a default reader. */
  'ReadableStream attachment through createXmlWriterStream (default reader)'(simd) {
    return streamScenario(simd, 'stream', 0);
  },

  /** The same, read with a BYOB reader into 10000-byte buffers. */
  'ReadableStream attachment through createXmlWriterStream (BYOB reader)'(simd) {
    return streamScenario(simd, 'stream', 10_000);
  },

  /** pushBytes filling ring windows in place (reserve/commit), and pullBytes; an asynchronous output. */
  async 'pushBytes reserve/commit and pullBytes, asynchronous output'(simd) {
    const { chunks, output } = collector({ async: true });
    const writer = await createXmlWriter({
      simd,
      output,
      ringSize: 8192,
      encoding: mtomOptions('push', { action: 'urn:example:Upload' }),
    });
    const pushed = bytes(200_000, 9);
    const pulled = bytes(150_000, 10);
    await envelope(writer, () => {
      writer.writeStartElement('', 'Pushed', 'urn:example');
      writer.pushBytes(
        async (sink) => {
          for (let at = 0; at < pushed.length; ) {
            const view = await sink.reserve(Math.min(5000, pushed.length - at));
            view.set(pushed.subarray(at, at + view.length));
            await sink.commit(view.length);
            at += view.length;
          }
        },
        { size: pushed.length },
      );
      writer.writeEndElement();
      writer.writeStartElement('', 'Pulled', 'urn:example');
      let at = 0;
      writer.pullBytes((view) => {
        const n = Math.min(view.length, 3001, pulled.length - at);
        view.set(pulled.subarray(at, at + n));
        at += n;
        return n;
      });
      writer.writeEndElement();
    });
    await writer.end();
    return { bytes: concat(chunks), simdUsed: writer.simd };
  },

  /** An async iterable of 5 MB through a small ring (many wrap-arounds). */
  async 'async iterable of 5 MB through a 8 KiB ring'(simd) {
    const { chunks, output } = collector();
    const writer = await createXmlWriter({ simd, output, ringSize: 8192, encoding: mtomOptions('iter') });
    const total = 5 * 1024 * 1024 + 11;
    async function* source() {
      for (let at = 0, i = 0; at < total; i++) {
        const n = Math.min(total - at, 10_000 + (i % 7) * 3333);
        yield bytes(n, 100 + i);
        at += n;
      }
    }
    await envelope(writer, async () => {
      writer.writeStartElement('', 'Big', 'urn:example');
      await mtom.writeAttachment(writer, source(), { size: total });
      writer.writeEndElement();
    });
    const expectedLength = writer.expectedLength();
    await writer.end();
    return { bytes: concat(chunks), expectedLength, simdUsed: writer.simd };
  },
};

/** SHA-256 of bytes, as hex (Web Crypto, in browsers and Node). */
export async function digest(data) {
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', data));
  return Array.from(hash, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** What is compared across environments: length, digest, and the head of the message for messages. */
export async function summarize(result) {
  if (result.unsupported) return { unsupported: result.unsupported };
  const head = Array.from(result.bytes.subarray(0, 600), (b) => String.fromCharCode(b)).join('');
  return {
    length: result.bytes.length,
    sha256: await digest(result.bytes),
    head,
    expectedLength: result.expectedLength,
    simdUsed: result.simdUsed,
    endsComplete: endsWithCloseDelimiter(result.bytes),
  };
}

export function endsWithCloseDelimiter(message) {
  const tail = Array.from(message.subarray(Math.max(0, message.length - BOUNDARY.length - 8)), (b) =>
    String.fromCharCode(b),
  ).join('');
  return tail.endsWith(`\r\n--${BOUNDARY}--\r\n`);
}

/** Runs every scenario with the given core; summaries by name. Errors are reported, not thrown. */
export async function runScenarios(simd, timeoutMs = 8_000) {
  const out = {};
  for (const [name, scenario] of Object.entries(scenarios)) {
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no result within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      out[name] = await summarize(await Promise.race([scenario(simd), timeout]));
    } catch (error) {
      out[name] = { error: `${error?.name}: ${error?.message}\n${error?.stack ?? ''}` };
    } finally {
      clearTimeout(timer);
    }
  }
  return out;
}

/** Checks only the page can make: the environment, SIMD selection, and failure behaviour. */
export async function environmentChecks() {
  const checks = {};
  const check = async (name, fn) => {
    try {
      await fn();
      checks[name] = { ok: true };
    } catch (error) {
      checks[name] = { ok: false, error: `${error?.name}: ${error?.message}` };
    }
  };
  const assert = (condition, message) => {
    if (!condition) throw new Error(message);
  };
  await check('the module loads as plain ESM with no Buffer or process global', () => {
    assert(typeof globalThis.Buffer === 'undefined', 'Buffer is defined');
    assert(typeof globalThis.process === 'undefined', 'process is defined');
    assert(typeof createXmlWriter === 'function', 'createXmlWriter is not exported');
  });
  await check('writer.simd reports the core asked for (simd: true / false)', async () => {
    assert(mtom.engineSupportsSimd() === true, 'this browser should support wasm SIMD');
    const simdWriter = await createXmlWriter({ simd: true });
    const scalarWriter = await createXmlWriter({ simd: false });
    const detected = await createXmlWriter();
    assert(simdWriter.simd === true, 'simd: true did not give the SIMD core');
    assert(scalarWriter.simd === false, 'simd: false did not give the scalar core');
    assert(detected.simd === true, 'detection did not pick the SIMD core');
  });
  await check('an aborted writer never writes the close delimiter', async () => {
    const { chunks, output } = collector();
    const writer = await createXmlWriter({ output, encoding: mtomOptions('abort') });
    const controller = new AbortController();
    writer.writeStartElement('', 'r', 'urn:example');
    writer.pushBytes(async (sink) => {
      await sink.write(bytes(50_000, 11));
      controller.abort(new Error('stop'));
      writer.abort(controller.signal.reason);
      await sink.write(bytes(10, 12));
    });
    writer.writeEndElement();
    let code;
    try {
      await writer.end();
    } catch (error) {
      code = error.code;
    }
    assert(code === 'WS_E_OPERATION_ABORTED' || code === 'WS_E_OBJECT_FAULTED', `end() gave ${code}`);
    assert(!endsWithCloseDelimiter(concat(chunks)), 'the output ends with a close delimiter');
  });
  await check(
    'createXmlWriterStream gives a byte stream (BYOB reads) where the engine has them, else a default stream',
    async () => {
      const hasByob = typeof ReadableStreamBYOBReader !== 'undefined';
      const { writer, readable } = await mtom.createXmlWriterStream({ encoding: mtomOptions('byob') });
      let byobReader = false;
      try {
        readable.getReader({ mode: 'byob' }).releaseLock();
        byobReader = true;
      } catch {
        // A default stream refuses a BYOB reader.
      }
      assert(
        byobReader === hasByob,
        `BYOB reader ${byobReader ? 'given' : 'refused'} where the engine ${hasByob ? 'has' : 'lacks'} ReadableStreamBYOBReader`,
      );
      writer.writeStartElement('', 'r', 'urn:example');
      await mtom.writeAttachment(writer, bytes(70_000, 14));
      const [message] = await Promise.all([readAll(readable), writer.end()]);
      assert(endsWithCloseDelimiter(message), 'the stream did not carry the whole message');
    },
  );
  await check('a Blob larger than the ring streams from blob.stream() with its type as Content-Type', async () => {
    const writer = await createXmlWriter({ ringSize: 4096, encoding: mtomOptions('type') });
    writer.writeStartElement('', 'r', 'urn:example');
    await mtom.writeAttachment(writer, new Blob([bytes(100_000, 13)], { type: 'image/webp' }));
    writer.writeEndElement();
    const message = await writer.end();
    const text = Array.from(message.subarray(0, 1200), (b) => String.fromCharCode(b)).join('');
    assert(/\r\nContent-Type: image\/webp\r\n/.test(text), 'no image/webp part header');
    assert(endsWithCloseDelimiter(message), 'not complete');
  });
  return checks;
}
