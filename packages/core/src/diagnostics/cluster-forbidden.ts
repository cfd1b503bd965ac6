/**
 * The API server's 403 as data, and the binding that lifts it. The message format is the API server's forbidden
 * message (k8s.io/apiserver `responsewriters.forbiddenMessage`): `<resource> "<name>" is forbidden: User "<user>"
 * cannot <verb> resource "<resource>" in API group "<group>" in the namespace "<ns>"` (or `at the cluster scope`),
 * followed on AKS clusters with Azure RBAC for Kubernetes by guard's `: User does not have access to the resource in
 * Azure. Update role assignment to allow access.` (Azure/guard `authz/providers/azure/rbac`, AccessNotAllowedVerdict).
 * One place for both the adapter (`kvcsi status`) and the K18 finding.
 */
import type { Cluster } from '../clusters/registry.js';
import { rawShell, sh } from '../shell/quote.js';

export interface ForbiddenCall {
  /** The user the API server names: an object id for applications and managed identities, else a UPN. */
  user: string;
  verb: string;
  resource: string;
  apiGroup: string;
  namespace?: string;
  /** guard's Azure RBAC verdict was appended: the cluster authorizes with Azure RBAC for Kubernetes. */
  azureRbac: boolean;
}

/** The ClusterRole the deploy kit defines from @kvcsi/kubernetes' KUBERNETES_CALLS (deploy/cluster/kubernetes-rbac). */
export const KVCSI_CLUSTER_ROLE_NAME = 'kvcsi-reader';
/** The Azure RBAC for Kubernetes custom role the deploy kit defines (deploy/cluster/azure-rbac). */
export const KVCSI_AKS_ROLE_NAME = 'kvcsi AKS Reader';

const FORBIDDEN = /User "([^"]+)" cannot (\S+) resource "([^"]+)" in API group "([^"]*)"(?: in the namespace "([^"]+)"| at the cluster scope)/;
const AZURE_VERDICT = 'User does not have access to the resource in Azure';
const OBJECT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function parseForbidden(message: string): ForbiddenCall | undefined {
  const match = FORBIDDEN.exec(message);
  if (match === null) return undefined;
  const [, user = '', verb = '', resource = '', apiGroup = '', namespace] = match;
  return { user, verb, resource, apiGroup, ...(namespace === undefined ? {} : { namespace }), azureRbac: message.includes(AZURE_VERDICT) };
}

/**
 * What to run so the refused identity gets what kvcsi needs: a ClusterRoleBinding of `kvcsi-reader` to it, and on
 * Azure RBAC clusters the alternative role assignment at the cluster's scope (its ARM id, else looked up by `az`).
 * Every value is shell-quoted: the user comes from a server's message.
 */
export function clusterBindingCommands(refused: Pick<ForbiddenCall, 'user' | 'azureRbac'>, options: { cluster?: Cluster; clusterResourceId?: string } = {}): string[] {
  const { cluster } = options;
  const commands = [sh`kubectl create clusterrolebinding ${KVCSI_CLUSTER_ROLE_NAME} --clusterrole=${KVCSI_CLUSTER_ROLE_NAME} --user=${refused.user}`];
  if (refused.azureRbac) {
    const scope =
      options.clusterResourceId !== undefined
        ? sh`${options.clusterResourceId}`
        : sh`$(az aks show -g ${cluster?.aks.resourceGroup ?? '<resource-group>'} -n ${cluster?.aks.name ?? '<cluster>'}${rawShell(cluster?.aks.subscriptionId === undefined ? '' : sh` --subscription ${cluster.aks.subscriptionId}`)} --query id -o tsv)`;
    const assignee = OBJECT_ID.test(refused.user) ? sh`--assignee-object-id ${refused.user} --assignee-principal-type ServicePrincipal` : sh`--assignee ${refused.user}`;
    commands.push(sh`az role assignment create ${rawShell(assignee)} --role "${rawShell(KVCSI_AKS_ROLE_NAME)}" --scope ${rawShell(scope)}`);
  }
  return commands;
}
