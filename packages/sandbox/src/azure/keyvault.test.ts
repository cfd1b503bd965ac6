import { CertificateClient } from '@azure/keyvault-certificates';
import { createSandbox, type Sandbox, type SandboxServer } from '../index.js';
import { credentialFor, kubeletCredential, operatorCredential, restError, secretClient } from './sdkTestHelpers.js';

let sandbox: Sandbox;
let server: SandboxServer;
let requests: { method: string; url: string; authorization: string | null; status?: number }[];

beforeAll(() => {
  sandbox = createSandbox();
  server = sandbox.listen();
  server.server.events.on('response:mocked', ({ request, response }) => {
    requests.push({ method: request.method, url: request.url, authorization: request.headers.get('authorization'), status: response.status });
  });
});
beforeEach(() => {
  sandbox.reset();
  requests = [];
});
afterAll(() => server.close());

function painelDevCredential(): ReturnType<typeof credentialFor> {
  const identity = sandbox.state.azure.identities.find((i) => i.name === 'painelclientes-dev-agentpool');
  return credentialFor(identity?.clientId ?? '', 'sandbox-only-painelclientes-dev-secret');
}

describe('Key Vault data plane through @azure/keyvault-secrets', () => {
  it('challenges the first request with 401 + WWW-Authenticate, then serves the token-bearing retry', async () => {
    const secret = await secretClient('kv-cafehyna-dev-hlg', kubeletCredential()).getSecret('cloudflare-api-token');
    expect(secret.value).toBe('sandbox-cloudflare-api-token-dev');
    expect(secret.properties.tags).toEqual({ app: 'external-dns' });
    const vaultCalls = requests.filter((r) => r.url.includes('.vault.azure.net'));
    expect(vaultCalls[0]).toMatchObject({ authorization: null, status: 401 });
    expect(vaultCalls[1]?.authorization).toMatch(/^Bearer /);
    expect(vaultCalls[1]?.status).toBe(200);
  });

  it('sets a secret: the challenge comes before the body is read, and the retry creates one new version', async () => {
    const client = secretClient('kv-cafehyna-dev-hlg', operatorCredential());
    const written = await client.setSecret('grafana-admin-password', 'first', { contentType: 'text/plain', tags: { app: 'grafana' } });
    expect(written.properties.version).toMatch(/^[0-9a-f]{32}$/);
    const puts = requests.filter((r) => r.method === 'PUT');
    expect(puts.map((r) => r.status)).toEqual([401, 200]);
    const stored = sandbox.state.azure.vaults.find((v) => v.name === 'kv-cafehyna-dev-hlg')?.secrets.find((s) => s.name === 'grafana-admin-password');
    expect(stored?.versions).toHaveLength(1);
    expect(stored?.versions[0]).toMatchObject({ value: 'first', contentType: 'text/plain', tags: { app: 'grafana' } });
  });

  it('lists secret properties 25 per page with nextLink', async () => {
    const client = secretClient('kv-cafehyna-dev-hlg', operatorCredential());
    for (let n = 0; n < 30; n += 1) await client.setSecret(`bulk-${String(n).padStart(2, '0')}`, `v${n}`);
    const sizes: number[] = [];
    const names: string[] = [];
    for await (const page of client.listPropertiesOfSecrets().byPage()) {
      sizes.push(page.length);
      names.push(...page.map((p) => p.name));
    }
    // 30 new + cloudflare-api-token, Cloudflare-Api-Key and the certificate's backing secret.
    expect(sizes).toEqual([25, 8]);
    expect(new Set(names).size).toBe(33);
    expect(requests.some((r) => r.url.includes('%24skiptoken=') || r.url.includes('$skiptoken='))).toBe(true);
    const small: number[] = [];
    for await (const page of client.listPropertiesOfSecrets().byPage({ maxPageSize: 10 })) small.push(page.length);
    expect(small).toEqual([10, 10, 10, 3]);
  });

  it('lists versions and reads a pinned one', async () => {
    const client = secretClient('painel-clientes-hml', painelDevCredential());
    const versions: string[] = [];
    for await (const p of client.listPropertiesOfSecretVersions('painel-web-session-secret')) versions.push(p.version ?? '');
    expect(versions).toHaveLength(2);
    const first = await client.getSecret('painel-web-session-secret', { version: versions[0] ?? '' });
    expect(first.value).toBe('sandbox-painel-web-session-v1');
    expect((await client.getSecret('painel-web-session-secret')).value).toBe('sandbox-painel-web-session-v2');
  });

  it('answers 404 SecretNotFound with Key Vault text, for a missing name and a missing version', async () => {
    const client = secretClient('kv-cafehyna-dev-hlg', kubeletCredential());
    const missing = await restError(client.getSecret('does-not-exist'));
    expect(missing.statusCode).toBe(404);
    expect(missing.code).toBe('SecretNotFound');
    expect(missing.message).toContain('A secret with (name/id) does-not-exist was not found in this key vault.');
    const badVersion = await restError(client.getSecret('cloudflare-api-token', { version: '0123456789abcdef0123456789abcdef' }));
    expect(badVersion.code).toBe('SecretNotFound');
  });

  it('compares object names case-insensitively and answers with the stored casing', async () => {
    const secret = await secretClient('kv-cafehyna-dev-hlg', kubeletCredential()).getSecret('cloudflare-api-key');
    expect(secret.name).toBe('Cloudflare-Api-Key');
    expect(secret.value).toBe('sandbox-cloudflare-api-key-dev');
  });

  it('refuses a principal without an access policy: 403 Forbidden, inner AccessDenied, with the oid in the text', async () => {
    const error = await restError(secretClient('kv-cafehyna-dev-hlg', painelDevCredential()).getSecret('cloudflare-api-token'));
    expect(error.statusCode).toBe(403);
    expect(error.code).toBe('Forbidden');
    const oid = sandbox.state.azure.identities.find((i) => i.name === 'painelclientes-dev-agentpool')?.objectId ?? '';
    expect(error.message).toBe(
      `The user, group or application 'appid=${sandbox.state.azure.identities.find((i) => i.name === 'painelclientes-dev-agentpool')?.clientId ?? ''};oid=${oid};iss=https://sts.windows.net/3f7a3df4-f85b-4ca8-98d0-08b1034e6567/' does not have secrets get permission on key vault 'kv-cafehyna-dev-hlg;location=brazilsouth'. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287`,
    );
    expect((error.details as { error: { innerError: { code: string } } }).error.innerError.code).toBe('AccessDenied');
  });

  it('needs set to write and list to list on an access-policy vault', async () => {
    const kubelet = secretClient('kv-cafehyna-dev-hlg', kubeletCredential());
    const write = await restError(kubelet.setSecret('x', 'y'));
    expect(write.statusCode).toBe(403);
    expect(write.message).toContain('does not have secrets set permission');
    const operatorReadsValue = await restError(secretClient('kv-cafehyna-dev-hlg', operatorCredential()).getSecret('cloudflare-api-token'));
    expect(operatorReadsValue.message).toContain('does not have secrets get permission');
  });

  it('applies RBAC at vault and secret scope on an RBAC vault (ForbiddenByRbac otherwise)', async () => {
    const client = secretClient('kv-cafehyna-prd', kubeletCredential());
    expect((await client.getSecret('cloudflare-api-token')).value).toBe('sandbox-cloudflare-api-token-prd');
    const denied = await restError(client.getSecret('defectdojo-admin-password'));
    expect(denied.statusCode).toBe(403);
    expect(denied.message).toContain('Caller is not authorized to perform action on resource.\r\n');
    expect(denied.message).toContain('Assignment: (not found)');
    expect(denied.message).toContain("Resource: '/subscriptions/a6806ab2-ebb4-4fdc-a9d5-884687a165bd/resourcegroups/rg-cafehyna-prd/providers/microsoft.keyvault/vaults/kv-cafehyna-prd/secrets/defectdojo-admin-password'");
    expect((denied.details as { error: { innerError: { code: string } } }).error.innerError.code).toBe('ForbiddenByRbac');
    const list = await restError(client.listPropertiesOfSecrets().next());
    // The SDK's pager rewrites the message; the service body keeps the action.
    expect(list.statusCode).toBe(403);
    const listCall = requests.filter((r) => r.url.includes('kv-cafehyna-prd.vault.azure.net/secrets?')).pop();
    expect(listCall?.status).toBe(403);
  });

  it('answers ForbiddenByConnection when public network access is disabled', async () => {
    const vault = sandbox.state.azure.vaults.find((v) => v.name === 'kv-cafehyna-dev-hlg');
    if (vault) vault.publicNetworkAccess = 'Disabled';
    const error = await restError(secretClient('kv-cafehyna-dev-hlg', kubeletCredential()).getSecret('cloudflare-api-token'));
    expect(error.statusCode).toBe(403);
    expect(error.message).toMatch(/^Public network access is disabled and request is not from a trusted service nor via an approved private link\.\r\nCaller: /);
    expect((error.details as { error: { innerError: { code: string } } }).error.innerError.code).toBe('ForbiddenByConnection');
  });

  it('refuses a disabled version with Forbidden and the inner code SecretDisabled after updateSecretProperties', async () => {
    const operator = secretClient('kv-cafehyna-dev-hlg', operatorCredential());
    const written = await operator.setSecret('rotating', 'one');
    await operator.updateSecretProperties('rotating', written.properties.version ?? '', { enabled: false, tags: { state: 'off' } });
    const policy = sandbox.state.azure.vaults.find((v) => v.name === 'kv-cafehyna-dev-hlg')?.accessPolicies[0];
    expect(policy?.permissions.secrets).toContain('get');
    const error = await restError(secretClient('kv-cafehyna-dev-hlg', kubeletCredential()).getSecret('rotating'));
    expect(error.statusCode).toBe(403);
    // Key Vault's shape (Azure/azure-sdk-for-js#24756): top-level Forbidden, inner SecretDisabled.
    expect(error.code).toBe('Forbidden');
    expect((error.details as { error: { innerError: { code: string } } }).error.innerError.code).toBe('SecretDisabled');
    expect(error.message).toBe('Operation get is not allowed on a disabled secret.');
  });

  it('does not resolve a vault that does not exist', async () => {
    const error = await restError(secretClient('kv-does-not-exist', kubeletCredential()).getSecret('x'));
    expect(error.code).toBe('REQUEST_SEND_ERROR');
  });

  it('serves certificates and their backing secret', async () => {
    const client = new CertificateClient('https://kv-cafehyna-dev-hlg.vault.azure.net', kubeletCredential(), { retryOptions: { maxRetries: 0 } });
    const cert = await client.getCertificate('cafehyna-dev-wildcard-tls');
    expect(cert.properties.x509Thumbprint?.length).toBe(20);
    expect(cert.cer?.length).toBeGreaterThan(500);
    expect(cert.secretId).toBe(`https://kv-cafehyna-dev-hlg.vault.azure.net/secrets/cafehyna-dev-wildcard-tls/${cert.properties.version ?? ''}`);
    const names: string[] = [];
    for await (const p of client.listPropertiesOfCertificates()) names.push(p.name ?? '');
    expect(names).toEqual(['cafehyna-dev-wildcard-tls']);
    const backing = await secretClient('kv-cafehyna-dev-hlg', kubeletCredential()).getSecret('cafehyna-dev-wildcard-tls');
    expect(backing.properties.contentType).toBe('application/x-pem-file');
    expect(backing.properties.managed).toBe(true);
    expect(backing.value).toContain('-----BEGIN PRIVATE KEY-----');
    const missing = await restError(client.getCertificate('nope'));
    expect(missing.code).toBe('CertificateNotFound');
  });
});

