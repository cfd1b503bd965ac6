import { AuthorizationManagementClient } from '@azure/arm-authorization';
import { createSandbox, type Sandbox } from '../sandbox.js';
import { operatorCredential, restError, kubeletCredential, secretClient } from '../azure/sdkTestHelpers.js';
import type { KubeClusterState } from '../kubernetes/store.js';
import type { EventObject, PodObject } from '../kubernetes/types.js';
import { CSI_TIMEOUT_MS, KUBELET_MAX_BACKOFF_MS, POD_ATTACH_AND_MOUNT_TIMEOUT_MS } from './loop.js';

// Time as the real components keep it: kubelet's backoff and deadlines, RBAC propagation, event correlation, rotation.
// The tests hold the clock: `sandbox.advance(ms)`.

const DEFECTDOJO = { cluster: 'cafehyna-prd', namespace: 'defectdojo', pod: 'defectdojo-hvvfwdpl2p-gzd7z' };
const PAINEL_API = { cluster: 'painelclientes-dev', namespace: 'painel-clientes', pod: 'painel-api-6b94bhjmtj-x7lpl' };
const EXTERNAL_DNS_DEV = { cluster: 'cafehyna-dev', namespace: 'external-dns', pod: 'external-dns-r4fw8d87d6-ttqvr' };
const GRAFANA = { cluster: 'cafehyna-hub', namespace: 'monitoring', pod: 'grafana-7tvtfftmn6-sm5bb' };

type PodRef = typeof DEFECTDOJO;

function kube(sandbox: Sandbox, cluster: string): KubeClusterState {
  const found = sandbox.state.kubernetes[cluster];
  if (found === undefined) throw new Error(`no cluster ${cluster}`);
  return found;
}

function pod(sandbox: Sandbox, ref: PodRef): PodObject {
  return kube(sandbox, ref.cluster).get('pods', ref.namespace, ref.pod) as PodObject;
}

function events(sandbox: Sandbox, ref: PodRef, reason = 'FailedMount'): EventObject[] {
  return (kube(sandbox, ref.cluster).list('events', { namespace: ref.namespace }).items as EventObject[])
    .filter((e) => e.involvedObject.name === ref.pod && e.reason === reason);
}

const totalCount = (list: EventObject[]): number => list.reduce((sum, e) => sum + e.count, 0);

function componentLog(sandbox: Sandbox, ref: PodRef, app: string, container: string): string {
  const k = kube(sandbox, ref.cluster);
  const node = pod(sandbox, ref).spec.nodeName ?? '';
  const component = k.list('pods', { labelSelector: `app=${app}`, fieldSelector: `spec.nodeName=${node}` }).items[0];
  return k.readLog({ namespace: 'kube-system', pod: component?.metadata.name ?? '', container }) ?? '';
}

const realistic = (): Sandbox => createSandbox({ scenario: 'default', autoSave: false, timing: 'realistic' });

