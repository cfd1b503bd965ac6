import { readdirSync, readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { KvcsiError } from '../../errors.js';
import { byFileAndLine, lintText, type LintOptions } from './lint-text.js';
import type { LintFinding } from './types.js';

export interface LintFilesOptions extends LintOptions {
  abortSignal?: AbortSignal;
}

/** The JSON contract of `kvcsi lint --format json`. */
export interface LintResult {
  filesChecked: number;
  findings: LintFinding[];
}

const YAML_FILE = /\.ya?ml$/i;
const YIELD_EVERY = 256;

/** Directories never worth walking in a GitOps checkout. */
const SKIPPED_DIRECTORIES = new Set(['node_modules', '.git']);

function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new KvcsiError('ABORTED', 'lint was aborted', { cause: signal.reason });
}

/** A depth-first walk with synchronous reads: a GitOps tree has thousands of tiny directories, and an async readdir costs more than the read. */
function collectYamlFiles(directory: string, out: string[], signal: AbortSignal | undefined): void {
  checkAborted(signal);
  const entries = readdirSync(directory, { withFileTypes: true });
  for (const entry of entries) {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRECTORIES.has(entry.name)) collectYamlFiles(full, out, signal);
    } else if (entry.isFile() && YAML_FILE.test(entry.name)) {
      out.push(full);
    }
  }
}

/** The YAML files under the given files and directories, each once, in a stable order. */
export async function listYamlFiles(paths: readonly string[], options: { abortSignal?: AbortSignal } = {}): Promise<string[]> {
  const files: string[] = [];
  for (const input of paths) {
    let stats;
    try {
      stats = await stat(input);
    } catch (error) {
      throw new KvcsiError('NOT_FOUND', `Cannot lint ${input}: no such file or directory`, { field: 'path', rule: 'must be an existing file or directory', cause: error });
    }
    // An explicitly named file is linted whatever its extension.
    if (stats.isDirectory()) {
      const found: string[] = [];
      collectYamlFiles(input, found, options.abortSignal);
      files.push(...found.sort());
    }
    else files.push(input);
  }
  return [...new Set(files)];
}

/** Lints every SecretProviderClass in the given files and directories (*.yaml, *.yml, recursively). */
export async function lintFiles(paths: readonly string[], options: LintFilesOptions = {}): Promise<LintResult> {
  const files = await listYamlFiles(paths, options);
  const findings: LintFinding[] = [];
  for (const [index, file] of files.entries()) {
    checkAborted(options.abortSignal);
    // Synchronous reads: GitOps files are small, and an async read costs ten times more than the read itself.
    // Yield to the event loop now and then so an abort or a timer can get through.
    if (index % YIELD_EVERY === YIELD_EVERY - 1) await new Promise((resolve) => setImmediate(resolve));
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new KvcsiError('UNAVAILABLE', `Cannot read ${file}: ${(error as Error).message}`, { file, cause: error });
    }
    findings.push(...lintText(text, file, options));
  }
  return { filesChecked: files.length, findings: findings.sort(byFileAndLine) };
}
