/**
 * The Node-only entry (`mtom-stream/node`): everything the universal entry has, plus the output
 * as a Node Readable, attachment sources read from files and Node streams, and sending over
 * node:http / node:https.
 */
import type { FileHandle } from 'node:fs/promises';
import { open, stat } from 'node:fs/promises';
import * as http from 'node:http';
import * as https from 'node:https';
import { Readable, type ReadableOptions } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { invalidFormat } from './errors.js';
import { prepareMessage, type BuildMessage } from './http.js';
import {
  toProducer,
  writeProducer,
  type AttachmentOptions,
  type AttachmentProducer,
  type AttachmentSource,
} from './sources.js';
import type { BytesSink } from './sink.js';
import { createOutputQueue, type OutputQueue, type XmlWriterStreamOptions } from './streams.js';
import type { XmlWriter } from './xml-writer.js';

export * from './index.js';

// Output as a Node Readable.

export interface XmlWriterReadable {
  writer: XmlWriter;
  /** The message's bytes; ends when `writer.end()` has delivered them, is destroyed when the writer fails. */
  readable: Readable;
}

/**
 * A Readable over the queue: `_read` takes the next lent span as a copy (the consumer may keep
 * it), and the writer waits until it has been read. Destroying the Readable aborts the writer.
 */
export function queueToNodeReadable(queue: OutputQueue, options: Pick<ReadableOptions, 'highWaterMark'> = {}): Readable {
  const serve = () => {
    if (queue.state === 'failed') readable.destroy(errorOf(queue.failure));
    else if (queue.state === 'ended' && !queue.hasBytes) readable.push(null);
    else readable.push(queue.take());
  };
  const readable = new Readable({
    highWaterMark: options.highWaterMark,
    read() {
      const wait = queue.ready();
      if (wait) void wait.then(serve);
      else serve();
    },
    destroy(error, callback) {
      if (queue.state === 'open') queue.cancel(error ?? new Error('the output Readable was destroyed'));
      callback(error);
    },
  });
  queue.onFailure((reason) => readable.destroy(errorOf(reason)));
  return readable;
}

/** createXmlWriter whose output is a Node Readable, for `stream.pipeline()`. */
export async function createXmlWriterReadable(options: XmlWriterStreamOptions = {}): Promise<XmlWriterReadable> {
  const { writer, queue } = await createOutputQueue(options);
  return { writer, readable: queueToNodeReadable(queue) };
}

// Attachment sources read from files and Node streams.

/** A file on disk, opened when its part is emitted and closed after (or when the writer fails). */
export interface PathSource {
  path: string | URL;
}

export type NodeAttachmentSource = AttachmentSource | Readable | FileHandle | PathSource;

/** Bytes asked of the file per read, straight into a ring window. */
const FILE_CHUNK = 64 * 1024;

/**
 * writeAttachment with the Node-only kinds too. A path or FileHandle is sized with stat (so the
 * call returns a promise: await it before the element's end) and read from offset 0 straight
 * into the ring: sink.reserve(n) → read(view) → sink.commit(k), no copy. A FileHandle stays the
 * caller's to close; a file opened from a path is closed by the writer.
 */
export function writeAttachment(
  writer: XmlWriter,
  source: NodeAttachmentSource,
  options: AttachmentOptions = {},
): void | Promise<void> {
  if (source instanceof Readable) return writeProducer(writer, nodeReadableProducer(source), options);
  // The element is claimed at once; the producer follows once stat has given the size.
  if (isFileHandle(source)) {
    return writeProducer(writer, fileProducer(() => Promise.resolve(source), false, () => source.stat()), options);
  }
  if (isPathSource(source)) {
    return writeProducer(writer, fileProducer(() => open(source.path, 'r'), true, () => stat(source.path)), options);
  }
  return writeProducer(writer, toProducer(source), options);
}

/** sourceSize with the Node-only kinds: a file's size from stat, undefined for streams. */
export async function nodeSourceSize(source: NodeAttachmentSource): Promise<number | undefined> {
  if (source instanceof Readable) return undefined;
  if (isFileHandle(source)) return (await source.stat()).size;
  if (isPathSource(source)) return (await stat(source.path)).size;
  return toProducer(source).size;
}

async function fileProducer(
  openFile: () => Promise<FileHandle>,
  owned: boolean,
  statFile: () => Promise<{ size: number; isFile(): boolean }>,
): Promise<AttachmentProducer> {
  const stats = await statFile();
  if (!stats.isFile()) throw invalidFormat('an attachment path must name a regular file');
  const size = stats.size;
  let handle: FileHandle | undefined;
  let closing: Promise<void> | undefined;
  // FileHandle.close waits for pending reads; closing twice is made a no-op.
  const close = () => {
    if (owned && handle) closing ??= handle.close().catch(() => {});
    return closing;
  };
  return {
    size,
    async produce(sink, signal) {
      handle = await openFile();
      try {
        signal.throwIfAborted();
        await readFileInto(handle, size, sink, signal);
      } finally {
        await close();
      }
    },
    release() {
      void close();
    },
  };
}

