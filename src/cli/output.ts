/**
 * Where the message goes: stdout, or a file. A file is written under a fresh temporary name beside
 * it (created exclusively, so no file of the user's is ever overwritten) and renamed to FILE only
 * once the message is complete, so that a failed run never leaves a FILE that looks whole (the
 * writer itself never writes the close delimiter after a failure).
 *
 * Writes to a file are synchronous: the writer's ring then drains whenever it fills, so no start
 * tag is too large for it. Writes to stdout wait for the stream (a slow reader slows the command),
 * except inside `synchronously()`, which the copy uses for a start tag larger than the ring.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import type { OutputCallback } from '../index.js';

export interface Destination {
  /** The writer's output callback. */
  readonly output: OutputCallback;
  /** For messages: the file name, or "stdout". */
  readonly name: string;
  /** Runs `write` (synchronous writer calls) with the output writing synchronously. */
  synchronously(write: () => void): void;
  /** The message is complete: make it visible under its name. */
  commit(): Promise<void>;
  /** The message failed: remove what was written, where that is possible. */
  discard(): Promise<void>;
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/** Writes every view whole to `fd`; a non-blocking pipe that is full (EAGAIN) is retried after a pause. */
function writeAllSync(fd: number, buffers: readonly Uint8Array[]): void {
  for (const buffer of buffers) {
    for (let done = 0; done < buffer.length; ) {
      try {
        done += writeSync(fd, buffer, done, buffer.length - done);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
        Atomics.wait(pause, 0, 0, 2);
      }
    }
  }
}

/** Writes every view, whole, and resolves once the stream has taken them all. */
function streamOutput(stream: NodeJS.WritableStream): OutputCallback {
  let failure: Error | undefined;
  stream.on('error', (error: Error) => {
    failure ??= error;
  });
  return (buffers) =>
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
}

export function stdoutDestination(stdout: NodeJS.WritableStream & { fd?: number }): Destination {
  const viaStream = streamOutput(stdout);
  let synchronous = false;
  return {
    output: (buffers) =>
      synchronous && stdout.fd !== undefined ? writeAllSync(stdout.fd, buffers) : viaStream(buffers),
    name: 'stdout',
    synchronously(write) {
      synchronous = true;
      try {
        write();
      } finally {
        synchronous = false;
      }
    },
    async commit() {},
    async discard() {},
  };
}

/**
 * Opens a new temporary file beside `path` (`.NAME.RANDOM.partial`, created exclusively);
 * commit() renames it to `path`, discard() removes it.
 */
export function fileDestination(path: string): Destination {
  let temporary = '';
  let fd = -1;
  for (let attempt = 0; fd < 0; attempt++) {
    temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.partial`);
    try {
      fd = openSync(temporary, 'wx', 0o666);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 10) throw error;
    }
  }
  let closed = false;
  const close = () => {
    if (!closed) {
      closed = true;
      closeSync(fd);
    }
  };
  return {
    output: (buffers) => writeAllSync(fd, buffers),
    name: path,
    synchronously(write) {
      write();
    },
    async commit() {
      try {
        fsyncSync(fd);
      } catch {
        // Some file systems cannot sync (EINVAL); the rename below still publishes the whole file.
      }
      close();
      renameSync(temporary, path);
    },
    async discard() {
      try {
        close();
      } finally {
        rmSync(temporary, { force: true });
      }
    },
  };
}
