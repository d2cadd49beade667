/**
 * `mtom-stream pack`: streams an XML document through saxes into an MTOM writer, chunk by
 * chunk. Parser events of one input chunk are queued and then applied, so that between them
 * the copy can wait for the output (the writer's synchronous calls need room in the ring).
 */
import { open } from 'node:fs/promises';
import { SaxesParser } from '../xml-parser.js';
import { createXmlWriter, type PartProgress, type XmlWriter } from '../index.js';
import type { PackOptions } from './args.js';
import { UsageError } from './args.js';
import { baseDirFor, fileSize, InputError } from './attachments.js';
import { Spool } from './base64-text.js';
import { DocumentCopier, type ParseEvent } from './document.js';
import { fileDestination, stdoutDestination, type Destination } from './output.js';
import { ProgressBar } from './progress.js';

export interface PackIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WriteStream;
}

/** Bytes read from the input at a time: one chunk's events are applied before the next is read. */
const READ_CHUNK = 64 * 1024;
/** The writer's ring: room for the largest start tag or text slice the copy writes at once. */
const RING_SIZE = 2 * 1024 * 1024;
/** Text saxes has gathered past this many characters is taken out between chunks (see drainText). */
const DRAIN_TEXT_AT = 64 * 1024;

// saxes 6 states (saxes.js): character data, and the inside of a CDATA section.
const S_TEXT = 13;
const S_CDATA = 20;

/**
 * saxes gathers a text node (or CDATA section) whole before reporting it, which would hold a
 * large base64 element in one string. Between chunks, in those two states, the text it has
 * gathered so far is complete (entities are resolved, line ends normalized), so it is taken out
 * and reported as a text event of its own. This reads two saxes 6 internals, checked here.
 */
function drainText(parser: SaxesParser<{ xmlns: true }>, queue: ParseEvent[]): void {
  const internals = parser as unknown as { state: unknown; text: unknown };
  if ((internals.state === S_TEXT || internals.state === S_CDATA) && typeof internals.text === 'string') {
    if (internals.text.length >= DRAIN_TEXT_AT) {
      queue.push({ kind: 'text', text: internals.text });
      internals.text = '';
    }
  }
}

interface Input {
  chunks: AsyncIterator<Uint8Array>;
  /** Bytes in the input, when it is a file. */
  size: number | undefined;
}

async function openInput(options: PackOptions, io: PackIo): Promise<Input> {
  if (options.input === '-') {
    if (io.stdin.isTTY) throw new UsageError('no input: give INPUT.xml, or pipe the document into stdin');
    return { chunks: (io.stdin as AsyncIterable<Uint8Array>)[Symbol.asyncIterator](), size: undefined };
  }
  try {
    const handle = await open(options.input, 'r');
    const { size } = await handle.stat();
    return { chunks: handle.createReadStream({ highWaterMark: READ_CHUNK })[Symbol.asyncIterator](), size };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : String(error);
    throw new InputError(`cannot read ${options.input}: ${why}`);
  }
}

/** Whether the document starts with an XML declaration (after a UTF-8 BOM); refuses UTF-16. */
function startsWithDeclaration(first: Uint8Array): boolean {
  if ((first[0] === 0xfe && first[1] === 0xff) || (first[0] === 0xff && first[1] === 0xfe)) {
    throw new InputError('the input is UTF-16; only UTF-8 input is supported (convert it first, e.g. with iconv)');
  }
  const at = first[0] === 0xef && first[1] === 0xbb && first[2] === 0xbf ? 3 : 0;
  const head = new TextDecoder().decode(first.subarray(at, at + 6));
  return /^<\?xml[ \t\r\n]/.test(head);
}

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

