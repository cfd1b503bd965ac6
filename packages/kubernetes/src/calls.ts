/**
 * Every Kubernetes API call the ClusterPort makes, as RBAC sees it: (apiGroup, resource, verb). The deploy kit's
 * `kvcsi-reader` ClusterRole and Azure RBAC for Kubernetes role are written from this list, and `calls.test.ts`
 * drives every port method over the sandbox and checks this list against the requests it sent.
 */
export interface KubernetesCall {
  /** The ClusterPort method that makes the call. */
  method: string;
  /** '' for the core group. */
  apiGroup: string;
  /** RBAC resource, with the subresource when there is one (`pods/log`). */
  resource: string;
  verb: 'get' | 'list';
  /** Set when kvcsi works without it; says what is lost. */
  optional?: string;
}

export const KUBERNETES_CALLS: readonly KubernetesCall[] = [
  { method: 'getPod', apiGroup: '', resource: 'pods', verb: 'get' },
  { method: 'listPods', apiGroup: '', resource: 'pods', verb: 'list' },
  { method: 'listDriverPods', apiGroup: '', resource: 'pods', verb: 'list' },
  { method: 'listProviderPods', apiGroup: '', resource: 'pods', verb: 'list' },
  { method: 'listPodEvents', apiGroup: '', resource: 'events', verb: 'list' },
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

/** The distinct (apiGroup, resource, verbs) rules of KUBERNETES_CALLS, e.g. for a ClusterRole. */
export function kubernetesRules(options: { includeOptional?: boolean } = {}): { apiGroups: string[]; resources: string[]; verbs: string[] }[] {
  const byResource = new Map<string, { apiGroup: string; resource: string; verbs: Set<string> }>();
  for (const call of KUBERNETES_CALLS) {
    if (call.optional !== undefined && options.includeOptional !== true) continue;
    const key = `${call.apiGroup}/${call.resource}`;
    const entry = byResource.get(key) ?? { apiGroup: call.apiGroup, resource: call.resource, verbs: new Set<string>() };
    entry.verbs.add(call.verb);
    byResource.set(key, entry);
  }
  return [...byResource.values()].map((e) => ({ apiGroups: [e.apiGroup], resources: [e.resource], verbs: [...e.verbs].sort() }));
}

/**
 * The data action Azure RBAC for Kubernetes checks for a call (Azure/guard's mapping): get/list → `read`, and a
 * subresource is checked as its resource (`pods/log` → `pods/read`).
 */
export function dataActionOf(call: Pick<KubernetesCall, 'apiGroup' | 'resource'>): string {
  const resource = call.resource.split('/')[0] ?? call.resource;
  return `Microsoft.ContainerService/managedClusters/${call.apiGroup === '' ? '' : `${call.apiGroup}/`}${resource}/read`;
}
