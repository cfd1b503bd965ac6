import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { KvcsiError, type AuditLog, type CallOptions, type RequestStore } from '@kvcsi/core';
import { knex as createKnex, type Knex } from 'knex';
import { createKnexAuditLog } from './audit-log.js';
import { runStoreOperation, toStoreError } from './errors.js';
import { migrateLatest } from './migrate-latest.js';
import { createKnexRequestCardStore, type RequestCardStore } from './request-cards.js';
import { createKnexRequestStore } from './request-store.js';
import { createKnexReplayCache, type ReplayCache } from './replay-cache.js';
import { claimStoreMode, type StoreMode } from './store-mode.js';

export interface SqliteStoreOptions {
  client: 'sqlite';
  /** The database file; created (with its directory) when missing. */
  filename: string;
  /** How long a writer waits for another process's lock; default 5 s. */
  busyTimeoutInMs?: number;
  /** Run pending migrations on open; default true. */
  migrate?: boolean;
}

export interface PostgresStoreOptions {
  client: 'pg';
  /** `postgres://user:password@host:5432/db` or a node-postgres connection config. */
  connection: string | Knex.PgConnectionConfig;
  pool?: { min?: number; max?: number };
  /** How long to wait for a free connection; default 10 s. */
  acquireConnectionTimeoutInMs?: number;
  migrate?: boolean;
}

export type StoreOptions = (SqliteStoreOptions | PostgresStoreOptions) & {
  /** Knex's own warnings (pool, deprecations). Default: dropped — a library does not write to the console. */
  onWarning?: (message: string) => void;
  /**
   * Which kvcsi opens it: recorded on a fresh store, and a store of the other mode is refused (FORBIDDEN). Sandbox
   * mode thus never acts on a store it did not create. Not checked when absent.
   */
  mode?: StoreMode;
};

/** Requests and audit in one database. */
export interface KvcsiStore extends RequestStore, AuditLog {
  readonly client: 'sqlite' | 'pg';
  /** The Knex instance, for operators and tests; kvcsi code goes through the methods above. */
  readonly knex: Knex;
  /** Where the bot's request cards are (shared by its replicas). */
  readonly cards: RequestCardStore;
  /** Slack requests already handled in the replay window (shared by the bot's replicas). */
  readonly replays: ReplayCache;
  /** A trivial query: resolves when the database answers (readiness), throws UNAVAILABLE/TIMEOUT otherwise. */
  ping(options?: CallOptions): Promise<void>;
  /** Applies pending migrations; safe to call again and from several processes at once. */
  migrate(): Promise<void>;
  close(): Promise<void>;
}

function knexLogger(options: StoreOptions): Knex.Logger {
  const warn = (message: unknown) => options.onWarning?.(String(message));
  return { warn, error: warn, deprecate: (method: string, alternative: string) => warn(`${method} is deprecated; use ${alternative}`), debug: () => {} };
}

function knexConfig(options: StoreOptions): Knex.Config {
  const log = knexLogger(options);
  if (options.client === 'sqlite') {
    const filename = resolve(options.filename);
    mkdirSync(dirname(filename), { recursive: true });
    const busyTimeoutInMs = options.busyTimeoutInMs ?? 5000;
    return {
      client: 'better-sqlite3',
      log,
      connection: { filename },
      useNullAsDefault: true,
      pool: {
        min: 1,
        max: 1,
        afterCreate: (connection: { pragma(source: string): unknown }, done: (error: Error | null, connection: unknown) => void) => {
          // WAL lets readers in other processes (the CLI beside the bot) work while one writes.
          connection.pragma('journal_mode = WAL');
          connection.pragma(`busy_timeout = ${busyTimeoutInMs}`);
          done(null, connection);
        },
      },
    };
  }
  return {
    client: 'pg',
    log,
    connection: options.connection,
    pool: { min: options.pool?.min ?? 0, max: options.pool?.max ?? 10 },
    acquireConnectionTimeout: options.acquireConnectionTimeoutInMs ?? 10_000,
  };
}

/** Opens (and by default migrates) the store. Throws KvcsiError UNAVAILABLE/UNAUTHENTICATED when the database cannot be used. */
export async function createStore(options: StoreOptions): Promise<KvcsiStore> {
  if (options.client !== 'sqlite' && options.client !== 'pg') {
    throw new KvcsiError('CONFIG_INVALID', `store client must be "sqlite" or "pg", not "${String((options as { client?: unknown }).client)}"`, { field: 'store.client' });
  }
  const knex = createKnex(knexConfig(options));
  const migrate = async () => {
    try {
      await migrateLatest(knex);
    } catch (error) {
      throw toStoreError(error, 'migrate');
    }
  };
  const requests = createKnexRequestStore(knex);
  const audit = createKnexAuditLog(knex);
  const store: KvcsiStore = {
    client: options.client,
    knex,
    cards: createKnexRequestCardStore(knex),
    replays: createKnexReplayCache(knex),
    ping: (callOptions = {}) => runStoreOperation('ping', callOptions, async () => {
      await knex.raw('select 1');
    }),
    migrate,
    close: () => knex.destroy(),
    createRequest: requests.createRequest,
    getRequest: requests.getRequest,
    listRequests: requests.listRequests,
    compareAndSetRequest: requests.compareAndSetRequest,
    append: audit.append,
    query: audit.query,
  };
  try {
    if (options.migrate !== false) await migrate();
    if (options.mode !== undefined) await claimStoreMode(knex, options.mode, options.client === 'sqlite' ? `the store ${resolve(options.filename)}` : 'the PostgreSQL store');
  } catch (error) {
    await knex.destroy();
    throw error;
  }
  return store;
}
