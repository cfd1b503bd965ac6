/**
 * Reads a secret value from standard input (`--value-stdin`) or a hidden prompt on a terminal — never from argv,
 * where it would land in shell history and `ps`.
 */
import { KvcsiError } from '@kvcsi/core';
import type { CliIo } from './io.js';

type RawStdin = NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Echo off: characters are read in raw mode, one answer per prompt; Enter ends an answer, Backspace deletes, Ctrl-C
 * aborts. One listener serves every prompt, so typed-ahead input is not lost between them.
 */
function readHidden(io: CliIo, prompts: readonly string[]): Promise<string[]> {
  const stdin = io.stdin as RawStdin;
  return new Promise((resolve, reject) => {
    const answers: string[] = [];
    let current = '';
    const finish = (error?: KvcsiError) => {
      stdin.removeListener('data', onData);
      stdin.removeListener('end', onEnd);
      stdin.setRawMode?.(false);
      stdin.pause();
      if (error) reject(error);
      else resolve(answers);
    };
    const onEnd = () => finish(new KvcsiError('ABORTED', 'input ended at the prompt; nothing was written'));
    const onData = (chunk: Buffer | string) => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\u0003') return finish(new KvcsiError('ABORTED', 'cancelled at the prompt; nothing was written'));
        if (char === '\r' || char === '\n' || char === '\u0004') {
          io.stderr.write('\n');
          answers.push(current);
          current = '';
          if (answers.length === prompts.length) return finish();
          io.stderr.write(prompts[answers.length]!);
        } else if (char === '\u007f' || char === '\b') {
          current = current.slice(0, -1);
        } else {
          current += char;
        }
      }
    };
    io.stderr.write(prompts[0]!);
    stdin.setRawMode?.(true);
    stdin.on('data', onData);
    stdin.on('end', onEnd);
    stdin.resume();
  });
}

/** The value: all of stdin (one trailing newline dropped) with `--value-stdin`, else a hidden prompt, typed twice. */
export async function readSecretValue(io: CliIo, options: { fromStdin?: boolean; label: string }): Promise<string> {
  let value: string;
  if (options.fromStdin) {
    value = (await readAll(io.stdin)).replace(/\r?\n$/, '');
  } else if (io.stdin.isTTY) {
    const [first = '', again] = await readHidden(io, [`Value for ${options.label} (hidden): `, 'Again, to confirm: ']);
    value = first;
    if (again !== value) throw new KvcsiError('INVALID_INPUT', 'the two values differ; nothing was written', { field: 'value' });
  } else {
    throw new KvcsiError('INVALID_INPUT', 'give the value on standard input with --value-stdin, or run on a terminal to be prompted (never as an argument)', {
      field: '--value-stdin',
      rule: 'secret values come from a prompt or stdin only',
    });
  }
  if (value.length === 0) throw new KvcsiError('INVALID_INPUT', 'the secret value is empty', { field: 'value' });
  return value;
}
