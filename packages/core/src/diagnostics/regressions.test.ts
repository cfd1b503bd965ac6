// Regressions of issue 15 that need cluster facts: attribution by volume and identity mode, the rotation flag of
// drivers <= 1.5, events of a recreated pod, a volume no container mounts, observed before predicted.
import { analyzePod } from './report.js';
import { collectFacts } from './collector.js';
import { buildFacts, CLIENT_ID, OBJECT_ID, clusterState, CSI_DRIVER, daemonPod, event, fakeCluster, mountedStatus, pod, registry, runningPod, spc, vaultState, VAULT, VAULT_ID } from './fakes.test.fixtures.js';
import type { KubePod } from '../ports.js';

const WI_CLIENT = '6a9c1f0e-3b7d-4c2a-9e51-0f2d8b7c4a13';
const OTHER_OBJECT = '9d7e2c4b-1a3f-4e6d-8b5c-2f0a1e9d7c36';

/** A pod with two CSI volumes: the first SPC uses the VM identity, the second workload identity. */
function twoVolumePod(): KubePod {
  const base = pod();
  base.spec.volumes = [
    { name: 'secrets-a', csi: { driver: 'secrets-store.csi.k8s.io', readOnly: true, volumeAttributes: { secretProviderClass: 'spc-a' } } },
    { name: 'secrets-b', csi: { driver: 'secrets-store.csi.k8s.io', readOnly: true, volumeAttributes: { secretProviderClass: 'spc-b' } } },
  ];
  base.spec.containers[0]!.volumeMounts = [{ name: 'secrets-a', mountPath: '/a' }, { name: 'secrets-b', mountPath: '/b' }];
  return base;
}

describe('attribution by volume', () => {
  it('a 403 on the second volume names that volume, its SecretProviderClass and its identity, not the first one\'s', () => {
    // Key Vault's 403 wording as the provider (azcore) reports it; the volume is the one kubelet names.
    const forbidden = `MountVolume.SetUp failed for volume "secrets-b" : rpc error: code = Unknown desc = failed to mount secrets store objects for pod defectdojo/defectdojo-7c9d, err: rpc error: code = Unknown desc = failed to mount objects, error: failed to get objectType:secret, objectName:api-key, objectVersion:: GET https://${VAULT}.vault.azure.net/secrets/api-key/\nRESPONSE 403: 403 Forbidden\nERROR CODE: Forbidden`;
    const facts = buildFacts({
      state: {
        pods: [twoVolumePod()],
        spcs: [spc({ name: 'spc-a' }), spc({ name: 'spc-b', parameters: { useVMManagedIdentity: 'false', userAssignedIdentityID: '', clientID: WI_CLIENT }, objects: [{ objectName: 'api-key' }] })],
        events: [event('FailedMount', forbidden, { count: 4 })],
      },
      vault: null,
    });
    const denial = analyzePod(facts).findings.find((finding) => finding.id === 'K4' || finding.id === 'D1' || finding.id === 'D2')!;
    expect(denial.volume).toEqual({ name: 'secrets-b', secretProviderClass: 'spc-b' });
    expect(denial.action?.params.clientId).toBe(WI_CLIENT);
    expect(denial.fix.commands.join('\n')).toContain(WI_CLIENT);
    expect(denial.fix.commands.join('\n')).not.toContain(CLIENT_ID);
  });
});

describe('identity modes: never the kubelet identity for another mode', () => {
  const noAccess = () => vaultState({ access: { [OTHER_OBJECT]: { objectId: OTHER_OBJECT, authModel: 'rbac', roleAssignments: [] } } });
  it.each<[string, Record<string, string>, boolean]>([
    ['service principal (nodePublishSecretRef)', { useVMManagedIdentity: 'false', userAssignedIdentityID: '' }, true],
    ['pod identity', { useVMManagedIdentity: 'false', userAssignedIdentityID: '', usePodIdentity: 'true' }, false],
    ['system-assigned', { userAssignedIdentityID: '' }, false],
  ])('a healthy %s pod is not told the cluster identity lacks access, nor offered a grant to it', (_mode, parameters, servicePrincipal) => {
    const running = runningPod();
    if (servicePrincipal) running.spec.volumes![0]!.csi!.nodePublishSecretRef = { name: 'secrets-store-creds' };
    const facts = buildFacts({ state: { pods: [running], spcs: [spc({ parameters })], statuses: [mountedStatus()] }, vault: noAccess() });
    const findings = analyzePod(facts).findings;
    expect(findings.filter((finding) => finding.severity === 'error')).toEqual([]);
    expect(findings.filter((finding) => finding.action?.kind === 'grant')).toEqual([]);
  });

  it('the predicted "cannot read" still applies to the VM identity the SPC names', () => {
    const facts = buildFacts({ state: { pods: [pod()], spcs: [spc()] }, vault: noAccess() });
    facts.vaults[VAULT.toLowerCase()]!.access[OBJECT_ID.toLowerCase()] = { status: 'known', value: { objectId: OBJECT_ID, authModel: 'rbac', roleAssignments: [] } };
    const grant = analyzePod(facts).findings.find((finding) => finding.action?.kind === 'grant');
    expect(grant?.action?.params.clientId).toBe(CLIENT_ID);
    expect(grant?.title).toContain(`VM identity ${CLIENT_ID}`);
  });
});

