import { HttpResponse } from 'msw';
import { findIdentityByClientId } from './access.js';
import { aksAuthProperties } from './aksCluster.js';
import { authorize, authorizeThenCheckContainers, canRead, checkContainers, resourceNotFound, sameText, type ArmRequest, type ArmRoute } from './armHttp.js';
import { deterministicUuid } from './ids.js';
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

/** The add-on's `config` map of strings, as `az aks show` prints it. */
function rotationConfig(c: ManagedCluster): Record<string, string> {
  const rotation = c.secretRotation;
  const seconds = Math.round((rotation?.pollIntervalInMs ?? 120_000) / 1000);
  return { enableSecretRotation: String(rotation?.enabled ?? false), rotationPollInterval: seconds % 60 === 0 ? `${seconds / 60}m` : `${seconds}s` };
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
      // Fields as a real GET returns them (the az aks live-test recording in shared/reference), not only the spec example's.
      agentPoolProfiles: [
        {
          name: 'nodepool1', count: 3, vmSize: 'Standard_D4s_v5', osDiskSizeGB: 128, osDiskType: 'Managed', kubeletDiskType: 'OS', maxPods: 110,
          type: 'VirtualMachineScaleSets', enableAutoScaling: false, provisioningState: 'Succeeded', powerState: { code: 'Running' },
          orchestratorVersion: c.kubernetesVersion, currentOrchestratorVersion: c.kubernetesVersion, enableNodePublicIP: false, mode: 'System',
          enableEncryptionAtHost: false, enableUltraSSD: false, osType: 'Linux', osSKU: 'Ubuntu', nodeImageVersion: 'AKSUbuntu-2204gen2containerd-202601.05.0',
          upgradeSettings: {}, enableFIPS: false,
        },
      ],
      maxAgentPools: 100,
      servicePrincipalProfile: { clientId: 'msi' },
      storageProfile: { diskCSIDriver: { enabled: true }, fileCSIDriver: { enabled: true }, snapshotController: { enabled: true } },
      supportPlan: 'KubernetesOfficial',
      workloadAutoScalerProfile: {},
      nodeResourceGroup: c.nodeResourceGroup,
      enableRBAC: true,
      identityProfile: { kubeletidentity: identityProfile(azure, c.kubeletIdentityClientId) },
      addonProfiles: {
        azureKeyvaultSecretsProvider: addonIdentity
          ? { enabled: true, config: rotationConfig(c), identity: addonIdentity }
          : { enabled: false, config: null },
      },
      oidcIssuerProfile: { enabled: c.oidcIssuerUrl !== '', issuerURL: c.oidcIssuerUrl },
      securityProfile: { workloadIdentity: { enabled: c.workloadIdentityEnabled } },
      networkProfile: {
        networkPlugin: 'azure', loadBalancerSku: 'standard',
        loadBalancerProfile: { managedOutboundIPs: { count: 1 }, effectiveOutboundIPs: [{ id: `/subscriptions/${c.subscriptionId}/resourceGroups/${c.nodeResourceGroup}/providers/Microsoft.Network/publicIPAddresses/${deterministicUuid('outbound-ip', c.name)}` }] },
        serviceCidr: '10.0.0.0/16', dnsServiceIP: '10.0.0.10', outboundType: 'loadBalancer', serviceCidrs: ['10.0.0.0/16'], ipFamilies: ['IPv4'],
      },
    },
    eTag: deterministicUuid('etag', c.name, c.kubernetesVersion).slice(0, 8),
    identity: { type: 'SystemAssigned', principalId: deterministicUuid('cluster-identity', c.subscriptionId, c.name), tenantId: azure.tenantId },
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
