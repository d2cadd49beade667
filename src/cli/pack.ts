/**
 * `mtom-stream pack`: a thin shell over writeXml. It opens the input and the destination
 * (input.ts, output.ts), sets up the writer (pack-writer.ts), and copies the document with the
 * library's own copier (src/xml/): placeholders resolve through --attach and the input's
 * directory (attachments.ts), base64 text past --min-size becomes a part, and the copy waits for
 * the output between the input's chunks.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { PartProgress, XmlWriter } from '../index.js';
import type { ElementName } from '../xml/source.js';
import { FileTextStore } from '../xml/file-store.js';
import { copyXml, type WriteXmlHost } from '../xml/write-xml.js';
import type { PackOptions } from './args.js';
import type { CliIo } from './command.js';
import { baseDirFor, fileProducer, fileSize, resolveHref, type AttachmentContext } from './attachments.js';
import { InputError, UsageError } from './errors.js';
import { openInput, sameFile, startsWithDeclaration, type Input } from './input.js';
import { fileDestination, stdoutDestination, type Destination } from './output.js';
import { createPackWriter } from './pack-writer.js';
import { ProgressBar } from './progress.js';

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
  const context: AttachmentContext = {
    baseDir: checkPaths(options, io),
    attach: options.attach,
    types: options.types,
    defaultType: options.defaultType,
  };
  const input = await openInput(options.input, io.stdin);
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
    const to = destination;

    const labels: string[] = [];
    const usedCids = new Set<string>();
    const host: WriteXmlHost<never> = {
      writeAttachment: () => undefined,
      // Every placeholder resolves the command line's way: --attach for cid:, the input's
      // directory (or --base-dir) for file:, with its confinement and its messages.
      writeInclude: (target, href) => {
        const file = resolveHref(href, context);
        if (file.cid !== undefined) usedCids.add(file.cid);
        return target.pushBytes(fileProducer(file, signal), { contentType: file.contentType, size: file.size });
      },
      synchronously: (write) => to.synchronously(write),
      createStore: () => new FileTextStore(),
    };
    const reading = { offset: 0 };
    let total: number | undefined;
    if (!options.quiet && (options.progress === 'always' || (options.progress === 'auto' && io.stderr.isTTY))) {
      const w = writer;
      bar = new ProgressBar(io.stderr, () =>
        partIndex < 0
          ? { done: reading.offset, total: input.size, label: `reading ${input.name}` }
          : { done: w.bytesWritten, total, label: `${labels[partIndex] ?? ''} (${partIndex + 1}/${labels.length})` },
      );
      bar.start();
    }

    const copied = await copyXml(
      writer,
      chunksOf(input, reading, signal),
      {
        // --min-size counts the bytes a part must exceed; minPartSize the bytes it must reach.
        minPartSize: options.minSize === undefined ? undefined : options.minSize + 1,
        optimize: options.only.length === 0 ? undefined : (element) => named(element, options.only),
        onPart: (label) => labels.push(label),
        sourceName: input.name,
      },
      host,
    );
    total = writer.expectedLength();
    await writer.end();
    bar?.stop();
    await destination.commit();
    return {
      contentType: writer.contentType,
      bytes: writer.bytesFlushed,
      parts: copied.parts,
      destination: destination.name,
      comments: copied.droppedComments,
      instructions: copied.droppedInstructions,
      unusedAttachments: [...options.attach.keys()].filter((name) => !usedCids.has(name)),
    };
  } catch (error) {
    bar?.stop();
    // The writer then writes nothing more, and never the close delimiter.
    if (writer && !writer.isFaulted) writer.abort(error);
    await destination?.discard();
    throw error;
  } finally {
    await input.close();
  }
}

/** Whether --only names the element: by local name, by prefixed name, or as {namespace}local. */
function named({ prefix, localName, ns }: ElementName, only: readonly string[]): boolean {
  return (
    only.includes(localName) ||
    (prefix !== '' && only.includes(`${prefix}:${localName}`)) ||
    only.includes(`{${ns}}${localName}`)
  );
}

/** The input's chunks, counted for the progress bar; a run that is interrupted stops waiting for stdin. */
async function* chunksOf(input: Input, reading: { offset: number }, signal: AbortSignal): AsyncGenerator<Uint8Array> {
  reading.offset = input.first.length;
  yield input.first;
  for (;;) {
    signal.throwIfAborted();
    const next = await untilAborted(input.rest.next(), signal);
    if (next.done) return;
    reading.offset += next.value.length;
    yield next.value;
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
