/**
 * Where the message goes: stdout, or a file written as FILE.partial and renamed to FILE only
 * once the message is complete, so that a failed run never leaves a FILE that looks whole (the
 * writer itself never writes the close delimiter after a failure). The writer's views are
 * handed to the operating system as they are, and released only once written.
 */
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import type { OutputCallback } from '../index.js';

export interface Destination {
  /** The writer's output callback. */
  readonly output: OutputCallback;
  /** For messages: the file name, or "stdout". */
  readonly name: string;
  /** The message is complete: make it visible under its name. */
  commit(): Promise<void>;
  /** The message failed: remove what was written, where that is possible. */
  discard(): Promise<void>;
}

/** Writes every view, whole, and resolves once the stream has taken them all. */
function streamOutput(stream: NodeJS.WritableStream): { output: OutputCallback; failure: () => Error | undefined } {
  let failure: Error | undefined;
  stream.on('error', (error: Error) => {
    failure ??= error;
  });
  const output: OutputCallback = (buffers) =>
    new Promise<void>((resolve, reject) => {
      if (failure) return reject(failure);
      let left = buffers.length;
      if (left === 0) return resolve();
      for (const buffer of buffers) {
        stream.write(buffer, (error?: Error | null) => {
          if (error) {
            failure ??= error;
            reject(error);
          } else if (--left === 0) {
            resolve();
          }
        });
      }
    });
  return { output, failure: () => failure };
}

export function stdoutDestination(stdout: NodeJS.WritableStream): Destination {
  const { output } = streamOutput(stdout);
  return {
    output,
    name: 'stdout',
    async commit() {},
    async discard() {},
  };
}

async function writeFully(handle: FileHandle, buffers: readonly Uint8Array[]): Promise<void> {
  let list = buffers.filter((b) => b.length > 0);
  while (list.length > 0) {
    let { bytesWritten } = await handle.writev(list);
    // A short write (rare on files) continues after the last byte written.
    while (list.length > 0 && bytesWritten >= list[0].length) bytesWritten -= (list.shift() as Uint8Array).length;
    if (list.length > 0 && bytesWritten > 0) list[0] = list[0].subarray(bytesWritten);
  }
}

/** Opens FILE.partial for writing; commit() renames it to FILE, discard() removes it. */
export async function fileDestination(path: string): Promise<Destination> {
  const partial = `${path}.partial`;
  const handle = await open(partial, 'w', 0o666);
  let closed = false;
  const close = async () => {
    if (!closed) {
      closed = true;
      await handle.close();
    }
  };
  return {
    output: (buffers) => writeFully(handle, buffers),
    name: path,
    async commit() {
      await handle.sync().catch(() => {});
      await close();
      await rename(partial, path);
    },
    async discard() {
      await close().catch(() => {});
      await rm(partial, { force: true });
    },
  };
}
