/**
 * What a reader reads from: every kind of input becomes a pull source of byte chunks, read only
 * when the reader needs more, so a slow consumer slows the input and nothing piles up.
 */
import { readerInvalidArg } from './errors.js';

/** A fetch `Response`, or anything shaped like one (its body and its Content-Type). */
export interface ResponseLike {
  body: ReadableStream<Uint8Array> | null;
  headers: { get(name: string): string | null };
}

/** A Node `IncomingMessage` or any async iterable with Node-style headers. */
export interface IncomingLike extends AsyncIterable<Uint8Array> {
  headers: Record<string, string | string[] | undefined>;
}

export type ReaderInput =
  | Uint8Array
  | ArrayBuffer
  | ArrayBufferView
  | Blob
  | ReadableStream<Uint8Array>
  | AsyncIterable<Uint8Array>
  | Iterable<Uint8Array>
  | ResponseLike;

export interface ByteSource {
  /** The next chunk, or undefined at the end. Chunks are not kept by the source. */
  read(): Promise<Uint8Array | undefined>;
  /** Stops the input (cancels a stream, returns an iterator); safe to call twice. */
  release(): void;
  /** The Content-Type that came with the input (a Response's or an IncomingMessage's), if any. */
  contentType: string | undefined;
}

function isResponseLike(input: unknown): input is ResponseLike {
  const r = input as ResponseLike;
  return typeof r === 'object' && r !== null && 'body' in r && typeof r.headers?.get === 'function';
}

function isIncomingLike(input: unknown): input is IncomingLike {
  const r = input as IncomingLike;
  return (
    typeof r === 'object' &&
    r !== null &&
    typeof r.headers === 'object' &&
    r.headers !== null &&
    typeof (r as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] === 'function'
  );
}

/** Wraps any supported input as a ByteSource. */
export function toByteSource(input: ReaderInput): ByteSource {
  if (input instanceof Uint8Array) return arraySource([input]);
  if (input instanceof ArrayBuffer) return arraySource([new Uint8Array(input)]);
  if (ArrayBuffer.isView(input)) return arraySource([new Uint8Array(input.buffer, input.byteOffset, input.byteLength)]);
  if (typeof Blob !== 'undefined' && input instanceof Blob) return streamSource(input.stream(), undefined);
  if (typeof ReadableStream !== 'undefined' && input instanceof ReadableStream) return streamSource(input, undefined);
  if (isResponseLike(input)) {
    const contentType = input.headers.get('content-type') ?? undefined;
    return input.body ? streamSource(input.body, contentType) : arraySource([], contentType);
  }
  if (isIncomingLike(input)) {
    const header = input.headers['content-type'];
    return iteratorSource(input[Symbol.asyncIterator](), Array.isArray(header) ? header[0] : header);
  }
  if (typeof (input as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] === 'function') {
    return iteratorSource((input as AsyncIterable<Uint8Array>)[Symbol.asyncIterator](), undefined);
  }
  if (typeof (input as Iterable<Uint8Array>)[Symbol.iterator] === 'function') {
    return arraySource(input as Iterable<Uint8Array>);
  }
  throw readerInvalidArg('input must be bytes, a Blob, a ReadableStream, an (async) iterable of bytes or a Response');
}

function checkChunk(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  throw readerInvalidArg(`the input yielded ${typeof chunk === 'string' ? 'a string' : typeof chunk}, not bytes`);
}

function arraySource(chunks: Iterable<Uint8Array>, contentType?: string): ByteSource {
  const iterator = chunks[Symbol.iterator]();
  return {
    contentType,
    read: async () => {
      const next = iterator.next();
      return next.done ? undefined : checkChunk(next.value);
    },
    release: () => void iterator.return?.(),
  };
}

function streamSource(stream: ReadableStream<Uint8Array>, contentType: string | undefined): ByteSource {
  const reader = stream.getReader();
  let done = false;
  return {
    contentType,
    read: async () => {
      if (done) return undefined;
      const next = await reader.read();
      if (next.done) {
        done = true;
        return undefined;
      }
      return checkChunk(next.value);
    },
    release: () => {
      if (!done) {
        done = true;
        reader.cancel().catch(() => {});
      }
    },
  };
}

function iteratorSource(iterator: AsyncIterator<Uint8Array>, contentType: string | undefined): ByteSource {
  let done = false;
  return {
    contentType,
    read: async () => {
      if (done) return undefined;
      const next = await iterator.next();
      if (next.done) {
        done = true;
        return undefined;
      }
      return checkChunk(next.value);
    },
    release: () => {
      if (!done) {
        done = true;
        void iterator.return?.()?.catch?.(() => {});
      }
    },
  };
}
