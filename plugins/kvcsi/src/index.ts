/** @kvcsi/backstage-plugin: the Key Vault tab of a catalog entity, for the legacy frontend system (see `/alpha` for the new one). */
export { kvcsiPlugin, EntityKvcsiContent } from './plugin.js';
export { kvcsiApiRef } from './api/KvcsiApi.js';
export type { CallOptions, KvcsiApi } from './api/KvcsiApi.js';
export { KvcsiClient, KVCSI_PLUGIN_ID } from './api/KvcsiClient.js';
export type { KvcsiClientOptions } from './api/KvcsiClient.js';
export { isKvcsiAvailable, KVCSI_APP_ANNOTATION, KVCSI_CLUSTERS_ANNOTATION, KUBERNETES_ID_ANNOTATION } from '@kvcsi/backstage-plugin-common';
