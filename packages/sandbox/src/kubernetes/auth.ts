/**
 * Who is calling a sandbox API server, and may they: static local-account tokens (the sandbox kubeconfig), or Entra ID
 * access tokens for the AKS server application on clusters with AKS-managed Entra ID — authorized by the cluster's
 * admin groups, ClusterRoleBindings to object ids, or Azure RBAC for Kubernetes role assignments.
 */
import { effectiveObjectIds, hasRbacPermission } from '../azure/access.js';
import { AKS_SERVER_APP_ID, authOf } from '../azure/aksCluster.js';
import type { AzureState, ManagedCluster } from '../azure/model.js';
import { managedClusterResourceId } from '../azure/resourceIds.js';
import { decodeAccessToken } from '../azure/tokens.js';
import { resolveSandboxKubeToken, type SandboxKubeRole } from './kubeconfig.js';
import { RESOURCES, type ResourcePlural } from './resources.js';
import { UNAUTHORIZED_STATUS, forbiddenStatus, type StatusBody } from './status.js';
import type { KubeClusterState } from './store.js';

export type KubeCaller =
  | { kind: 'local'; user: string; role: SandboxKubeRole }
  /** `user` is what the API server names in messages: the object id for applications and managed identities. */
  | { kind: 'entra'; user: string; objectId: string; groupObjectIds: string[] };

export interface KubeRequestAttributes {
  verb: string;
  plural: ResourcePlural;
  subresource?: string;
  namespace?: string;
  name?: string;
}

/**
 * The guard webhook's verdict, which the API server appends to its forbidden message on Azure RBAC clusters
 * (Azure/guard `authz/providers/azure/rbac/rbac.go`, AccessNotAllowedVerdict).
 */
export const AZURE_RBAC_DENIED_VERDICT = 'User does not have access to the resource in Azure. Update role assignment to allow access.';

/**
 * The caller of a request, or the API server's 401. AKS's API server is a kube-apiserver (guard is its webhook token
 * authenticator), so a token it refuses — wrong audience, expired, foreign tenant, unknown — gets the generic
 * `{"kind":"Status",…,"message":"Unauthorized","reason":"Unauthorized","code":401}` (UNAUTHORIZED_STATUS).
 */
export function authenticateKubeRequest(input: {
  clusterName: string;
  managed: ManagedCluster | undefined;
  azure: AzureState | undefined;
  token: string | undefined;
  nowMs: number;
}): KubeCaller | StatusBody {
  const { clusterName, managed, azure, token, nowMs } = input;
  const auth = managed === undefined ? {} : authOf(managed);
  const local = resolveSandboxKubeToken(clusterName, token);
  if (local !== undefined) return auth.disableLocalAccounts === true ? UNAUTHORIZED_STATUS : { kind: 'local', ...local };
  const claims = token === undefined ? undefined : decodeAccessToken(token);
  if (claims === undefined || azure === undefined || auth.aad === undefined) return UNAUTHORIZED_STATUS;
  if (claims.aud !== AKS_SERVER_APP_ID) return UNAUTHORIZED_STATUS;
  if (claims.exp * 1000 <= nowMs || claims.nbf * 1000 > nowMs + 300_000) return UNAUTHORIZED_STATUS;
  if (claims.tid.toLowerCase() !== auth.aad.tenantId.toLowerCase()) return UNAUTHORIZED_STATUS;
  const objectId = claims.oid.toLowerCase();
  return { kind: 'entra', user: objectId, objectId, groupObjectIds: effectiveObjectIds(azure, objectId).filter((id) => id !== objectId) };
}

/** `admin` may do anything; `viewer` is Kubernetes' built-in `view` role (no Secrets, no writes). */
function localRoleAllows(role: SandboxKubeRole, verb: string, plural: ResourcePlural): boolean {
  if (role === 'admin') return true;
  return (verb === 'get' || verb === 'list' || verb === 'watch') && plural !== 'secrets';
}

interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
}

const matchesAny = (values: string[] | undefined, wanted: string): boolean => (values ?? []).some((v) => v === '*' || v === wanted);

