import { KvcsiError } from '../errors.js';
import {
  DEFECTDOJO_SPC, DEV_VAULT_ID, EXTERNAL_DNS_SPC, KUBELET, memoryAzure, memoryCluster, PRD_VAULT_ID, SECRETS_USER, seedAssignment, spcResource, testRegistry,
} from '../service/memory-ports.test.fixtures.js';
import { applyAccessPlan } from './apply.js';
import { formatGrantPlan } from './format.js';
import { planAccess, RBAC_PROPAGATION_WARNING, type PlanAccessOptions } from './plan.js';

function setup(options: { grantScope?: 'vault' | 'secret'; spcs?: Parameters<typeof memoryCluster>[0] } = {}) {
  const registry = testRegistry(options.grantScope);
  const azure = memoryAzure();
  const clusterPort = memoryCluster(options.spcs ?? [DEFECTDOJO_SPC, EXTERNAL_DNS_SPC]);
  // The other clusters of the registry run none of these apps (revoke reads them to see who else needs the access).
  const empty = memoryCluster([]);
  const plan = (action: 'grant' | 'revoke', app: string, clusterName: string, extra: Partial<PlanAccessOptions> = {}) => planAccess({
    action, app, cluster: registry.get(clusterName), grantScope: registry.grantScope, clusterPort, clusterPortFor: () => empty, vault: azure.port, registry, ...extra,
  });
  return { registry, azure, plan };
}