export async function pack(options: PackOptions, io: PackIo, signal: AbortSignal): Promise<PackResult> {
  if (options.output === undefined && io.stdout.isTTY) {
    throw new UsageError('refusing to write a binary message to a terminal: use -o FILE or redirect stdout');
  }
  for (const [name, file] of options.attach) fileSize(file, `--attach ${name}=${file}`);
  const input = await openInput(options, io);
  const { chunks } = input;
  let offset = 0;
  const spool = new Spool();
  let writer: XmlWriter | undefined;
  let destination: Destination | undefined;
  let bar: ProgressBar | undefined;
  try {
    let chunk = await chunks.next();
    if (chunk.done || chunk.value.length === 0) throw new InputError(`the input ${options.input === '-' ? '(stdin) ' : ''}is empty`);

    let partIndex = -1;
    let lastPartId: string | undefined;
    let total: number | undefined;
    const soap11Action = options.soap11 ? options.action : undefined;
    writer = await createXmlWriter({
      encoding: {
        type: 'mtom',
        startInfo: options.startInfo,
        boundary: options.boundary,
        startUri: options.start,
        action: soap11Action === undefined ? options.action : undefined,
        writeMimeHeader: options.mimeHeader,
        rootTransferEncoding: options.rootTransferEncoding,
        maxInlineByteCount: options.minSize,
      },
      output: (buffers) => (destination as Destination).output(buffers),
      writeDeclaration: startsWithDeclaration(chunk.value),
      ringSize: RING_SIZE,
      // A document from a file, not a WWSAPI quota: generous limits.
      maxDepth: 4096,
      maxAttributes: 65536,
      maxNamespaces: 65536,
      simd: options.simd,
      signal,
      onProgress: (progress: PartProgress) => {
        if (progress.contentId !== lastPartId) {
          lastPartId = progress.contentId;
          partIndex++;
        }
      },
    });
    destination = options.output === undefined ? stdoutDestination(io.stdout) : await fileDestination(options.output);

    const copier = new DocumentCopier(
      writer,
      {
        baseDir: baseDirFor(options.input),
        attach: options.attach,
        types: options.types,
        defaultType: options.defaultType,
        minSize: options.minSize,
        only: options.only,
      },
      spool,
      signal,
    );
    const showBar = !options.quiet && (options.progress === 'always' || (options.progress === 'auto' && io.stderr.isTTY));
    const w = writer;
    if (showBar) {
      const inputName = options.input === '-' ? 'stdin' : options.input;
      bar = new ProgressBar(io.stderr, () =>
        partIndex < 0
          ? { done: offset, total: input.size, label: `reading ${inputName}` }
          : {
              done: w.bytesWritten,
              total,
              label: `${copier.parts[partIndex]?.label ?? ''} (${partIndex + 1}/${copier.parts.length})`,
            },
      );
      bar.start();
    }

    const queue: ParseEvent[] = [];
    const parser = new SaxesParser({ xmlns: true, fileName: options.input === '-' ? 'stdin' : options.input });
    parser.on('xmldecl', (decl) => queue.push({ kind: 'decl', decl }));
    parser.on('doctype', () => {
      throw new InputError('the input has a DOCTYPE, which SOAP messages may not have; remove it');
    });
    parser.on('opentag', (tag) => queue.push({ kind: 'open', tag }));
    parser.on('closetag', () => queue.push({ kind: 'close' }));
    parser.on('text', (text) => queue.push({ kind: 'text', text }));
    parser.on('cdata', (text) => queue.push({ kind: 'text', text }));
    parser.on('comment', (text) => queue.push({ kind: 'comment', text }));
    parser.on('processinginstruction', () => queue.push({ kind: 'pi' }));

    const decoder = new TextDecoder('utf-8', { fatal: true });
    const feed = (bytes: Uint8Array | undefined) => {
      let text: string;
      try {
        text = bytes ? decoder.decode(bytes, { stream: true }) : decoder.decode();
      } catch {
        throw new InputError(`the input is not valid UTF-8 (in bytes ${offset} to ${offset + (bytes?.length ?? 0)})`);
      }
      try {
        if (bytes) parser.write(text);
        else parser.write(text).close();
      } catch (error) {
        if (error instanceof InputError) throw error;
        throw new InputError(`malformed XML: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (bytes) {
        offset += bytes.length;
        drainText(parser, queue);
      }
    };
    const apply = async () => {
      for (let i = 0; i < queue.length; i++) await copier.apply(queue[i]);
      queue.length = 0;
    };

    while (!chunk.done) {
      signal.throwIfAborted();
      feed(chunk.value);
      await apply();
      chunk = await chunks.next();
    }
    feed(undefined);
    await apply();

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
    await chunks.return?.();
  }
}
