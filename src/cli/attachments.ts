/**
 * Where a part's bytes come from: a file named by a placeholder (`<xop:Include href="file:…"/>`
 * or `href="cid:NAME"` with `--attach NAME=FILE`), read straight into ring windows lent by the
 * sink (reserve → read into the view → commit: no intermediate buffer).
 */
import { realpathSync, statSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BytesSink, PushBytesCallback } from '../index.js';
import { readFileInto } from '../node-sources.js';
import { InputError } from './errors.js';
import { mediaTypeFor } from './media-types.js';

/** A file to attach, checked when its placeholder is read. */
export interface FileAttachment {
  path: string;
  size: number;
  contentType: string | undefined;
  /** What the user wrote, for messages and the progress bar. */
  label: string;
}

export interface AttachmentContext {
  /** Directory that relative file: hrefs are resolved against, and that every file: href must stay inside. */
  baseDir: string;
  attach: ReadonlyMap<string, string>;
  types: ReadonlyMap<string, string>;
  defaultType: string | undefined;
}

/** The directory relative hrefs resolve against: the input document's, or the working directory. */
export function baseDirFor(input: string): string {
  return input === '-' ? process.cwd() : dirname(resolve(input));
}

/** Checks that a path is a readable regular file and returns its size. */
export function fileSize(path: string, label: string): number {
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String(error);
    throw new InputError(`${label}: ${why} (${path})`);
  }
  if (!stats.isFile()) throw new InputError(`${label}: not a regular file (${path})`);
  return stats.size;
}

/**
 * Refuses a file: href that leads outside the base directory, through `..`, an absolute path or a
 * symbolic link: a document from elsewhere must not be able to pull in any file the user can read.
 */
function checkInside(baseDir: string, path: string, href: string): void {
  const root = realpathSync(baseDir);
  const target = realpathSync(path);
  const inside = relative(root, target);
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) {
    throw new InputError(
      `xop:Include href="${href}" names a file outside ${root} (${target}); give --base-dir DIR to allow files under DIR`,
    );
  }
}

/** Resolves a placeholder's href to a file, its size and its media type. */
export function resolveHref(href: string, context: AttachmentContext): FileAttachment & { cid?: string } {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(href)?.[1]?.toLowerCase();
  if (scheme === 'cid') {
    const raw = href.slice(4);
    let name = raw;
    try {
      name = decodeURIComponent(raw);
    } catch {
      // Not %-escaped: the name as written.
    }
    const file = context.attach.get(raw) ?? context.attach.get(name);
    if (file === undefined) throw new InputError(`xop:Include href="${href}" has no file: give --attach ${name}=FILE`);
    const path = resolve(file);
    const cid = context.attach.has(raw) ? raw : name;
    return {
      path,
      size: fileSize(path, `--attach ${cid}=${file}`),
      contentType: context.types.get(cid) ?? context.defaultType ?? mediaTypeFor(path),
      label: file,
      cid,
    };
  }
  if (scheme === 'file') {
    let path: string;
    try {
      path = fileURLToPath(
        new URL(href, pathToFileURL(context.baseDir.endsWith('/') ? context.baseDir : `${context.baseDir}/`)),
      );
    } catch (error) {
      throw new InputError(`xop:Include href="${href}" is not a usable file: URL (${(error as Error).message})`);
    }
    const written = href.slice(5);
    const size = fileSize(path, `xop:Include href="${href}"`);
    checkInside(context.baseDir, path, href);
    return {
      path,
      size,
      contentType: context.types.get(written) ?? context.defaultType ?? mediaTypeFor(path),
      label: written,
    };
  }
  throw new InputError(`xop:Include href="${href}": a placeholder's href is file:PATH or cid:NAME`);
}

/** Reads a file straight into the part, opened only when the part is emitted. */
export function fileProducer(file: FileAttachment, signal: AbortSignal): PushBytesCallback {
  return async (sink: BytesSink) => {
    const handle = await open(file.path, 'r');
    try {
      await readFileInto(handle, file.size, sink, signal, file.label);
    } finally {
      await handle.close();
    }
  };
}
