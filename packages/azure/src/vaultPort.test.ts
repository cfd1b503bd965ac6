import { KvcsiError } from '@kvcsi/core';
import { createAzureVaultPort, KEY_VAULT_SECRETS_USER_ROLE_ID, type AzureVaultPort } from './index.js';
import { identityOf, KUBELET, kubeletCredential, NONPROD, operatorCredential, PROD, registry, startSandbox, TENANT_ID, type SandboxHarness } from './testing.js';

let harness: SandboxHarness;

beforeAll(() => {
  harness = startSandbox();
});
beforeEach(() => {
  harness.sandbox.reset();
  harness.requests.length = 0;
});
afterAll(() => harness.server.close());

const operatorPort = (overrides: Parameters<typeof createAzureVaultPort>[0] = {}): AzureVaultPort =>
  createAzureVaultPort({ credential: operatorCredential(), registry: registry(), subscriptionIds: [NONPROD, PROD], retryOptions: { maxRetries: 0 }, ...overrides });

const PRD_VAULT_ID = `/subscriptions/${PROD}/resourceGroups/rg-cafehyna-prd/providers/Microsoft.KeyVault/vaults/kv-cafehyna-prd`;

describe('vault properties', () => {
  it('reads an access-policy vault: auth model, network access, tenant and the identities its policies name', async () => {
    const vault = await operatorPort().getVaultProperties({ name: 'kv-cafehyna-dev-hlg' });
    expect(vault).toMatchObject({
      name: 'kv-cafehyna-dev-hlg',
      id: `/subscriptions/${NONPROD}/resourceGroups/rg-cafehyna-dev/providers/Microsoft.KeyVault/vaults/kv-cafehyna-dev-hlg`,
      tenantId: TENANT_ID,
      authModel: 'accessPolicy',
      publicNetworkAccess: 'Enabled',
      vaultUri: 'https://kv-cafehyna-dev-hlg.vault.azure.net/',
    });
    expect(vault?.accessPolicies.find((p) => p.objectId === KUBELET.objectId)?.permissions.secrets).toEqual(['get', 'list']);
  });

  it('reads an RBAC vault, finding it by listing the subscriptions when the registry does not locate it', async () => {
    const vault = await operatorPort().getVaultProperties({ name: 'kv-cafehyna-prd' });
    expect(vault?.authModel).toBe('rbac');
    expect(vault?.id).toBe(PRD_VAULT_ID);
    expect(harness.requests.some((r) => r.endsWith('/providers/Microsoft.KeyVault/vaults'))).toBe(true);
  });

  it('goes straight to the vault when the registry knows its subscription and resource group, and remembers a listed location', async () => {
    const located = createAzureVaultPort({ credential: operatorCredential(), registry: registry({ locateVaults: true }) });
    await located.getVaultProperties({ name: 'kv-cafehyna-prd' });
    expect(harness.requests.filter((r) => r.startsWith('GET management.azure.com'))).toEqual([`GET management.azure.com${PRD_VAULT_ID}`]);

    const port = operatorPort();
    await port.getVaultProperties({ name: 'kv-cafehyna-default' });
    harness.requests.length = 0;
    await port.getVaultProperties({ name: 'kv-cafehyna-default' });
    expect(harness.requests.filter((r) => r.startsWith('GET management.azure.com'))).toHaveLength(1);
  });

  it('answers undefined for a vault that does not exist', async () => {
    await expect(operatorPort().getVaultProperties({ name: 'kv-nope' })).resolves.toBeUndefined();
    await expect(operatorPort().getVaultProperties({ name: 'kv-nope', subscriptionId: NONPROD, resourceGroup: 'rg-cafehyna-dev' })).resolves.toBeUndefined();
  });
});

