/**
 * `mtom-stream unpack MESSAGE -o DIR`: reads an MTOM message (or plain XML) with the streaming
 * reader and writes its root document to DIR/root.xml and each part to a file of its own, with
 * DIR/parts.json naming them. Nothing is held whole: the document is written node by node and
 * each part goes from the input to its file a window at a time. Every file is written as
 * NAME.partial and renamed only once the whole message has been read, so a failed run leaves
 * no file that looks complete.
 */
import { open, mkdir, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createXmlReader, type ElementNode } from '../index.js';
import { XOP_NS } from '../names.js';
import { comment, cdataSection, endTag, escapeAttribute, escapeText, startTag } from '../reader/serialize.js';
import type { CliIo } from './command.js';
import { UsageError } from './errors.js';
import { ProgressBar } from './progress.js';

export const UNPACK_HELP = `\
Usage: mtom-stream unpack [options] MESSAGE -o DIR

Reads an MTOM message (multipart/related; type="application/xop+xml") from the file MESSAGE,
or from stdin when MESSAGE is "-", and writes into DIR:
  root.xml      the root document; each optimized element keeps its
                <xop:Include href="cid:..."/>
  part-N-ID     each part's bytes (N counts from 1, ID is the Content-ID made safe)
  parts.json    one entry per part: contentId, contentType, file, size
The message is streamed: neither the document nor any part is held in memory.
A plain XML message (what some services send when there is nothing to attach) gives root.xml.

Options:
  -o, --output DIR          the directory to write into (created if missing)
  -c, --content-type VALUE  the message's Content-Type (the HTTP header value). Without it,
                            the message must start with its own MIME header (MIME-Version,
                            Content-Type: as "mtom-stream pack --mime-header" writes), with
                            its first boundary line, or with the XML itself
      --progress            show the progress bar even when stderr is not a terminal
      --no-progress         never show the progress bar
  -q, --quiet               print nothing on success
  -h, --help                show this help

Exit status: 0 done, 1 failed (no file in DIR then looks complete: unfinished files are
removed), 2 bad arguments.
`;

const CHUNK = 64 * 1024;
/** Document text gathered before it is written out. */
const TEXT_FLUSH = 64 * 1024;

interface UnpackOptions {
  input: string;
  output: string;
  contentType: string | undefined;
  progress: 'auto' | 'always' | 'never';
  quiet: boolean;
}

function parseUnpackArgs(argv: string[]): UnpackOptions | 'help' {
  const parsed = (() => {
    try {
      return parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
          output: { type: 'string', short: 'o' },
          'content-type': { type: 'string', short: 'c' },
          progress: { type: 'boolean' },
          'no-progress': { type: 'boolean' },
          quiet: { type: 'boolean', short: 'q' },
          help: { type: 'boolean', short: 'h' },
        },
      });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  })();
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  if (positionals.length !== 1) throw new UsageError('unpack takes one MESSAGE (a file, or - for stdin)');
  if (values.output === undefined || values.output === '') throw new UsageError('unpack needs -o DIR');
  return {
    input: positionals[0],
    output: values.output,
    contentType: values['content-type'],
    progress: values['no-progress'] ? 'never' : values.progress ? 'always' : 'auto',
    quiet: values.quiet ?? false,
  };
}

/** A file written as NAME.partial, renamed to NAME by commit(). */
class PendingFile {
  private handle: FileHandle | undefined;
  private readonly partial: string;
  size = 0;

  constructor(readonly path: string) {
    this.partial = `${path}.partial`;
  }

  async write(bytes: Uint8Array | string): Promise<void> {
    this.handle ??= await open(this.partial, 'w', 0o666);
    const data = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
    for (let at = 0; at < data.length; ) at += (await this.handle.write(data, at)).bytesWritten;
    this.size += data.length;
  }

  async close(): Promise<void> {
    this.handle ??= await open(this.partial, 'w', 0o666);
    await this.handle.close();
  }

  commit(): Promise<void> {
    return rename(this.partial, this.path);
  }

  async discard(): Promise<void> {
    await this.handle?.close().catch(() => {});
    await rm(this.partial, { force: true });
  }
}

