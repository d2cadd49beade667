#!/usr/bin/env node
/**
 * The `mtom-stream` command: `mtom-stream pack [options] [INPUT.xml]` turns an XML document
 * and files into an MTOM message (see `mtom-stream pack --help` and docs/cli.md).
 *
 * Exit status: 0 done, 1 failed (bad input, missing file, writer error), 2 bad arguments,
 * 130 interrupted.
 */
import { readFileSync } from 'node:fs';
import { MAIN_HELP, PACK_HELP, UsageError, parsePackArgs } from './cli/args.js';
import { InputError } from './cli/attachments.js';
import { pack, type PackIo, type PackResult } from './cli/pack.js';
import { unpack } from './cli/unpack.js';
import { XmlWriterError } from './index.js';

const NAME = 'mtom-stream';

function version(): string {
  try {
    const json = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
    return json.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The message for a failure: the writer's code, and the first cause behind WS_E_OBJECT_FAULTED. */
function describe(error: unknown): string {
  let e = error;
  while (e instanceof XmlWriterError && e.code === 'WS_E_OBJECT_FAULTED' && e.cause !== undefined) e = e.cause;
  if (e instanceof XmlWriterError) {
    const cause = e.code === 'WS_E_OPERATION_ABORTED' && e.cause instanceof Error ? `: ${e.cause.message}` : '';
    return `${e.message}${cause} (${e.code})`;
  }
  if (e instanceof InputError || e instanceof UsageError) return e.message;
  const errno = e as NodeJS.ErrnoException;
  if (errno?.code === 'EPIPE') return 'the output was closed before the message was complete (EPIPE)';
  if (e instanceof Error) return errno.code ? `${e.message}` : `${e.name}: ${e.message}`;
  return String(e);
}

function report(result: PackResult, printContentType: boolean, quiet: boolean, soap11Action: string | undefined, io: PackIo): void {
  if (printContentType) {
    (result.destination === 'stdout' ? io.stderr : io.stdout).write(`${result.contentType}\n`);
    return;
  }
  if (quiet) return;
  const lines = ['MIME-Version: 1.0', `Content-Type: ${result.contentType}`, `Content-Length: ${result.bytes}`];
  if (soap11Action !== undefined) lines.push(`SOAPAction: "${soap11Action.replace(/["\\]/g, '\\$&')}"`);
  const attachments = `${result.parts} attachment${result.parts === 1 ? '' : 's'}`;
  lines.push(`${NAME}: wrote ${result.bytes} bytes (root part and ${attachments}) to ${result.destination}`);
  if (result.comments + result.instructions > 0) {
    lines.push(`${NAME}: note: ${result.comments} comment(s) and ${result.instructions} processing instruction(s) were not copied`);
  }
  for (const name of result.unusedAttachments) {
    lines.push(`${NAME}: warning: --attach ${name}=… was not referenced by any <xop:Include href="cid:${name}"/>`);
  }
  io.stderr.write(`${lines.join('\n')}\n`);
}

async function main(argv: string[], io: PackIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
        io.stderr.write(MAIN_HELP);
        return 2;
      case '-h':
      case '--help':
        io.stdout.write(MAIN_HELP);
        return 0;
      case 'help':
        io.stdout.write(rest[0] === 'pack' ? PACK_HELP : MAIN_HELP);
        return 0;
      case '-V':
      case '--version':
        io.stdout.write(`${version()}\n`);
        return 0;
      case 'pack': {
        const options = parsePackArgs(rest);
        if (options === 'help') {
          io.stdout.write(PACK_HELP);
          return 0;
        }
        const controller = new AbortController();
        const interrupt = () => controller.abort(new Error('interrupted'));
        process.once('SIGINT', interrupt);
        process.once('SIGTERM', interrupt);
        try {
          const result = await pack(options, io, controller.signal);
          report(result, options.printContentType, options.quiet, options.soap11 ? options.action : undefined, io);
          return 0;
        } catch (error) {
          if (controller.signal.aborted) {
            io.stderr.write(`${NAME}: interrupted; the message is incomplete\n`);
            return 130;
          }
          throw error;
        } finally {
          process.off('SIGINT', interrupt);
          process.off('SIGTERM', interrupt);
        }
      }
      case 'unpack':
        return await unpack(rest, io);
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`${NAME}: ${error.message}\nRun "${NAME} --help" for usage.\n`);
      return 2;
    }
    io.stderr.write(`${NAME}: error: ${describe(error)}\n`);
    return 1;
  }
}

const io: PackIo = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };
process.exitCode = await main(process.argv.slice(2), io);
