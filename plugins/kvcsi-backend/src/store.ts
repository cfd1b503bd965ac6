/**
 * Requests and audit: the database `kvcsi.store` names (the bot's and the CLI's), else the plugin's own Backstage
 * database with kvcsi's migrations applied. The watcher's problems only from `kvcsi.store`: the bot writes them there,
 * never in the plugin's own database.
 */
import type { DatabaseService } from '@backstage/backend-plugin-api';
import type { AuditLog, ProblemStore, RequestStore } from '@kvcsi/core';
import { createKnexAuditLog, createKnexProblemStore, createKnexRequestStore, createStore, migrationSource, MIGRATIONS_TABLE, storeOptionsFromUrl } from '@kvcsi/store';

export interface PluginStore {
  requests: RequestStore;
  audit: AuditLog;
  /** The watcher's problems (the bot's store); undefined without `kvcsi.store`. */
  problems?: ProblemStore;
  close(): Promise<void>;
}

export async function openPluginStore(options: { url?: string; database: DatabaseService; sandbox?: boolean }): Promise<PluginStore> {
  if (options.url !== undefined) {
    // A shared store is marked by the mode that created it: sandbox and live never share one.
    const store = await createStore({ ...storeOptionsFromUrl(options.url), mode: options.sandbox ? 'sandbox' : 'live' });
    return { requests: store, audit: store, problems: createKnexProblemStore(store.knex), close: () => store.close() };
  }
  const knex = await options.database.getClient();
  await knex.migrate.latest({ migrationSource, tableName: MIGRATIONS_TABLE });
  // Backstage owns this connection pool and closes it.
  return { requests: createKnexRequestStore(knex), audit: createKnexAuditLog(knex), close: async () => {} };
}
