export { createStore } from './create-store.js';
export type { KvcsiStore, StoreOptions, SqliteStoreOptions, PostgresStoreOptions } from './create-store.js';
export { storeOptionsFromUrl, defaultSqliteFilename } from './url.js';
export { MIGRATIONS, migrationSource } from './migrations.js';
export { REQUESTS_TABLE, AUDIT_TABLE, MIGRATIONS_TABLE, REQUEST_CARDS_TABLE } from './tables.js';
export { createKnexRequestStore } from './request-store.js';
export { createKnexAuditLog } from './audit-log.js';
export { createKnexRequestCardStore } from './request-cards.js';
export type { RequestCard, RequestCardStore, NewRequestCard, ClaimCardInput, CompleteCardInput } from './request-cards.js';
