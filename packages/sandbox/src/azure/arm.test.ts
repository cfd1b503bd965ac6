import { AuthorizationManagementClient } from '@azure/arm-authorization';
import { ContainerServiceClient } from '@azure/arm-containerservice';
import { KeyVaultManagementClient } from '@azure/arm-keyvault';
import { ManagedServiceIdentityClient } from '@azure/arm-msi';
import { bearerTokenAuthenticationPolicy, createDefaultHttpClient, createEmptyPipeline, createPipelineRequest } from '@azure/core-rest-pipeline';
import { ClientAssertionCredential } from '@azure/identity';
import { createServiceAccountToken, createSandbox, KEY_VAULT_SECRETS_USER_ROLE_ID, type Sandbox, type SandboxServer } from '../index.js';
import {
  KUBELET_CLIENT_ID,
  NONPROD_SUBSCRIPTION,
  PROD_SUBSCRIPTION,
  TENANT_ID,
  credentialFor,
  kubeletCredential,
  operatorCredential,
  secretClient,
  restError,
} from './sdkTestHelpers.js';

const KUBELET_OBJECT_ID = '2d81911b-60a4-4a53-9045-ad7193c91ee5';
const PRD_VAULT_SCOPE = `subscriptions/${PROD_SUBSCRIPTION}/resourceGroups/rg-cafehyna-prd/providers/Microsoft.KeyVault/vaults/kv-cafehyna-prd`;
const NO_RETRY = { retryOptions: { maxRetries: 0 } };

let sandbox: Sandbox;
let server: SandboxServer;

beforeAll(() => {
  sandbox = createSandbox();
  server = sandbox.listen();
});
beforeEach(() => sandbox.reset());
afterAll(() => server.close());

const authorization = (subscription = PROD_SUBSCRIPTION, credential = operatorCredential()): AuthorizationManagementClient =>
  new AuthorizationManagementClient(credential, subscription, NO_RETRY);

function identity(name: string): { clientId: string; objectId: string } {
  const found = sandbox.state.azure.identities.find((i) => i.name === name);
  return { clientId: found?.clientId ?? '', objectId: found?.objectId ?? '' };
}

