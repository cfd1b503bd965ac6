import { inspect } from 'node:util';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { KvcsiError, type ClusterPort } from '@kvcsi/core';
import { createKubernetesClusterPort, DRIVER_POD_SELECTOR, type KubernetesClusterPortOptions } from './index.js';
import { sandboxKubeconfig, startSandbox, type SandboxHarness } from './testing.js';

let harness: SandboxHarness;

beforeAll(() => {
  harness = startSandbox();
});
beforeEach(() => {
  harness.sandbox.reset();
  harness.requests.length = 0;
});
afterAll(() => harness.server.close());

const port = (context = 'cafehyna-dev', overrides: Partial<KubernetesClusterPortOptions> = {}): ClusterPort =>
  createKubernetesClusterPort({ cluster: { name: context, kubeContext: context }, kubeconfig: sandboxKubeconfig(), ...overrides });

const NODE = 'aks-system-54110677-vmss000000';
const EXTERNAL_DNS_POD = 'external-dns-r4fw8d87d6-ttqvr';

async function failure(promise: Promise<unknown>): Promise<KvcsiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof KvcsiError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe('pods and events', () => {
  it('gets a pod as plain JSON (timestamps as strings) and undefined for a missing one', async () => {
    const pod = await port().getPod({ namespace: 'external-dns', name: EXTERNAL_DNS_POD });
    expect(pod?.metadata.name).toBe(EXTERNAL_DNS_POD);
    expect(pod?.spec.nodeName).toBe(NODE);
    expect(pod?.spec.volumes?.[0]?.csi?.volumeAttributes).toEqual({ secretProviderClass: 'external-dns-secrets' });
    expect(typeof pod?.metadata.creationTimestamp).toBe('string');
    await expect(port().getPod({ namespace: 'external-dns', name: 'nope' })).resolves.toBeUndefined();
  });

  it('lists pods by namespace and label selector, and across namespaces', async () => {
    const byLabel = await port().listPods({ namespace: 'external-dns', labelSelector: 'app.kubernetes.io/name=external-dns' });
    expect(byLabel.map((p) => p.metadata.name)).toEqual([EXTERNAL_DNS_POD]);
    const all = await port().listPods({});
    expect(all.some((p) => p.metadata.namespace === 'kube-system')).toBe(true);
  });

  it('lists every event of a pod, oldest first, filtered by the API server on name, namespace and uid', async () => {
    const cluster = port();
    const pods = await cluster.listPods({ namespace: 'cert-manager' });
    const pod = pods[0];
    expect(pod).toBeDefined();
    const events = await cluster.listPodEvents({ namespace: 'cert-manager', podName: pod?.metadata.name ?? '', podUid: pod?.metadata.uid ?? '' });
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.involvedObject.name === pod?.metadata.name)).toBe(true);
    const times = events.map((e) => Date.parse(e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? ''));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(harness.requests.some((r) => r.includes(`fieldSelector=involvedObject.kind=Pod,involvedObject.namespace=cert-manager,involvedObject.name=${pod?.metadata.name ?? ''},involvedObject.uid=`))).toBe(true);
    await expect(cluster.listPodEvents({ namespace: 'cert-manager', podName: pod?.metadata.name ?? '', podUid: '00000000-0000-4000-8000-000000000000' })).resolves.toEqual([]);
  });
});

