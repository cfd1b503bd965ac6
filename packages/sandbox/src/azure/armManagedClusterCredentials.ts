import { HttpResponse } from 'msw';
import { authOf, clusterKubeconfig } from './aksCluster.js';
import { armError, authorize, checkContainers, resourceNotFound, sameText, type ArmRequest, type ArmRoute } from './armHttp.js';
import { managedClusterResourceId } from './resourceIds.js';

const TYPE = 'Microsoft.ContainerService/managedClusters';
const CLUSTER_PATH = String.raw`^\/subscriptions\/(?<sub>[^/]+)\/resourceGroups\/(?<rg>[^/]+)\/providers\/Microsoft\.ContainerService\/managedClusters\/(?<name>[^/]+)`;

/**
 * `POST …/listClusterUserCredential` and `…/listClusterAdminCredential`: `{ kubeconfigs: [{ name, value }] }` with the
 * kubeconfig base64-encoded, as in the spec's ManagedClustersListClusterUserCredentials / …AdminCredentials examples
 * (2026-04-01). AKS names the entries `clusterUser` and `clusterAdmin`.
 */
function listCredential(req: ArmRequest, g: Record<string, string>, role: 'clusterUser' | 'clusterAdmin'): Response {
  const missing = checkContainers(req.azure, g['sub'] ?? '', g['rg']);
  if (missing) return missing;
  const cluster = req.azure.managedClusters.find(
    (c) => sameText(c.name, g['name'] ?? '') && sameText(c.subscriptionId, g['sub'] ?? '') && sameText(c.resourceGroup, g['rg'] ?? ''),
  );
  if (cluster === undefined) return resourceNotFound(TYPE, g['name'] ?? '', g['rg'] ?? '');
  const action = role === 'clusterUser'
    ? 'Microsoft.ContainerService/managedClusters/listClusterUserCredential/action'
    : 'Microsoft.ContainerService/managedClusters/listClusterAdminCredential/action';
  const refused = authorize(req, action, managedClusterResourceId(cluster));
  if (refused) return refused;
  if (role === 'clusterAdmin' && authOf(cluster).disableLocalAccounts === true) {
    // The text Terraform, Bicep and azd users quote (hashicorp/terraform-provider-azurerm#15489, Azure/bicep#11601).
    return armError(400, 'BadRequest', 'Getting static credential is not allowed because this cluster is set to disable local accounts.');
  }
  return HttpResponse.json({ kubeconfigs: [{ name: role, value: Buffer.from(clusterKubeconfig(cluster, role)).toString('base64') }] });
}

export const armManagedClusterCredentialRoutes: ArmRoute[] = [
  { method: 'POST', pattern: new RegExp(`${CLUSTER_PATH}\\/listClusterUserCredential$`, 'i'), handle: (req, g) => listCredential(req, g, 'clusterUser') },
  { method: 'POST', pattern: new RegExp(`${CLUSTER_PATH}\\/listClusterAdminCredential$`, 'i'), handle: (req, g) => listCredential(req, g, 'clusterAdmin') },
];
