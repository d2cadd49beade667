/** What every subcommand of `mtom-stream` provides to the dispatch in main.ts. */

export interface CliIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream & { isTTY?: boolean; fd?: number };
  stderr: NodeJS.WriteStream;
}

export interface Command {
  /** One line for the command list of `mtom-stream --help`. */
  summary: string;
  /** The command's full help (`mtom-stream help NAME`, `mtom-stream NAME --help`). */
  help: string;
  /**
   * Runs the command with the arguments after its name. Resolves when done; throws a CliError
   * (src/cli/errors.ts) or any other error on failure. `signal` aborts on Ctrl-C or SIGTERM.
   */
  run(args: string[], io: CliIo, signal: AbortSignal): Promise<void>;
}
