/**
 * The command line's failures and exit statuses, in one place. A CliError carries its exit
 * status; anything else that reaches the top (a writer's XmlWriterError, a reader's
 * XmlReaderError, an OS error) is a failure (1), described with its code or the OS's.
 */
import { XmlWriterError } from '../errors.js';
import { XmlReaderError } from '../reader/errors.js';

/** Exit statuses (sysexits-style 2 for usage, 128 + SIGINT for an interruption). */
export const ExitStatus = {
  /** The command did what it was asked. */
  ok: 0,
  /** Bad input, a missing file, a writer error: the output is never a complete message. */
  failed: 1,
  /** Bad arguments: nothing was read or written. */
  usage: 2,
  /** Ctrl-C or SIGTERM: the output is never a complete message. */
  interrupted: 130,
} as const;

export type ExitStatus = (typeof ExitStatus)[keyof typeof ExitStatus];

/** A failure the command line describes in its own words. */
export class CliError extends Error {
  override readonly name: string = 'CliError';
  readonly exitStatus: ExitStatus = ExitStatus.failed;
}

/** Bad arguments: exit status 2 and a hint to `--help`. */
export class UsageError extends CliError {
  override readonly name = 'UsageError';
  override readonly exitStatus = ExitStatus.usage;
}

/** An error in the input document or the files it names: printed as is, exit status 1. */
export class InputError extends CliError {
  override readonly name = 'InputError';
}

/** The run was interrupted by a signal (Ctrl-C, SIGTERM): exit status 130. */
export class InterruptedError extends CliError {
  override readonly name = 'InterruptedError';
  override readonly exitStatus = ExitStatus.interrupted;

  constructor(signal: string) {
    super(`interrupted by ${signal}`);
  }
}

/** The exit status for a failure. */
export function exitStatusOf(error: unknown): ExitStatus {
  return error instanceof CliError ? error.exitStatus : ExitStatus.failed;
}

/** The message for a failure: the writer's code, and the first cause behind WS_E_OBJECT_FAULTED. */
export function describeError(error: unknown): string {
  let e = error;
  while (e instanceof XmlWriterError && e.code === 'WS_E_OBJECT_FAULTED' && e.cause !== undefined) e = e.cause;
  if (e instanceof XmlWriterError) {
    const cause = e.code === 'WS_E_OPERATION_ABORTED' && e.cause instanceof Error ? `: ${e.cause.message}` : '';
    return `${e.message}${cause} (${e.code})`;
  }
  if (e instanceof XmlReaderError) return `${e.message} (${e.code})`;
  if (e instanceof CliError) return e.message;
  const errno = e as NodeJS.ErrnoException;
  if (errno?.code === 'EPIPE') return 'the output was closed before the message was complete (EPIPE)';
  if (e instanceof Error) return errno.code ? `${e.message}` : `${e.name}: ${e.message}`;
  return String(e);
}