describe('Secrets Store CSI objects', () => {
  it('gets and lists SecretProviderClasses; a missing one is undefined', async () => {
    const cluster = port();
    const spc = await cluster.getSecretProviderClass({ namespace: 'external-dns', name: 'external-dns-secrets' });
    expect(spc?.spec.provider).toBe('azure');
    expect(spc?.spec.parameters?.['keyvaultName']).toBe('kv-cafehyna-dev-hlg');
    await expect(cluster.getSecretProviderClass({ namespace: 'external-dns', name: 'nope' })).resolves.toBeUndefined();
    const everywhere = await cluster.listSecretProviderClasses({});
    expect(everywhere.map((s) => s.metadata.name)).toEqual(expect.arrayContaining(['external-dns-secrets', 'cert-manager-secrets', 'iis-reports-secrets']));
    const labelled = await cluster.listSecretProviderClasses({ namespace: 'cert-manager', labelSelector: 'app.kubernetes.io/name=cert-manager' });
    expect(labelled.map((s) => s.metadata.name)).toEqual(['cert-manager-secrets']);
  });

  it('lists SecretProviderClassPodStatuses of one pod', async () => {
    const statuses = await port().listSecretProviderClassPodStatuses({ namespace: 'external-dns', podName: EXTERNAL_DNS_POD });
    expect(statuses).toHaveLength(1);
    expect(statuses[0]?.status).toMatchObject({ podName: EXTERNAL_DNS_POD, secretProviderClassName: 'external-dns-secrets', mounted: true });
    await expect(port().listSecretProviderClassPodStatuses({ namespace: 'external-dns', podName: 'other' })).resolves.toEqual([]);
  });

  it('gets the CSIDriver by its default name', async () => {
    const driver = await port().getCsiDriver({});
    expect(driver?.metadata.name).toBe('secrets-store.csi.k8s.io');
    expect(driver?.spec.volumeLifecycleModes).toContain('Ephemeral');
    await expect(port().getCsiDriver({ name: 'nope.csi.k8s.io' })).resolves.toBeUndefined();
  });

  it('finds the driver and provider pods of a node by the DaemonSets’ labels', async () => {
    const cluster = port();
    const drivers = await cluster.listDriverPods({ nodeName: NODE });
    const providers = await cluster.listProviderPods({ nodeName: NODE });
    expect(drivers).toHaveLength(1);
    expect(providers).toHaveLength(1);
    expect(drivers[0]?.metadata.labels?.['app']).toBe('secrets-store-csi-driver');
    expect(providers[0]?.metadata.labels?.['app']).toBe('secrets-store-provider-azure');
    expect(drivers[0]?.spec.nodeName).toBe(NODE);
    expect(harness.requests.some((r) => r.includes(`labelSelector=${DRIVER_POD_SELECTOR}`) && r.includes(`fieldSelector=spec.nodeName=${NODE}`))).toBe(true);
    expect(await cluster.listProviderPods({ nodeName: 'akswin000000' })).toEqual([]);
  });

  it('reads a container log with tailLines and sinceSeconds', async () => {
    const cluster = port();
    const driver = (await cluster.listDriverPods({ nodeName: NODE }))[0];
    const log = await cluster.readContainerLog({ namespace: driver?.metadata.namespace ?? '', pod: driver?.metadata.name ?? '', container: 'secrets-store', tailLines: 2, sinceSeconds: 3600 });
    expect(typeof log).toBe('string');
    expect(log.split('\n').filter((l) => l !== '').length).toBeLessThanOrEqual(2);
    expect(harness.requests.some((r) => r.includes('/log?') && r.includes('tailLines=2') && r.includes('sinceSeconds=3600'))).toBe(true);
  });
});

