/**
 * `mtom-stream pack`: streams an XML document through the parser into an MTOM writer, chunk by
 * chunk. Three steps: open the input and the destination (input.ts, output.ts), set up the writer
 * (pack-writer.ts), then the copy loop: each chunk's parser events are applied before the next
 * chunk is read, so that between them the copy can wait for the output.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { PartProgress, XmlWriter } from '../index.js';
import type { PackOptions } from './args.js';
import type { CliIo } from './command.js';
import { baseDirFor, fileSize } from './attachments.js';
import { Spool } from './base64-text.js';
import { DocumentCopier } from './document.js';
import { InputError, UsageError } from './errors.js';
import { openInput, sameFile, startsWithDeclaration, type Input } from './input.js';
import { fileDestination, stdoutDestination, type Destination } from './output.js';
import { createPackWriter } from './pack-writer.js';
import { ProgressBar } from './progress.js';
import { XmlEventReader } from './xml-events.js';

export type PackIo = CliIo;

/** What a successful run reports. */
export interface PackResult {
  contentType: string;
  bytes: number;
  parts: number;
  destination: string;
  comments: number;
  instructions: number;
  unusedAttachments: string[];
}

/** Checks what can be checked before anything is read or written. */
function checkPaths(options: PackOptions, io: PackIo): string {
  if (options.output === undefined && io.stdout.isTTY) {
    throw new UsageError('refusing to write a binary message to a terminal: use -o FILE or redirect stdout');
  }
  if (options.output !== undefined) {
    if (options.input !== '-' && sameFile(options.output, options.input)) {
      throw new UsageError(`-o ${options.output} names the input document; write the message to another file`);
    }
    for (const [name, file] of options.attach) {
      if (sameFile(options.output, file)) {
        throw new UsageError(`-o ${options.output} names the file of --attach ${name}`);
      }
    }
  }
  for (const [name, file] of options.attach) fileSize(file, `--attach ${name}=${file}`);
  if (options.baseDir === undefined) return baseDirFor(options.input);
  const baseDir = resolve(options.baseDir);
  if (!existsSync(baseDir) || !statSync(baseDir).isDirectory()) {
    throw new InputError(`--base-dir ${options.baseDir}: no such directory`);
  }
  return baseDir;
}

export async function pack(options: PackOptions, io: PackIo, signal: AbortSignal): Promise<PackResult> {
  const baseDir = checkPaths(options, io);
  const input = await openInput(options.input, io.stdin);
  const spool = new Spool();
  let writer: XmlWriter | undefined;
  let destination: Destination | undefined;
  let bar: ProgressBar | undefined;
  try {
    let partIndex = -1;
    let lastPartId: string | undefined;
    const onProgress = (progress: PartProgress) => {
      if (progress.contentId !== lastPartId) {
        lastPartId = progress.contentId;
        partIndex++;
      }
    };
    // The destination is created once the writer has accepted the options (a bad boundary creates no file).
    const output = (buffers: readonly Uint8Array[]) => (destination as Destination).output(buffers);
    writer = await createPackWriter(options, output, startsWithDeclaration(input.first), signal, onProgress);
    destination = options.output === undefined ? stdoutDestination(io.stdout) : fileDestination(options.output);

    const copier = new DocumentCopier(
      writer,
      {
        baseDir,
        attach: options.attach,
        types: options.types,
        defaultType: options.defaultType,
        minSize: options.minSize,
        only: options.only,
      },
      spool,
      signal,
      (write) => (destination as Destination).synchronously(write),
    );
    const reader = new XmlEventReader(input.name);
    let total: number | undefined;
    if (!options.quiet && (options.progress === 'always' || (options.progress === 'auto' && io.stderr.isTTY))) {
      const w = writer;
      bar = new ProgressBar(io.stderr, () =>
        partIndex < 0
          ? { done: reader.offset, total: input.size, label: `reading ${input.name}` }
          : {
              done: w.bytesWritten,
              total,
              label: `${copier.parts[partIndex]?.label ?? ''} (${partIndex + 1}/${copier.parts.length})`,
            },
      );
      bar.start();
    }

    await copyDocument(input, reader, copier, signal);
    total = writer.expectedLength();
    await writer.end();
    bar?.stop();
    await destination.commit();
    return {
      contentType: writer.contentType,
      bytes: writer.bytesFlushed,
      parts: copier.parts.length,
      destination: destination.name,
      comments: copier.comments,
      instructions: copier.instructions,
      unusedAttachments: [...options.attach.keys()].filter((name) => !copier.usedCids.has(name)),
    };
  } catch (error) {
    bar?.stop();
    // The writer then writes nothing more, and never the close delimiter.
    if (writer && !writer.isFaulted) writer.abort(error);
    await destination?.discard();
    throw error;
  } finally {
    spool.close();
    await input.close();
  }
}

/** The copy loop: parse a chunk, apply its events (which may wait for the output), read the next. */
async function copyDocument(
  input: Input,
  reader: XmlEventReader,
  copier: DocumentCopier,
  signal: AbortSignal,
): Promise<void> {
  for (let chunk: Uint8Array | undefined = input.first; ; ) {
    signal.throwIfAborted();
    for (const event of reader.read(chunk)) await copier.apply(event);
    if (chunk === undefined) return;
    const next = await untilAborted(input.rest.next(), signal);
    chunk = next.done ? undefined : next.value;
  }
}

/** Settles as `pending` does, or rejects with the signal's reason once it aborts (stdin may never end). */
function untilAborted<T>(pending: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    pending.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
