/** The wire between a process that runs the SDKs and the process that holds the sandbox (see README: remote sandbox). */

/** Header carrying the original absolute URL (`https://kv-x.vault.azure.net/secrets/…`) of a forwarded request. */
export const ORIGINAL_URL_HEADER = 'x-kvcsi-sandbox-url';
/** Set on a reply that stands for a network error (DNS failure, refused connection) rather than an HTTP answer. */
export const NETWORK_ERROR_HEADER = 'x-kvcsi-sandbox-network-error';
/** Admin endpoints of the sandbox server live under this path. */
export const ADMIN_PREFIX = '/_sandbox';

/** The hosts the sandbox answers for: Entra ID, ARM, every vault and every cluster's API server. */
export const SANDBOX_HOST_PATTERN = /^https:\/\/(login\.microsoftonline\.com|management\.azure\.com|[a-z0-9-]+\.vault\.azure\.net|[a-z0-9-]+\.(?:privatelink\.)?sandbox\.azmk8s\.io)(:\d+)?\//i;

/** Hop-by-hop and framing headers that must not be copied between the two legs. */
export const UNFORWARDED_HEADERS = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'content-encoding', 'keep-alive', ORIGINAL_URL_HEADER]);
