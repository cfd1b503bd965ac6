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
