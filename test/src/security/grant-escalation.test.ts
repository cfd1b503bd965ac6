/**
 * Attack 1 (issue 13): someone who can write a SecretProviderClass on a dev cluster labels one with an app, names the
 * prd vault and an identity of their choosing, then asks for a dev grant (CLI or Slack "Grant access"). Before the
 * fix, policy applied it at once: that identity got Key Vault Secrets User on the whole prd vault. Now grants plan
 * only on the cluster's registry vault and for identities kvcsi trusts; the forged SPC is a finding, never a step.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRuntime } from '@kvcsi/runtime';
import { applySpc, kvcsi, objectsParameter, PEOPLE, refusal, registry, startKit, type Kit } from './sandbox-kit.js';

/** The attacker's identity: a real user-assigned identity of the tenant (painel-api's), not the cluster's. */
function attackerIdentity(kit: Pick<Kit, 'runtime'>): { clientId: string; objectId: string } {
  const identity = kit.runtime.sandbox!.state.azure.identities.find((candidate) => candidate.name === 'id-painel-api')!;
  return { clientId: identity.clientId, objectId: identity.objectId };
}

function assignmentsOf(kit: Pick<Kit, 'runtime'>, principalId: string) {
  return kit.runtime.sandbox!.state.azure.roleAssignments.filter((assignment) => assignment.principalId === principalId);
}

const forgedSpc = (clientId: string, extra: Record<string, string> = {}) => ({
  namespace: 'attacker', name: 'external-dns-extra', app: 'external-dns',
  parameters: {
    usePodIdentity: 'false', useVMManagedIdentity: 'true', userAssignedIdentityID: clientId, keyvaultName: 'kv-cafehyna-prd',
    tenantId: registry.tenantId, objects: objectsParameter(['defectdojo-admin-password']), ...extra,
  },
});

describe('attack: a forged SecretProviderClass turns a dev grant into prd vault access', () => {
  it('fails from the CLI: the forged SPC is left out of the plan, and the identity gets nothing on the prd vault', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kvcsi-sec-grant-'));
    const stateFile = path.join(dir, 'sandbox-state.json');
    // The attacker writes the SPC through the cluster's API (the sandbox saves its state for the CLI runs below).
    const setup = createRuntime({ registry, sandbox: { stateFile } });
    const attacker = attackerIdentity({ runtime: setup });
    try {
      await applySpc('cafehyna-dev', forgedSpc(attacker.clientId));
    } finally {
      await setup.close();
    }

    const run = await kvcsi(dir, { KVCSI_SANDBOX: '1', KVCSI_SANDBOX_STATE: stateFile }, ['grant', 'external-dns', 'cafehyna-dev', '--as', 'requester', '-o', 'json']);
    const body = JSON.parse(run.stdout) as { request: unknown; plan: { vaults: { vault: { name: string }; identity: { clientId: string } }[]; excluded: { secretProviderClass: string; reason: string }[] }; outcome: { status: string } };
    // external-dns's own SPC is planned (and already granted); the forged one is a finding.
    expect(body.plan.vaults.map((vault) => [vault.vault.name, vault.identity.clientId])).toEqual([['kv-cafehyna-dev-hlg', 'f1a14a8f-6d38-40a0-a935-3cdd91a25f47']]);
    expect(body.plan.excluded).toEqual([{
      secretProviderClass: 'attacker/external-dns-extra',
      reason: expect.stringContaining('names vault kv-cafehyna-prd, not kv-cafehyna-dev-hlg, the registry\'s vault of cafehyna-dev'),
    }]);
    expect(body.outcome.status).toBe('unchanged');

    const after = createRuntime({ registry, sandbox: { stateFile } });
    try {
      expect(assignmentsOf({ runtime: after }, attacker.objectId)).toEqual([]);
    } finally {
      await after.close();
    }
  });

  describe('through the service every face calls (Slack "Grant access" included)', () => {
    let kit: Kit;
    beforeEach(() => {
      kit = startKit();
    });
    afterEach(() => kit.close());

    it('refuses an SPC on the cluster\'s own vault that names an identity other than the cluster\'s', async () => {
      const attacker = attackerIdentity(kit);
      await applySpc('cafehyna-dev', { ...forgedSpc(attacker.clientId, { keyvaultName: 'kv-cafehyna-dev-hlg' }), app: 'newapp', name: 'newapp' });
      const error = await refusal(kit.service.grant({ actor: { id: PEOPLE.requester.slack }, app: 'newapp', cluster: 'cafehyna-dev' }));
      expect(error).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining(`names identity ${attacker.clientId} (vmManagedIdentity), which is not the cluster's identity`) });
      const policies = kit.runtime.sandbox!.state.azure.vaults.find((vault) => vault.name === 'kv-cafehyna-dev-hlg')!.accessPolicies;
      expect(policies.filter((policy) => policy.objectId === attacker.objectId)).toEqual([]);
    });

    it('refuses a workload identity whose federated credential names another cluster or another ServiceAccount', async () => {
      // id-painel-api is federated to painelclientes-dev's issuer and painel-clientes:painel-api-sa: not to this app.
      const attacker = attackerIdentity(kit);
      await applySpc('cafehyna-dev', {
        namespace: 'attacker', name: 'wi-app', app: 'wi-app',
        parameters: { clientID: attacker.clientId, keyvaultName: 'kv-cafehyna-dev-hlg', tenantId: registry.tenantId, objects: objectsParameter(['cloudflare-api-token']) },
      });
      const error = await refusal(kit.service.grant({ actor: { id: PEOPLE.requester.slack }, app: 'wi-app', cluster: 'cafehyna-dev' }));
      expect(error).toMatchObject({ code: 'FORBIDDEN', message: expect.stringMatching(/not verified for wi-app: none of its federated credentials names issuer https:\/\/\S+ with subject system:serviceaccount:attacker:wi-app/) });
      const policies = kit.runtime.sandbox!.state.azure.vaults.find((vault) => vault.name === 'kv-cafehyna-dev-hlg')!.accessPolicies;
      expect(policies.filter((policy) => policy.objectId === attacker.objectId)).toEqual([]);
    });

    it('plans the prd vault for an app on prd only, at the strictest tier of the clusters sharing the vault', async () => {
      const plan = await kit.service.planGrant({ actor: { id: PEOPLE.requester.backstage }, app: 'defectdojo', cluster: 'cafehyna-prd' });
      expect(plan).toMatchObject({ tier: 'prd', vaults: [{ vault: { name: 'kv-cafehyna-prd' }, identity: { clientId: 'f1a14a8f-6d38-40a0-a935-3cdd91a25f47', source: 'registry' } }] });
      // The approver's card names the principal by its display name.
      const result = await kit.service.grant({ actor: { id: PEOPLE.requester.backstage }, app: 'defectdojo', cluster: 'cafehyna-prd' });
      expect(result.request).toMatchObject({ status: 'pending', target: { tier: 'prd' } });
      expect(result.request!.details!['step1']).toMatch(/^add role Key Vault Secrets User for principal id-cafehyna-aks-kubelet \(object id 2d81911b-60a4-4a53-9045-ad7193c91ee5, client id f1a14a8f-6d38-40a0-a935-3cdd91a25f47; the cluster's registry identity\)/);
    });
  });
});