describe('kubelet retries with backoff, on the sandbox clock', () => {
  it('counts one FailedMount per kubelet retry (500 ms doubling), not per unrelated write', () => {
    const sandbox = realistic();
    expect(totalCount(events(sandbox, DEFECTDOJO))).toBe(1);
    // Writes elsewhere reconcile, but kubelet has not reached its next retry: the count stays.
    sandbox.reconcile();
    sandbox.advance(400);
    expect(totalCount(events(sandbox, DEFECTDOJO))).toBe(1);
    // Retries at +0.5 s, +1.5 s, +3.5 s, +7.5 s: four within 10 s.
    sandbox.advance(9_600);
    expect(totalCount(events(sandbox, DEFECTDOJO))).toBe(5);
    // The backoff caps at 2m2s: between 10 min and 20 min, about five retries, never one per second.
    sandbox.advance(600_000);
    const volumeLevel = (): number => totalCount(events(sandbox, DEFECTDOJO).filter((e) => e.message.startsWith('MountVolume.SetUp')));
    const atTen = volumeLevel();
    sandbox.advance(600_000);
    const added = volumeLevel() - atTen;
    expect(added).toBeGreaterThanOrEqual(Math.floor(600_000 / KUBELET_MAX_BACKOFF_MS));
    expect(added).toBeLessThanOrEqual(Math.ceil(600_000 / KUBELET_MAX_BACKOFF_MS) + 3);
  });

  it('takes the RBAC propagation delay and the next retry for a grant to mount: no remount in the same tick', async () => {
    const sandbox = createSandbox({ scenario: 'default', autoSave: false, timing: 'realistic', roleAssignmentPropagationDelayInMs: 30_000 });
    const server = sandbox.listen();
    try {
      const vault = sandbox.state.azure.vaults.find((v) => v.name === 'kv-cafehyna-prd');
      const kubelet = sandbox.state.azure.identities.find((i) => i.name === 'id-cafehyna-aks-kubelet');
      if (vault === undefined || kubelet === undefined) throw new Error('scenario changed');
      await new AuthorizationManagementClient(operatorCredential(), vault.subscriptionId).roleAssignments.create(
        `subscriptions/${vault.subscriptionId}/resourceGroups/${vault.resourceGroup}/providers/Microsoft.KeyVault/vaults/${vault.name}`,
        '8f2a1c3e-7b4d-4e5f-9a6b-1c2d3e4f5a6b',
        { roleDefinitionId: `/subscriptions/${vault.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6`, principalId: kubelet.objectId, principalType: 'ServicePrincipal' },
      );
      expect(pod(sandbox, DEFECTDOJO).status?.phase).toBe('Pending');
      const early = await restError(secretClient('kv-cafehyna-prd', kubeletCredential()).getSecret('defectdojo-admin-password'));
      expect(early.message).toContain('please observe propagation time');
      sandbox.advance(29_000);
      expect(pod(sandbox, DEFECTDOJO).status?.phase).toBe('Pending');
      // Propagated at 30 s; kubelet remounts at its next retry (at most 2m2s later), with no second grant.
      sandbox.advance(KUBELET_MAX_BACKOFF_MS + 1_000);
      expect(pod(sandbox, DEFECTDOJO).status?.phase).toBe('Running');
    } finally {
      server.close();
    }
  });

  it('adds the pod-level "Unable to attach or mount volumes" after 2m3s on kubelets that time out that way', () => {
    const sandbox = realistic();
    const cluster = sandbox.state.azure.managedClusters.find((c) => c.name === 'cafehyna-prd');
    if (cluster === undefined) throw new Error('scenario changed');
    cluster.kubernetesVersion = '1.27.9';
    sandbox.advance(POD_ATTACH_AND_MOUNT_TIMEOUT_MS);
    const texts = events(sandbox, DEFECTDOJO).map((e) => e.message);
    // kubelet.go "Unable to attach or mount volumes: %v" around volume_manager.go's three lists and wait's timeout.
    expect(texts).toContain('Unable to attach or mount volumes: unmounted volumes=[secrets-store], unattached volumes=[], failed to process volumes=[]: timed out waiting for the condition');
    cluster.kubernetesVersion = '1.24.17';
    sandbox.advance(POD_ATTACH_AND_MOUNT_TIMEOUT_MS);
    expect(events(sandbox, DEFECTDOJO).map((e) => e.message)).toContain('Unable to attach or mount volumes: unmounted volumes=[secrets-store], unattached volumes=[]: timed out waiting for the condition');
  });

  it('combines the eleventh and later distinct messages of one kind, as client-go\'s EventAggregator does', () => {
    const sandbox = realistic();
    // Each Entra answer carries its own trace ID and time, so each retry is a distinct message.
    sandbox.advance(600_000);
    const failed = events(sandbox, PAINEL_API);
    const combined = failed.filter((e) => e.message.startsWith('(combined from similar events): '));
    expect(combined).toHaveLength(1);
    expect(combined[0]?.message).toContain('AADSTS700213');
    expect(combined[0]?.count).toBeGreaterThan(1);
    expect(failed.filter((e) => !e.message.startsWith('(combined')).length).toBeLessThanOrEqual(9);
  });
});

