/**
 * A TextStore in a temporary file (Node): long runs of possible base64 text wait on disk, so a
 * multi-gigabyte base64 element never sits in memory. Created on first use, removed by close().
 */
import { closeSync, mkdtempSync, openSync, read, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TextStore } from './text-run.js';

const readAsync = promisify(read);

export class FileTextStore implements TextStore {
  private dir: string | undefined;
  private fd = -1;
  private size = 0;

  append(text: string): number {
    if (this.fd < 0) {
      this.dir = mkdtempSync(join(tmpdir(), 'mtom-stream-'));
      this.fd = openSync(join(this.dir, 'base64.spool'), 'w+', 0o600);
    }
    const at = this.size;
    const bytes = Buffer.from(text, 'latin1');
    for (let done = 0; done < bytes.length; ) done += writeSync(this.fd, bytes, done, bytes.length - done, at + done);
    this.size += bytes.length;
    return at;
  }

  readSync(offset: number, length: number): string {
    const buffer = Buffer.allocUnsafe(length);
    for (let done = 0; done < length; ) {
      const n = readSync(this.fd, buffer, done, length - done, offset + done);
      if (n === 0) throw new Error('the base64 store file was truncated');
      done += n;
    }
    return buffer.toString('latin1');
  }

  async read(offset: number, length: number): Promise<string> {
    const buffer = Buffer.allocUnsafe(length);
    for (let done = 0; done < length; ) {
      const { bytesRead } = await readAsync(this.fd, buffer, done, length - done, offset + done);
      if (bytesRead === 0) throw new Error('the base64 store file was truncated');
      done += bytesRead;
    }
    return buffer.toString('latin1');
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    if (this.dir !== undefined) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }
}
