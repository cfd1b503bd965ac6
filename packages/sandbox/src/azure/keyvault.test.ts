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

  it('refuses a disabled version with SecretDisabled after updateSecretProperties', async () => {
    const operator = secretClient('kv-cafehyna-dev-hlg', operatorCredential());
    const written = await operator.setSecret('rotating', 'one');
    await operator.updateSecretProperties('rotating', written.properties.version ?? '', { enabled: false, tags: { state: 'off' } });
    const policy = sandbox.state.azure.vaults.find((v) => v.name === 'kv-cafehyna-dev-hlg')?.accessPolicies[0];
    expect(policy?.permissions.secrets).toContain('get');
    const error = await restError(secretClient('kv-cafehyna-dev-hlg', kubeletCredential()).getSecret('rotating'));
    expect(error.statusCode).toBe(403);
    expect(error.code).toBe('SecretDisabled');
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
