/* eslint-disable @typescript-eslint/no-require-imports -- the program loads after the fast paths */
import type * as Program from './program.js';
import { processIo, type CliIo } from './io.js';
import { VERSION } from './version.js';

export type { CommandAction, RunCommand } from './program.js';

/** Runs the CLI; resolves to the process exit code. Never throws. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  // `kvcsi --version` answers before anything else loads: scripts call it to check an install.
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    io.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const { runProgram } = require('./program.js') as typeof Program;
  return runProgram(argv, io);
}