describe('identities', () => {
  it('resolves a managed identity client id to its object id through arm-msi, and an unknown one to undefined', async () => {
    const port = operatorPort();
    await expect(port.resolveIdentity({ clientId: KUBELET.clientId })).resolves.toMatchObject({
      clientId: KUBELET.clientId,
      objectId: KUBELET.objectId,
      displayName: 'id-cafehyna-aks-kubelet',
    });
    await expect(port.resolveIdentity({ clientId: '00000000-0000-4000-8000-000000000000' })).resolves.toBeUndefined();
  });

  it('uses an object id from the registry without calling Azure', async () => {
    const configured = createAzureVaultPort({
      credential: operatorCredential(),
      registry: {
        ...registry(),
        list: () => [{ ...registry().get('cafehyna-dev'), identity: { kind: 'fixed', clientId: KUBELET.clientId, objectId: KUBELET.objectId } }],
        findByVault: () => [],
        tenantId: TENANT_ID,
        cloud: 'AzurePublicCloud',
      },
    });
    await expect(configured.resolveIdentity({ clientId: KUBELET.clientId })).resolves.toEqual({ clientId: KUBELET.clientId, objectId: KUBELET.objectId });
    expect(harness.requests).toEqual([]);
  });

  it('discovers the AKS kubelet identity of a `discover` cluster, with and without its resource group', async () => {
    const port = operatorPort();
    const dev = await port.discoverKubeletIdentity(registry().get('painelclientes-dev'));
    expect(dev).toMatchObject(identityOf(harness.sandbox, 'painelclientes-dev-agentpool'));
    expect(dev.resourceId).toMatch(/\/userAssignedIdentities\/painelclientes-dev-agentpool$/);
    const prd = await port.discoverKubeletIdentity(registry().get('painelclientes-prd'));
    expect(prd).toMatchObject(identityOf(harness.sandbox, 'painelclientes-prd-agentpool'));
    expect(harness.requests).toContain(`GET management.azure.com/subscriptions/${PROD}/resourceGroups/rg-painelclientes-prd/providers/Microsoft.ContainerService/managedClusters/painelclientes-prd`);
  });

  it('resolves a fixed cluster identity, and says NOT_FOUND for a discover cluster AKS does not know', async () => {
    const port = operatorPort();
    await expect(port.discoverKubeletIdentity(registry().get('cafehyna-dev'))).resolves.toMatchObject({ objectId: KUBELET.objectId });
    const ghost = { ...registry().get('painelclientes-dev'), name: 'ghost-cluster' };
    await expect(port.discoverKubeletIdentity(ghost)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('secrets: names and properties, never values', () => {
  it('pages through more than 25 secrets with continuation tokens, every name once', async () => {
    const port = operatorPort();
    const vault = { name: 'painel-clientes-hml' };
    for (let i = 0; i < 27; i++) await port.setSecret(vault, `paging-${String(i).padStart(2, '0')}`, `v-${i}`);
    const names: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await port.listSecretProperties(vault, token === undefined ? {} : { continuationToken: token });
      names.push(...page.items.map((item) => item.name));
      token = page.continuationToken;
      pages += 1;
    } while (token !== undefined);
    expect(pages).toBe(2);
    expect(new Set(names).size).toBe(names.length);
    expect(names.filter((n) => n.startsWith('paging-'))).toHaveLength(27);
    expect(names).toContain('painel-api-jwt-secret');
  });

  it('honours a smaller page size', async () => {
    const page = await operatorPort().listSecretProperties({ name: 'painel-clientes-hml' }, { maxPageSize: 2 });
    expect(page.items).toHaveLength(2);
    expect(page.continuationToken).toBeDefined();
  });

  it('returns properties with tags and dates', async () => {
    const page = await operatorPort().listSecretProperties({ name: 'kv-cafehyna-dev-hlg' });
    const token = page.items.find((i) => i.name === 'cloudflare-api-token');
    expect(token).toMatchObject({ enabled: true, tags: { app: 'external-dns' } });
    expect(token?.updatedOn).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(page.items.map((i) => i.name)).toContain('Cloudflare-Api-Key');
  });

  it('writes a secret and returns only its properties', async () => {
    const written = await operatorPort().setSecret({ name: 'kv-cafehyna-dev-hlg' }, 'new-one', 'write-only-value', { contentType: 'text/plain', tags: { app: 'x' } });
    expect(written).toMatchObject({ name: 'new-one', contentType: 'text/plain', tags: { app: 'x' }, enabled: true });
    expect(written.version).toMatch(/^[0-9a-f]{32}$/);
    expect(Object.keys(written)).not.toContain('value');
  });

  it('refuses an invalid secret name before calling Azure', async () => {
    await expect(operatorPort().setSecret({ name: 'kv-cafehyna-dev-hlg' }, 'bad_name', 'x')).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'name' });
    expect(harness.requests).toEqual([]);
  });

  it('has no method that reads a secret value', () => {
    const port = operatorPort();
    expect(Object.keys(port).filter((key) => /get.*secret|secret.*value|getValue/i.test(key) && key !== 'listSecretProperties')).toEqual([]);
  });
});

describe('access policies', () => {
  it('adds and removes an access policy; checkAccess follows', async () => {
    const port = operatorPort();
    const vault = { name: 'kv-cafehyna-dev-hlg' };
    const painel = identityOf(harness.sandbox, 'painelclientes-dev-agentpool');
    await expect(port.checkAccess(vault, { objectId: painel.objectId })).resolves.toEqual({ objectId: painel.objectId, authModel: 'accessPolicy', roleAssignments: [] });

    await port.updateAccessPolicy(vault, { operation: 'add', policy: { tenantId: TENANT_ID, objectId: painel.objectId, permissions: { secrets: ['get', 'list'] } } });
    const granted = await port.checkAccess(vault, { objectId: painel.objectId });
    expect(granted.accessPolicy).toEqual({ secrets: ['get', 'list'] });

    await port.updateAccessPolicy(vault, { operation: 'remove', policy: { tenantId: TENANT_ID, objectId: painel.objectId, permissions: { secrets: ['get', 'list'] } } });
    expect((await port.checkAccess(vault, { objectId: painel.objectId })).accessPolicy).toBeUndefined();
  });

  it('reports the kubelet policy (get, list) on the dev vault', async () => {
    const access = await operatorPort().checkAccess({ name: 'kv-cafehyna-dev-hlg' }, { objectId: KUBELET.objectId });
    expect(access.accessPolicy).toEqual({ secrets: ['get', 'list'], certificates: ['get', 'list'] });
  });
});

describe('role assignments and RBAC access', () => {
  it('creates Key Vault Secrets User at vault scope twice and ends with one assignment; delete removes it, twice is fine', async () => {
    const port = operatorPort();
    const request = { scope: PRD_VAULT_ID, roleDefinitionId: KEY_VAULT_SECRETS_USER_ROLE_ID, principalObjectId: KUBELET.objectId, principalType: 'ServicePrincipal' as const };
    const first = await port.createRoleAssignment(request);
    const second = await port.createRoleAssignment(request);
    expect(first.roleName).toBe('Key Vault Secrets User');
    expect(second.id).toBe(first.id);
    expect(first.scope).toBe(PRD_VAULT_ID);
    expect(harness.requests.some((r) => r.includes('//'))).toBe(false);

    const atVault = (await port.listRoleAssignments({ scope: PRD_VAULT_ID, principalObjectId: KUBELET.objectId })).filter((a) => a.scope.toLowerCase() === PRD_VAULT_ID.toLowerCase());
    expect(atVault).toHaveLength(1);
    expect(atVault[0]?.dataActions).toContain('Microsoft.KeyVault/vaults/secrets/getSecret/action');

    await port.deleteRoleAssignment({ id: first.id ?? '' });
    await port.deleteRoleAssignment({ id: first.id ?? '' });
    const after = await port.listRoleAssignments({ scope: PRD_VAULT_ID, principalObjectId: KUBELET.objectId });
    expect(after.map((a) => a.scope)).toEqual([`${PRD_VAULT_ID}/secrets/cloudflare-api-token`]);
  });

  it('checkAccess on an RBAC vault: the secret-scope assignment covers only its secret', async () => {
    const port = operatorPort();
    const vault = { name: 'kv-cafehyna-prd' };
    const onToken = await port.checkAccess(vault, { objectId: KUBELET.objectId, secretName: 'cloudflare-api-token' });
    expect(onToken.authModel).toBe('rbac');
    expect(onToken.roleAssignments.map((a) => [a.scope, a.roleName])).toEqual([[`${PRD_VAULT_ID}/secrets/cloudflare-api-token`, 'Key Vault Secrets User']]);
    const onDefectdojo = await port.checkAccess(vault, { objectId: KUBELET.objectId, secretName: 'defectdojo-admin-password' });
    expect(onDefectdojo.roleAssignments).toEqual([]);
  });

  it('checkAccess includes inherited assignments (vault scope seen from a secret)', async () => {
    const agentpool = identityOf(harness.sandbox, 'painelclientes-prd-agentpool');
    const access = await operatorPort().checkAccess({ name: 'painel-clientes-prd' }, { objectId: agentpool.objectId, secretName: 'painel-api-jwt-secret' });
    expect(access.roleAssignments).toHaveLength(1);
    expect(access.roleAssignments[0]?.scope).toMatch(/\/vaults\/painel-clientes-prd$/);
    expect(access.roleAssignments[0]?.dataActions).toContain('Microsoft.KeyVault/vaults/secrets/getSecret/action');
  });

  it('says NOT_FOUND when checking access on a vault that does not exist', async () => {
    await expect(operatorPort().checkAccess({ name: 'kv-nope' }, { objectId: KUBELET.objectId })).rejects.toBeInstanceOf(KvcsiError);
    await expect(operatorPort().checkAccess({ name: 'kv-nope' }, { objectId: KUBELET.objectId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('a caller without the right gets FORBIDDEN with the ARM code', async () => {
    const port = createAzureVaultPort({ credential: kubeletCredential(), registry: registry({ locateVaults: true }), retryOptions: { maxRetries: 0 } });
    const error = await port
      .createRoleAssignment({ scope: PRD_VAULT_ID, roleDefinitionId: KEY_VAULT_SECRETS_USER_ROLE_ID, principalObjectId: KUBELET.objectId, principalType: 'ServicePrincipal' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'FORBIDDEN', details: { status: 403, serviceCode: 'AuthorizationFailed' } });
  });
});

describe('deleted secrets: found by listing, recovered without reading a value', () => {
  const hub = { name: 'kv-cafehyna-default' };
  const deletedName = 'argocd-notifications-slack-token';

  it('finds the scenario\'s soft-deleted secret by name, in any case, from the listing; a live or unknown name is undefined', async () => {
    const port = operatorPort();
    const found = await port.findDeletedSecret?.(hub, deletedName.toUpperCase());
    expect(found).toMatchObject({ name: deletedName, recoveryId: `https://kv-cafehyna-default.vault.azure.net/deletedsecrets/${deletedName}` });
    expect(found?.deletedOn).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(Date.parse(found?.scheduledPurgeOn ?? '')).toBeGreaterThan(Date.parse(found?.deletedOn ?? ''));
    expect(Object.keys(found ?? {})).not.toContain('value');
    await expect(port.findDeletedSecret?.(hub, 'argocd-repo-github-token')).resolves.toBeUndefined();
    await expect(port.findDeletedSecret?.(hub, 'never-there')).resolves.toBeUndefined();
    // Listed (secrets/list), never read one by one (GetDeletedSecret needs secrets/get).
    expect(harness.requests.filter((r) => r.includes('/deletedsecrets/'))).toEqual([]);
  });

  it('recovers it: live again with its version, and no request could carry a value back', async () => {
    const port = operatorPort();
    const recovered = await port.recoverDeletedSecret?.(hub, deletedName);
    expect(recovered).toMatchObject({ name: deletedName, enabled: true });
    expect(recovered?.version).toMatch(/^[0-9a-f]{32}$/);
    expect(Object.keys(recovered ?? {})).not.toContain('value');
    expect((await port.listSecretProperties(hub)).items.map((item) => item.name)).toContain(deletedName);
    await expect(port.findDeletedSecret?.(hub, deletedName)).resolves.toBeUndefined();
    const sent = harness.requests.map((r) => r.split('?')[0] ?? r).filter((r) => r.includes('vault.azure.net'));
    expect(sent).toContain(`POST kv-cafehyna-default.vault.azure.net/deletedsecrets/${deletedName}/recover`);
    // The SDK poller's getSecret calls went out as version listings (value-free-get.ts): no GET of a secret bundle.
    expect(sent.filter((r) => r.startsWith('GET') && new RegExp(`/secrets/${deletedName}/?[0-9a-f]*$`).test(r))).toEqual([]);
    expect(sent.some((r) => r === `GET kv-cafehyna-default.vault.azure.net/secrets/${deletedName}/versions`)).toBe(true);
  });

  it('says NOT_FOUND when there is nothing to recover, and refuses an invalid name before calling Azure', async () => {
    const port = operatorPort();
    await expect(port.recoverDeletedSecret?.(hub, 'never-there')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    harness.requests.length = 0;
    await expect(port.recoverDeletedSecret?.(hub, 'bad_name')).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'name' });
    expect(harness.requests).toEqual([]);
  });
});
