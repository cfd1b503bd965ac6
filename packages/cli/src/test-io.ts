import { Readable } from 'node:stream';
import type { CliIo } from './io.js';

export interface CapturedIo extends CliIo {
  readonly output: { stdout: string; stderr: string };
}

/** An in-memory CliIo for tests: captures stdout and stderr, feeds stdin from a string. */
export function captureIo(options: { env?: NodeJS.ProcessEnv; cwd?: string; stdin?: string; tty?: boolean } = {}): CapturedIo {
  const output = { stdout: '', stderr: '' };
  const stdin = Readable.from(options.stdin === undefined ? [] : [options.stdin]) as Readable & { isTTY?: boolean };
  return {
    output,
    stdout: { write: (text: string) => (output.stdout += text), isTTY: options.tty ?? false },
    stderr: { write: (text: string) => (output.stderr += text), isTTY: options.tty ?? false },
    stdin,
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
  };
}
