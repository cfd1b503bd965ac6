import { AuthenticationRequiredError, ClientAssertionCredential, ClientSecretCredential, CredentialUnavailableError } from '@azure/identity';
import { createSandbox, createServiceAccountToken, decodeAccessToken, type Sandbox, type SandboxServer } from '../index.js';
import { KUBELET_CLIENT_ID, KUBELET_SECRET, TENANT_ID, secretClient } from './sdkTestHelpers.js';

let sandbox: Sandbox;
let server: SandboxServer;

beforeAll(() => {
  sandbox = createSandbox();
  server = sandbox.listen();
});
beforeEach(() => sandbox.reset());
afterAll(() => server.close());

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail');
}

function painelApi(): { clientId: string; issuer: string } {
  const identity = sandbox.state.azure.identities.find((i) => i.name === 'id-painel-api');
  const cluster = sandbox.state.azure.managedClusters.find((c) => c.name === 'painelclientes-dev');
  return { clientId: identity?.clientId ?? '', issuer: cluster?.oidcIssuerUrl ?? '' };
}

function assertionCredential(clientId: string, assertion: () => string): ClientAssertionCredential {
  return new ClientAssertionCredential(TENANT_ID, clientId, async () => assertion());
}

describe('Entra ID token endpoint through @azure/identity', () => {
  it('issues client-credential tokens whose claims name the audience and the principal', async () => {
    const credential = new ClientSecretCredential(TENANT_ID, KUBELET_CLIENT_ID, KUBELET_SECRET);
    const vaultToken = await credential.getToken('https://vault.azure.net/.default');
    const armToken = await credential.getToken('https://management.azure.com/.default');
    expect(decodeAccessToken(vaultToken?.token ?? '')).toMatchObject({
      aud: 'https://vault.azure.net',
      oid: '2d81911b-60a4-4a53-9045-ad7193c91ee5',
      appid: KUBELET_CLIENT_ID,
      tid: TENANT_ID,
    });
    expect(decodeAccessToken(armToken?.token ?? '')?.aud).toBe('https://management.azure.com/');
  });

  it('refuses a wrong client secret with AADSTS7000215', async () => {
    const error = await failure(new ClientSecretCredential(TENANT_ID, KUBELET_CLIENT_ID, 'wrong').getToken('https://vault.azure.net/.default'));
    expect(error).toBeInstanceOf(AuthenticationRequiredError);
    expect(error.message).toContain('AADSTS7000215: Invalid client secret provided.');
  });

  it('refuses an unknown client ID with AADSTS700016', async () => {
    const error = await failure(new ClientSecretCredential(TENANT_ID, '00000000-1111-4222-8333-444444444444', 'x').getToken('https://vault.azure.net/.default'));
    expect(error.message).toContain("AADSTS700016: Application with identifier '00000000-1111-4222-8333-444444444444' was not found in the directory 'cafehyna.onmicrosoft.com'");
  });

  it('refuses an unknown tenant with AADSTS90002', async () => {
    const error = await failure(new ClientSecretCredential('11111111-2222-4333-8444-555555555555', KUBELET_CLIENT_ID, KUBELET_SECRET).getToken('https://vault.azure.net/.default'));
    expect(error.message).toContain("AADSTS90002: Tenant '11111111-2222-4333-8444-555555555555' not found");
  });

  it('refuses a scope for an unknown resource with AADSTS500011', async () => {
    const error = await failure(new ClientSecretCredential(TENANT_ID, KUBELET_CLIENT_ID, KUBELET_SECRET).getToken('https://unknown.example/.default'));
    expect(error.message).toContain('AADSTS500011');
  });

  it('refuses a subject mismatch with AADSTS700213 and HTTP 401, as Entra answers since 2024', async () => {
    const { clientId, issuer } = painelApi();
    const assertion = (): string => createServiceAccountToken({ issuer, namespace: 'painel-clientes', serviceAccount: 'painel-api', nowMs: sandbox.clock.nowMs() });
    const error = await failure(assertionCredential(clientId, assertion).getToken('https://vault.azure.net/.default'));
    // Text as quoted in Azure/azure-workload-identity#1200 and dotnet/maui#31978 (not the retired AADSTS70021/400).
    expect(error.message).toContain(
      "AADSTS700213: No matching federated identity record found for presented assertion subject 'system:serviceaccount:painel-clientes:painel-api'. Check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation Trace ID: ",
    );
    const raw = await fetch(`https://login.microsoftonline.com/${TENANT_ID}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials', client_id: clientId, scope: 'https://vault.azure.net/.default',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion(),
      }).toString(),
    });
    expect(raw.status).toBe(401);
    expect(await raw.json()).toMatchObject({ error: 'invalid_client', error_codes: [700213] });
  });

  it('refuses an identity with no federated credential at all with AADSTS70025', async () => {
    const { issuer } = painelApi();
    const kubelet = sandbox.state.azure.identities.find((i) => i.name === 'id-cafehyna-aks-kubelet');
    const error = await failure(
      assertionCredential(KUBELET_CLIENT_ID, () => createServiceAccountToken({ issuer, namespace: 'default', serviceAccount: 'default', nowMs: sandbox.clock.nowMs() })).getToken(
        'https://vault.azure.net/.default',
      ),
    );
    expect(kubelet?.federatedCredentials).toEqual([]);
    expect(error.message).toContain(`AADSTS70025: The client '${KUBELET_CLIENT_ID}'(id-cafehyna-aks-kubelet) has no configured federated identity credentials.`);
  });

  it('issues a token for an assertion that matches the federated credential, usable on the vault', async () => {
    const { clientId, issuer } = painelApi();
    const credential = assertionCredential(clientId, () =>
      createServiceAccountToken({ issuer, namespace: 'painel-clientes', serviceAccount: 'painel-api-sa', nowMs: sandbox.clock.nowMs() }),
    );
    const secret = await secretClient('painel-clientes-hml', credential).getSecret('painel-api-jwt-secret');
    expect(secret.value).toBe('sandbox-painel-api-jwt-secret');
  });

  it('refuses an unknown issuer (AADSTS700211) and an expired assertion (AADSTS700024)', async () => {
    const { clientId, issuer } = painelApi();
    const wrongIssuer = await failure(
      assertionCredential(clientId, () =>
        createServiceAccountToken({ issuer: 'https://elsewhere.example/', namespace: 'painel-clientes', serviceAccount: 'painel-api-sa', nowMs: sandbox.clock.nowMs() }),
      ).getToken('https://vault.azure.net/.default'),
    );
    expect(wrongIssuer.message).toContain("AADSTS700211: No matching federated identity record found for presented assertion issuer 'https://elsewhere.example/'");
    const minted = sandbox.clock.nowMs() - 7_200_000;
    const expired = await failure(
      assertionCredential(clientId, () => createServiceAccountToken({ issuer, namespace: 'painel-clientes', serviceAccount: 'painel-api-sa', nowMs: minted })).getToken(
        'https://vault.azure.net/.default',
      ),
    );
    expect(expired.message).toContain('AADSTS700024');
  });

  it('lets the Key Vault challenge name a tenant the credential refuses (vault in another tenant)', async () => {
    const vault = sandbox.state.azure.vaults.find((v) => v.name === 'kv-cafehyna-dev-hlg');
    if (vault) vault.tenantId = '99999999-8888-4777-8666-555555555555';
    const error = await failure(secretClient('kv-cafehyna-dev-hlg', new ClientSecretCredential(TENANT_ID, KUBELET_CLIENT_ID, KUBELET_SECRET)).getSecret('cloudflare-api-token'));
    expect(error).toBeInstanceOf(CredentialUnavailableError);
    expect(error.message).toContain('AdditionallyAllowedTenants');
  });
});
