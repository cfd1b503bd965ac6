/**
 * The real-world excerpt corpus: events, `kubectl describe` output, provider and driver logs and SDK errors copied
 * verbatim from public bug reports and docs, each with its source URL and the cause its thread resolved to. Kept apart
 * from docs/csi-failure-catalogue.md and from the sandbox, so the engine is measured on texts it did not learn from.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

export interface CorpusEntry {
  id: string;
  /** Public page the text was copied from. */
  source: string;
  kind: string;
  era: string;
  /** Catalogue family the first finding must be in (A–G, K); absent for healthy excerpts. */
  family?: string;
  /** The finding id that names the cause exactly, when the engine has one. */
  expect?: string;
  /** What the thread (or the error's documentation) resolved the failure to. */
  cause: string;
  /** The text ends where the page or its excerpt ends (mid-word at times). */
  truncated?: boolean;
  healthy?: boolean;
  text: string;
  file: string;
}

export const CORPUS_DIR = __dirname;

export function loadCorpus(dir: string = CORPUS_DIR): CorpusEntry[] {
  return fs
    .readdirSync(dir)
    .filter((file) => file.endsWith('.yaml'))
    .sort()
    .flatMap((file) => (parse(fs.readFileSync(path.join(dir, file), 'utf8')) as Omit<CorpusEntry, 'file'>[]).map((entry) => ({ ...entry, file })));
}

/** `C4.2` → `C`, `D10.1` → `D`, `K3` → `K`. */
export function familyOf(findingId: string): string {
  return findingId.charAt(0);
}
