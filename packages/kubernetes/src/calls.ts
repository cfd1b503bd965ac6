/**
 * Every Kubernetes API call the ClusterPort makes, as RBAC sees it: (apiGroup, resource, verb). The deploy kit's
 * `kvcsi-reader` ClusterRole and Azure RBAC for Kubernetes role are written from KUBERNETES_CALLS (every cluster), its
 * lease Role from KUBERNETES_LEADER_CALLS (the hub only), and `calls.test.ts` drives every port method over the
 * sandbox and checks both lists against the requests it sent.
 */
export interface KubernetesCall {
  /** The ClusterPort method that makes the call. */
  method: string;
  /** '' for the core group. */
  apiGroup: string;
  /** RBAC resource, with the subresource when there is one (`pods/log`). */
  resource: string;
  verb: 'get' | 'list' | 'watch' | 'create' | 'update';
  /** Set when kvcsi works without it; says what is lost. */
  optional?: string;
}

export const KUBERNETES_CALLS: readonly KubernetesCall[] = [
  { method: 'getPod', apiGroup: '', resource: 'pods', verb: 'get' },
  { method: 'listPods', apiGroup: '', resource: 'pods', verb: 'list' },
  { method: 'listDriverPods', apiGroup: '', resource: 'pods', verb: 'list' },
  { method: 'listProviderPods', apiGroup: '', resource: 'pods', verb: 'list' },
  { method: 'listPodEvents', apiGroup: '', resource: 'events', verb: 'list' },
  // The watcher's informers: a list, then a watch from its resourceVersion, in every namespace.
  { method: 'watchPods', apiGroup: '', resource: 'pods', verb: 'list' },
  { method: 'watchPods', apiGroup: '', resource: 'pods', verb: 'watch' },
  { method: 'watchEvents', apiGroup: '', resource: 'events', verb: 'list' },
  { method: 'watchEvents', apiGroup: '', resource: 'events', verb: 'watch' },
  { method: 'readContainerLog', apiGroup: '', resource: 'pods/log', verb: 'get' },
  { method: 'listNodes', apiGroup: '', resource: 'nodes', verb: 'list' },
  { method: 'getCsiDriver', apiGroup: 'storage.k8s.io', resource: 'csidrivers', verb: 'get' },
  { method: 'getSecretProviderClass', apiGroup: 'secrets-store.csi.x-k8s.io', resource: 'secretproviderclasses', verb: 'get' },
  { method: 'listSecretProviderClasses', apiGroup: 'secrets-store.csi.x-k8s.io', resource: 'secretproviderclasses', verb: 'list' },
  { method: 'listSecretProviderClassPodStatuses', apiGroup: 'secrets-store.csi.x-k8s.io', resource: 'secretproviderclasspodstatuses', verb: 'list' },
  {
    method: 'getSecretMetadata', apiGroup: '', resource: 'secrets', verb: 'get',
    optional: 'the synced-Secret checks: the adapter keeps only key names, but the API server sends the values',
  },
];

/**
 * The watcher's leader election (several bot replicas): one coordination.k8s.io/v1 Lease, read and written only in the
 * registry cluster marked `inCluster` (the hub), in the bot's namespace. Not needed in any other cluster, so kept out
 * of KUBERNETES_CALLS and granted by a namespaced Role. `create` cannot be limited by resourceNames (the name is in the
 * body, not the URL); get and update can.
 */
export const KUBERNETES_LEADER_CALLS: readonly KubernetesCall[] = [
  { method: 'getLease', apiGroup: 'coordination.k8s.io', resource: 'leases', verb: 'get' },
  { method: 'createLease', apiGroup: 'coordination.k8s.io', resource: 'leases', verb: 'create' },
  { method: 'replaceLease', apiGroup: 'coordination.k8s.io', resource: 'leases', verb: 'update' },
];

/** The distinct (apiGroup, resource, verbs) rules of KUBERNETES_CALLS (or of `calls`), e.g. for a ClusterRole. */
export function kubernetesRules(options: { includeOptional?: boolean; calls?: readonly KubernetesCall[] } = {}): { apiGroups: string[]; resources: string[]; verbs: string[] }[] {
  const byResource = new Map<string, { apiGroup: string; resource: string; verbs: Set<string> }>();
  for (const call of options.calls ?? KUBERNETES_CALLS) {
    if (call.optional !== undefined && options.includeOptional !== true) continue;
    const key = `${call.apiGroup}/${call.resource}`;
    const entry = byResource.get(key) ?? { apiGroup: call.apiGroup, resource: call.resource, verbs: new Set<string>() };
    entry.verbs.add(call.verb);
    byResource.set(key, entry);
  }
  return [...byResource.values()].map((e) => ({ apiGroups: [e.apiGroup], resources: [e.resource], verbs: [...e.verbs].sort() }));
}

/**
 * The data action Azure RBAC for Kubernetes checks for a call (Azure/guard's `getActionName`): get/list/watch → `read`,
 * create/update/patch → `write`; a subresource is checked as its resource (`pods/log` → `pods/read`).
 */
export function dataActionOf(call: Pick<KubernetesCall, 'apiGroup' | 'resource'> & { verb?: string }): string {
  const resource = call.resource.split('/')[0] ?? call.resource;
  const action = call.verb === 'create' || call.verb === 'update' || call.verb === 'patch' ? 'write' : 'read';
  return `Microsoft.ContainerService/managedClusters/${call.apiGroup === '' ? '' : `${call.apiGroup}/`}${resource}/${action}`;
}
