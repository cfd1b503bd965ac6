export { createStore } from './create-store.js';
export type { KvcsiStore, StoreOptions, SqliteStoreOptions, PostgresStoreOptions } from './create-store.js';
export { storeOptionsFromUrl, defaultSqliteFilename } from './url.js';
export { MIGRATIONS, migrationSource } from './migrations.js';
export { REQUESTS_TABLE, AUDIT_TABLE, MIGRATIONS_TABLE } from './tables.js';
export { createKnexRequestStore } from './request-store.js';
export { createKnexAuditLog } from './audit-log.js';
