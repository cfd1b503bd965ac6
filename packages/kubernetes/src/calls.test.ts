import type { ClusterPort } from '@kvcsi/core';
import { createKubernetesClusterPort, dataActionOf, KUBERNETES_CALLS, KUBERNETES_LEADER_CALLS, kubernetesRules } from './index.js';
import { sandboxKubeconfig, startSandbox, type SandboxHarness } from './testing.js';

let harness: SandboxHarness;
beforeAll(() => {
  harness = startSandbox();
});
afterAll(() => harness.server.close());

/** `GET /api/v1/namespaces/x/pods/y/log?…` → (apiGroup, resource, verb), as the API server's RBAC sees the request. */
function rbacOf(request: string): { apiGroup: string; resource: string; verb: string } {
  const [method = '', target = ''] = request.split(' ');
  const url = new URL(`https://${target}`);
  const segments = url.pathname.split('/').filter((s) => s !== '');
  const [apiGroup, rest] = segments[0] === 'api' ? ['', segments.slice(2)] : [segments[1] ?? '', segments.slice(3)];
  const path = rest[0] === 'namespaces' && rest.length >= 3 ? rest.slice(2) : rest;
  const resource = path.length === 3 ? `${path[0]}/${path[2]}` : path[0] ?? '';
  // The API server's request verbs (k8s.io/apiserver RequestInfoFactory): POST create, PUT update, PATCH patch.
  const writes: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };
  const verb = method !== 'GET' ? writes[method] ?? method.toLowerCase() : path.length === 1 ? (url.searchParams.get('watch') === 'true' ? 'watch' : 'list') : 'get';
  return { apiGroup, resource, verb };
}