describe('ARM Key Vault through @azure/arm-keyvault', () => {
  it('gets a vault with its permission model, tenant and access policies', async () => {
    const client = new KeyVaultManagementClient(operatorCredential(), NONPROD_SUBSCRIPTION);
    const vault = await client.vaults.get('rg-cafehyna-dev', 'kv-cafehyna-dev-hlg');
    expect(vault.id).toBe(`/subscriptions/${NONPROD_SUBSCRIPTION}/resourceGroups/rg-cafehyna-dev/providers/Microsoft.KeyVault/vaults/kv-cafehyna-dev-hlg`);
    expect(vault.properties.enableRbacAuthorization).toBe(false);
    expect(vault.properties.tenantId).toBe(TENANT_ID);
    expect(vault.properties.vaultUri).toBe('https://kv-cafehyna-dev-hlg.vault.azure.net/');
    expect(vault.properties.accessPolicies?.map((p) => p.objectId)).toContain(KUBELET_OBJECT_ID);
    const prd = await new KeyVaultManagementClient(operatorCredential(), PROD_SUBSCRIPTION).vaults.get('rg-cafehyna-prd', 'kv-cafehyna-prd');
    expect(prd.properties.enableRbacAuthorization).toBe(true);
  });

  it('lists vaults by subscription, by resource group and through the resources API', async () => {
    const client = new KeyVaultManagementClient(operatorCredential(), NONPROD_SUBSCRIPTION);
    const bySubscription: string[] = [];
    for await (const v of client.vaults.listBySubscription()) bySubscription.push(v.name ?? '');
    expect(bySubscription.sort()).toEqual(['kv-cafehyna-default', 'kv-cafehyna-dev-hlg', 'painel-clientes-hml']);
    const byGroup: string[] = [];
    for await (const v of client.vaults.listByResourceGroup('rg-cafehyna-hub')) byGroup.push(v.name ?? '');
    expect(byGroup).toEqual(['kv-cafehyna-default']);
    const viaResources: string[] = [];
    for await (const r of client.vaults.list()) viaResources.push(r.name ?? '');
    expect(viaResources.sort()).toEqual(bySubscription.sort());
  });

  it('answers 404 ResourceNotFound and ResourceGroupNotFound', async () => {
    const client = new KeyVaultManagementClient(operatorCredential(), NONPROD_SUBSCRIPTION, NO_RETRY);
    const missing = await restError(client.vaults.get('rg-cafehyna-dev', 'kv-nope'));
    expect(missing.statusCode).toBe(404);
    expect(missing.code).toBe('ResourceNotFound');
    const noGroup = await restError(client.vaults.get('rg-nope', 'kv-cafehyna-dev-hlg'));
    expect(noGroup.code).toBe('ResourceGroupNotFound');
  });

  it('answers a caller without access 403 AuthorizationFailed, not 404, even for a resource group or vault that does not exist', async () => {
    // Real ARM authorises at the requested scope before it looks the resource up ("… or the scope is invalid").
    const client = new KeyVaultManagementClient(kubeletCredential(), PROD_SUBSCRIPTION, NO_RETRY);
    for (const [group, vault] of [['rg-cafehyna-prd', 'kv-nope'], ['rg-nope', 'kv-cafehyna-prd']] as const) {
      const denied = await restError(client.vaults.get(group, vault));
      expect(denied.statusCode).toBe(403);
      expect(denied.code).toBe('AuthorizationFailed');
      expect(denied.message).toBe(
        `The client '${KUBELET_CLIENT_ID}' with object id '${KUBELET_OBJECT_ID}' does not have authorization to perform action 'Microsoft.KeyVault/vaults/read' over scope '/subscriptions/${PROD_SUBSCRIPTION}/resourceGroups/${group}/providers/Microsoft.KeyVault/vaults/${vault}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
      );
    }
    const aks = await restError(new ContainerServiceClient(kubeletCredential(), PROD_SUBSCRIPTION, NO_RETRY).managedClusters.get('rg-nope', 'nope'));
    expect(aks.statusCode).toBe(403);
    const msi = await restError(new ManagedServiceIdentityClient(kubeletCredential(), PROD_SUBSCRIPTION, NO_RETRY).userAssignedIdentities.get('rg-nope', 'nope'));
    expect(msi.statusCode).toBe(403);
    const assignment = await restError(
      authorization(PROD_SUBSCRIPTION, kubeletCredential()).roleAssignments.create(`subscriptions/${PROD_SUBSCRIPTION}/resourceGroups/rg-nope`, '5d5b8a8e-8c1e-4a4e-9d5e-0b0c0d0e0f10', {
        roleDefinitionId: `/subscriptions/${PROD_SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/${KEY_VAULT_SECRETS_USER_ROLE_ID}`,
        principalId: KUBELET_OBJECT_ID,
      }),
    );
    expect(assignment.statusCode).toBe(403);
  });

  it('refuses an api-version the provider does not serve (400 NoRegisteredProviderFound) or none at all, and stamps ARM headers', async () => {
    const token = (await operatorCredential().getToken('https://management.azure.com/.default'))?.token ?? '';
    const base = `https://management.azure.com/subscriptions/${NONPROD_SUBSCRIPTION}/resourceGroups/rg-cafehyna-dev/providers/Microsoft.KeyVault/vaults/kv-cafehyna-dev-hlg`;
    const get = (query: string): Promise<Response> => fetch(`${base}${query}`, { headers: { authorization: `Bearer ${token}` } });
    const wrong = await get('?api-version=2099-01-01');
    expect(wrong.status).toBe(400);
    const body = (await wrong.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('NoRegisteredProviderFound');
    expect(body.error.message).toMatch(/^No registered resource provider found for location 'brazilsouth' and API version '2099-01-01' for type 'vaults'\. The supported api-versions are '2015-06-01, .*2025-05-01.*'\. The supported locations are 'brazilsouth'\.$/);
    const none = await get('');
    expect(none.status).toBe(400);
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe('MissingApiVersionParameter');
    const right = await get('?api-version=2025-05-01');
    expect(right.status).toBe(200);
    expect(right.headers.get('x-ms-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(right.headers.get('x-ms-correlation-request-id')).toBe(right.headers.get('x-ms-request-id'));
    expect(right.headers.get('x-ms-ratelimit-remaining-subscription-reads')).toMatch(/^\d+$/);
  });

  it('adds, replaces and removes access policies; the data plane follows at once', async () => {
    const client = new KeyVaultManagementClient(operatorCredential(), NONPROD_SUBSCRIPTION);
    const painel = identity('painelclientes-dev-agentpool');
    const reader = secretClient('kv-cafehyna-dev-hlg', credentialFor(painel.clientId, 'sandbox-only-painelclientes-dev-secret'));
    expect((await restError(reader.getSecret('cloudflare-api-token'))).statusCode).toBe(403);

    const policy = (secrets: string[]) => ({ properties: { accessPolicies: [{ tenantId: TENANT_ID, objectId: painel.objectId, permissions: { secrets } }] } });
    const added = await client.vaults.updateAccessPolicy('rg-cafehyna-dev', 'kv-cafehyna-dev-hlg', 'add', policy(['get']));
    expect(added.properties.accessPolicies.find((p) => p.objectId === painel.objectId)?.permissions.secrets).toEqual(['get']);
    expect((await reader.getSecret('cloudflare-api-token')).value).toBe('sandbox-cloudflare-api-token-dev');

    await client.vaults.updateAccessPolicy('rg-cafehyna-dev', 'kv-cafehyna-dev-hlg', 'add', policy(['list']));
    await client.vaults.updateAccessPolicy('rg-cafehyna-dev', 'kv-cafehyna-dev-hlg', 'replace', policy(['list']));
    const replaced = sandbox.state.azure.vaults.find((v) => v.name === 'kv-cafehyna-dev-hlg')?.accessPolicies.find((p) => p.objectId === painel.objectId);
    expect(replaced?.permissions.secrets).toEqual(['list']);

    const removed = await client.vaults.updateAccessPolicy('rg-cafehyna-dev', 'kv-cafehyna-dev-hlg', 'remove', policy(['list']));
    expect(removed.properties.accessPolicies.some((p) => p.objectId === painel.objectId)).toBe(false);
  });

  it('refuses access-policy writes to a caller without the right (403 AuthorizationFailed)', async () => {
    const client = new KeyVaultManagementClient(kubeletCredential(), NONPROD_SUBSCRIPTION, NO_RETRY);
    const error = await restError(
      client.vaults.updateAccessPolicy('rg-cafehyna-dev', 'kv-cafehyna-dev-hlg', 'add', {
        properties: { accessPolicies: [{ tenantId: TENANT_ID, objectId: KUBELET_OBJECT_ID, permissions: { secrets: ['set'] } }] },
      }),
    );
    expect(error.statusCode).toBe(403);
    expect(error.code).toBe('AuthorizationFailed');
    expect(error.message).toContain("does not have authorization to perform action 'Microsoft.KeyVault/vaults/accessPolicies/write'");
  });
});

describe('ARM role assignments through @azure/arm-authorization', () => {
  const secretsUser = `/subscriptions/${PROD_SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/${KEY_VAULT_SECRETS_USER_ROLE_ID}`;
  const name = '0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0';

  it('creates at vault scope (the 403 case then reads), refuses a duplicate with 409, lists and deletes', async () => {
    const reader = secretClient('kv-cafehyna-prd', kubeletCredential());
    expect((await restError(reader.getSecret('defectdojo-admin-password'))).statusCode).toBe(403);

    const client = authorization();
    const created = await client.roleAssignments.create(PRD_VAULT_SCOPE, name, { roleDefinitionId: secretsUser, principalId: KUBELET_OBJECT_ID, principalType: 'ServicePrincipal' });
    expect(created.scope).toBe(`/${PRD_VAULT_SCOPE}`);
    expect(created.id).toBe(`/${PRD_VAULT_SCOPE}/providers/Microsoft.Authorization/roleAssignments/${name}`);
    expect(created.roleDefinitionId).toBe(secretsUser);
    expect((await reader.getSecret('defectdojo-admin-password')).value).toBe('sandbox-defectdojo-admin-password');

    const duplicate = await restError(
      client.roleAssignments.create(PRD_VAULT_SCOPE, '1f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0', { roleDefinitionId: secretsUser, principalId: KUBELET_OBJECT_ID }),
    );
    expect(duplicate.statusCode).toBe(409);
    expect(duplicate.code).toBe('RoleAssignmentExists');
    expect(duplicate.message).toBe('The role assignment already exists.');

    const listed: string[] = [];
    for await (const a of client.roleAssignments.listForScope(PRD_VAULT_SCOPE, { filter: `principalId eq '${KUBELET_OBJECT_ID}'` })) listed.push(a.scope ?? '');
    // The new vault-scope assignment and the secret-scope one below it.
    expect(listed.sort()).toEqual([`/${PRD_VAULT_SCOPE}`, `/${PRD_VAULT_SCOPE}/secrets/cloudflare-api-token`]);
    const atScope: string[] = [];
    for await (const a of client.roleAssignments.listForScope(PRD_VAULT_SCOPE, { filter: 'atScope()' })) atScope.push(a.scope ?? '');
    expect(atScope).not.toContain(`/${PRD_VAULT_SCOPE}/secrets/cloudflare-api-token`);
    expect(atScope).toContain(`/subscriptions/${PROD_SUBSCRIPTION}`);

    const fetched = await client.roleAssignments.get(PRD_VAULT_SCOPE, name);
    expect(fetched.principalId).toBe(KUBELET_OBJECT_ID);
    await client.roleAssignments.delete(PRD_VAULT_SCOPE, name);
    expect((await restError(reader.getSecret('defectdojo-admin-password'))).statusCode).toBe(403);
    expect((await restError(client.roleAssignments.get(PRD_VAULT_SCOPE, name))).code).toBe('RoleAssignmentNotFound');
  });

  it('grants at secret scope only that secret', async () => {
    await authorization().roleAssignments.create(`${PRD_VAULT_SCOPE}/secrets/defectdojo-secret-key`, name, { roleDefinitionId: secretsUser, principalId: KUBELET_OBJECT_ID });
    const reader = secretClient('kv-cafehyna-prd', kubeletCredential());
    expect((await reader.getSecret('defectdojo-secret-key')).value).toBe('sandbox-defectdojo-secret-key');
    expect((await restError(reader.getSecret('defectdojo-admin-password'))).statusCode).toBe(403);
  });

  it('applies the scenario propagation delay on the sandbox clock', async () => {
    sandbox.state.azure.roleAssignmentPropagationDelayInMs = 120_000;
    await authorization().roleAssignments.create(PRD_VAULT_SCOPE, name, { roleDefinitionId: secretsUser, principalId: KUBELET_OBJECT_ID });
    const reader = secretClient('kv-cafehyna-prd', kubeletCredential());
    const early = await restError(reader.getSecret('defectdojo-admin-password'));
    expect(early.message).toContain('please observe propagation time');
    sandbox.clock.advance(119_999);
    expect((await restError(reader.getSecret('defectdojo-admin-password'))).statusCode).toBe(403);
    sandbox.clock.advance(1);
    expect((await reader.getSecret('defectdojo-admin-password')).value).toBe('sandbox-defectdojo-admin-password');
  });

  it('validates: unknown role definition, unknown principal, non-GUID name, missing right', async () => {
    const client = authorization();
    const badRole = await restError(
      client.roleAssignments.create(PRD_VAULT_SCOPE, name, {
        roleDefinitionId: `/subscriptions/${PROD_SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/11111111-2222-4333-8444-555555555555`,
        principalId: KUBELET_OBJECT_ID,
      }),
    );
    expect(badRole.code).toBe('RoleDefinitionDoesNotExist');
    const badPrincipal = await restError(client.roleAssignments.create(PRD_VAULT_SCOPE, name, { roleDefinitionId: secretsUser, principalId: '11111111-2222-4333-8444-555555555555' }));
    expect(badPrincipal.code).toBe('PrincipalNotFound');
    const badName = await restError(client.roleAssignments.create(PRD_VAULT_SCOPE, 'not-a-guid', { roleDefinitionId: secretsUser, principalId: KUBELET_OBJECT_ID }));
    expect(badName.code).toBe('InvalidRoleAssignmentId');
    const denied = await restError(
      authorization(PROD_SUBSCRIPTION, kubeletCredential()).roleAssignments.create(PRD_VAULT_SCOPE, name, { roleDefinitionId: secretsUser, principalId: KUBELET_OBJECT_ID }),
    );
    expect(denied.code).toBe('AuthorizationFailed');
    expect(denied.message).toContain("'Microsoft.Authorization/roleAssignments/write'");
  });

  it('refuses a principalType that does not match the principal (400 UnmatchedPrincipalType)', async () => {
    const mismatch = await restError(
      authorization().roleAssignments.create(PRD_VAULT_SCOPE, '6e6c9b9f-9d2f-4b5f-8e6f-1c1d1e1f2021', { roleDefinitionId: secretsUser, principalId: KUBELET_OBJECT_ID, principalType: 'User' }),
    );
    expect(mismatch.statusCode).toBe(400);
    expect(mismatch.code).toBe('UnmatchedPrincipalType');
    expect(mismatch.message).toBe(`The PrincipalId '${KUBELET_OBJECT_ID.replace(/-/g, '')}' has type 'ServicePrincipal', which is different from specified PrincipalType 'User'.`);
    expect(sandbox.state.azure.roleAssignments.some((a) => a.name === '6e6c9b9f-9d2f-4b5f-8e6f-1c1d1e1f2021')).toBe(false);
  });

  it('serves role definitions by ID and by roleName filter', async () => {
    const client = authorization();
    const byId = await client.roleDefinitions.get(`subscriptions/${PROD_SUBSCRIPTION}`, KEY_VAULT_SECRETS_USER_ROLE_ID);
    expect(byId.roleName).toBe('Key Vault Secrets User');
    expect(byId.permissions?.[0]?.dataActions).toContain('Microsoft.KeyVault/vaults/secrets/getSecret/action');
    const found: string[] = [];
    for await (const d of client.roleDefinitions.list(`subscriptions/${PROD_SUBSCRIPTION}`, { filter: "roleName eq 'Key Vault Secrets Officer'" })) found.push(d.name ?? '');
    expect(found).toEqual(['b86a8fe4-44ce-4948-aee5-eccb2c155cd7']);
  });
});

describe('ARM managed clusters and identities', () => {
  it('discovers a cluster kubelet identity through @azure/arm-containerservice', async () => {
    const client = new ContainerServiceClient(operatorCredential(), NONPROD_SUBSCRIPTION);
    const cluster = await client.managedClusters.get('rg-painelclientes-hml', 'painelclientes-dev');
    const profile = (cluster as { identityProfile?: Record<string, { clientId?: string; objectId?: string }> }).identityProfile;
    expect(profile?.['kubeletidentity']).toMatchObject(identity('painelclientes-dev-agentpool'));
    const cafehyna = await client.managedClusters.get('rg-cafehyna-dev', 'cafehyna-dev');
    expect((cafehyna as { identityProfile?: Record<string, { clientId?: string }> }).identityProfile?.['kubeletidentity']?.clientId).toBe(KUBELET_CLIENT_ID);
    const names: string[] = [];
    for await (const c of client.managedClusters.list()) names.push(c.name ?? '');
    expect(names.sort()).toEqual(['cafehyna-dev', 'cafehyna-hub', 'painelclientes-dev']);
  });

  it('reads identities and fixes a federated credential through @azure/arm-msi, after which the assertion is accepted', async () => {
    const client = new ManagedServiceIdentityClient(operatorCredential(), NONPROD_SUBSCRIPTION);
    const painelApi = await client.userAssignedIdentities.get('rg-painelclientes-hml', 'id-painel-api');
    expect(painelApi.clientId).toBe(identity('id-painel-api').clientId);
    expect(painelApi.principalId).toBe(identity('id-painel-api').objectId);
    const fics = [];
    for await (const f of client.federatedIdentityCredentials.list('rg-painelclientes-hml', 'id-painel-api')) fics.push(f);
    expect(fics).toHaveLength(1);
    expect(fics[0]?.subject).toBe('system:serviceaccount:painel-clientes:painel-api-sa');

    const issuer = fics[0]?.issuer ?? '';
    const credential = new ClientAssertionCredential(TENANT_ID, painelApi.clientId ?? '', async () =>
      createServiceAccountToken({ issuer, namespace: 'painel-clientes', serviceAccount: 'painel-api', nowMs: sandbox.clock.nowMs() }),
    );
    await expect(credential.getToken('https://vault.azure.net/.default')).rejects.toThrow('AADSTS70021');

    await client.federatedIdentityCredentials.createOrUpdate('rg-painelclientes-hml', 'id-painel-api', 'painel-api-federated', {
      issuer,
      subject: 'system:serviceaccount:painel-clientes:painel-api',
      audiences: ['api://AzureADTokenExchange'],
    });
    const fixed = await client.federatedIdentityCredentials.get('rg-painelclientes-hml', 'id-painel-api', 'painel-api-federated');
    expect(fixed.subject).toBe('system:serviceaccount:painel-clientes:painel-api');
    const fresh = new ClientAssertionCredential(TENANT_ID, painelApi.clientId ?? '', async () =>
      createServiceAccountToken({ issuer, namespace: 'painel-clientes', serviceAccount: 'painel-api', nowMs: sandbox.clock.nowMs() }),
    );
    expect((await secretClient('painel-clientes-hml', fresh).getSecret('painel-api-jwt-secret')).value).toBe('sandbox-painel-api-jwt-secret');

    await client.federatedIdentityCredentials.delete('rg-painelclientes-hml', 'id-painel-api', 'painel-api-federated');
    expect(sandbox.state.azure.identities.find((i) => i.name === 'id-painel-api')?.federatedCredentials).toEqual([]);
  });

  it('refuses a token for another resource: a Key Vault token on ARM is 401 InvalidAuthenticationTokenAudience', async () => {
    const token = await kubeletCredential().getToken('https://vault.azure.net/.default');
    const response = await fetch(`https://management.azure.com/subscriptions/${NONPROD_SUBSCRIPTION}/providers/Microsoft.KeyVault/vaults?api-version=2026-02-01`, {
      headers: { authorization: `Bearer ${token?.token ?? ''}` },
    });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('InvalidAuthenticationTokenAudience');
  });
});

describe('GET /subscriptions', () => {
  async function listSubscriptions(credential: ReturnType<typeof operatorCredential>): Promise<{ value: { subscriptionId: string; tenantId: string; state: string }[] }> {
    // The SDKs' own pipeline with bearer-token auth, as @azure/arm-resources-subscriptions sends it.
    const pipeline = createEmptyPipeline();
    pipeline.addPolicy(bearerTokenAuthenticationPolicy({ credential, scopes: 'https://management.azure.com/.default' }));
    const response = await pipeline.sendRequest(createDefaultHttpClient(), createPipelineRequest({ url: 'https://management.azure.com/subscriptions?api-version=2022-12-01' }));
    expect(response.status).toBe(200);
    return JSON.parse(response.bodyAsText ?? '{}');
  }

  it('lists the subscriptions where the caller holds a role', async () => {
    const { value } = await listSubscriptions(operatorCredential());
    expect(value.map((s) => s.subscriptionId).sort()).toEqual([NONPROD_SUBSCRIPTION, PROD_SUBSCRIPTION].sort());
    expect(value.every((s) => s.tenantId === TENANT_ID && s.state === 'Enabled')).toBe(true);
  });

  it('hides subscriptions where the caller holds nothing', async () => {
    const { value } = await listSubscriptions(kubeletCredential());
    // The kubelet identity only holds data-plane access on vaults, through access policies or a secret-scope role.
    expect(value.map((s) => s.subscriptionId)).not.toContain(NONPROD_SUBSCRIPTION);
  });
});
