/** The `pack` subcommand: parses its arguments, runs pack() and reports the result on stderr. */
import { PACK_HELP, parsePackArgs } from './args.js';
import type { CliIo, Command } from './command.js';
import { pack, type PackResult } from './pack.js';

const NAME = 'mtom-stream';

function report(
  result: PackResult,
  printContentType: boolean,
  quiet: boolean,
  soap11Action: string | undefined,
  io: CliIo,
): void {
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
    const left = `${result.comments} comment(s) and ${result.instructions} processing instruction(s)`;
    lines.push(`${NAME}: note: ${left} were not copied`);
  }
  for (const name of result.unusedAttachments) {
    lines.push(`${NAME}: warning: --attach ${name}=… was not referenced by any <xop:Include href="cid:${name}"/>`);
  }
  io.stderr.write(`${lines.join('\n')}\n`);
}

export const packCommand: Command = {
  summary: 'turn an XML document plus files into an MTOM message',
  help: PACK_HELP,
  async run(args, io, signal) {
    const options = parsePackArgs(args);
    if (options === 'help') {
      io.stdout.write(PACK_HELP);
      return;
    }
    const result = await pack(options, io, signal);
    report(result, options.printContentType, options.quiet, options.soap11 ? options.action : undefined, io);
  },
};
