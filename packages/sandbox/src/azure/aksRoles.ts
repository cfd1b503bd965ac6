/**
 * The AKS built-in roles, as MicrosoftDocs/azure-docs `articles/role-based-access-control/built-in-roles/containers.md`
 * lists them (commit 0088bfa7): the control-plane credential roles and the Azure RBAC for Kubernetes data roles.
 */
import type { RoleDefinition } from './model.js';

const MC = 'Microsoft.ContainerService/managedClusters';
const RBAC_READ_CONTROL = ['Microsoft.Authorization/*/read', 'Microsoft.Resources/subscriptions/operationresults/read', 'Microsoft.Resources/subscriptions/read', 'Microsoft.Resources/subscriptions/resourceGroups/read'];

function role(name: string, roleName: string, description: string, p: Partial<RoleDefinition['permissions'][number]>): RoleDefinition {
  return {
    name, roleName, description, roleType: 'BuiltInRole',
    permissions: [{ actions: p.actions ?? [], notActions: p.notActions ?? [], dataActions: p.dataActions ?? [], notDataActions: p.notDataActions ?? [] }],
  };
}

/** Azure Kubernetes Service RBAC Reader: no nodes, no Secrets, nothing cluster-scoped such as CSIDriver, no CRDs. */
const RBAC_READER_DATA_ACTIONS = [
  'apps/controllerrevisions/read', 'apps/daemonsets/read', 'apps/deployments/read', 'apps/replicasets/read', 'apps/statefulsets/read',
  'autoscaling/horizontalpodautoscalers/read', 'batch/cronjobs/read', 'batch/jobs/read', 'configmaps/read', 'discovery.k8s.io/endpointslices/read',
  'endpoints/read', 'events.k8s.io/events/read', 'events/read', 'extensions/daemonsets/read', 'extensions/deployments/read',
  'extensions/ingresses/read', 'extensions/networkpolicies/read', 'extensions/replicasets/read', 'limitranges/read', 'metrics.k8s.io/pods/read',
  'metrics.k8s.io/nodes/read', 'namespaces/read', 'networking.k8s.io/ingresses/read', 'networking.k8s.io/networkpolicies/read',
  'persistentvolumeclaims/read', 'pods/read', 'policy/poddisruptionbudgets/read', 'replicationcontrollers/read', 'resourcequotas/read',
  'serviceaccounts/read', 'services/read',
].map((action) => `${MC}/${action}`);

export const AKS_ROLE_DEFINITIONS: readonly RoleDefinition[] = [
  role('4abbcc35-e782-43d8-92c5-2d3f1bd2253f', 'Azure Kubernetes Service Cluster User Role', 'List cluster user credential action.', {
    actions: [`${MC}/listClusterUserCredential/action`, `${MC}/read`],
  }),
  role('0ab0b1a8-8aac-4efd-b8c2-3ee1fb270be8', 'Azure Kubernetes Service Cluster Admin Role', 'List cluster admin credential action.', {
    actions: [`${MC}/listClusterAdminCredential/action`, `${MC}/accessProfiles/listCredential/action`, `${MC}/read`, `${MC}/runcommand/action`],
  }),
  role('7f6c6a51-bcf8-42ba-9220-52d62157d7db', 'Azure Kubernetes Service RBAC Reader', 'Allows read-only access to see most objects in a namespace. It does not allow viewing roles or role bindings. This role does not allow viewing Secrets, since reading the contents of Secrets enables access to ServiceAccount credentials in the namespace, which would allow API access as any ServiceAccount in the namespace (a form of privilege escalation). Applying this role at cluster scope will give access across all namespaces.', {
    actions: RBAC_READ_CONTROL,
    dataActions: RBAC_READER_DATA_ACTIONS,
  }),
  role('3498e952-d568-435e-9b2c-8d77e338d7f7', 'Azure Kubernetes Service RBAC Admin', 'Lets you manage all resources under cluster/namespace, except update or delete resource quotas and namespaces.', {
    actions: [...RBAC_READ_CONTROL, `${MC}/listClusterUserCredential/action`],
    dataActions: [`${MC}/*`],
    notDataActions: [`${MC}/resourcequotas/write`, `${MC}/resourcequotas/delete`, `${MC}/namespaces/write`, `${MC}/namespaces/delete`],
  }),
  role('b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b', 'Azure Kubernetes Service RBAC Cluster Admin', 'Lets you manage all resources in the cluster.', {
    actions: [...RBAC_READ_CONTROL, `${MC}/listClusterUserCredential/action`],
    dataActions: [`${MC}/*`],
  }),
];
