import { loadScenario } from '../scenarios/load.js';
import { evaluateDataPlaneAccess, getSecret, listSecretVersions, resolvePrincipal } from './access.js';
import type { AzureState } from './model.js';

const fresh = (): AzureState => structuredClone(loadScenario('default').azure);
const NOW = Date.UTC(2026, 0, 1);

describe('evaluateDataPlaneAccess', () => {
  it('honours access policies granted to a group the principal belongs to', () => {
    const azure = fresh();
    const approver = azure.users.find((u) => u.name === 'approver');
    const group = azure.groups.find((g) => g.name === 'kvcsi-prd-approvers');
    const request = { vaultName: 'kv-cafehyna-default', principal: { objectId: approver?.objectId ?? '' }, operation: 'list', objectType: 'secret', nowMs: NOW } as const;
    expect(evaluateDataPlaneAccess(azure, request)).toMatchObject({ allowed: false, innerCode: 'AccessDenied' });
    azure.vaults[1]?.accessPolicies.push({ tenantId: azure.tenantId, objectId: group?.objectId ?? '', permissions: { secrets: ['list'] } });
    expect(evaluateDataPlaneAccess(azure, request)).toEqual({ allowed: true });
  });

  it('answers ForbiddenByPolicy for a compound-identity policy (authorized application)', () => {
    const azure = fresh();
    const vault = azure.vaults.find((v) => v.name === 'kv-cafehyna-default');
    const policy = vault?.accessPolicies[0];
    if (policy) policy.applicationId = '00000000-0000-4000-8000-000000000001';
    const decision = evaluateDataPlaneAccess(azure, {
      vaultName: 'kv-cafehyna-default',
      principal: { clientId: 'f1a14a8f-6d38-40a0-a935-3cdd91a25f47' },
      operation: 'get',
      objectType: 'secret',
      objectName: 'argocd-repo-github-token',
      nowMs: NOW,
    });
    expect(decision).toMatchObject({ allowed: false, status: 403, innerCode: 'ForbiddenByPolicy' });
  });

  it('checks the certificate family for certificates and the RBAC list action for lists', () => {
    const azure = fresh();
    const kubelet = { clientId: 'f1a14a8f-6d38-40a0-a935-3cdd91a25f47' };
    expect(evaluateDataPlaneAccess(azure, { vaultName: 'kv-cafehyna-default', principal: kubelet, operation: 'get', objectType: 'certificate', objectName: 'x', nowMs: NOW })).toMatchObject({
      allowed: false,
      message: expect.stringContaining('does not have certificates get permission') as unknown,
    });
    expect(evaluateDataPlaneAccess(azure, { vaultName: 'kv-cafehyna-prd', principal: kubelet, operation: 'list', objectType: 'secret', nowMs: NOW })).toMatchObject({
      allowed: false,
      innerCode: 'ForbiddenByRbac',
      message: expect.stringContaining("Action: 'Microsoft.KeyVault/vaults/secrets/readMetadata/action'") as unknown,
    });
  });

  it('answers 401 without a principal and 404 for an unknown vault', () => {
    const azure = fresh();
    expect(evaluateDataPlaneAccess(azure, { vaultName: 'kv-cafehyna-prd', principal: {}, operation: 'get', objectType: 'secret', nowMs: NOW })).toMatchObject({ status: 401 });
    expect(evaluateDataPlaneAccess(azure, { vaultName: 'kv-nope', principal: { objectId: 'x' }, operation: 'get', objectType: 'secret', nowMs: NOW })).toMatchObject({ status: 404 });
  });
});

describe('lookups for the mount loop', () => {
  it('finds secrets case-insensitively, honours enabled and pinned versions', () => {
    const azure = fresh();
    const found = getSecret(azure, 'kv-cafehyna-dev-hlg', 'cloudflare-api-key');
    expect(found).toMatchObject({ found: true, name: 'Cloudflare-Api-Key' });
    const versions = listSecretVersions(azure, 'painel-clientes-hml', 'painel-web-session-secret');
    expect(versions.map((v) => v.value)).toEqual(['sandbox-painel-web-session-v1', 'sandbox-painel-web-session-v2']);
    const first = versions[0];
    if (first) first.enabled = false;
    expect(getSecret(azure, 'painel-clientes-hml', 'painel-web-session-secret', first?.version)).toEqual({ found: false, reason: 'Disabled' });
    expect(getSecret(azure, 'painel-clientes-hml', 'painel-web-session-secret', 'ffffffffffffffffffffffffffffffff')).toEqual({ found: false, reason: 'VersionNotFound' });
    expect(getSecret(azure, 'kv-nope', 'x')).toEqual({ found: false, reason: 'VaultNotFound' });
  });

  it('resolves principals of every kind', () => {
    const azure = fresh();
    expect(resolvePrincipal(azure, { clientId: 'F1A14A8F-6D38-40A0-A935-3CDD91A25F47' })).toMatchObject({ kind: 'managedIdentity', name: 'id-cafehyna-aks-kubelet' });
    expect(resolvePrincipal(azure, { objectId: azure.users[0]?.objectId ?? '' })).toMatchObject({ kind: 'user', name: 'requester' });
  });
});
