// Uploads from the page to the test server (run.mjs, HTTP/1.1 on 127.0.0.1): the default Blob
// upload with its progress, an abort in the middle, and the explicit streaming upload, which an
// HTTP/1.1 server (Chromium) or the engine itself (Firefox, WebKit) refuses. Each returns what
// the page saw; run.mjs holds it against what the server received and against Node's message.
import * as mtom from '../../dist/index.js';
import { bytes } from './scenarios.mjs';

export const UPLOAD_BOUNDARY = 'uuid:5d8f1b7e-2c4a-4e1f-9a3b-6c7d8e9f0a1b';
export const UPLOAD_ENCODING = {
  type: 'mtom',
  boundary: UPLOAD_BOUNDARY,
  startUri: 'upload@mtom-stream.test',
  action: 'urn:example/Upload',
};
const SOAP = 'http://www.w3.org/2003/05/soap-envelope';

/** The attachments: a 12 MiB File, a small typed Blob. Deterministic, so Node writes the same message. */
export function uploadAttachments() {
  return [
    new File([bytes(12 * 1024 * 1024 + 5, 21)], 'scan.pdf', { type: 'application/pdf' }),
    new Blob([bytes(33_333, 22)], { type: 'image/png' }),
  ];
}

/** Writes the upload's document; the same in the page (postMessage) and in Node (the reference). */
export async function buildUpload(writer, attachments) {
  writer.writeStartElement('s', 'Envelope', SOAP);
  writer.writeStartElement('s', 'Body', SOAP);
  writer.writeStartElement('', 'Upload', 'urn:example');
  writer.writeStartElement('', 'FileName', 'urn:example');
  writer.writeChars(attachments[0].name ?? 'blob');
  writer.writeEndElement();
  for (const attachment of attachments) {
    writer.writeStartElement('', 'Data', 'urn:example');
    await mtom.writeAttachment(writer, attachment);
    writer.writeEndElement();
  }
  writer.writeEndElement();
  writer.writeEndElement();
  writer.writeEndElement();
}

function describe(error) {
  return { name: error?.name, code: error?.code, message: String(error?.message ?? error) };
}

/** The default upload (a Blob, with XMLHttpRequest): every progress event, timed, and the answer. */
async function blobUpload(prefix) {
  const events = [];
  const response = await mtom.postMessage(
    `/upload?id=${prefix}:blob&slow=1`,
    (writer) => buildUpload(writer, uploadAttachments()),
    {
      encoding: UPLOAD_ENCODING,
      onTransferProgress: ({ bytesSent, totalBytes }) => events.push({ bytesSent, totalBytes, at: Date.now() }),
    },
  );
  return { status: response.status, answer: await response.json(), events };
}

/** Aborts the upload once some bytes are on their way. */
async function abortedUpload(prefix) {
  const controller = new AbortController();
  let sentAtAbort;
  try {
    await mtom.postMessage(`/upload?id=${prefix}:abort&slow=1`, (writer) => buildUpload(writer, uploadAttachments()), {
      encoding: UPLOAD_ENCODING,
      signal: controller.signal,
      onTransferProgress: ({ bytesSent, totalBytes }) => {
        if (sentAtAbort === undefined && bytesSent > 0 && bytesSent < totalBytes) {
          sentAtAbort = bytesSent;
          controller.abort(new Error('the user cancelled'));
        }
      },
    });
    return { resolved: true, sentAtAbort };
  } catch (error) {
    return { resolved: false, sentAtAbort, error: describe(error), cause: String(error?.cause?.message ?? '') };
  }
}

/** `upload: 'stream'` to an HTTP/1.1 server: never a bare fetch failure, never a stringified stream. */
async function streamUpload(prefix) {
  const supportsRequestStreams = mtom.supportsRequestStreams();
  try {
    const response = await mtom.postMessage(
      `/upload?id=${prefix}:stream`,
      (writer) => buildUpload(writer, [new Blob([bytes(50_000, 23)])]),
      {
        encoding: UPLOAD_ENCODING,
        upload: 'stream',
      },
    );
    return { resolved: true, status: response.status, supportsRequestStreams };
  } catch (error) {
    return {
      resolved: false,
      supportsRequestStreams,
      error: describe(error),
      isTypeError: error instanceof TypeError,
      isRequestStreamError: error instanceof mtom.RequestStreamError,
    };
  }
}

/**
 * `upload: 'stream'` where it works: Chromium to an HTTP/2 server (TLS, another origin, so CORS).
 * The message is written while it is sent; progress counts what fetch has taken.
 */
export async function streamUploadHttp2(prefix, origin) {
  const events = [];
  try {
    const response = await mtom.postMessage(
      `${origin}/upload?id=${prefix}:h2`,
      (writer) => buildUpload(writer, uploadAttachments()),
      {
        encoding: UPLOAD_ENCODING,
        upload: 'stream',
        onTransferProgress: ({ bytesSent, totalBytes }) => events.push({ bytesSent, totalBytes }),
      },
    );
    return { status: response.status, answer: await response.json(), events };
  } catch (error) {
    return { failed: describe(error), cause: String(error?.cause?.message ?? ''), events };
  }
}

/**
 * What the engine's own fetch does with a stream body when supportsRequestStreams() is false: the
 * reason the library refuses to hand it one (Firefox sends the text "[object ReadableStream]").
 */
export async function rawStreamFetch(prefix) {
  const body = new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('streamed bytes'));
      controller.close();
    },
  });
  try {
    const response = await fetch(`/upload?id=${prefix}:raw`, { method: 'POST', body, duplex: 'half' });
    return { resolved: true, status: response.status };
  } catch (error) {
    return { resolved: false, error: describe(error) };
  }
}

/** Runs every upload; `prefix` (the engine's name) tags them at the server. */
export async function runUploads(prefix) {
  const out = {};
  for (const [name, run] of Object.entries({ blob: blobUpload, abort: abortedUpload, stream: streamUpload })) {
    try {
      out[name] = await run(prefix);
    } catch (error) {
      out[name] = { failed: describe(error), stack: String(error?.stack ?? '') };
    }
  }
  return out;
}