/**
 * Reads `size` bytes of a file straight into a part: each ring window the sink lends is filled by
 * one read (no intermediate buffer). The size was declared before the part began, so a file that
 * shrank or grew since is WS_E_INVALID_FORMAT rather than a part cut short.
 */
export async function readFileInto(
  handle: FileHandle,
  size: number,
  sink: BytesSink,
  signal: AbortSignal,
  label = 'the file',
): Promise<void> {
  for (let position = 0; position < size; ) {
    const view = await sink.reserve(Math.min(FILE_CHUNK, size - position));
    const { bytesRead } = await handle.read(view, 0, view.length, position);
    signal.throwIfAborted();
    await sink.commit(bytesRead);
    if (bytesRead === 0) throw invalidFormat(`${label} was ${size} bytes at stat but ended at byte ${position}`);
    position += bytesRead;
  }
  const { bytesRead } = await handle.read(new Uint8Array(1), 0, 1, size);
  signal.throwIfAborted();
  if (bytesRead > 0) throw invalidFormat(`${label} grew past the ${size} bytes it had at stat`);
}

function nodeReadableProducer(stream: Readable): AttachmentProducer {
  return {
    size: undefined,
    async produce(sink, signal) {
      for await (const chunk of stream) {
        signal.throwIfAborted();
        await sink.write(chunk as Uint8Array);
      }
      signal.throwIfAborted();
    },
    release() {
      // No error argument: an unread stream has no 'error' listener to receive it.
      stream.destroy();
    },
  };
}

function isFileHandle(value: unknown): value is FileHandle {
  const handle = value as FileHandle;
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof handle.fd === 'number' &&
    typeof handle.read === 'function' &&
    typeof handle.stat === 'function'
  );
}

function isPathSource(value: unknown): value is PathSource {
  const path = (value as PathSource | null)?.path;
  return typeof path === 'string' || path instanceof URL;
}

function errorOf(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason), { cause: reason });
}

// Sending over node:http.

export interface RequestMessageOptions extends XmlWriterStreamOptions {
  /** Request options (agent, timeout, …) merged over the URL's. Method default `POST`. */
  request?: http.RequestOptions;
  /**
   * Extra request headers (Authorization; SOAPAction for SOAP 1.1). Content-Type, MIME-Version
   * and Content-Length are set from the writer and override these.
   */
  headers?: http.OutgoingHttpHeaders;
}

/**
 * Writes a message with `build` and sends it with http.request (https.request for https:),
 * with Content-Length when the length is known before the first byte, else chunked. Resolves
 * with the response once it has arrived and every byte was sent; the caller consumes its body.
 * Rejects with the first failure (build's, the writer's, or the transport's); on a writer failure
 * the request is destroyed, so the server sees a truncated body with no close delimiter.
 */
export async function requestMessage(
  target: string | URL,
  build: BuildMessage,
  options: RequestMessageOptions = {},
): Promise<http.IncomingMessage> {
  const { request: requestOptions, headers: extra, ...writerOptions } = options;
  const url = new URL(target);
  const message = await prepareMessage(build, writerOptions);
  const readable = queueToNodeReadable(message.queue);
  const send = url.protocol === 'https:' ? https.request : http.request;
  const headers: http.OutgoingHttpHeaders = { ...extra };
  for (const name of Object.keys(headers)) {
    if (['content-type', 'content-length', 'mime-version', 'transfer-encoding'].includes(name.toLowerCase())) delete headers[name];
  }
  Object.assign(headers, message.headers);
  const request = send(url, { method: 'POST', ...requestOptions, headers });
  let transportError: unknown;
  let transportFailed = false;
  const response = new Promise<http.IncomingMessage>((resolve, reject) => {
    request.once('response', resolve);
    request.once('error', (error) => {
      if (!message.writer.signal.aborted) {
        transportFailed = true;
        transportError = error;
        message.writer.abort(error);
      }
      reject(error);
    });
  });
  // pipeline destroys the request if the Readable fails, and the Readable if the request fails.
  const sent = pipeline(readable, request);
  try {
    const [incoming] = await Promise.all([response, sent, message.done]);
    return incoming;
  } catch (error) {
    throw transportFailed ? transportError : message.failure(error);
  } finally {
    sent.catch(() => {});
    response.catch(() => {});
  }
}
