import { homedir } from 'node:os';
import { join } from 'node:path';
import { KvcsiError } from '@kvcsi/core';
import type { StoreOptions } from './create-store.js';

/** Where the CLI keeps its SQLite file when nothing else is configured: `$XDG_STATE_HOME/kvcsi/kvcsi.sqlite`. */
export function defaultSqliteFilename(env: NodeJS.ProcessEnv = process.env): string {
  const stateHome = env.XDG_STATE_HOME || join(env.HOME || homedir(), '.local', 'state');
  return join(stateHome, 'kvcsi', 'kvcsi.sqlite');
}

/**
 * Store options from one configuration string: `postgres://…` / `postgresql://…` → PostgreSQL; `sqlite:<path>` or a
 * plain path → a SQLite file; empty → the default SQLite file.
 */
export function storeOptionsFromUrl(url: string | undefined, env: NodeJS.ProcessEnv = process.env): StoreOptions {
  const value = url?.trim() ?? '';
  if (value === '') return { client: 'sqlite', filename: defaultSqliteFilename(env) };
  if (/^postgres(ql)?:\/\//i.test(value)) return { client: 'pg', connection: value };
  if (/^sqlite:/i.test(value)) {
    const filename = value.replace(/^sqlite:(\/\/)?/i, '');
    if (!filename) throw new KvcsiError('CONFIG_INVALID', 'a sqlite: store URL needs a file path', { field: 'store' });
    return { client: 'sqlite', filename };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    throw new KvcsiError('CONFIG_INVALID', 'the store must be a postgres:// URL, sqlite:<path> or a file path', { field: 'store' });
  }
  return { client: 'sqlite', filename: value };
}