/** A Content-ID as a file name: safe characters only, bounded. */
const safeName = (contentId: string) => contentId.replace(/[^A-Za-z0-9._@+=-]/g, '_').slice(0, 80);

/** Runs `unpack`; throws on failure (a UsageError, or the reader's XmlReaderError) after removing every file it began. */
export async function unpack(argv: string[], io: CliIo, signal?: AbortSignal): Promise<void> {
  const options = parseUnpackArgs(argv);
  if (options === 'help') {
    io.stdout.write(UNPACK_HELP);
    return;
  }
  if (options.input === '-' && io.stdin.isTTY) throw new UsageError('no input: give MESSAGE, or pipe it into stdin');
  const files: PendingFile[] = [];
  let bar: ProgressBar | undefined;
  try {
    let total: number | undefined;
    let input: AsyncIterable<Uint8Array>;
    if (options.input === '-') {
      input = io.stdin as AsyncIterable<Uint8Array>;
    } else {
      total = (await stat(options.input)).size;
      const handle = await open(options.input, 'r');
      input = handle.createReadStream({ highWaterMark: CHUNK });
    }
    await mkdir(options.output, { recursive: true });
    const reader = await createXmlReader({
      input,
      encoding: options.contentType === undefined ? undefined : { type: 'mtom', contentType: options.contentType },
      signal,
    });
    const showBar = options.progress === 'always' || (options.progress === 'auto' && io.stderr.isTTY);
    if (showBar && total !== undefined) {
      const size = total;
      bar = new ProgressBar(io.stderr, () => ({
        done: reader.bytesRead,
        total: size,
        label: `unpacking ${options.input}`,
      }));
      bar.start();
    }
    const root = new PendingFile(join(options.output, 'root.xml'));
    files.push(root);
    const manifest: { contentId: string; contentType: string; file: string; size: number }[] = [];
    const elements: ElementNode[] = [];
    const view = new Uint8Array(CHUNK);
    let text = '<?xml version="1.0" encoding="utf-8"?>\n';
    for await (const node of reader) {
      switch (node.type) {
        case 'element':
          elements.push(node);
          text += startTag(node);
          break;
        case 'end':
          // The reader pairs every end node with the element it closes.
          text += endTag(elements.pop() as ElementNode);
          break;
        case 'text':
          text += escapeText(node.value);
          break;
        case 'cdata':
          text += cdataSection(node.value);
          break;
        case 'comment':
          text += comment(node.value);
          break;
        case 'bytes': {
          text += `<xop:Include xmlns:xop="${XOP_NS}" href="cid:${escapeAttribute(encodeURI(node.contentId))}"/>`;
          const name = `part-${manifest.length + 1}-${safeName(node.contentId)}`;
          const file = new PendingFile(join(options.output, name));
          files.push(file);
          for (;;) {
            const n = await reader.readBytes(view);
            if (n === 0) break;
            await file.write(view.subarray(0, n));
          }
          await file.close();
          manifest.push({ contentId: node.contentId, contentType: node.contentType, file: name, size: file.size });
          break;
        }
      }
      if (text.length >= TEXT_FLUSH) {
        await root.write(text);
        text = '';
      }
    }
    await root.write(`${text}\n`);
    await root.close();
    const list = new PendingFile(join(options.output, 'parts.json'));
    files.push(list);
    await list.write(`${JSON.stringify(manifest, null, 2)}\n`);
    await list.close();
    for (const file of files) await file.commit();
    bar?.stop();
    if (!options.quiet) {
      const parts = `${manifest.length} part${manifest.length === 1 ? '' : 's'}`;
      const lines = [`mtom-stream: wrote root.xml and ${parts} to ${options.output}`];
      const skipped = reader.unreferencedParts;
      if (skipped.length > 0) {
        const names = skipped.join(', ');
        lines.push(`mtom-stream: warning: skipped ${skipped.length} part(s) no xop:Include refers to: ${names}`);
      }
      io.stderr.write(`${lines.join('\n')}\n`);
    }
  } catch (error) {
    bar?.stop();
    for (const file of files) await file.discard();
    throw error;
  }
}
