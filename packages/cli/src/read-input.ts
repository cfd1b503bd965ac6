import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { KvcsiError } from '@kvcsi/core/errors';
import type { CliIo } from './io.js';

async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** The text of FILE, or of stdin for `-` (or no argument when stdin is not a terminal). */
export async function readTextInput(io: CliIo, file: string | undefined, field: string): Promise<string> {
  if (file === undefined && io.stdin.isTTY) {
    throw new KvcsiError('INVALID_INPUT', `${field}: give a file, or pipe the text in (e.g. kubectl describe pod … | kvcsi explain -)`, {
      field,
      rule: 'a file path or - for standard input',
    });
  }
  if (file === undefined || file === '-') return readStream(io.stdin);
  try {
    return await readFile(path.resolve(io.cwd, file), 'utf8');
  } catch (error) {
    throw new KvcsiError('NOT_FOUND', `Cannot read ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`, {
      field,
      rule: 'must be a readable file',
      cause: error,
    });
  }
}