async function vaultToken(credential: ReturnType<typeof credentialFor>): Promise<string> {
  return (await credential.getToken('https://vault.azure.net/.default'))?.token ?? '';
}

describe('Key Vault soft delete, firewall, keys and versions', () => {
  it('soft-deletes, lists deleted secrets, refuses the name with 409 ObjectIsDeletedButRecoverable, recovers and purges', async () => {
    const operator = secretClient('kv-cafehyna-prd', operatorCredential());
    await operator.setSecret('to-delete', 'v1');
    const poller = await operator.beginDeleteSecret('to-delete');
    const deleted = await poller.pollUntilDone();
    expect(deleted.recoveryId).toBe('https://kv-cafehyna-prd.vault.azure.net/deletedsecrets/to-delete');
    expect(deleted.properties.recoveryLevel).toBe('Recoverable+Purgeable');
    const listed: string[] = [];
    for await (const d of operator.listDeletedSecrets()) listed.push(d.name);
    expect(listed).toContain('to-delete');
    const gone = await restError(operator.getSecret('to-delete'));
    expect(gone.code).toBe('SecretNotFound');
    const conflict = await restError(operator.setSecret('to-delete', 'v2'));
    expect(conflict.statusCode).toBe(409);
    expect(conflict.code).toBe('Conflict');
    expect((conflict.details as { error: { innerError: { code: string } } }).error.innerError.code).toBe('ObjectIsDeletedButRecoverable');
    expect(conflict.message).toBe(
      'Secret to-delete is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.',
    );
    await (await operator.beginRecoverDeletedSecret('to-delete')).pollUntilDone();
    expect((await operator.getSecret('to-delete')).value).toBe('v1');
    await (await operator.beginDeleteSecret('to-delete')).pollUntilDone();
    await operator.purgeDeletedSecret('to-delete');
    const purged = await restError(operator.getDeletedSecret('to-delete'));
    expect(purged.statusCode).toBe(404);
    expect(purged.message).toBe('Deleted Secret not found: to-delete');
    expect((await operator.setSecret('to-delete', 'v3')).value).toBe('v3');
  });

  it('needs delete on an access-policy vault to delete (AccessDenied otherwise)', async () => {
    const error = await restError(secretClient('kv-cafehyna-dev-hlg', operatorCredential()).beginDeleteSecret('cloudflare-api-token'));
    expect(error.statusCode).toBe(403);
    expect(error.message).toContain('does not have secrets delete permission');
  });

  it('refuses a client address outside the vault firewall with ForbiddenByFirewall, before authorisation', async () => {
    const vault = sandbox.state.azure.vaults.find((v) => v.name === 'kv-cafehyna-dev-hlg');
    if (vault === undefined) throw new Error('scenario changed');
    vault.networkAcls = { defaultAction: 'Deny', bypass: 'AzureServices', ipRules: ['203.0.113.0/24'], virtualNetworkRules: [] };
    const error = await restError(secretClient('kv-cafehyna-dev-hlg', kubeletCredential()).getSecret('cloudflare-api-token'));
    expect(error.statusCode).toBe(403);
    expect((error.details as { error: { innerError: { code: string } } }).error.innerError.code).toBe('ForbiddenByFirewall');
    expect(error.message).toMatch(/^Client address is not authorized and caller is not a trusted service\.\r\nClient address: 198\.51\.100\.23\r\nCaller: appid=f1a14a8f-6d38-40a0-a935-3cdd91a25f47;oid=2d81911b-60a4-4a53-9045-ad7193c91ee5;iss=https:\/\/sts\.windows\.net\/[0-9a-f-]+\/\r\nVault: kv-cafehyna-dev-hlg;location=brazilsouth$/);
    vault.networkAcls.ipRules.push('198.51.100.23');
    expect((await secretClient('kv-cafehyna-dev-hlg', kubeletCredential()).getSecret('cloudflare-api-token')).value).toBe('sandbox-cloudflare-api-token-dev');
  });

  it('serves keys (public JWK only) with KeyNotFound for a missing one', async () => {
    const vault = sandbox.state.azure.vaults.find((v) => v.name === 'kv-cafehyna-dev-hlg');
    if (vault === undefined) throw new Error('scenario changed');
    vault.keys = [{ name: 'signing', versions: [{ version: 'a'.repeat(32), kty: 'RSA', n: Buffer.alloc(256, 0xc1).toString('base64url'), e: 'AQAB', keyOps: ['sign', 'verify'], enabled: true, createdMs: 0, updatedMs: 0, tags: {} }] }];
    vault.accessPolicies[0]?.permissions.keys?.push('get', 'list');
    const token = await vaultToken(kubeletCredential());
    const get = await fetch('https://kv-cafehyna-dev-hlg.vault.azure.net/keys/signing?api-version=2025-07-01', { headers: { authorization: `Bearer ${token}` } });
    expect(get.status).toBe(200);
    const bundle = (await get.json()) as { key: Record<string, unknown>; attributes: { enabled: boolean } };
    expect(bundle.key).toEqual({ kid: `https://kv-cafehyna-dev-hlg.vault.azure.net/keys/signing/${'a'.repeat(32)}`, kty: 'RSA', key_ops: ['sign', 'verify'], n: Buffer.alloc(256, 0xc1).toString('base64url'), e: 'AQAB' });
    expect(bundle.key).not.toHaveProperty('d');
    const missing = await fetch('https://kv-cafehyna-dev-hlg.vault.azure.net/keys/nope?api-version=2025-07-01', { headers: { authorization: `Bearer ${token}` } });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('KeyNotFound');
  });

  it('refuses an api-version it does not know with 400 BadParameter, and stamps its service headers', async () => {
    const token = await vaultToken(kubeletCredential());
    const wrong = await fetch('https://kv-cafehyna-dev-hlg.vault.azure.net/secrets/cloudflare-api-token?api-version=2099-01-01', { headers: { authorization: `Bearer ${token}` } });
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toEqual({ error: { code: 'BadParameter', message: 'The specified version (2099-01-01) is not recognized. Consider using the latest supported version (2025-07-01).' } });
    const right = await fetch('https://kv-cafehyna-dev-hlg.vault.azure.net/secrets/cloudflare-api-token?api-version=7.4', { headers: { authorization: `Bearer ${token}` } });
    expect(right.status).toBe(200);
    expect(right.headers.get('x-ms-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(right.headers.get('x-ms-keyvault-region')).toBe('brazilsouth');
    expect(right.headers.get('content-type')).toBe('application/json; charset=utf-8');
  });
});