describe('the mount loop follows the driver and provider', () => {
  it('waits for kubelet\'s deadline when the provider does not answer; the refused connection is only in the driver log', () => {
    const sandbox = realistic();
    const k = kube(sandbox, EXTERNAL_DNS_DEV.cluster);
    const node = pod(sandbox, EXTERNAL_DNS_DEV).spec.nodeName ?? '';
    const provider = k.list('pods', { labelSelector: 'app=secrets-store-provider-azure', fieldSelector: `spec.nodeName=${node}` }).items[0] as PodObject;
    k.upsert('pods', { ...provider, status: { ...provider.status, phase: 'Running', conditions: [{ type: 'Ready', status: 'False', lastProbeTime: null, lastTransitionTime: '2026-01-01T00:00:00Z' }] } } as PodObject);
    // A new pod on that node: nothing is reported until the call times out.
    const fresh = { ...pod(sandbox, EXTERNAL_DNS_DEV), metadata: { name: 'external-dns-new', namespace: 'external-dns' }, status: { phase: 'Pending' } } as PodObject;
    k.create('pods', fresh);
    const ref = { ...EXTERNAL_DNS_DEV, pod: 'external-dns-new' };
    sandbox.reconcile();
    sandbox.advance(CSI_TIMEOUT_MS - 1_000);
    expect(events(sandbox, ref)).toEqual([]);
    sandbox.advance(1_000);
    expect(events(sandbox, ref).map((e) => e.message)).toEqual(['MountVolume.SetUp failed for volume "secrets-store" : rpc error: code = DeadlineExceeded desc = context deadline exceeded']);
    expect(componentLog(sandbox, ref, 'secrets-store-csi-driver', 'secrets-store')).toContain(
      'err="rpc error: code = DeadlineExceeded desc = latest balancer error: connection error: desc = \\"transport: Error while dialing: dial unix /var/run/secrets-store-csi-providers/azure.sock: connect: connection refused\\"" pod="external-dns/external-dns-new"',
    );
  });

  it('writes no provider or driver log line for failures that never reach the provider', () => {
    const sandbox = realistic();
    expect(events(sandbox, GRAFANA)[0]?.message).toContain('failed to get secretproviderclass monitoring/grafana-secrets');
    expect(componentLog(sandbox, GRAFANA, 'secrets-store-provider-azure', 'provider-azure-installer')).not.toContain('grafana');
    expect(componentLog(sandbox, GRAFANA, 'secrets-store-csi-driver', 'secrets-store')).not.toContain('grafana');
  });

  it('checks the SecretProviderClass before readOnly, in NodePublishVolume\'s order', () => {
    const sandbox = realistic();
    const k = kube(sandbox, GRAFANA.cluster);
    const grafana = pod(sandbox, GRAFANA);
    const volumes = (grafana.spec.volumes ?? []).map((v) => (v.csi === undefined ? v : { ...v, csi: { ...v.csi, readOnly: false } }));
    k.create('pods', { ...grafana, metadata: { name: 'grafana-rw', namespace: 'monitoring' }, spec: { ...grafana.spec, volumes }, status: { phase: 'Pending' } } as PodObject);
    sandbox.reconcile();
    expect(events(sandbox, { ...GRAFANA, pod: 'grafana-rw' })[0]?.message).toContain('failed to get secretproviderclass monitoring/grafana-secrets');
  });

  it('does not mount a CSI volume that no container mounts', () => {
    const sandbox = realistic();
    const k = kube(sandbox, GRAFANA.cluster);
    const grafana = pod(sandbox, GRAFANA);
    const containers = grafana.spec.containers.map((c) => ({ ...c, volumeMounts: [] }));
    k.create('pods', { ...grafana, metadata: { name: 'grafana-unused', namespace: 'monitoring' }, spec: { ...grafana.spec, containers }, status: { phase: 'Pending' } } as PodObject);
    sandbox.reconcile();
    const ref = { ...GRAFANA, pod: 'grafana-unused' };
    expect(events(sandbox, ref)).toEqual([]);
    expect(pod(sandbox, ref).status?.phase).toBe('Running');
  });

  it('sees the cluster\'s egress address through a vault firewall (ForbiddenByFirewall)', () => {
    const sandbox = realistic();
    const vault = sandbox.state.azure.vaults.find((v) => v.name === 'kv-cafehyna-dev-hlg');
    const cluster = sandbox.state.azure.managedClusters.find((c) => c.name === 'cafehyna-dev');
    if (vault === undefined || cluster?.outboundIp === undefined) throw new Error('scenario changed');
    vault.networkAcls = { defaultAction: 'Deny', bypass: 'AzureServices', ipRules: ['203.0.113.7'], virtualNetworkRules: [] };
    const k = kube(sandbox, EXTERNAL_DNS_DEV.cluster);
    const existing = pod(sandbox, EXTERNAL_DNS_DEV);
    k.create('pods', { ...existing, metadata: { name: 'external-dns-fw', namespace: 'external-dns' }, status: { phase: 'Pending' } } as PodObject);
    sandbox.reconcile();
    const message = events(sandbox, { ...EXTERNAL_DNS_DEV, pod: 'external-dns-fw' })[0]?.message ?? '';
    expect(message).toContain('"code": "ForbiddenByFirewall"');
    expect(message).toContain(`Client address: ${cluster.outboundIp}`);
  });
});