describe('observed before predicted', () => {
  it('the AADSTS700213 the event reports leads, ahead of a facts-only prediction', () => {
    // Entra ID's AADSTS700213 sentence as issue 15 quotes it, inside the provider's FromAssertion wrapper.
    const mismatch = `MountVolume.SetUp failed for volume "secrets-store" : rpc error: code = Unknown desc = failed to mount secrets store objects for pod defectdojo/defectdojo-7c9d, err: rpc error: code = Unknown desc = failed to mount objects, error: failed to get keyvault client: failed to get authorizer for keyvault client: failed to acquire token: FromAssertion(): http call(https://login.microsoftonline.com/t/oauth2/v2.0/token)(POST) error: reply status code was 400: AADSTS700213: No matching federated identity record found for presented assertion subject 'system:serviceaccount:defectdojo:default'.`;
    const facts = buildFacts({ state: { events: [event('FailedMount', mismatch, { count: 3 })] }, vault: vaultState({ access: {} }) });
    const findings = analyzePod(facts).findings;
    expect(findings[0]?.id).toBe('C4.2');
    expect(findings[0]?.observed).toBe(true);
    expect(findings.filter((finding) => finding.generic).every((finding) => finding.causedBy === 'C4.2')).toBe(true);
  });
});

describe('rotation on drivers <= 1.5', () => {
  it('--enable-secret-rotation on the driver container is rotation on, although the CSIDriver has no requiresRepublish', () => {
    const driver = daemonPod('csi-secrets-store-abc', 'secrets-store');
    // The driver chart (<= 1.5) and the AKS add-on pass these flags to the secrets-store container.
    driver.spec.containers[0]!.args = ['--endpoint=$(CSI_ENDPOINT)', '--nodeid=$(KUBE_NODE_NAME)', '--provider-volume=/etc/kubernetes/secrets-store-csi-providers', '--enable-secret-rotation=true', '--rotation-poll-interval=2m'];
    const changedSpc = spc({ objects: [{ objectName: 'db-password' }, { objectName: 'api-key' }] });
    const state = { pods: [runningPod()], spcs: [changedSpc], statuses: [mountedStatus()], csiDriver: { ...CSI_DRIVER, spec: { ...CSI_DRIVER.spec, requiresRepublish: false } } };
    expect(analyzePod(buildFacts({ state })).findings.map((finding) => finding.id)).toContain('K15');
    expect(analyzePod(buildFacts({ state: { ...state, driverPods: [driver] } })).findings.map((finding) => finding.id)).not.toContain('K15');
  });
});

describe('events of a recreated StatefulSet pod', () => {
  it('keeps only the events of the current pod UID', async () => {
    const current = pod({ name: 'defectdojo-7c9d' });
    const old = { ...event('FailedMount', 'MountVolume.SetUp failed for volume "secrets-store" : rpc error: code = DeadlineExceeded desc = context deadline exceeded'), involvedObject: { kind: 'Pod', name: 'defectdojo-7c9d', namespace: 'defectdojo', uid: 'uid-0' } };
    const mine = { ...event('Scheduled', 'Successfully assigned defectdojo/defectdojo-7c9d to aks-node-1', { type: 'Normal' }), involvedObject: { kind: 'Pod', name: 'defectdojo-7c9d', namespace: 'defectdojo', uid: 'uid-1' } };
    const port = fakeCluster(clusterState({ pods: [current], events: [old, mine] }));
    const { facts } = await collectFacts({ kind: 'pod', cluster: 'cafehyna-dev', namespace: 'defectdojo', name: 'defectdojo-7c9d' }, { cluster: port, registry: registry() });
    expect(facts.events.status === 'known' && facts.events.value.map((e) => e.involvedObject.uid)).toEqual(['uid-1']);
  });
});

describe('a CSI volume no container mounts', () => {
  it('is its own finding, with no mount error to fix', () => {
    const running = runningPod();
    running.spec.containers[0]!.volumeMounts = [];
    const facts = buildFacts({ state: { pods: [running], statuses: [mountedStatus()] } });
    facts.volumes[0]!.mountedBy = [];
    const findings = analyzePod(facts).findings;
    expect(findings.map((finding) => [finding.id, finding.severity])).toEqual([['K17', 'warning']]);
    expect(findings[0]!.fix.commands.join(' ')).not.toMatch(/secretproviderclass/);
  });
});

void VAULT_ID;
