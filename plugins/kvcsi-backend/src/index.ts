/**
 * @kvcsi/backstage-plugin-backend. `backend.add(import('@kvcsi/backstage-plugin-backend'))` loads the default export:
 * the one default export in kvcsi, because Backstage's feature loading requires it.
 */
export { kvcsiPlugin, kvcsiPlugin as default, INDEX_REFRESH_TASK_ID } from './plugin.js';
export { createRouter } from './router.js';
export type { RouterOptions, EntityReader } from './router.js';
export { createBindingsIndex, summarizeAccess, SECRET_PAGE_SIZE } from './bindings-index.js';
export type { BindingsIndex, BindingsIndexOptions, IndexSnapshot, RefreshStats } from './bindings-index.js';
export { viewAppBindings } from './bindings-view.js';
export { readKvcsiConfig } from './config.js';
export type { KvcsiPluginConfig } from './config.js';
export { createDecisionsRouter } from './decisions-router.js';