/** Kubernetes RBAC over the ClusterRoleBindings and ClusterRoles stored in the cluster (subjects by object id). */
function clusterRoleBindingAllows(cluster: KubeClusterState, caller: Extract<KubeCaller, { kind: 'entra' }>, request: KubeRequestAttributes): boolean {
  const { group } = RESOURCES[request.plural];
  const resource = request.subresource === undefined ? request.plural : `${request.plural}/${request.subresource}`;
  const roles = cluster.list('clusterroles').items as { metadata: { name: string }; rules?: PolicyRule[] }[];
  return cluster.list('clusterrolebindings').items.some((item) => {
    const binding = item as { subjects?: { kind?: string; name?: string }[]; roleRef?: { kind?: string; name?: string } };
    const bound = (binding.subjects ?? []).some((s) =>
      (s.kind === 'User' && s.name?.toLowerCase() === caller.objectId) || (s.kind === 'Group' && caller.groupObjectIds.includes((s.name ?? '').toLowerCase())));
    if (!bound || binding.roleRef?.kind !== 'ClusterRole') return false;
    if (binding.roleRef.name === 'cluster-admin') return true;
    const role = roles.find((r) => r.metadata.name === binding.roleRef?.name);
    return (role?.rules ?? []).some((rule) => matchesAny(rule.apiGroups, group) && matchesAny(rule.resources, resource) && matchesAny(rule.verbs, request.verb));
  });
}

/** guard's verb mapping (`getActionName`): get/list/watch → read, create/update/patch → write, delete → delete. */
function dataActionVerb(verb: string): string {
  if (verb === 'get' || verb === 'list' || verb === 'watch') return 'read';
  if (verb === 'delete' || verb === 'deletecollection') return 'delete';
  return 'write';
}

/**
 * The data actions guard checks for a request: `Microsoft.ContainerService/managedClusters/[<group>/]<resource>/<verb>`
 * (a subresource such as `pods/log` checks its resource's action); a custom resource is checked as
 * `…/customresources/<verb>` when guard's custom-resource check is on, so either grants it here.
 */
export function dataActionsFor(request: Pick<KubeRequestAttributes, 'verb' | 'plural'>): string[] {
  const { group } = RESOURCES[request.plural];
  const verb = dataActionVerb(request.verb);
  const exact = `Microsoft.ContainerService/managedClusters/${group === '' ? '' : `${group}/`}${request.plural}/${verb}`;
  const builtInGroup = group === '' || group.endsWith('.k8s.io') || group === 'apps';
  return builtInGroup ? [exact] : [exact, `Microsoft.ContainerService/managedClusters/customresources/${verb}`];
}

function azureRbacAllows(azure: AzureState, managed: ManagedCluster, caller: Extract<KubeCaller, { kind: 'entra' }>, request: KubeRequestAttributes, nowMs: number): boolean {
  const clusterScope = managedClusterResourceId(managed);
  const scope = request.namespace === undefined ? clusterScope : `${clusterScope}/namespaces/${request.namespace}`;
  return dataActionsFor(request).some((action) => hasRbacPermission(azure, { principalObjectId: caller.objectId, action, scope, kind: 'data', nowMs }));
}

/** Undefined when the caller may, else the API server's 403 (with guard's verdict on Azure RBAC clusters). */
export function authorizeKubeRequest(input: {
  cluster: KubeClusterState;
  managed: ManagedCluster | undefined;
  azure: AzureState | undefined;
  caller: KubeCaller;
  request: KubeRequestAttributes;
  nowMs: number;
}): StatusBody | undefined {
  const { cluster, managed, azure, caller, request, nowMs } = input;
  const refusal = (): StatusBody => forbiddenStatus({
    user: caller.user, verb: request.verb, plural: request.plural,
    ...(request.subresource === undefined ? {} : { subresource: request.subresource }),
    ...(request.namespace === undefined ? {} : { namespace: request.namespace }),
    ...(request.name === undefined ? {} : { name: request.name }),
  });
  if (caller.kind === 'local') return localRoleAllows(caller.role, request.verb, request.plural) ? undefined : refusal();
  const aad = managed === undefined ? undefined : authOf(managed).aad;
  if (aad?.adminGroupObjectIds.some((id) => caller.groupObjectIds.includes(id.toLowerCase()))) return undefined;
  if (clusterRoleBindingAllows(cluster, caller, request)) return undefined;
  if (aad?.enableAzureRbac === true && managed !== undefined && azure !== undefined) {
    if (azureRbacAllows(azure, managed, caller, request, nowMs)) return undefined;
    const body = refusal();
    return { ...body, message: `${body.message}: ${AZURE_RBAC_DENIED_VERDICT}` };
  }
  return refusal();
}
