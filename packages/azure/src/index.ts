export { createAzureVaultPort, DEFAULT_AZURE_TIMEOUT_IN_MS } from './vaultPort.js';
export type { AzureVaultPort, AzureVaultPortOptions } from './vaultPort.js';
export type { AzureRetryOptions } from './clients.js';
export { endpointsFor, vaultUrl } from './endpoints.js';
export type { AzureEndpoints } from './endpoints.js';
export { toKvcsiError } from './errors.js';
export { KEY_VAULT_SECRETS_USER_ROLE_ID } from './roleAssignments.js';
export { currentPrincipal, accessToken } from './principal.js';
export type { CurrentPrincipal } from './principal.js';
