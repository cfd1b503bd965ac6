import { buildFacts, CLIENT_ID, CSI_DRIVER, daemonPod, event, mountedStatus, OBJECT_ID, pod, runningPod, spc, vaultState, VAULT_ID } from '../fakes.test.fixtures.js';
import { known, type PodFacts } from '../facts.js';
import { SIGNATURE_FIXTURES } from '../signatures/catalogue.test.fixtures.js';
import { analyzeApp } from './app.js';
import { analyzeContent } from './content.js';
import type { Analyzer } from './helpers.js';
import { analyzeIdentity } from './identity.js';
import { analyzePlumbing } from './plumbing.js';
import { analyzePodStuck } from './pod-stuck.js';
import { analyzeProviderConfig } from './provider-config.js';
import { analyzeRotation } from './rotation.js';
import { analyzeSecretSync } from './secret-sync.js';
import { analyzeSilent } from './silent.js';
import { analyzeVaultAccess } from './vault-access.js';
import { analyzeVaultNetwork } from './vault-network.js';
import { analyzeVaultObject, closestNames } from './vault-object.js';

const fixture = (id: string, era?: string) => SIGNATURE_FIXTURES.find((f) => f.id === id && (era === undefined || f.era.includes(era)))!.text;
const healthy = (): PodFacts => buildFacts({ state: { pods: [runningPod()], statuses: [mountedStatus()] } });
const ids = (analyze: Analyzer, facts: PodFacts) => analyze(facts).map((f) => `${f.id}:${f.severity}`);

describe.each<[string, Analyzer]>([
  ['plumbing', analyzePlumbing], ['provider-config', analyzeProviderConfig], ['identity', analyzeIdentity], ['vault-access', analyzeVaultAccess],
  ['vault-object', analyzeVaultObject], ['vault-network', analyzeVaultNetwork], ['content', analyzeContent], ['secret-sync', analyzeSecretSync],
  ['rotation', analyzeRotation], ['silent', analyzeSilent], ['pod-stuck', analyzePodStuck],
])('%s on a healthy pod', (_name, analyze) => {
  it('finds nothing', () => {
    expect(analyze(healthy())).toEqual([]);
  });
});

describe('plumbing (A)', () => {
  it('A1 from the facts: no driver pod on the node', () => {
    expect(ids(analyzePlumbing, buildFacts({ state: { driverPods: [] } }))).toContain('A1:error');
  });
  it('A2 from the facts: no CSIDriver object', () => {
    expect(ids(analyzePlumbing, buildFacts({ state: { csiDriver: undefined } }))).toContain('A2:error');
  });
  it('A3 from the facts: the SPC is not in the pod\'s namespace', () => {
    const [a3] = analyzePlumbing(buildFacts({ state: { spcs: [] } }));
    expect(a3).toMatchObject({ id: 'A3', confidence: 'confirmed', title: 'SecretProviderClass defectdojo-spc not found in namespace defectdojo' });
  });
  it('A4: provider name typo "Azure"', () => {
    const facts = buildFacts({ state: { spcs: [{ ...spc(), spec: { ...spc().spec, provider: 'Azure' } }] }, texts: [fixture('A4', 'gRPC').replace(/"azure"/g, '"Azure"')] });
    expect(analyzePlumbing(facts).find((f) => f.id === 'A4')?.title).toContain('spec.provider is "Azure"');
  });
  it('A5 from the facts: provider pod crash-looping', () => {
    const facts = buildFacts({ state: { providerPods: [daemonPod('provider-azure-1', 'provider-azure-installer', false)] } });
    expect(analyzePlumbing(facts).find((f) => f.id === 'A5')?.evidence[0]).toContain('CrashLoopBackOff');
  });
  it('A12 from the facts: volume not readOnly', () => {
    expect(ids(analyzePlumbing, buildFacts({ state: { pods: [pod({ readOnly: false })] } }))).toContain('A12:error');
  });
});

describe('provider-config (B)', () => {
  it('B1, B2, B6 from the SPC', () => {
    const broken = spc({ parameters: { keyvaultName: 'https://kv.vault.azure.net/', tenantId: '' }, objects: [{ objectName: 'x', objectType: 'Secret' }] });
    expect(ids(analyzeProviderConfig, buildFacts({ state: { spcs: [broken] } }))).toEqual(['B1:error', 'B2:error', 'B6:error']);
  });
  it('B5 from the text', () => {
    expect(ids(analyzeProviderConfig, buildFacts({ texts: [fixture('B5')] }))).toContain('B5:error');
  });
  it('B10 warning when the CSIDriver lacks podInfoOnMount', () => {
    expect(ids(analyzeProviderConfig, buildFacts({ state: { csiDriver: { ...CSI_DRIVER, spec: { ...CSI_DRIVER.spec, podInfoOnMount: false } } } }))).toEqual(['B10:warning']);
  });
});