describe('keys', () => {
  it('mounts an objectType key as the PEM public key the provider writes', () => {
    const sandbox = realistic();
    const vault = sandbox.state.azure.vaults.find((v) => v.name === 'kv-cafehyna-dev-hlg');
    if (vault === undefined) throw new Error('scenario changed');
    vault.keys = [{ name: 'signing', versions: [{ version: 'c'.repeat(32), kty: 'RSA', n: Buffer.alloc(256, 0xc1).toString('base64url'), e: 'AQAB', keyOps: ['verify'], enabled: true, createdMs: 0, updatedMs: 0, tags: {} }] }];
    const kubeletPolicy = vault.accessPolicies[0];
    if (kubeletPolicy === undefined) throw new Error('scenario changed');
    kubeletPolicy.permissions.keys = ['get'];
    const k = kube(sandbox, EXTERNAL_DNS_DEV.cluster);
    const spc = k.get('secretproviderclasses', 'external-dns', 'external-dns-secrets') as { spec: { parameters: Record<string, string>; secretObjects: unknown[] } } & PodObject;
    k.create('secretproviderclasses', {
      ...spc,
      metadata: { name: 'signing-key', namespace: 'external-dns' },
      spec: { ...spc.spec, parameters: { ...spc.spec.parameters, objects: 'array:\n  - |\n    objectName: signing\n    objectType: key\n' }, secretObjects: [{ secretName: 'signing-key', type: 'Opaque', data: [{ objectName: 'signing', key: 'key.pem' }] }] },
    } as unknown as PodObject);
    const existing = pod(sandbox, EXTERNAL_DNS_DEV);
    const volumes = [{ name: 'secrets-store', csi: { driver: 'secrets-store.csi.k8s.io', readOnly: true, volumeAttributes: { secretProviderClass: 'signing-key' } } }];
    const containers = existing.spec.containers.map((c) => ({ ...c, env: [] }));
    k.create('pods', { ...existing, metadata: { name: 'key-reader', namespace: 'external-dns' }, spec: { ...existing.spec, containers, volumes }, status: { phase: 'Pending' } } as PodObject);
    sandbox.reconcile();
    expect(pod(sandbox, { ...EXTERNAL_DNS_DEV, pod: 'key-reader' }).status?.phase).toBe('Running');
    const synced = k.get('secrets', 'external-dns', 'signing-key') as { data: Record<string, string> } | undefined;
    expect(Buffer.from(synced?.data['key.pem'] ?? '', 'base64').toString()).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----\n$/);
  });
});

