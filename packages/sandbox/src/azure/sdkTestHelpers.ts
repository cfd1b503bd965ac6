// Helpers for tests that drive the sandbox through the real Azure SDKs. Not exported from the package.
import { ClientSecretCredential, type TokenCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import { isRestError, type RestError } from '@azure/core-rest-pipeline';
import type { Sandbox } from '../sandbox.js';

export const TENANT_ID = '3f7a3df4-f85b-4ca8-98d0-08b1034e6567';
export const KUBELET_CLIENT_ID = 'f1a14a8f-6d38-40a0-a935-3cdd91a25f47';
export const KUBELET_SECRET = 'sandbox-only-cafehyna-kubelet-secret';
export const OPERATOR_CLIENT_ID = '6b1c7a55-0c6e-4a8e-9b7e-3f2d8c1a9e40';
export const OPERATOR_SECRET = 'sandbox-only-kvcsi-operator-secret';
export const NONPROD_SUBSCRIPTION = '0d7562b8-108e-4b3c-9be7-0a403d3ccaa7';
export const PROD_SUBSCRIPTION = 'a6806ab2-ebb4-4fdc-a9d5-884687a165bd';

export function credentialFor(clientId: string, secret: string): TokenCredential {
  return new ClientSecretCredential(TENANT_ID, clientId, secret);
}

export const kubeletCredential = (): TokenCredential => credentialFor(KUBELET_CLIENT_ID, KUBELET_SECRET);
export const operatorCredential = (): TokenCredential => credentialFor(OPERATOR_CLIENT_ID, OPERATOR_SECRET);

/** A SecretClient that fails fast: no retries, so fault tests see the first answer. */
export function secretClient(vaultName: string, credential: TokenCredential, maxRetries = 0): SecretClient {
  return new SecretClient(`https://${vaultName}.vault.azure.net`, credential, { retryOptions: { maxRetries } });
}

/** Records every request the sandbox sees (URL and method), for assertions on what the SDK sent. */
export function recordRequests(sandbox: Sandbox, server: { events: { on(event: 'request:start', cb: (e: { request: Request }) => void): void } }): string[] {
  void sandbox;
  const log: string[] = [];
  server.events.on('request:start', ({ request }) => log.push(`${request.method} ${request.url}`));
  return log;
}

/** The RestError a call fails with; fails the test if it succeeds or throws something else. */
export async function restError(promise: Promise<unknown>): Promise<RestError> {
  try {
    await promise;
  } catch (error) {
    if (isRestError(error)) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}