/** Starts a watch, waits until its stream request reached the API server, then stops it (the informer's list and watch). */
async function watchOnce(start: (options: { signal: AbortSignal; onChange: () => void }) => Promise<void>): Promise<void> {
  const controller = new AbortController();
  const running = start({ signal: controller.signal, onChange: () => undefined });
  const deadline = Date.now() + 5_000;
  while (!harness.requests.some((r) => r.includes('watch=true')) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  controller.abort();
  await running;
}

/** The watcher's Lease name (bot/src/watch/main-watch.ts); in the hub it lives in the bot's namespace, kvcsi. */
const LEASE = { namespace: 'kube-system', name: 'kvcsi-watch' };

/** One call of every port method, with the arguments a diagnosis, the watcher or its leader election passes. */
const EXERCISE: Record<Exclude<keyof ClusterPort, 'describeAccess'>, (port: ClusterPort) => Promise<unknown>> = {
  getPod: (p) => p.getPod({ namespace: 'external-dns', name: 'external-dns-r4fw8d87d6-ttqvr' }),
  listPods: async (p) => {
    await p.listPods({});
    await p.listPods({ namespace: 'external-dns', labelSelector: 'app.kubernetes.io/name=external-dns' });
  },
  listDriverPods: (p) => p.listDriverPods({ nodeName: 'aks-system-54110677-vmss000000' }),
  listProviderPods: (p) => p.listProviderPods({}),
  listPodEvents: (p) => p.listPodEvents({ namespace: 'external-dns', podName: 'external-dns-r4fw8d87d6-ttqvr' }),
  readContainerLog: async (p) => {
    const [provider] = await p.listProviderPods({});
    harness.requests.length = 0;
    return p.readContainerLog({ namespace: provider?.metadata.namespace ?? '', pod: provider?.metadata.name ?? '', container: provider?.spec.containers[0]?.name ?? '', tailLines: 10 });
  },
  listNodes: (p) => p.listNodes({}),
  getCsiDriver: (p) => p.getCsiDriver({}),
  getSecretProviderClass: (p) => p.getSecretProviderClass({ namespace: 'external-dns', name: 'external-dns-secrets' }),
  listSecretProviderClasses: async (p) => {
    await p.listSecretProviderClasses({});
    await p.listSecretProviderClasses({ namespace: 'external-dns' });
  },
  listSecretProviderClassPodStatuses: (p) => p.listSecretProviderClassPodStatuses({ namespace: 'external-dns' }),
  getSecretMetadata: (p) => p.getSecretMetadata({ namespace: 'external-dns', name: 'cloudflare-api-token' }),
  watchPods: (p) => watchOnce((o) => p.watchPods!(o)),
  watchEvents: (p) => watchOnce((o) => p.watchEvents!(o)),
  getLease: (p) => p.getLease!(LEASE),
  createLease: (p) => p.createLease!({ lease: { metadata: LEASE, spec: { holderIdentity: 'replica-a', leaseDurationSeconds: 15 } } }),
  replaceLease: async (p) => {
    const current = await p.getLease!(LEASE);
    harness.requests.length = 0;
    return p.replaceLease!({ lease: { metadata: current?.metadata ?? LEASE, spec: { ...current?.spec, holderIdentity: 'replica-b' } } });
  },
};

describe('KUBERNETES_CALLS', () => {
  it('is exactly what each port method sends over the sandbox, as (apiGroup, resource, verb)', async () => {
    const port = createKubernetesClusterPort({ cluster: { name: 'cafehyna-dev', kubeContext: 'cafehyna-dev' }, kubeconfig: sandboxKubeconfig() });
    const seen: { method: string; apiGroup: string; resource: string; verb: string }[] = [];
    for (const [method, exercise] of Object.entries(EXERCISE)) {
      harness.requests.length = 0;
      await exercise(port);
      expect([method, harness.requests.length > 0]).toEqual([method, true]);
      for (const request of harness.requests) seen.push({ method, ...rbacOf(request) });
    }
    const key = (c: { method: string; apiGroup: string; resource: string; verb: string }): string => `${c.method} ${c.apiGroup}/${c.resource} ${c.verb}`;
    const all = [...KUBERNETES_CALLS, ...KUBERNETES_LEADER_CALLS];
    expect([...new Set(seen.map(key))].sort()).toEqual(all.map(key).sort());
    // Every port method is listed: a new method without an entry fails here.
    expect([...new Set(all.map((c) => c.method))].sort()).toEqual(Object.keys(port).filter((k) => k !== 'describeAccess').sort());
  });

  it('keeps the lease calls apart: only the hub\'s leader election makes them, and they are the only writes', () => {
    expect(KUBERNETES_CALLS.filter((c) => c.apiGroup === 'coordination.k8s.io' || !['get', 'list', 'watch'].includes(c.verb))).toEqual([]);
    expect(kubernetesRules({ calls: KUBERNETES_LEADER_CALLS })).toEqual([{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create', 'get', 'update'] }]);
  });

  it('maps to Azure RBAC for Kubernetes data actions as guard does: watch is read, create and update are write', () => {
    expect([...new Set(KUBERNETES_CALLS.filter((c) => c.method.startsWith('watch')).map(dataActionOf))].sort()).toEqual([
      'Microsoft.ContainerService/managedClusters/events/read',
      'Microsoft.ContainerService/managedClusters/pods/read',
    ]);
    expect([...new Set(KUBERNETES_LEADER_CALLS.map(dataActionOf))].sort()).toEqual([
      'Microsoft.ContainerService/managedClusters/coordination.k8s.io/leases/read',
      'Microsoft.ContainerService/managedClusters/coordination.k8s.io/leases/write',
    ]);
  });

  it('folds into ClusterRole rules, with Secrets only when asked for', () => {
    expect(kubernetesRules()).toEqual([
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['events'], verbs: ['list', 'watch'] },
      { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
      { apiGroups: [''], resources: ['nodes'], verbs: ['list'] },
      { apiGroups: ['storage.k8s.io'], resources: ['csidrivers'], verbs: ['get'] },
      { apiGroups: ['secrets-store.csi.x-k8s.io'], resources: ['secretproviderclasses'], verbs: ['get', 'list'] },
      { apiGroups: ['secrets-store.csi.x-k8s.io'], resources: ['secretproviderclasspodstatuses'], verbs: ['list'] },
    ]);
    expect(kubernetesRules({ includeOptional: true }).at(-1)).toEqual({ apiGroups: [''], resources: ['secrets'], verbs: ['get'] });
  });

  it('is the kvcsi-reader ClusterRole the sandbox binds on painelclientes-prd (Secrets included)', () => {
    const role = harness.sandbox.state.kubernetes['painelclientes-prd']?.get('clusterroles', undefined, 'kvcsi-reader') as { rules?: unknown[] } | undefined;
    expect(role?.rules).toEqual(kubernetesRules({ includeOptional: true }));
  });
});
