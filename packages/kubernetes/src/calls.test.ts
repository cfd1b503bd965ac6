import type { ClusterPort } from '@kvcsi/core';
import { createKubernetesClusterPort, KUBERNETES_CALLS, kubernetesRules } from './index.js';
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
  const verb = method !== 'GET' ? method.toLowerCase() : path.length === 1 ? (url.searchParams.get('watch') === 'true' ? 'watch' : 'list') : 'get';
  return { apiGroup, resource, verb };
}

/**
 * One call of every port method, with the arguments a diagnosis passes. The watcher's long watches (list and watch on
 * pods and events) and its leader election (leases in the hub, by the bot's own service account) are not in
 * KUBERNETES_CALLS yet: the deploy kit's roles do not grant them.
 */
const WATCHER_METHODS: string[] = ['watchEvents', 'watchPods', 'getLease', 'createLease', 'replaceLease'];
const EXERCISE: Record<Exclude<keyof ClusterPort, 'watchEvents' | 'watchPods' | 'getLease' | 'createLease' | 'replaceLease'>, (port: ClusterPort) => Promise<unknown>> = {
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
    expect([...new Set(seen.map(key))].sort()).toEqual(KUBERNETES_CALLS.map(key).sort());
    // Every port method is listed: a new method without a KUBERNETES_CALLS entry fails here.
    expect([...new Set(KUBERNETES_CALLS.map((c) => c.method))].sort()).toEqual(Object.keys(port).filter((k) => k !== 'describeAccess' && !WATCHER_METHODS.includes(k)).sort());
  });

  it('folds into ClusterRole rules, with Secrets only when asked for', () => {
    expect(kubernetesRules()).toEqual([
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
      { apiGroups: [''], resources: ['events'], verbs: ['list'] },
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
