import { parseRegistryConfig, type ClusterPort, type KubePod, type SecretProviderClassResource } from '@kvcsi/core';
import { createBindingsIndex, stuckPodOf } from './bindings-index.js';
import { STUCK_CREATING_AFTER_MS, viewAppBindings } from './bindings-view.js';

const TENANT = '00000000-0000-4000-8000-000000000999';
const KUBELET = '00000000-0000-4000-8000-000000000001';
const registry = parseRegistryConfig(JSON.stringify({
  tenantId: TENANT,
  clusters: [{ name: 'web-dev', tier: 'dev', keyVault: { name: 'kv-web-dev' }, identity: { clientId: KUBELET }, kubeContext: 'web-dev' }],
}), 'test');
const SPC: SecretProviderClassResource = {
  metadata: { name: 'web-secrets', namespace: 'web', labels: { 'app.kubernetes.io/name': 'web' } },
  spec: { provider: 'azure', parameters: { keyvaultName: 'kv-web-dev', tenantId: TENANT, useVMManagedIdentity: 'true', userAssignedIdentityID: KUBELET, objects: 'array:\n  - |\n    objectName: web-db-password\n    objectType: secret\n' } },
};

const pod = (name: string, startTime: string, waiting?: { reason: string; message?: string }): KubePod => ({
  metadata: { name, namespace: 'web' },
  spec: { containers: [{ name: 'web' }], volumes: [{ name: 'secrets', csi: { driver: 'secrets-store.csi.k8s.io', volumeAttributes: { secretProviderClass: 'web-secrets' } } }] },
  status: {
    phase: waiting ? 'Pending' : 'Running', startTime,
    containerStatuses: [{ name: 'web', ready: !waiting, restartCount: 0, state: waiting ? { waiting } : { running: {} } }],
  },
} as KubePod);

async function viewAt(pods: KubePod[], nowInMs: number) {
  const clusterPort = () => ({
    listSecretProviderClasses: async () => [SPC], listSecretProviderClassPodStatuses: async () => [], listPods: async () => pods,
  }) as unknown as ClusterPort;
  const vault = {
    listSecretProperties: async () => ({ items: [{ name: 'web-db-password' }] }), getVaultProperties: async () => undefined,
    resolveIdentity: async ({ clientId }: { clientId: string }) => ({ clientId, objectId: 'sp' }),
    checkAccess: async () => ({ objectId: 'sp', authModel: 'accessPolicy', accessPolicy: { secrets: ['get'] }, roleAssignments: [] }),
  };
  const index = createBindingsIndex({ registry, clusterPort, vault: vault as never });
  await index.refresh();
  return viewAppBindings(index.snapshot(), registry, 'web', ['web-dev'], nowInMs).items[0]!;
}

describe('pods that cannot start', () => {
  const started = '2026-01-01T10:00:00Z';
  const at = (afterInMs: number) => Date.parse(started) + afterInMs;

  it('a pod in ContainerCreating is starting until kubelet\'s mount timeout, then stuck', async () => {
    const pods = [pod('web-1', started, { reason: 'ContainerCreating' })];
    expect((await viewAt(pods, at(10_000))).findings.find((finding) => finding.id === 'pods-not-running')).toMatchObject({ severity: 'info' });
    expect((await viewAt(pods, at(STUCK_CREATING_AFTER_MS))).findings.find((finding) => finding.id === 'pods-not-running')).toMatchObject({ severity: 'error' });
  });

  it('CreateContainerConfigError is an error at once, with kubelet\'s message; with no cause in the class, no causedBy', async () => {
    const item = await viewAt([pod('web-2', started, { reason: 'CreateContainerConfigError', message: 'secret "web-env" not found' })], at(1_000));
    const finding = item.findings.find((candidate) => candidate.id === 'pods-not-running')!;
    expect(finding).toMatchObject({ severity: 'error', subject: { kind: 'Pod', namespace: 'web', name: 'web-2' } });
    expect(finding.evidence).toEqual(['pod web/web-2: CreateContainerConfigError: secret "web-env" not found']);
    expect(finding.causedBy).toBeUndefined();
  });

  it('running pods and pods without a secrets-store volume are not reported', async () => {
    const item = await viewAt([pod('web-3', started)], at(1_000));
    expect(item.findings).toEqual([]);
    const other = pod('job-1', started, { reason: 'CreateContainerConfigError' });
    other.spec.volumes = [];
    expect(stuckPodOf(other)).toMatchObject({ reason: 'CreateContainerConfigError' });
    expect((await viewAt([other], at(1_000))).findings).toEqual([]);
  });
});
