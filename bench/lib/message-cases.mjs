// The ways the messages benchmark builds one message, shared by Node (bench/messages.mjs) and the
// browser page (bench/lib/browser-page.mjs): the ~2 KB envelope plus one 100 KiB attachment as an
// MTOM message through the writer (pushBytes + sink.write, writeBytes becoming a part, streamed to
// an output callback) and as template strings joined into one byte array; the envelope alone
// through a writer created per message and one reused through reset(). No Node imports here:
// `toBytes` (string → bytes) and `concat` (byte arrays → one) are the host's own.
import { createXmlWriter } from '../../dist/index.js';
import { templateEnvelope, writeEnvelope } from './envelope.mjs';
import { boundaryOf, splitMultipart } from './mtom.mjs';

export const XOP = 'http://www.w3.org/2004/08/xop/include';

function check(condition, message) {
  if (!condition) throw new Error(`verification failed: ${message}`);
}

/**
 * The builders for `data` (sampleData()) and `attachment` (bytes). Each MTOM builder resolves with
 * { body, contentType }; the XML builders with the envelope's bytes.
 */
export function messageCases({ data, attachment, toBytes, concat }) {
  let reused;
  return {
    async writerPushBytes() {
      const w = await createXmlWriter({ encoding: { type: 'mtom' } });
      writeEnvelope(w, data, (w) => w.pushBytes((sink) => sink.write(attachment)));
      return { body: await w.end(), contentType: w.contentType };
    },

    async writerWriteBytes() {
      // maxInlineByteCount stays at its default (767 B), so the 100 KiB become a part; the part's
      // bytes are held until the root part ends, which needs maxMimePartsBufferSize ≥ 100 KiB.
      const w = await createXmlWriter({ encoding: { type: 'mtom' }, maxMimePartsBufferSize: 128 * 1024 });
      writeEnvelope(w, data, (w) => w.writeBytes(attachment));
      return { body: await w.end(), contentType: w.contentType };
    },

    /** The pushBytes message streamed to `output`; resolves with the writer. */
    async writerStreamed(output) {
      const w = await createXmlWriter({ encoding: { type: 'mtom' }, output });
      writeEnvelope(w, data, (w) => w.pushBytes((sink) => sink.write(attachment)));
      await w.end();
      return w;
    },

    /** What code without the library does: template strings, then the bytes joined into one array. */
    templateMessage() {
      const boundary = `uuid:${crypto.randomUUID()}`;
      const rootId = `root.${crypto.randomUUID()}@example.com`;
      const partId = `${crypto.randomUUID()}@example.com`;
      const xml = templateEnvelope(data, `<xop:Include xmlns:xop="${XOP}" href="cid:${partId}"/>`);
      const head =
        `--${boundary}\r\nContent-ID: <${rootId}>\r\n` +
        `Content-Type: application/xop+xml; charset=utf-8; type="application/soap+xml"\r\n` +
        `Content-Transfer-Encoding: binary\r\n\r\n${xml}` +
        `\r\n--${boundary}\r\nContent-ID: <${partId}>\r\nContent-Type: ${data.contentType}\r\n` +
        `Content-Transfer-Encoding: binary\r\n\r\n`;
      const tail = `\r\n--${boundary}--\r\n`;
      const contentType =
        `multipart/related; type="application/xop+xml"; boundary="${boundary}"; ` +
        `start="<${rootId}>"; start-info="application/soap+xml"`;
      return { body: concat([toBytes(head), attachment, toBytes(tail)]), contentType };
    },

    async writerXml() {
      const w = await createXmlWriter();
      writeEnvelope(w, data);
      return w.end();
    },

    /** One writer for every message: reset() starts the next (WsSetOutput). */
    async writerXmlReused() {
      if (reused === undefined) reused = await createXmlWriter();
      else await reused.reset();
      writeEnvelope(reused, data);
      return reused.end();
    },

    templateXml: () => toBytes(templateEnvelope(data)),
  };
}

/** Whether this build's writer has reset(). */
export async function writersReset() {
  return typeof (await createXmlWriter()).reset === 'function';
}

/**
 * What must be equal between two MTOM messages: parts, their types, the XML with hrefs numbered,
 * the attachment. Checks that `start` names the root part and the xop:Include names the part.
 */
export function normaliseMtom({ body, contentType }) {
  const parts = splitMultipart(body, boundaryOf(contentType));
  check(parts.length === 2, 'two parts');
  const ids = [];
  const xml = new TextDecoder().decode(parts[0].body).replace(/href="cid:([^"]+)"/g, (_, id) => {
    ids.push(id);
    return `href="cid:#${ids.length}"`;
  });
  check(
    /start="<([^>]+)>"/.exec(contentType)[1] === parts[0].headers['content-id'].slice(1, -1),
    'start names the root part',
  );
  check(parts[1].headers['content-id'] === `<${ids[0]}>`, 'the xop:Include names the part');
  return {
    rootType: parts[0].headers['content-type'],
    rootEncoding: parts[0].headers['content-transfer-encoding'],
    xml,
    partType: parts[1].headers['content-type'],
    partEncoding: parts[1].headers['content-transfer-encoding'],
    attachment: parts[1].body,
  };
}

/** The keys of normaliseMtom()'s result that must match as strings. */
export const MTOM_TEXT_KEYS = ['rootType', 'rootEncoding', 'xml', 'partType', 'partEncoding'];