describe('Secrets: metadata and key names only', () => {
  it('returns the key names of a synced Secret and never its data (canary)', async () => {
    const canary = `canary-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    const kc = new KubeConfig();
    kc.loadFromString(sandboxKubeconfig());
    kc.setCurrentContext('cafehyna-dev');
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'canary',
        namespace: 'external-dns',
        labels: { app: 'canary' },
        // kubectl apply keeps the whole object, data included, in this annotation.
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({ data: { token: Buffer.from(canary).toString('base64') } }), note: 'kept' },
      },
      type: 'Opaque',
      data: { token: Buffer.from(canary).toString('base64'), other: Buffer.from('x').toString('base64') },
    };
    await kc.makeApiClient(CoreV1Api).createNamespacedSecret({ namespace: 'external-dns', body: secret });

    const metadata = await port().getSecretMetadata({ namespace: 'external-dns', name: 'canary' });
    expect(metadata).toMatchObject({ type: 'Opaque', keys: ['other', 'token'], metadata: { name: 'canary', labels: { app: 'canary' }, annotations: { note: 'kept' } } });
    const serialized = JSON.stringify(metadata);
    expect(serialized).not.toContain(canary);
    expect(serialized).not.toContain(Buffer.from(canary).toString('base64'));
    expect(serialized).not.toContain('last-applied-configuration');
    expect(serialized).not.toContain('managedFields');
  });

  it('reads the synced Secret of a mounted pod as key names, and a missing Secret as undefined', async () => {
    const synced = await port().getSecretMetadata({ namespace: 'external-dns', name: 'external-dns-cloudflare' });
    expect(synced?.keys).toEqual(['cloudflare_api_token']);
    expect(JSON.stringify(synced)).not.toContain('sandbox-cloudflare-api-token-dev');
    expect(JSON.stringify(synced)).not.toContain(Buffer.from('sandbox-cloudflare-api-token-dev').toString('base64'));
    await expect(port().getSecretMetadata({ namespace: 'external-dns', name: 'nope' })).resolves.toBeUndefined();
  });
});

describe('errors as KvcsiError', () => {
  const leaksNothing = (error: KvcsiError): void => {
    const text = `${error.message}\n${JSON.stringify(error)}\n${inspect(error)}`;
    expect(text).not.toMatch(/Headers|Body:|HTTP-Code|kvcsi-sandbox\.|authorization/i);
  };

  it('403 from RBAC: FORBIDDEN with the Status message, nothing of headers or body', async () => {
    const error = await failure(port('cafehyna-dev-viewer').getSecretMetadata({ namespace: 'external-dns', name: 'external-dns-cloudflare' }));
    expect(error.code).toBe('FORBIDDEN');
    expect(error.details).toMatchObject({ status: 403, reason: 'Forbidden', cluster: 'cafehyna-dev-viewer' });
    expect(error.message).toContain('secrets "external-dns-cloudflare" is forbidden');
    leaksNothing(error);
  });

  it('a bad token: UNAUTHENTICATED', async () => {
    const error = await failure(port('cafehyna-dev', { kubeconfig: sandboxKubeconfig({ token: 'not-a-token' }) }).getPod({ namespace: 'external-dns', name: EXTERNAL_DNS_POD }));
    expect(error.code).toBe('UNAUTHENTICATED');
    leaksNothing(error);
  });

  it('a cluster whose API is down, and one that does not resolve: UNAVAILABLE', async () => {
    harness.sandbox.faults.add({ kind: 'down', host: 'cafehyna-dev.sandbox.azmk8s.io' });
    const down = await failure(port().getPod({ namespace: 'external-dns', name: EXTERNAL_DNS_POD }));
    expect(down.code).toBe('UNAVAILABLE');
    const ghost = await failure(port('ghost').listPods({}));
    expect(ghost.code).toBe('UNAVAILABLE');
    expect(ghost.message).toContain('cluster ghost');
  });

  it('429: THROTTLED with Retry-After; 503: UNAVAILABLE', async () => {
    harness.sandbox.faults.add({ kind: 'throttle', host: 'cafehyna-dev.sandbox.azmk8s.io', retryAfterSeconds: 3, times: 1 });
    const throttled = await failure(port().getCsiDriver({}));
    expect(throttled).toMatchObject({ code: 'THROTTLED', details: { status: 429, reason: 'TooManyRequests', retryAfterSeconds: 3 } });
    harness.sandbox.faults.add({ kind: 'error', host: 'cafehyna-dev.sandbox.azmk8s.io', status: 503, times: 1 });
    expect((await failure(port().getCsiDriver({}))).code).toBe('UNAVAILABLE');
    await expect(port().getCsiDriver({})).resolves.toBeDefined();
  });

  it('an API server that never answers: TIMEOUT; the caller aborting: ABORTED', async () => {
    harness.sandbox.faults.add({ kind: 'timeout', host: 'cafehyna-dev.sandbox.azmk8s.io' });
    expect(await failure(port('cafehyna-dev', { timeoutInMs: 200 }).listPods({}))).toMatchObject({ code: 'TIMEOUT', details: { timeoutInMs: 200 } });
    const controller = new AbortController();
    const pending = port().listPodEvents({ namespace: 'external-dns', podName: EXTERNAL_DNS_POD, signal: controller.signal });
    setTimeout(() => controller.abort(), 30);
    expect((await failure(pending)).code).toBe('ABORTED');
    expect((await failure(port().getPod({ namespace: 'a', name: 'b', signal: AbortSignal.abort() }))).code).toBe('ABORTED');
  });

  it('a kube context that is not in the kubeconfig: CONFIG_INVALID naming the contexts', () => {
    expect(() => port('nope')).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', field: 'kubeContext' }));
  });
});
