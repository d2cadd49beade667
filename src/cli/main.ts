#!/usr/bin/env node
/**
 * The `mtom-stream` command: `mtom-stream <command> [options]`. Each command is a Command
 * (command.ts) in the table below; failures and exit statuses are in errors.ts.
 */
import { readFileSync } from 'node:fs';
import type { CliIo, Command } from './command.js';
import { describeError, ExitStatus, exitStatusOf, InterruptedError, UsageError } from './errors.js';
import { packCommand } from './pack-command.js';
import { unpackCommand } from './unpack-command.js';

const NAME = 'mtom-stream';

/** The subcommands, by name. */
const COMMANDS: Readonly<Record<string, Command>> = {
  pack: packCommand,
  unpack: unpackCommand,
};

function commandNamed(name: string | undefined): Command | undefined {
  return name !== undefined && Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
}

function mainHelp(): string {
  const width = Math.max(4, ...Object.keys(COMMANDS).map((name) => name.length));
  const list = Object.entries(COMMANDS).map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`);
  return `\
Usage: ${NAME} <command> [options]

Streams MTOM/XOP messages (multipart/related; type="application/xop+xml").

Commands:
${list.join('\n')}
  ${'help'.padEnd(width)}  show this help, or the help of a command: ${NAME} help COMMAND

Options:
  -h, --help       show help
  -V, --version    show the version

Run "${NAME} COMMAND --help" for the options of a command.
`;
}

function version(): string {
  try {
    const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
    return (JSON.parse(text) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Runs a command with Ctrl-C and SIGTERM turned into an abort of its signal. */
async function runCommand(command: Command, args: string[], io: CliIo): Promise<void> {
  const controller = new AbortController();
  const interrupt = (signal: NodeJS.Signals) => controller.abort(new InterruptedError(signal));
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  try {
    await command.run(args, io, controller.signal);
  } catch (error) {
    // Whatever the failure looks like by then, an interruption is reported as one.
    throw controller.signal.aborted ? controller.signal.reason : error;
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
  }
}

async function main(argv: string[], io: CliIo): Promise<ExitStatus> {
  const [name, ...rest] = argv;
  try {
    switch (name) {
      case undefined:
        io.stderr.write(mainHelp());
        return ExitStatus.usage;
      case '-h':
      case '--help':
        io.stdout.write(mainHelp());
        return ExitStatus.ok;
      case 'help':
        io.stdout.write(commandNamed(rest[0])?.help ?? mainHelp());
        return ExitStatus.ok;
      case '-V':
      case '--version':
        io.stdout.write(`${version()}\n`);
        return ExitStatus.ok;
    }
    const command = commandNamed(name);
    if (!command) throw new UsageError(`unknown command "${name}"`);
    await runCommand(command, rest, io);
    return ExitStatus.ok;
  } catch (error) {
    const status = exitStatusOf(error);
    const message = describeError(error);
    if (status === ExitStatus.usage) io.stderr.write(`${NAME}: ${message}\nRun "${NAME} --help" for usage.\n`);
    else if (status === ExitStatus.interrupted) io.stderr.write(`${NAME}: ${message}; the message is incomplete\n`);
    else io.stderr.write(`${NAME}: error: ${message}\n`);
    return status;
  }
}

const io: CliIo = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };
process.exitCode = await main(process.argv.slice(2), io);
