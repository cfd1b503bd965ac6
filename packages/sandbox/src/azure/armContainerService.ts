import { HttpResponse } from 'msw';
import { findIdentityByClientId } from './access.js';
import { aksAuthProperties } from './aksCluster.js';
import { authorize, authorizeThenCheckContainers, canRead, checkContainers, resourceNotFound, sameText, type ArmRequest, type ArmRoute } from './armHttp.js';
import type { AzureState, ManagedCluster } from './model.js';
import { identityResourceId, managedClusterResourceId } from './resourceIds.js';

const TYPE = 'Microsoft.ContainerService/managedClusters';
const READ = 'Microsoft.ContainerService/managedClusters/read';

/** The host of a sandbox cluster's API server (served by the Kubernetes handlers). */
export function clusterFqdn(cluster: Pick<ManagedCluster, 'name'>): string {
  return `${cluster.name}.sandbox.azmk8s.io`;
}

function identityProfile(azure: AzureState, clientId: string | undefined): Record<string, string> | undefined {
  if (clientId === undefined) return undefined;
  const identity = findIdentityByClientId(azure, clientId);
  if (identity === undefined) return { clientId };
  return { resourceId: identityResourceId(identity), clientId: identity.clientId, objectId: identity.objectId };
}

export function managedClusterJson(azure: AzureState, c: ManagedCluster): Record<string, unknown> {
  const addonIdentity = identityProfile(azure, c.keyVaultSecretsProviderIdentityClientId);
  return {
    id: managedClusterResourceId(c),
    location: c.location,
    name: c.name,
    type: TYPE,
    tags: c.tags,
    properties: {
      provisioningState: 'Succeeded',
      powerState: { code: 'Running' },
      kubernetesVersion: c.kubernetesVersion,
      currentKubernetesVersion: c.kubernetesVersion,
      dnsPrefix: c.dnsPrefix,
      ...aksAuthProperties(c),
      agentPoolProfiles: [
        { name: 'nodepool1', count: 3, vmSize: 'Standard_D4s_v5', osType: 'Linux', mode: 'System', type: 'VirtualMachineScaleSets', orchestratorVersion: c.kubernetesVersion, provisioningState: 'Succeeded' },
      ],
      nodeResourceGroup: c.nodeResourceGroup,
      enableRBAC: true,
      identityProfile: { kubeletidentity: identityProfile(azure, c.kubeletIdentityClientId) },
      addonProfiles: {
        azureKeyvaultSecretsProvider: addonIdentity
          ? { enabled: true, config: { enableSecretRotation: 'false', rotationPollInterval: '2m' }, identity: addonIdentity }
          : { enabled: false, config: null },
      },
      oidcIssuerProfile: { enabled: c.oidcIssuerUrl !== '', issuerURL: c.oidcIssuerUrl },
      securityProfile: { workloadIdentity: { enabled: c.workloadIdentityEnabled } },
      networkProfile: { networkPlugin: 'azure', serviceCidr: '10.0.0.0/16', dnsServiceIP: '10.0.0.10', outboundType: 'loadBalancer', loadBalancerSku: 'standard' },
    },
    identity: { type: 'SystemAssigned', principalId: c.kubeletIdentityClientId === '' ? null : c.name, tenantId: azure.tenantId },
    sku: { name: 'Base', tier: 'Standard' },
  };
}

function listIn(req: ArmRequest, sub: string, rg?: string): Response {
  const missing = checkContainers(req.azure, sub, rg);
  if (missing) return missing;
  const value = req.azure.managedClusters
    .filter((c) => sameText(c.subscriptionId, sub) && (rg === undefined || sameText(c.resourceGroup, rg)) && canRead(req, READ, managedClusterResourceId(c)))
    .map((c) => managedClusterJson(req.azure, c));
  return HttpResponse.json({ value });
}

export const armContainerServiceRoutes: ArmRoute[] = [
  {
    method: 'GET',
    pattern: /^\/subscriptions\/(?<sub>[^/]+)\/resourceGroups\/(?<rg>[^/]+)\/providers\/Microsoft\.ContainerService\/managedClusters\/(?<name>[^/]+)$/i,
    handle: (req, g) => {
      const missing = authorizeThenCheckContainers(req, READ, g['sub'] ?? '', g['rg']);
      if (missing) return missing;
      const cluster = req.azure.managedClusters.find(
        (c) => sameText(c.name, g['name'] ?? '') && sameText(c.subscriptionId, g['sub'] ?? '') && sameText(c.resourceGroup, g['rg'] ?? ''),
      );
      if (cluster === undefined) return resourceNotFound(TYPE, g['name'] ?? '', g['rg'] ?? '');
      return authorize(req, READ, managedClusterResourceId(cluster)) ?? HttpResponse.json(managedClusterJson(req.azure, cluster));
    },
  },
  {
    method: 'GET',
    pattern: /^\/subscriptions\/(?<sub>[^/]+)\/resourceGroups\/(?<rg>[^/]+)\/providers\/Microsoft\.ContainerService\/managedClusters$/i,
    handle: (req, g) => listIn(req, g['sub'] ?? '', g['rg'] ?? ''),
  },
  {
    method: 'GET',
    pattern: /^\/subscriptions\/(?<sub>[^/]+)\/providers\/Microsoft\.ContainerService\/managedClusters$/i,
    handle: (req, g) => listIn(req, g['sub'] ?? ''),
  },
];