describe('grant on an Azure RBAC vault', () => {
  it('plans Key Vault Secrets User at the vault scope for the SPC identity, applies it once and reads it back', async () => {
    const { azure, plan } = setup();
    const planned = await plan('grant', 'defectdojo', 'cafehyna-prd');
    expect(planned.vaults).toHaveLength(1);
    expect(planned.vaults[0]).toMatchObject({
      vault: { name: 'kv-cafehyna-prd', authModel: 'rbac', id: PRD_VAULT_ID },
      identity: { clientId: KUBELET.clientId, objectId: KUBELET.objectId, source: 'registry' },
      secretProviderClasses: ['defectdojo/defectdojo-secrets'],
      steps: [{ kind: 'role-assignment', scope: PRD_VAULT_ID, roleDefinitionId: SECRETS_USER, roleName: 'Key Vault Secrets User', principalObjectId: KUBELET.objectId, change: 'add' }],
    });
    expect(planned.changeCount).toBe(1);
    expect(planned.warnings).toContain(RBAC_PROPAGATION_WARNING);
    expect(azure.assignments).toHaveLength(0);

    const result = await applyAccessPlan(planned, { vault: azure.port });
    expect(result).toMatchObject({ changed: true, verified: true });
    expect(result.before).toEqual({ 'roleAssignments:kv-cafehyna-prd': [] });
    expect(result.after).toEqual({ 'roleAssignments:kv-cafehyna-prd': [PRD_VAULT_ID] });
    expect(result.warnings).toContain(RBAC_PROPAGATION_WARNING);
    expect(azure.assignments.map((a) => [a.scope, a.principalId])).toEqual([[PRD_VAULT_ID, KUBELET.objectId]]);
  });

  it('changes nothing the second time: the assignment is shown as in place and nothing is created', async () => {
    const { azure, plan } = setup();
    await applyAccessPlan(await plan('grant', 'defectdojo', 'cafehyna-prd'), { vault: azure.port });
    azure.calls.length = 0;
    const again = await plan('grant', 'defectdojo', 'cafehyna-prd');
    expect(again.changeCount).toBe(0);
    expect(again.vaults[0]?.steps[0]).toMatchObject({ change: 'none', existingAssignmentId: azure.assignments[0]?.id });
    expect(again.warnings).not.toContain(RBAC_PROPAGATION_WARNING);
    const result = await applyAccessPlan(again, { vault: azure.port });
    expect(result.changed).toBe(false);
    expect(azure.calls.filter((call) => call.startsWith('createRoleAssignment'))).toEqual([]);
    expect(azure.assignments).toHaveLength(1);
  });

  it('counts a 409 from ARM (someone created it meanwhile) as present', async () => {
    const { azure, plan } = setup();
    const planned = await plan('grant', 'defectdojo', 'cafehyna-prd');
    azure.raceOnCreate = true;
    const result = await applyAccessPlan(planned, { vault: azure.port });
    expect(result).toMatchObject({ changed: true, verified: true });
    expect(azure.assignments).toHaveLength(1);
  });

  it('treats a broader role that reads secrets as covering the vault, and leaves it alone', async () => {
    const { azure, plan } = setup();
    seedAssignment(azure, '/subscriptions/a6806ab2-ebb4-4fdc-a9d5-884687a165bd', KUBELET.objectId, { id: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7', name: 'Key Vault Secrets Officer' });
    const planned = await plan('grant', 'defectdojo', 'cafehyna-prd');
    expect(planned.vaults[0]?.steps[0]).toMatchObject({ change: 'none', coveredBy: 'Key Vault Secrets Officer at /subscriptions/a6806ab2-ebb4-4fdc-a9d5-884687a165bd' });
    expect(planned.changeCount).toBe(0);
  });

  it('with grantScope secret, plans one assignment per mounted secret and keeps the one already there', async () => {
    const { azure, plan } = setup({ grantScope: 'secret' });
    seedAssignment(azure, `${PRD_VAULT_ID}/secrets/defectdojo-admin-password`, KUBELET.objectId);
    const planned = await plan('grant', 'defectdojo', 'cafehyna-prd');
    expect(planned.vaults[0]?.steps.map((step) => [step.kind === 'role-assignment' ? step.secretName : '', step.change])).toEqual([
      ['defectdojo-admin-password', 'none'],
      ['defectdojo-postgresql-password', 'add'],
    ]);
    await applyAccessPlan(planned, { vault: azure.port });
    expect(azure.assignments.map((a) => a.scope).sort()).toEqual([
      `${PRD_VAULT_ID}/secrets/defectdojo-admin-password`,
      `${PRD_VAULT_ID}/secrets/defectdojo-postgresql-password`,
    ]);
  });

  it('revokes only the Secrets User assignment at the planned scope, leaving per-secret ones made elsewhere', async () => {
    const { azure, plan } = setup();
    const perSecret = seedAssignment(azure, `${PRD_VAULT_ID}/secrets/cloudflare-api-token`, KUBELET.objectId);
    await applyAccessPlan(await plan('grant', 'defectdojo', 'cafehyna-prd'), { vault: azure.port });
    const revoke = await plan('revoke', 'defectdojo', 'cafehyna-prd');
    expect(revoke.vaults[0]?.steps).toEqual([expect.objectContaining({ change: 'remove', scope: PRD_VAULT_ID })]);
    const result = await applyAccessPlan(revoke, { vault: azure.port });
    expect(result).toMatchObject({ changed: true, verified: true });
    expect(azure.assignments).toEqual([perSecret]);
    const again = await plan('revoke', 'defectdojo', 'cafehyna-prd');
    expect(again.changeCount).toBe(0);
  });
});

describe('grant on an access-policy vault', () => {
  it('adds only the missing permissions: get,list on secrets and get on certificates when a cert is mounted', async () => {
    const { azure, plan } = setup();
    azure.vaults.get('kv-cafehyna-dev-hlg')!.properties.accessPolicies.push({ tenantId: 'x', objectId: KUBELET.objectId, permissions: { secrets: ['get', 'set'] } });
    const planned = await plan('grant', 'external-dns', 'cafehyna-dev');
    expect(planned.vaults[0]?.steps).toEqual([expect.objectContaining({
      kind: 'access-policy', vault: 'kv-cafehyna-dev-hlg', objectId: KUBELET.objectId,
      permissions: { secrets: ['get', 'list'], certificates: ['get'] },
      present: { secrets: ['get', 'set'] },
      delta: { secrets: ['list'], certificates: ['get'] },
      change: 'add',
    })]);
    expect(planned.warnings).not.toContain(RBAC_PROPAGATION_WARNING);
    const result = await applyAccessPlan(planned, { vault: azure.port });
    expect(result).toMatchObject({ changed: true, verified: true });
    expect(result.after).toEqual({ 'accessPolicy:kv-cafehyna-dev-hlg': ['certificates:get', 'secrets:get', 'secrets:list', 'secrets:set'] });
    expect((await plan('grant', 'external-dns', 'cafehyna-dev')).changeCount).toBe(0);
  });

  it('revoke takes away get,list (and certificate get) but keeps permissions kvcsi never grants', async () => {
    const { azure, plan } = setup();
    azure.vaults.get('kv-cafehyna-dev-hlg')!.properties.accessPolicies.push({ tenantId: 'x', objectId: KUBELET.objectId, permissions: { secrets: ['get', 'list', 'set'], certificates: ['get', 'list'] } });
    const revoke = await plan('revoke', 'external-dns', 'cafehyna-dev');
    expect(revoke.vaults[0]?.steps[0]).toMatchObject({ change: 'remove', delta: { secrets: ['get', 'list'], certificates: ['get'] } });
    await applyAccessPlan(revoke, { vault: azure.port });
    expect(azure.vaults.get('kv-cafehyna-dev-hlg')!.properties.accessPolicies[0]?.permissions).toEqual({ secrets: ['set'], certificates: ['list'] });
  });
});

describe('finding bindings and identities', () => {
  it('refuses an app with no SecretProviderClass on the cluster with NOT_FOUND naming the label', async () => {
    const { plan } = setup();
    await expect(plan('grant', 'nope', 'cafehyna-prd')).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('app.kubernetes.io/name=nope') });
  });

  it('uses the registry identity when the SPC names none, and the AKS kubelet identity on a discover cluster', async () => {
    const noIdentity = spcResource({ app: 'web', vault: 'kv-cafehyna-dev-hlg', objects: [{ name: 'web-key' }] });
    const { azure, plan } = setup({ spcs: [noIdentity] });
    expect((await plan('grant', 'web', 'cafehyna-dev')).vaults[0]?.identity).toMatchObject({ clientId: KUBELET.clientId, source: 'registry' });
    const discovered = await plan('grant', 'web', 'painel-dev');
    expect(discovered.vaults[0]?.identity).toMatchObject({ objectId: '66666666-7777-4888-9999-000000000000', source: 'discovered' });
    expect(azure.calls).toContain('discoverKubeletIdentity painel-dev');
  });

  it('says which SPC names an identity that does not exist', async () => {
    const unknown = spcResource({ app: 'web', vault: 'kv-cafehyna-dev-hlg', clientId: '99999999-9999-4999-8999-999999999999', objects: [{ name: 'web-key' }] });
    const { plan } = setup({ spcs: [unknown] });
    const error = await plan('grant', 'web', 'cafehyna-dev').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KvcsiError);
    expect((error as KvcsiError).message).toContain('web/web-secrets');
  });

  it('refuses (FORBIDDEN) an SPC that names another vault than the cluster\'s registry vault, naming both', async () => {
    const { plan } = setup({ spcs: [spcResource({ app: 'web', vault: 'kv-nowhere', clientId: KUBELET.clientId, objects: [{ name: 'a' }] })] });
    await expect(plan('grant', 'web', 'cafehyna-dev')).rejects.toMatchObject({
      code: 'FORBIDDEN', message: expect.stringContaining('names vault kv-nowhere, not kv-cafehyna-dev-hlg'),
    });
  });
});

