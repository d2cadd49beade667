// Helpers shared by the MTOM benchmarks: a message with one pushBytes attachment, producers that
// fill reserved ring windows, a plain-JS baseline, and a small multipart splitter for checks.
import { createXmlWriter } from '../../dist/index.js';

export const SOAP12 = 'http://www.w3.org/2003/05/soap-envelope';
export const BENCH_NS = 'urn:example:bench';
export const XMIME = 'http://www.w3.org/2005/05/xmlmime';

/** Fills a reserved view; `i` counts the views filled so far. */
export const fills = {
  fill: () => (view, i) => view.fill(i & 255),
  copy: (pattern, period) => {
    let off = 0;
    return (view) => {
      view.set(pattern.subarray(off, off + view.length));
      off = (off + view.length) % period;
    };
  },
};

/**
 * A pushBytes producer writing `bytes` bytes in reserved windows of up to `chunk` bytes, filled
 * by `fill`. It awaits only when the sink hands back a promise. `onProgress(produced)` is called
 * after every window (RSS sampling hooks in there).
 */
export function reserveProducer(bytes, chunk, fill, onProgress) {
  return async (sink) => {
    let left = bytes;
    for (let i = 0; left > 0; i++) {
      let view = sink.reserve(Math.min(left, chunk));
      if (typeof view.then === 'function') view = await view;
      fill(view, i);
      const done = sink.commit(view.length);
      if (done) await done;
      left -= view.length;
      if (onProgress) onProgress(bytes - left);
    }
  };
}

/** One MTOM message whose only binary content is a pushBytes part; resolves with end()'s value. */
export async function mtomMessage({ output, ringSize, simd, producer, boundary }) {
  const w = await createXmlWriter({ encoding: { type: 'mtom', boundary }, output, ringSize, simd });
  w.writeStartElement('s', 'Envelope', SOAP12);
  w.writeStartElement('s', 'Body', SOAP12);
  w.writeStartElement('m', 'Upload', BENCH_NS);
  w.writeStartElement('m', 'Data', BENCH_NS);
  w.pushBytes(producer, { contentType: 'application/octet-stream' });
  const message = await w.end();
  return { writer: w, message };
}

/** The same fills into one reused buffer, each buffer handed to the same output: no writer. */
export function plainLoop({ bytes, chunk, fill, output, buffer }) {
  let left = bytes;
  for (let i = 0; left > 0; i++) {
    const n = Math.min(left, chunk);
    const view = n === buffer.length ? buffer : buffer.subarray(0, n);
    fill(view, i);
    output([view]);
    left -= n;
  }
}

/** The boundary parameter of a multipart Content-Type. */
export function boundaryOf(contentType) {
  const m = /boundary="([^"]+)"/.exec(contentType) ?? /boundary=([^;\s]+)/.exec(contentType);
  if (!m) throw new Error(`no boundary in ${contentType}`);
  return m[1];
}

/** Index of `needle` in `hay` from `from`, or -1 (plain loop: for checks, not for timing). */
export function indexOfBytes(hay, needle, from = 0) {
  const first = needle[0];
  outer: for (
    let i = hay.indexOf(first, from);
    i >= 0 && i <= hay.length - needle.length;
    i = hay.indexOf(first, i + 1)
  ) {
    for (let j = 1; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

export function bytesEqual(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const ascii = (s) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const latin1 = (bytes) => {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return s;
};

/**
 * Splits a multipart body (RFC 2046 §5.1.1: delimiter = CRLF "--" boundary, the first one
 * without CRLF, the close delimiter followed by "--") into parts { headers: {lowercase name:
 * value}, body: Uint8Array }. Works in Node and in browsers.
 */
export function splitMultipart(message, boundary) {
  const first = ascii(`--${boundary}\r\n`);
  const delim = ascii(`\r\n--${boundary}`);
  const blank = ascii('\r\n\r\n');
  if (!bytesEqual(message.subarray(0, first.length), first))
    throw new Error('message does not start with the first delimiter');
  const parts = [];
  let at = first.length;
  for (;;) {
    const end = indexOfBytes(message, delim, at);
    if (end < 0) throw new Error('no delimiter after a part');
    const headEnd = indexOfBytes(message, blank, at);
    if (headEnd < 0 || headEnd > end) throw new Error('part without a header block');
    const headers = {};
    for (const line of latin1(message.subarray(at, headEnd)).split('\r\n')) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    parts.push({ headers, body: message.subarray(headEnd + 4, end) });
    const after = latin1(message.subarray(end + delim.length, end + delim.length + 4));
    if (after === '--\r\n') {
      if (end + delim.length + 4 !== message.length) throw new Error('bytes after the close delimiter');
      return parts;
    }
    if (!after.startsWith('\r\n')) throw new Error('bad delimiter line');
    at = end + delim.length + 2;
  }
}
