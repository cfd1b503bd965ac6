/**
 * The API server's 403 as data: who was refused what. The message format is the API server's forbidden message
 * (k8s.io/apiserver `responsewriters.forbiddenMessage`): `<resource> "<name>" is forbidden: User "<user>" cannot <verb>
 * resource "<resource>" in API group "<group>" in the namespace "<ns>"` (or `at the cluster scope`), followed on AKS
 * clusters with Azure RBAC by guard's `: User does not have access to the resource in Azure. Update role assignment to
 * allow access.`
 */
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

const FORBIDDEN = /User "([^"]+)" cannot (\S+) resource "([^"]+)" in API group "([^"]*)"(?: in the namespace "([^"]+)"| at the cluster scope)/;
const AZURE_VERDICT = 'User does not have access to the resource in Azure';

export function parseForbidden(message: string): ForbiddenCall | undefined {
  const match = FORBIDDEN.exec(message);
  if (match === null) return undefined;
  const [, user = '', verb = '', resource = '', apiGroup = '', namespace] = match;
  return { user, verb, resource, apiGroup, ...(namespace === undefined ? {} : { namespace }), azureRbac: message.includes(AZURE_VERDICT) };
}

/** The name of the Azure RBAC for Kubernetes custom role the deploy kit defines (deploy/cluster/azure-rbac). */
export const KVCSI_AKS_ROLE_NAME = 'kvcsi AKS Reader';
/** The ClusterRole the deploy kit defines from KUBERNETES_CALLS (deploy/cluster/kubernetes-rbac). */
export const KVCSI_CLUSTER_ROLE_NAME = 'kvcsi-reader';

/**
 * What to run so the refused identity gets what kvcsi needs: a ClusterRoleBinding of `kvcsi-reader` to its object id,
 * and on Azure RBAC clusters the alternative role assignment at the cluster (or namespace) scope.
 */
export function bindingToAdd(forbidden: ForbiddenCall, options: { clusterResourceId?: string } = {}): string[] {
  const isObjectId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(forbidden.user);
  const commands = [`kubectl create clusterrolebinding ${KVCSI_CLUSTER_ROLE_NAME} --clusterrole=${KVCSI_CLUSTER_ROLE_NAME} --user=${forbidden.user}`];
  if (forbidden.azureRbac) {
    const scope = options.clusterResourceId ?? '$(az aks show -g <resource-group> -n <cluster> --query id -o tsv)';
    const assignee = isObjectId ? `--assignee-object-id ${forbidden.user} --assignee-principal-type ServicePrincipal` : `--assignee ${forbidden.user}`;
    commands.push(`az role assignment create ${assignee} --role "${KVCSI_AKS_ROLE_NAME}" --scope ${scope}`);
  }
  return commands;
}
