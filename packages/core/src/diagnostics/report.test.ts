import { KvcsiError } from '../errors.js';
import { OBJECT_ID, VAULT, VAULT_ID, clusterState, event, fakeCluster, fakeVault, mountedStatus, registry, runningPod, spc, vaultState } from './fakes.test.fixtures.js';
import { diagnose, explain } from './report.js';
import { formatReport } from './format.js';
import { SIGNATURE_FIXTURES } from './signatures/catalogue.test.fixtures.js';

const target = { kind: 'pod' as const, cluster: 'cafehyna-dev', namespace: 'defectdojo', name: 'defectdojo-7c9d' };
const D1_EVENT = SIGNATURE_FIXTURES.find((fixture) => fixture.id === 'D1' && fixture.era.startsWith('azcore'))!.text;
const TIMEOUT_EVENT = 'Unable to attach or mount volumes: unmounted volumes=[secrets-store], unattached volumes=[secrets-store kube-api-access]: timed out waiting for the condition';

describe('diagnose: the runbook cases over fake ports', () => {
  it('403 on an access-policy vault: D1 first, with the set-policy command for the real vault and object id', async () => {
    const cluster = fakeCluster(clusterState({ events: [event('FailedMount', D1_EVENT, { count: 4 }), event('FailedMount', TIMEOUT_EVENT)] }));
    const vault = fakeVault(vaultState({ properties: { ...vaultState().properties, accessPolicies: [] }, access: { [OBJECT_ID]: { objectId: OBJECT_ID, authModel: 'accessPolicy', roleAssignments: [] } } }));
    const report = await diagnose(target, { cluster, vault, registry: registry() });
    const [first] = report.findings;
    expect(first?.id).toBe('D1');
    expect(first?.severity).toBe('error');
    expect(first?.confidence).toBe('confirmed');
    expect(first?.fix.commands).toContain(`az keyvault set-policy --name ${VAULT} --object-id ${OBJECT_ID} --secret-permissions get list`);
    expect(first?.action).toEqual({ kind: 'grant', params: expect.objectContaining({ vault: VAULT, objectId: OBJECT_ID, authModel: 'accessPolicy', objectName: 'db-password' }) });
    // The generic timeout comes after the cause.
    const ids = report.findings.map((f) => f.id);
    expect(ids.indexOf('A6')).toBeGreaterThan(0);
    expect(report.unknowns).toEqual([]);
  });

  it('403 on an RBAC vault: D2 with the role assignment at the vault id', async () => {
    const d2 = SIGNATURE_FIXTURES.find((fixture) => fixture.id === 'D2' && fixture.era.startsWith('azcore'))!.text.replace(/kv-cafehyna-prd/g, VAULT);
    const cluster = fakeCluster(clusterState({ events: [event('FailedMount', d2)] }));
    const vault = fakeVault(vaultState({ properties: { ...vaultState().properties, authModel: 'rbac', accessPolicies: [] }, access: { [OBJECT_ID]: { objectId: OBJECT_ID, authModel: 'rbac', roleAssignments: [{ scope: VAULT_ID, roleDefinitionId: 'acdd72a7', roleName: 'Reader', principalId: OBJECT_ID }] } } }));
    const report = await diagnose(target, { cluster, vault, registry: registry() });
    expect(report.findings[0]?.id).toBe('D2');
    expect(report.findings[0]?.fix.commands).toEqual([`az role assignment create --role "Key Vault Secrets User" --assignee-object-id ${OBJECT_ID} --assignee-principal-type ServicePrincipal --scope ${VAULT_ID}`]);
    expect(report.findings[0]?.evidence.join('\n')).toContain('Reader at');
  });

  it('403 in the events but access granted since: says remount pending, not "grant"', async () => {
    const cluster = fakeCluster(clusterState({ events: [event('FailedMount', D1_EVENT)] }));
    const report = await diagnose(target, { cluster, vault: fakeVault(vaultState()), registry: registry() });
    const d1 = report.findings.find((f) => f.id === 'D1')!;
    expect(d1.severity).toBe('warning');
    expect(d1.title).toMatch(/granted now/);
    expect(d1.action?.kind).toBe('restart-pod');
  });

  it('secret not found with a name differing only by case/near miss: "did you mean"', async () => {
    const cluster = fakeCluster(clusterState({ spcs: [spc({ objects: [{ objectName: 'db-passwrd' }] })] }));
    const report = await diagnose(target, { cluster, vault: fakeVault(vaultState()), registry: registry() });
    const d7 = report.findings.find((f) => f.id === 'D7')!;
    expect(d7.severity).toBe('error');
    expect(d7.title).toContain('did you mean "db-password"');
    expect(d7.action).toEqual({ kind: 'fix-spc', params: expect.objectContaining({ suggestion: 'db-password' }) });
  });

  it('secretObjects objectName differing only by case from the mounted file: F2 with "did you mean"', async () => {
    const state = clusterState({
      pods: [runningPod({ env: [{ name: 'DB', secret: 'defectdojo-env', key: 'db' }], waiting: { reason: 'CreateContainerConfigError', message: 'secret "defectdojo-env" not found' } })],
      spcs: [spc({ objects: [{ objectName: 'DB-PASSWORD' }], secretObjects: [{ secretName: 'defectdojo-env', type: 'Opaque', data: [{ objectName: 'db-password', key: 'db' }] }] })],
      statuses: [mountedStatus('defectdojo-spc', [{ id: 'secret/DB-PASSWORD', version: 'v1' }])],
    });
    const report = await diagnose(target, { cluster: fakeCluster(state), vault: fakeVault(vaultState()), registry: registry() });
    const f2 = report.findings.find((f) => f.id === 'F2')!;
    expect(f2.title).toContain('did you mean "DB-PASSWORD"');
    expect(report.findings.find((f) => f.id === 'K3')?.summary).toMatch(/is mounted, but the driver did not create/);
  });

  it('synced Secret missing because no CSI volume of the pod syncs it: K2', async () => {
    const state = clusterState({ pods: [runningPod({ noCsi: true, env: [{ name: 'DB', secret: 'defectdojo-env', key: 'db' }], waiting: { reason: 'CreateContainerConfigError', message: 'secret "defectdojo-env" not found' } })] });
    const report = await diagnose(target, { cluster: fakeCluster(state), vault: fakeVault(vaultState()), registry: registry() });
    expect(report.findings[0]?.id).toBe('K2');
    expect(report.findings[0]?.severity).toBe('error');
  });

  it('app target: an SPC of the app that no pod mounts, whose synced Secret is missing', async () => {
    const state = clusterState({
      pods: [runningPod({ noCsi: true })],
      spcs: [spc({ secretObjects: [{ secretName: 'defectdojo-env', type: 'Opaque', data: [{ objectName: 'db-password', key: 'db' }] }] })],
    });
    const report = await diagnose({ kind: 'app', cluster: 'cafehyna-dev', app: 'defectdojo' }, { cluster: fakeCluster(state), vault: fakeVault(vaultState()), registry: registry() });
    expect(report.findings[0]).toEqual(expect.objectContaining({ id: 'K2', severity: 'error', subject: { kind: 'SecretProviderClass', name: 'defectdojo-spc', namespace: 'defectdojo' } }));
  });

  it('pod stuck in ContainerCreating with only the generic timeout: A6 error that says where to look', async () => {
    const cluster = fakeCluster(clusterState({ events: [event('FailedMount', TIMEOUT_EVENT, { count: 3 })] }));
    const report = await diagnose(target, { cluster, vault: fakeVault(vaultState()), registry: registry() });
    expect(report.findings.map((f) => f.id)).toEqual(['A6']);
    expect(report.findings[0]?.generic).toBe(true);
    expect(report.findings[0]?.evidence.join('\n')).toContain('first mount never succeeded');
  });

  it('a healthy pod gives no error finding', async () => {
    const state = clusterState({ pods: [runningPod()], statuses: [mountedStatus()] });
    const report = await diagnose(target, { cluster: fakeCluster(state), vault: fakeVault(vaultState()), registry: registry() });
    expect(report.findings.filter((f) => f.severity === 'error')).toEqual([]);
  });

  it('a running pod with old FailedMount events: warnings, not errors', async () => {
    const state = clusterState({ pods: [runningPod()], statuses: [mountedStatus()], events: [event('FailedMount', D1_EVENT.replace('AccessDenied', 'ForbiddenByRbac'))] });
    const report = await diagnose(target, { cluster: fakeCluster(state), vault: fakeVault(vaultState({ access: {} })), registry: registry() });
    expect(report.findings.length).toBeGreaterThan(0);
    expect(report.findings.filter((f) => f.severity === 'error')).toEqual([]);
  });

  it('with the vault unreachable and events throttled, the report still comes and lists what was not checked', async () => {
    const throttled = new KvcsiError('THROTTLED', 'the API server answered 429');
    const cluster = fakeCluster(clusterState({ events: [event('FailedMount', D1_EVENT)] }), { fail: { listPodEvents: throttled } });
    const vault = fakeVault(vaultState(), { fail: { getVaultProperties: new KvcsiError('UNAVAILABLE', 'ECONNREFUSED'), listSecretProperties: new KvcsiError('UNAVAILABLE', 'ECONNREFUSED'), checkAccess: new KvcsiError('UNAVAILABLE', 'ECONNREFUSED') } });
    const report = await diagnose(target, { cluster, vault, registry: registry() });
    expect(report.unknowns.map((u) => u.source)).toEqual(expect.arrayContaining(['events of pod defectdojo/defectdojo-7c9d', `vault ${VAULT} properties`]));
    expect(report.unknowns.find((u) => u.source.startsWith('events'))?.code).toBe('THROTTLED');
    expect(report.findings[0]?.id).toBe('K1');
    expect(formatReport(report)).toContain('Could not check:');
  });

  it('rejects a pod target without a name', async () => {
    await expect(diagnose({ kind: 'pod', namespace: 'x', name: '' }, { cluster: fakeCluster(clusterState()) })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});

describe('explain: pasted text only', () => {
  it('ranks the specific cause before the generic timeout in kubectl describe output', () => {
    const describe = [
      'Events:',
      '  Type     Reason       Age                From     Message',
      '  Warning  FailedMount  1m (x2 over 7m)    kubelet  ' + TIMEOUT_EVENT,
      '  Warning  FailedMount  3m (x5 over 9m)    kubelet  ' + SIGNATURE_FIXTURES.find((f) => f.id === 'D2' && f.era.startsWith('autorest'))!.text,
    ].join('\n');
    const { findings } = explain(describe);
    expect(findings.map((f) => f.id)).toEqual(['D2', 'A6']);
    expect(findings[0]?.fix.commands[0]).toContain('--assignee-object-id 0b3c1b0e-9d2a-4a7e-9a1c-2f5b7c9d1e3f');
    expect(findings[0]?.fix.commands[0]).toContain(`--scope $(az keyvault show --name kv-cafehyna-prd --query id -o tsv)`.replace('kv-cafehyna-prd', findings[0]!.action!.params.vault!));
  });

  it('gives at least one finding for every catalogue fixture, and the fixture\'s id among them', () => {
    const misses = SIGNATURE_FIXTURES.filter((fixture) => fixture.id !== 'G5' && !explain(fixture.text).findings.some((f) => f.id === fixture.id));
    expect(misses.map((m) => `${m.id} (${m.era})`)).toEqual([]);
  });

  it('never puts secret material into findings', () => {
    const text = SIGNATURE_FIXTURES.find((f) => f.id === 'C1' && f.era.includes('leaks'))!.text;
    const json = JSON.stringify(explain(text));
    expect(json).not.toContain('hunter2');
  });

  it('says nothing about healthy text', () => {
    expect(explain('Normal  Started  1m  kubelet  Started container app').findings).toEqual([]);
  });

  it('renders an incident note: cause, evidence, fix', () => {
    const text = formatReport(explain(D1_EVENT));
    expect(text).toMatch(/1\. \[ERROR\] D1: /);
    expect(text).toContain('Cause:');
    expect(text).toContain('Evidence:');
    expect(text).toContain('$ az keyvault set-policy --name kv-cafehyna-dev-hlg --object-id 0b3c1b0e-9d2a-4a7e-9a1c-2f5b7c9d1e3f');
  });
});

