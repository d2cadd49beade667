/** The `unpack` subcommand: an MTOM message read back into a root document and part files. */
import type { Command } from './command.js';
import { UNPACK_HELP, unpack } from './unpack.js';

export const unpackCommand: Command = {
  summary: 'write an MTOM message out as its root document and one file per part',
  help: UNPACK_HELP,
  async run(args, io, signal) {
    await unpack(args, io, signal);
  },
};