describe('a workload-identity app whose identity is verified for it still gets a working grant', () => {
  let kit: Kit;
  beforeEach(() => {
    kit = startKit();
  });
  afterEach(() => kit.close());

  it('refuses painel-api while its federated credential names another ServiceAccount, grants once ARM names the right one', async () => {
    const azure = kit.runtime.sandbox!.state.azure;
    const identity = azure.identities.find((candidate) => candidate.name === 'id-painel-api')!;
    const vault = azure.vaults.find((candidate) => candidate.name === 'painel-clientes-hml')!;
    // Start from an identity without access (as a new app would be).
    vault.accessPolicies = vault.accessPolicies.filter((policy) => policy.objectId !== identity.objectId);

    const before = await refusal(kit.service.grant({ actor: { id: PEOPLE.requester.cli }, app: 'painel-api', cluster: 'painelclientes-dev' }));
    expect(before.message).toContain('with subject system:serviceaccount:painel-clientes:painel-api');

    // The owner of the identity fixes the credential in ARM (the pod runs as ServiceAccount painel-api).
    const issuer = azure.managedClusters.find((cluster) => cluster.name === 'painelclientes-dev')!.oidcIssuerUrl;
    identity.federatedCredentials.push({ name: 'painel-api-fixed', issuer, subject: 'system:serviceaccount:painel-clientes:painel-api', audiences: ['api://AzureADTokenExchange'] });

    const granted = await kit.service.grant({ actor: { id: PEOPLE.requester.cli }, app: 'painel-api', cluster: 'painelclientes-dev' });
    expect(granted.plan?.vaults[0]?.identity).toMatchObject({ clientId: identity.clientId, source: 'federated', verifiedBy: 'federated credential painel-api-fixed (system:serviceaccount:painel-clientes:painel-api)' });
    expect(granted.outcome).toMatchObject({ status: 'applied', verified: true });
    expect(vault.accessPolicies.find((policy) => policy.objectId === identity.objectId)?.permissions.secrets).toEqual(expect.arrayContaining(['get', 'list']));
  });
});