describe('identity (C)', () => {
  it('C1: no identity flag → says the provider fell back to SP mode and patches in the registry identity', () => {
    const noFlags = spc({ parameters: { useVMManagedIdentity: '', userAssignedIdentityID: '' } });
    const [c1] = analyzeIdentity(buildFacts({ state: { spcs: [noFlags] }, texts: [fixture('C1', 'v1.8')] }));
    expect(c1?.title).toContain('fell back to service-principal mode');
    expect(c1?.fix.commands[0]).toContain(`"userAssignedIdentityID":"${CLIENT_ID}"`);
  });
  it('C3: IMDS identity not found names the client id from the text', () => {
    const [c3] = analyzeIdentity(buildFacts({ texts: [fixture('C3', 'adal')] }));
    expect(c3?.title).toContain(CLIENT_ID);
  });
  it('C4.1 from the facts: workload identity without the token audience', () => {
    const wi = spc({ parameters: { useVMManagedIdentity: '', userAssignedIdentityID: '', clientID: CLIENT_ID } });
    const facts = buildFacts({ state: { spcs: [wi], csiDriver: { ...CSI_DRIVER, spec: { ...CSI_DRIVER.spec, tokenRequests: [] } } } });
    expect(analyzeIdentity(facts).map((f) => [f.id, f.confidence])).toEqual([['C4.1', 'confirmed']]);
  });
  it('C4.2 compares the subject with the pod\'s service account', () => {
    const [c42] = analyzeIdentity(buildFacts({ texts: [fixture('C4.2', 'MSAL')] }));
    expect(c42?.evidence).toContain('pod service account subject: system:serviceaccount:defectdojo:defectdojo');
  });
  it('C4.3 from the facts: the client id does not exist', () => {
    const facts = buildFacts({ vault: vaultState({ identities: [] }) });
    expect(ids(analyzeIdentity, facts)).toEqual(['C4.3:error']);
  });
});

describe('vault-access (D1, D2, D5)', () => {
  it('predicts D2 from the facts alone on an RBAC vault with only Reader', () => {
    const vault = vaultState({ properties: { ...vaultState().properties, authModel: 'rbac' }, access: { [OBJECT_ID]: { objectId: OBJECT_ID, authModel: 'rbac', roleAssignments: [{ scope: VAULT_ID, roleDefinitionId: 'x', roleName: 'Reader', principalId: OBJECT_ID }] } } });
    const [d2] = analyzeVaultAccess(buildFacts({ vault }));
    expect(d2).toMatchObject({ id: 'D2', severity: 'error', confidence: 'confirmed' });
    expect(d2?.fix.commands[0]).toBe(`az role assignment create --role "Key Vault Secrets User" --assignee-object-id ${OBJECT_ID} --assignee-principal-type ServicePrincipal --scope ${VAULT_ID}`);
  });
  it('accepts a Secrets User role at the resource-group scope', () => {
    const scope = VAULT_ID.split('/providers/')[0]!;
    const vault = vaultState({ properties: { ...vaultState().properties, authModel: 'rbac' }, access: { [OBJECT_ID]: { objectId: OBJECT_ID, authModel: 'rbac', roleAssignments: [{ scope, roleDefinitionId: 'x', roleName: 'Key Vault Secrets User', principalId: OBJECT_ID }] } } });
    expect(analyzeVaultAccess(buildFacts({ vault }))).toEqual([]);
  });
  it('D5 from the text', () => {
    expect(ids(analyzeVaultAccess, buildFacts({ texts: [fixture('D5')] }))).toEqual(['D5:error']);
  });
  it('without vault facts, the 403 text still gives both grant commands', () => {
    const [finding] = analyzeVaultAccess(buildFacts({ vault: null, texts: [fixture('K4')] }));
    expect(finding?.id).toBe('K4');
    expect(finding?.fix.commands).toHaveLength(2);
  });
});

describe('vault-object (D6, D7)', () => {
  it('D7 from the text, with the vault\'s names for "did you mean"', () => {
    const text = fixture('D7', 'Istio').replace(/test-cert-chain/g, 'db-pasword');
    const [d7] = analyzeVaultObject(buildFacts({ texts: [text] }));
    expect(d7?.title).toContain('did you mean "db-password"');
  });
  it('D6 from the text', () => {
    expect(ids(analyzeVaultObject, buildFacts({ texts: [fixture('D6')] }))).toContain('D6:error');
  });
  it('closestNames prefers a case-only difference', () => {
    expect(closestNames('DB-Password', ['db-password', 'db-passwords', 'api-key'])).toEqual(['db-password', 'db-passwords']);
    expect(closestNames('db_password', ['db-password'])).toEqual(['db-password']);
    expect(closestNames('totally-else', ['db-password'])).toEqual([]);
  });
});

describe('vault-network (D3, D4, D9, D10)', () => {
  it.each([['D3'], ['D4'], ['D9'], ['D10']])('%s from the text', (id) => {
    expect(analyzeVaultNetwork(buildFacts({ texts: [fixture(id)] }))[0]?.id).toBe(id);
  });
});

