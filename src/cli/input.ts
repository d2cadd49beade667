/**
 * The input document: a file or stdin, read in chunks, with the checks that come before parsing
 * (the input exists, is not empty, is not UTF-16, is not the output).
 */
import { statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { InputError, UsageError } from './errors.js';

/** Bytes read from the input at a time: one chunk's events are applied before the next is read. */
const READ_CHUNK = 64 * 1024;

export interface Input {
  /** The input's name for messages: its path, or "stdin". */
  name: string;
  /** The first chunk (never empty). */
  first: Uint8Array;
  /** The chunks after the first. */
  rest: AsyncIterator<Uint8Array>;
  /** Bytes in the input, when it is a file. */
  size: number | undefined;
  /** Stops reading (closes the file). */
  close(): Promise<void>;
}

/** Opens INPUT (or stdin for '-') and reads its first chunk. */
export async function openInput(path: string, stdin: NodeJS.ReadableStream & { isTTY?: boolean }): Promise<Input> {
  let chunks: AsyncIterator<Uint8Array>;
  let size: number | undefined;
  if (path === '-') {
    if (stdin.isTTY) throw new UsageError('no input: give INPUT.xml, or pipe the document into stdin');
    chunks = (stdin as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  } else {
    try {
      const handle = await open(path, 'r');
      size = (await handle.stat()).size;
      chunks = handle.createReadStream({ highWaterMark: READ_CHUNK })[Symbol.asyncIterator]();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const why =
        code === 'ENOENT'
          ? 'no such file'
          : code === 'EISDIR'
            ? 'is a directory'
            : code === 'EACCES'
              ? 'permission denied'
              : String(error);
      throw new InputError(`cannot read ${path}: ${why}`);
    }
  }
  const close = async () => {
    // Stdin may be a pipe that never ends (an interrupted run): let it go without waiting for it.
    if (path === '-') (stdin as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
    else await chunks.return?.();
  };
  const name = path === '-' ? 'stdin' : path;
  const first = await chunks.next();
  if (first.done || first.value.length === 0) {
    await close();
    throw new InputError(`the input ${path === '-' ? '(stdin) ' : ''}is empty`);
  }
  return { name, first: first.value, rest: chunks, size, close };
}

/** Whether the document starts with an XML declaration (after a UTF-8 BOM); refuses UTF-16. */
export function startsWithDeclaration(first: Uint8Array): boolean {
  if ((first[0] === 0xfe && first[1] === 0xff) || (first[0] === 0xff && first[1] === 0xfe)) {
    throw new InputError('the input is UTF-16; only UTF-8 input is supported (convert it first, e.g. with iconv)');
  }
  const at = first[0] === 0xef && first[1] === 0xbb && first[2] === 0xbf ? 3 : 0;
  const head = new TextDecoder().decode(first.subarray(at, at + 6));
  return /^<\?xml[ \t\r\n]/.test(head);
}

/** Whether two paths name the same file: the same path, or (when both exist) the same inode. */
export function sameFile(a: string, b: string): boolean {
  if (resolve(a) === resolve(b)) return true;
  try {
    const [x, y] = [statSync(a), statSync(b)];
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false;
  }
}