describe('rotation', () => {
  function disableLatest(sandbox: Sandbox, vaultName: string, secret: string): void {
    const found = sandbox.state.azure.vaults.find((v) => v.name === vaultName)?.secrets.find((s) => s.name === secret);
    const latest = found?.versions.at(-1);
    if (latest === undefined) throw new Error('scenario changed');
    latest.enabled = false;
  }

  it('emits MountRotationFailed from csi-secrets-store-rotation on drivers ≤ v1.5 when a re-fetch fails', () => {
    const sandbox = realistic();
    const cluster = sandbox.state.azure.managedClusters.find((c) => c.name === 'cafehyna-dev');
    if (cluster === undefined) throw new Error('scenario changed');
    cluster.secretsStoreCsi = { driverVersion: 'v1.5.6', providerVersion: 'v1.7.2' };
    cluster.secretRotation = { enabled: true, pollIntervalInMs: 120_000 };
    sandbox.reconcile();
    disableLatest(sandbox, 'kv-cafehyna-dev-hlg', 'cloudflare-api-token');
    sandbox.advance(120_000);
    const rotation = events(sandbox, EXTERNAL_DNS_DEV, 'MountRotationFailed');
    expect(rotation).toHaveLength(1);
    expect(rotation[0]?.source.component).toBe('csi-secrets-store-rotation');
    // reconciler.go:403 at v1.5.6: "provider mount err: %+v" around the provider's gRPC error.
    expect(rotation[0]?.message).toMatch(/^provider mount err: rpc error: code = Unknown desc = failed to mount objects, error: failed to get objectType:secret, objectName:cloudflare-api-token, objectVersion:: GET https:\/\/kv-cafehyna-dev-hlg\.vault\.azure\.net\/secrets\/cloudflare-api-token\//);
    expect(rotation[0]?.message).toContain('"code": "SecretDisabled"');
    expect(pod(sandbox, EXTERNAL_DNS_DEV).status?.phase).toBe('Running');
  });

  it('remounts through requiresRepublish on v1.6: a failure only in the driver log (isRemountRequest=true), a new version synced', () => {
    const sandbox = realistic();
    const cluster = sandbox.state.azure.managedClusters.find((c) => c.name === 'cafehyna-dev');
    const vault = sandbox.state.azure.vaults.find((v) => v.name === 'kv-cafehyna-dev-hlg');
    if (cluster === undefined || vault === undefined) throw new Error('scenario changed');
    cluster.secretsStoreCsi = { driverVersion: 'v1.6.0', providerVersion: 'v1.8.2' };
    cluster.secretRotation = { enabled: true, pollIntervalInMs: 120_000 };
    sandbox.reconcile();
    disableLatest(sandbox, 'kv-cafehyna-dev-hlg', 'cloudflare-api-token');
    sandbox.advance(120_000);
    expect(events(sandbox, EXTERNAL_DNS_DEV, 'MountRotationFailed')).toEqual([]);
    expect(componentLog(sandbox, EXTERNAL_DNS_DEV, 'secrets-store-csi-driver', 'secrets-store')).toMatch(/"failed to mount secrets store object content" err=".*SecretDisabled.*" pod="external-dns\/external-dns-r4fw8d87d6-ttqvr" isRemountRequest=true/);
    const secret = vault.secrets.find((s) => s.name === 'cloudflare-api-token');
    secret?.versions.push({ version: 'b'.repeat(32), value: 'rotated-value', tags: {}, enabled: true, createdMs: sandbox.clock.nowMs(), updatedMs: sandbox.clock.nowMs() });
    sandbox.advance(120_000);
    const synced = kube(sandbox, EXTERNAL_DNS_DEV.cluster).get('secrets', 'external-dns', 'external-dns-cloudflare') as { data: Record<string, string> } | undefined;
    expect(Buffer.from(synced?.data['cloudflare_api_token'] ?? '', 'base64').toString()).toBe('rotated-value');
  });
});