describe('formatGrantPlan', () => {
  it('shows the principal, the role and scope, and what changes versus what is in place', async () => {
    const { plan } = setup();
    const text = formatGrantPlan(await plan('grant', 'defectdojo', 'cafehyna-prd'));
    expect(text).toContain('Grant read access for defectdojo on cafehyna-prd (tier prd)');
    expect(text).toContain(`principal id-cafehyna-aks-kubelet (object id ${KUBELET.objectId}, client id ${KUBELET.clientId}; the registry's identity of the cluster)`);
    expect(text).toContain('+ role Key Vault Secrets User at vault scope (to assign)');
    expect(text).toContain(`scope ${PRD_VAULT_ID}`);
    expect(text).toContain('1 change to make');
    const dev = formatGrantPlan(await plan('grant', 'external-dns', 'cafehyna-dev'));
    expect(dev).toContain('+ access policy secrets get,list; certificates get (now: nothing)');
    expect(dev).toContain(`Vault kv-cafehyna-dev-hlg (access policies)`);
    expect(DEV_VAULT_ID).toContain('kv-cafehyna-dev-hlg');
  });
});

describe('a grant that fails half-way (issue 19)', () => {
  it('says what was made and carries the before/after of the steps that were, when the second vault answers 503', async () => {
    const { azure, plan } = setup();
    const planned = await plan('grant', 'defectdojo', 'cafehyna-prd');
    // A second vault in the same plan (as a grant across two vaults plans it), whose ARM answers 503.
    const OTHER_ID = PRD_VAULT_ID.replace('kv-cafehyna-prd', 'kv-cafehyna-prd-2');
    const first = planned.vaults[0]!;
    const second = {
      ...first, vault: { ...first.vault, name: 'kv-cafehyna-prd-2', id: OTHER_ID },
      steps: first.steps.map((step) => ({ ...step, vault: 'kv-cafehyna-prd-2', ...(step.kind === 'role-assignment' ? { scope: OTHER_ID } : {}) })),
    } as typeof first;
    const twoVaults = { ...planned, vaults: [first, second], changeCount: planned.changeCount * 2 };
    const port = {
      ...azure.port,
      createRoleAssignment: async (options: Parameters<typeof azure.port.createRoleAssignment>[0]) => {
        if (options.scope === OTHER_ID) throw new KvcsiError('UNAVAILABLE', 'Key Vault answered 503 Service Unavailable');
        return azure.port.createRoleAssignment(options);
      },
    };
    const error = await applyAccessPlan(twoVaults, { vault: port }).then(() => undefined, (thrown: unknown) => thrown as KvcsiError);
    expect(error).toBeInstanceOf(KvcsiError);
    expect(error!.code).toBe('UNAVAILABLE');
    expect(error!.message).toMatch(/^partially applied: assigned role Key Vault Secrets User at .*kv-cafehyna-prd for .*; then failed to assign role Key Vault Secrets User at .*kv-cafehyna-prd-2 .*503/);
    expect(error!.details).toMatchObject({
      partiallyApplied: true,
      before: { 'roleAssignments:kv-cafehyna-prd': [], 'roleAssignments:kv-cafehyna-prd-2': [] },
      after: { 'roleAssignments:kv-cafehyna-prd': [PRD_VAULT_ID], 'roleAssignments:kv-cafehyna-prd-2': [] },
    });
    expect(azure.assignments.map((a) => a.scope)).toEqual([PRD_VAULT_ID]);
  });
});
