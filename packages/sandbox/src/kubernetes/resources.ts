/** The Kubernetes resources the sandbox serves, with the facts the API server needs to route and filter them. */
export interface ResourceDefinition {
  /** URL segment and RBAC resource name, e.g. `pods`. */
  readonly plural: string;
  readonly kind: string;
  readonly listKind: string;
  /** '' for the core group. */
  readonly group: string;
  readonly version: string;
  readonly namespaced: boolean;
  /** Field selector labels the real API server accepts for this resource (others get 400). */
  readonly fieldLabels: readonly string[];
}

const META_FIELDS = ['metadata.name', 'metadata.namespace'] as const;

function define(definition: Omit<ResourceDefinition, 'listKind' | 'fieldLabels'> & { extraFields?: readonly string[] }): ResourceDefinition {
  const { extraFields = [], ...rest } = definition;
  return { ...rest, listKind: `${rest.kind}List`, fieldLabels: [...META_FIELDS, ...extraFields] };
}

export const SECRETS_STORE_GROUP = 'secrets-store.csi.x-k8s.io';

export const RESOURCES = {
  namespaces: define({ plural: 'namespaces', kind: 'Namespace', group: '', version: 'v1', namespaced: false, extraFields: ['status.phase'] }),
  nodes: define({ plural: 'nodes', kind: 'Node', group: '', version: 'v1', namespaced: false, extraFields: ['spec.unschedulable'] }),
  pods: define({
    plural: 'pods', kind: 'Pod', group: '', version: 'v1', namespaced: true,
    extraFields: ['spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'spec.hostNetwork',
      'status.phase', 'status.podIP', 'status.nominatedNodeName'],
  }),
  events: define({
    plural: 'events', kind: 'Event', group: '', version: 'v1', namespaced: true,
    extraFields: ['involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid',
      'involvedObject.apiVersion', 'involvedObject.resourceVersion', 'involvedObject.fieldPath', 'reason',
      'reportingComponent', 'source', 'type'],
  }),
  secrets: define({ plural: 'secrets', kind: 'Secret', group: '', version: 'v1', namespaced: true, extraFields: ['type'] }),
  serviceaccounts: define({ plural: 'serviceaccounts', kind: 'ServiceAccount', group: '', version: 'v1', namespaced: true }),
  daemonsets: define({ plural: 'daemonsets', kind: 'DaemonSet', group: 'apps', version: 'v1', namespaced: true }),
  csidrivers: define({ plural: 'csidrivers', kind: 'CSIDriver', group: 'storage.k8s.io', version: 'v1', namespaced: false }),
  clusterroles: define({ plural: 'clusterroles', kind: 'ClusterRole', group: 'rbac.authorization.k8s.io', version: 'v1', namespaced: false }),
  clusterrolebindings: define({ plural: 'clusterrolebindings', kind: 'ClusterRoleBinding', group: 'rbac.authorization.k8s.io', version: 'v1', namespaced: false }),
  // kvcsi's watcher elects one leader among the bot's replicas through a Lease in the hub cluster.
  leases: define({ plural: 'leases', kind: 'Lease', group: 'coordination.k8s.io', version: 'v1', namespaced: true }),
  secretproviderclasses: define({ plural: 'secretproviderclasses', kind: 'SecretProviderClass', group: SECRETS_STORE_GROUP, version: 'v1', namespaced: true }),
  secretproviderclasspodstatuses: define({
    plural: 'secretproviderclasspodstatuses', kind: 'SecretProviderClassPodStatus', group: SECRETS_STORE_GROUP, version: 'v1', namespaced: true,
  }),
} as const satisfies Record<string, ResourceDefinition>;

export type ResourcePlural = keyof typeof RESOURCES;

export const RESOURCE_PLURALS = Object.keys(RESOURCES) as ResourcePlural[];

export function apiVersionOf(resource: ResourceDefinition): string {
  return resource.group === '' ? resource.version : `${resource.group}/${resource.version}`;
}

/** `pods` for the core group, `secretproviderclasses.secrets-store.csi.x-k8s.io` otherwise (as the API server names them in errors). */
export function qualifiedResourceName(resource: ResourceDefinition): string {
  return resource.group === '' ? resource.plural : `${resource.plural}.${resource.group}`;
}

/** Finds the resource for a manifest's apiVersion/kind (v1alpha1 SPCs are stored as v1, as the API server converts them). */
export function resourceForKind(apiVersion: string, kind: string): ResourceDefinition | undefined {
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  return Object.values(RESOURCES).find((r) => r.kind === kind && r.group === group);
}
