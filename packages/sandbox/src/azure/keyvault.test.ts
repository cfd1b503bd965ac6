import { isRestError } from '@azure/core-rest-pipeline';
import { createSandbox, type Sandbox, type SandboxServer } from '../index.js';
import { kubeletCredential, operatorCredential, secretClient } from './sdkTestHelpers.js';

let sandbox: Sandbox;
let server: SandboxServer;

beforeAll(() => {
  sandbox = createSandbox();
  server = sandbox.listen();
});
afterAll(() => server.close());

async function restError(promise: Promise<unknown>): Promise<{ statusCode?: number; code?: string; message: string; details?: unknown }> {
  try {
    await promise;
  } catch (error) {
    if (isRestError(error)) return error as never;
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe('Key Vault data plane through @azure/keyvault-secrets', () => {
  it('answers the challenge, then returns a secret the identity may read', async () => {
    const client = secretClient('kv-cafehyna-dev-hlg', kubeletCredential());
    const secret = await client.getSecret('cloudflare-api-token');
    expect(secret.value).toBe('sandbox-cloudflare-api-token-dev');
    expect(secret.properties.vaultUrl).toBe('https://kv-cafehyna-dev-hlg.vault.azure.net');
    expect(secret.properties.tags).toEqual({ app: 'external-dns' });
  });

  it('denies a secret on the RBAC vault with 403 ForbiddenByRbac', async () => {
    const client = secretClient('kv-cafehyna-prd', kubeletCredential());
    const error = await restError(client.getSecret('defectdojo-admin-password'));
    expect(error.statusCode).toBe(403);
    expect(error.code).toBe('Forbidden');
    expect(error.message).toContain("Action: 'Microsoft.KeyVault/vaults/secrets/getSecret/action'");
    expect(JSON.stringify(error.details)).toContain('ForbiddenByRbac');
  });

  it('writes a secret for the operator', async () => {
    const client = secretClient('kv-cafehyna-dev-hlg', operatorCredential());
    const written = await client.setSecret('new-one', 'v1', { contentType: 'text/plain' });
    expect(written.properties.version).toMatch(/^[0-9a-f]{32}$/);
  });
});
