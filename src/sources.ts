/**
 * Attachment sources: one call writes the current element's binary content (WsPushBytes) from a
 * buffer, a Blob or File, a WHATWG ReadableStream or an async iterable. The size is declared when
 * it is known, so `writer.expectedLength()` can give a Content-Length (docs/wire-format.md §8).
 *
 * With MTOM the source is read only when its part is emitted (after the root part, XOP §3); with
 * the text encoding at once. If the writer fails or is aborted first, or while reading, the source
 * is released (cancelled, returned, closed) — `writer.signal` says when.
 */
import { blobReference } from './blob-references.js';
import { invalidArg, sourceFailed } from './errors.js';
import { isThenable } from './maybe-async.js';
import type { AttachmentProducer } from './attachment-producer.js';
import type { PartHeaderOptions } from './part-headers.js';
import type { BytesSink } from './sink.js';
export type { AttachmentProducer } from './attachment-producer.js';
import { claimBinaryContent, type BinaryClaim, type XmlWriter } from './xml-writer.js';

/** What writeAttachment reads: every kind a browser and Node share. */
export type AttachmentSource =
  | Uint8Array
  | ArrayBuffer
  | ArrayBufferView
  | Blob
  | ReadableStream<Uint8Array>
  | AsyncIterable<Uint8Array>;

export interface AttachmentOptions extends PartHeaderOptions {
  /**
   * Content-Type of the MIME part, unless the element has an xmime:contentType attribute
   * (docs/wire-format.md §7). Default: a Blob's own `type` if it has one, else application/octet-stream.
   */
  contentType?: string;
  /**
   * The exact byte count, for sources whose size is not known up front (streams, iterables), so
   * that `expectedLength()` is known. A source that yields more or fewer bytes fails the writer
   * with WS_E_INVALID_FORMAT. Default: the source's own size if it has one (see sourceSize).
   */
  size?: number;
}

/** The byte count of a source known without reading it (buffers, Blobs); undefined for streams. */
export function sourceSize(source: AttachmentSource): number | undefined {
  if (ArrayBuffer.isView(source)) return source.byteLength;
  if (isArrayBuffer(source)) return source.byteLength;
  if (isBlob(source)) return source.size;
  return undefined;
}

/**
 * Writes `source` as the current element's binary content (WsPushBytes with a producer). Returns
 * a promise only when the writer reads the source at once and has to wait (text encoding with an
 * asynchronous source or output); with MTOM it returns at once and the source is read by end().
 */
export function writeAttachment(
  writer: XmlWriter,
  source: AttachmentSource,
  options: AttachmentOptions = {},
): void | Promise<void> {
  const referenced = isBlob(source) ? blobReference(writer, source) : undefined;
  return writeProducer(writer, referenced ?? toProducer(source), options);
}

/** The producer for a universal source. */
export function toProducer(source: AttachmentSource): AttachmentProducer {
  if (ArrayBuffer.isView(source))
    return bytesProducer(new Uint8Array(source.buffer, source.byteOffset, source.byteLength));
  if (isArrayBuffer(source)) return bytesProducer(new Uint8Array(source));
  if (isBlob(source)) return blobProducer(source);
  if (isReadableStream(source)) return streamProducer(source);
  if (isAsyncIterable(source)) return iterableProducer(source);
  throw invalidArg(
    'an attachment source is a Uint8Array, ArrayBuffer, ArrayBufferView, Blob, ReadableStream or AsyncIterable<Uint8Array>',
  );
}

/**
 * Sources waiting for their part, per writer signal: one abort listener per writer, however many
 * attachments (an EventTarget warns past 10 listeners).
 */
const pendingSources = new WeakMap<AbortSignal, Set<(reason: unknown) => void>>();

/** Calls `release` with the reason if the writer fails; the returned function unregisters it. */
function onWriterFailure(signal: AbortSignal, release: (reason: unknown) => void): () => void {
  let releasers = pendingSources.get(signal);
  if (!releasers) {
    const set = new Set<(reason: unknown) => void>();
    releasers = set;
    pendingSources.set(signal, set);
    signal.addEventListener(
      'abort',
      () => {
        for (const each of [...set]) each(signal.reason);
        set.clear();
      },
      { once: true },
    );
  }
  releasers.add(release);
  return () => void releasers.delete(release);
}

/**
 * Writes a source's producer as the current element's binary content. The element is claimed at
 * once, before anything is awaited: until the producer is ready (a file being stat-ed) the writer
 * knows its content is owed, so a caller who forgot to await gets a refused call and a faulted
 * writer, never a message without the content. Every failure of the source is an XmlWriterError
 * (the source's own error as its cause) and faults the writer; the source is released if the
 * writer fails before or while it reads.
 */
