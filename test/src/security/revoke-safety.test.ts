/**
 * Attack 2 (issue 13): `revoke iis-reports cafehyna-dev` removed the shared kubelet identity's vault-wide access, and
 * cert-manager and external-dns failed on their next mount — with no warning, and no approval on dev or hub. Now a
 * revoke removes only what no other binding on the same (vault, identity) still needs; otherwise it is refused,
 * listing the apps, and the plan shows it.
 */
import { KUBELET, leaveAlone, PEOPLE, PRD_VAULT_ID, refusal, startKit, type Kit } from './sandbox-kit.js';

let kit: Kit;
beforeEach(() => {
  kit = startKit();
});
afterEach(() => kit.close());

const kubeletPolicyOn = (vaultName: string) =>
  kit.runtime.sandbox!.state.azure.vaults.find((vault) => vault.name === vaultName)!.accessPolicies.find((policy) => policy.objectId === KUBELET.objectId);

describe('attack: a revoke of one app breaks the others that share its identity', () => {
  it('refuses revoke iis-reports cafehyna-dev, naming cert-manager and external-dns, and removes nothing', async () => {
    const error = await refusal(kit.service.revoke({ actor: { id: PEOPLE.requester.cli }, app: 'iis-reports', cluster: 'cafehyna-dev' }));
    expect(error).toMatchObject({
      code: 'FORBIDDEN',
      message: expect.stringMatching(/^revoking iis-reports on cafehyna-dev would break (.+, )?cert-manager \(cafehyna-dev\), external-dns \(cafehyna-dev\)(, .+)?: they read the same vault as the same identity; nothing was removed$/),
    });
    expect(error.message).not.toMatch(/break.*iis-reports/);
    expect(kubeletPolicyOn('kv-cafehyna-dev-hlg')?.permissions.secrets).toEqual(expect.arrayContaining(['get', 'list']));
    // The other apps still mount after the mounts are re-evaluated.
    kit.runtime.sandbox!.reconcile();
    const pods = await kit.runtime.clusterPort('cafehyna-dev').listPods({ namespace: 'external-dns' });
    expect(pods.length).toBeGreaterThan(0);
    expect(pods.map((pod) => pod.status?.phase)).toEqual(pods.map(() => 'Running'));
    const refused = (await kit.service.audit({ app: 'iis-reports' })).map((event) => `${event.action} ${event.outcome}`);
    expect(refused).toEqual(['revoke.refuse denied']);
  });

  it('shows it in the plan: the step stays, kept for the apps that need it', async () => {
    const plan = await kit.service.planRevoke({ actor: { id: PEOPLE.requester.slack }, app: 'iis-reports', cluster: 'cafehyna-dev' });
    expect(plan.changeCount).toBe(0);
    expect(plan.neededBy).toEqual(expect.arrayContaining(['cert-manager (cafehyna-dev)', 'external-dns (cafehyna-dev)']));
    expect(plan.neededBy).not.toContain('iis-reports (cafehyna-dev)');
    expect(plan.vaults[0]?.steps[0]).toMatchObject({ kind: 'access-policy', change: 'none', keptFor: plan.neededBy });
  });

  it('removes what nobody else needs: grafana alone on the hub vault', async () => {
    await leaveAlone('cafehyna-hub', 'kv-cafehyna-default', 'grafana');
    const result = await kit.service.revoke({ actor: { id: PEOPLE.requester.backstage }, app: 'grafana', cluster: 'cafehyna-hub' });
    expect(result.outcome.status).toBe('applied');
    expect(kubeletPolicyOn('kv-cafehyna-default')?.permissions.secrets ?? []).not.toContain('get');
  });

  it('on an RBAC vault, removes a vault-wide assignment when the other app is covered by its own secret-scope assignment', async () => {
    // defectdojo was granted at the vault scope; prd's external-dns reads cloudflare-api-token through its own assignment.
    const azure = kit.runtime.sandbox!.state.azure;
    const granted = await kit.service.grant({ actor: { id: PEOPLE.requester.cli }, app: 'defectdojo', cluster: 'cafehyna-prd' });
    await kit.service.approve({ actor: { id: PEOPLE.approver.slack }, requestId: granted.request!.id });
    expect(azure.roleAssignments.filter((a) => a.principalId === KUBELET.objectId && a.scope.toLowerCase() === PRD_VAULT_ID.toLowerCase())).toHaveLength(1);

    const revoke = await kit.service.revoke({ actor: { id: PEOPLE.requester.cli }, app: 'defectdojo', cluster: 'cafehyna-prd' });
    expect(revoke.request?.status).toBe('pending');
    expect(revoke.plan?.neededBy).toBeUndefined();
    const applied = await kit.service.approve({ actor: { id: PEOPLE.approver.backstage }, requestId: revoke.request!.id });
    expect(applied.outcome.status).toBe('applied');
    const left = azure.roleAssignments.filter((a) => a.principalId === KUBELET.objectId).map((a) => a.scope.toLowerCase());
    expect(left).not.toContain(PRD_VAULT_ID.toLowerCase());
    expect(left).toContain(`${PRD_VAULT_ID}/secrets/cloudflare-api-token`.toLowerCase());
    expect(left.every((scope) => scope.startsWith(`${PRD_VAULT_ID}/secrets/`.toLowerCase()))).toBe(true);
  });
});