describe('content (E)', () => {
  it('E1 error and E6 info', () => {
    expect(ids(analyzeContent, buildFacts({ texts: [fixture('E1')] }))).toEqual(['E1:error']);
    expect(ids(analyzeContent, buildFacts({ texts: [fixture('E6')] }))).toEqual(['E6:info']);
  });
});

describe('secret-sync (F, K2, K3)', () => {
  it('F1 from the driver log', () => {
    expect(ids(analyzeSecretSync, buildFacts({ state: { logs: { 'csi-secrets-store-abc': fixture('F1', 'driver log') } } }))).toContain('F1:error');
  });
  it('K3: the synced Secret is missing because the volume never mounted', () => {
    const facts = buildFacts({
      state: {
        pods: [pod({ env: [{ name: 'DB', secret: 'defectdojo-env', key: 'db' }] })],
        spcs: [spc({ secretObjects: [{ secretName: 'defectdojo-env', type: 'Opaque', data: [{ objectName: 'db-password', key: 'db' }] }] })],
      },
    });
    const [k3] = analyzeSecretSync(facts);
    expect(k3).toMatchObject({ id: 'K3', generic: true, title: 'Secret defectdojo-env was not synced: the volume never mounted' });
  });
  it('F3 and F5 from the SPC', () => {
    const bad = spc({ secretObjects: [{ secretName: 'tls', type: 'kubernetes.io/tls', data: [{ objectName: 'db-password', key: 'ca.crt' }] }, { secretName: 'x', type: '', data: [{ objectName: 'db-password', key: 'k' }] }] });
    expect(ids(analyzeSecretSync, buildFacts({ state: { spcs: [bad] } }))).toEqual(['F5:error', 'F3:error']);
  });
});

describe('rotation (G)', () => {
  it('G4 from the driver log', () => {
    expect(ids(analyzeRotation, buildFacts({ state: { logs: { 'csi-secrets-store-abc': fixture('G4') } } }))).toEqual(['G4:warning']);
  });
});

describe('silent checks (§6)', () => {
  it('misspelled key, duplicate file, bad filePermission, override, clientID ignored, legacy params', () => {
    const noisy = spc({
      parameters: { clientID: CLIENT_ID, resourceGroup: 'rg' },
      objects: [{ objectName: 'db-password', extra: 'objecttype: secret' }, { objectName: 'api-key', objectAlias: 'db-password', extra: 'filePermission: rw' }],
    });
    const facts = buildFacts({ state: { spcs: [noisy], pods: [{ ...runningPod(), spec: { ...runningPod().spec, volumes: [{ name: 'secrets-store', csi: { driver: 'secrets-store.csi.k8s.io', readOnly: true, volumeAttributes: { secretProviderClass: 'defectdojo-spc', keyvaultName: 'kv-other' } } }] } }], statuses: [mountedStatus()] } });
    expect(analyzeSilent(facts).map((f) => f.id).sort()).toEqual(['B11', 'K10', 'K11', 'K12', 'K13', 'K14', 'K15']);
  });
  it('K15: the SPC lists an object the mount does not have and rotation is off', () => {
    const facts = buildFacts({ state: { pods: [runningPod()], spcs: [spc({ objects: [{ objectName: 'db-password' }, { objectName: 'api-key' }] })], statuses: [mountedStatus()] } });
    expect(analyzeSilent(facts).map((f) => f.id)).toEqual(['K15']);
  });
});

describe('pod-stuck (K1)', () => {
  it('K1 when stuck with nothing else known, saying what could not be read', () => {
    const facts = { ...buildFacts(), events: { status: 'unknown' as const, reason: 'THROTTLED: 429' } };
    const [k1] = analyzePodStuck(facts);
    expect(k1).toMatchObject({ id: 'K1', severity: 'error', generic: true });
    expect(k1?.evidence).toContain('pod events could not be read: THROTTLED: 429');
  });
  it('A6 from the timeout event', () => {
    expect(ids(analyzePodStuck, buildFacts({ state: { events: [event('FailedMount', fixture('A6', 'kubelet deadline'))] } }))).toEqual(['A6:error']);
  });
});

describe('app (K2)', () => {
  it('an unmounted SPC without secretObjects is only info; with a missing synced Secret it is an error', () => {
    const target = { kind: 'app' as const, app: 'defectdojo' };
    const plain = analyzeApp({ target, pods: [], secretProviderClasses: known([{ spc: spc(), mountedBy: [] }]), secrets: {} });
    expect(plain.map((f) => f.severity)).toEqual(['info']);
    const syncing = spc({ secretObjects: [{ secretName: 'env', type: 'Opaque', data: [{ objectName: 'db-password', key: 'k' }] }] });
    const missing = analyzeApp({ target, pods: [], secretProviderClasses: known([{ spc: syncing, mountedBy: [] }]), secrets: { env: known(null) } });
    expect(missing.map((f) => f.severity)).toEqual(['error']);
    expect(analyzeApp({ target, pods: [], secretProviderClasses: known([{ spc: syncing, mountedBy: ['p'] }]), secrets: {} })).toEqual([]);
  });
});