export function writeProducer(
  writer: XmlWriter,
  source: AttachmentProducer | PromiseLike<AttachmentProducer>,
  options: AttachmentOptions = {},
): void | Promise<void> {
  let claim: BinaryClaim;
  try {
    claim = claimBinaryContent(writer, 'writeAttachment');
  } catch (error) {
    // Refused: the source is let go as soon as it is ready (a file being stat-ed may fail alone).
    const releaseQuietly = (producer: AttachmentProducer) => {
      try {
        producer.release(error);
      } catch {
        // Best effort, as below.
      }
    };
    if (isThenable(source)) Promise.resolve(source).then(releaseQuietly, () => {});
    else releaseQuietly(source);
    throw error;
  }
  if (!isThenable(source)) return pushProducer(writer, claim, source, options);
  const written = Promise.resolve(source).then(
    (producer) => pushProducer(writer, claim, producer, options),
    (error: unknown) => {
      const failure = sourceFailed(error);
      claim.default(failure);
      throw failure;
    },
  );
  // The failure has faulted the writer, so a caller who did not await this meets it at the next
  // call; an unobserved rejection here must not end the process.
  written.catch(() => {});
  return written;
}

/** Hands a ready producer to the claimed element, releasing its source if the writer fails. */
function pushProducer(
  writer: XmlWriter,
  claim: BinaryClaim,
  producer: AttachmentProducer,
  options: AttachmentOptions,
): void | Promise<void> {
  const { signal } = writer;
  let released = false;
  const release = (reason: unknown) => {
    done();
    if (released) return;
    released = true;
    try {
      producer.release(reason);
    } catch {
      // Releasing is best effort: the writer's failure is what the caller sees.
    }
  };
  let done = () => {};
  if (signal.aborted) release(signal.reason);
  else done = onWriterFailure(signal, release);
  const failed = (error: unknown): never => {
    const reason = signal.aborted ? signal.reason : sourceFailed(error);
    release(reason);
    throw reason;
  };
  const { contentId, filename, contentLocation, contentDescription } = options;
  const size = options.size ?? producer.size;
  const contentType = options.contentType ?? producer.contentType;
  // A failure here faults the writer, whose signal then releases the source.
  return claim.push(
    (sink) => {
      let result: void | Promise<void>;
      try {
        result = producer.produce(sink, signal);
      } catch (error) {
        return failed(error);
      }
      if (isThenable(result)) return Promise.resolve(result).then(done, failed);
      done();
      return undefined;
    },
    { contentType, size, contentId, filename, contentLocation, contentDescription },
  );
}

function bytesProducer(bytes: Uint8Array): AttachmentProducer {
  return { size: bytes.length, produce: (sink) => sink.write(bytes), release() {} };
}

function blobProducer(blob: Blob): AttachmentProducer {
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  return {
    size: blob.size,
    contentType: blob.type || undefined,
    produce(sink, signal) {
      reader = blob.stream().getReader();
      return readAll(reader, sink, signal);
    },
    release(reason) {
      reader?.cancel(reason).catch(() => {});
    },
  };
}

function streamProducer(stream: ReadableStream<Uint8Array>): AttachmentProducer {
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  return {
    size: undefined,
    produce(sink, signal) {
      // A default reader: a BYOB read would transfer the ring's memory, which cannot be detached.
      reader = stream.getReader();
      return readAll(reader, sink, signal);
    },
    release(reason) {
      const cancelled = reader ? reader.cancel(reason) : stream.locked ? undefined : stream.cancel(reason);
      cancelled?.catch(() => {});
    },
  };
}

function iterableProducer(iterable: AsyncIterable<Uint8Array>): AttachmentProducer {
  let iterator: AsyncIterator<Uint8Array> | undefined;
  return {
    size: undefined,
    async produce(sink, signal) {
      iterator = iterable[Symbol.asyncIterator]();
      for (;;) {
        const step = await iterator.next();
        signal.throwIfAborted();
        if (step.done) return;
        await sink.write(step.value);
      }
    },
    release() {
      // An iterator never started is created only to be returned (a generator then never runs).
      iterator ??= iterable[Symbol.asyncIterator]();
      Promise.resolve(iterator.return?.()).catch(() => {});
    },
  };
}

async function readAll(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  sink: BytesSink,
  signal: AbortSignal,
): Promise<void> {
  for (;;) {
    const { done, value } = await reader.read();
    signal.throwIfAborted();
    if (done) return reader.releaseLock();
    await sink.write(value);
  }
}

function isArrayBuffer(value: unknown): value is ArrayBufferLike {
  return (
    value instanceof ArrayBuffer ||
    (typeof SharedArrayBuffer !== 'undefined' && value instanceof SharedArrayBuffer) ||
    Object.prototype.toString.call(value) === '[object ArrayBuffer]'
  );
}

function isBlob(value: unknown): value is Blob {
  return typeof Blob !== 'undefined' && value instanceof Blob;
}

function isReadableStream(value: unknown): value is ReadableStream<Uint8Array> {
  return (
    (typeof ReadableStream !== 'undefined' && value instanceof ReadableStream) ||
    (typeof value === 'object' && value !== null && typeof (value as ReadableStream).getReader === 'function')
  );
}

function isAsyncIterable(value: unknown): value is AsyncIterable<Uint8Array> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function'
  );
}
