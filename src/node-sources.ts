/**
 * Attachment sources only Node has: a file named by path, an open FileHandle, a Node Readable.
 * Files are read straight into ring windows lent by the sink (reserve → read → commit, no copy).
 */
import type { FileHandle } from 'node:fs/promises';
import { open, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { invalidFormat } from './errors.js';
import type { BytesSink } from './sink.js';
import {
  toProducer,
  writeProducer,
  type AttachmentOptions,
  type AttachmentProducer,
  type AttachmentSource,
} from './sources.js';
import type { XmlWriter } from './xml-writer.js';

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
    return writeProducer(
      writer,
      fileProducer(
        () => Promise.resolve(source),
        false,
        () => source.stat(),
      ),
      options,
    );
  }
  if (isPathSource(source)) {
    return writeProducer(
      writer,
      fileProducer(
        () => open(source.path, 'r'),
        true,
        () => stat(source.path),
      ),
      options,
    );
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
