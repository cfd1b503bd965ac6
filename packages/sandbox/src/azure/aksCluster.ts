/**
 * How a sandbox AKS cluster authenticates callers and where its API server lives: the AKS-managed Entra ID profile,
 * local accounts, private cluster FQDNs, the cluster CA, and the kubeconfigs ARM hands out for it.
 */
import { stringify } from 'yaml';
import { sandboxKubeToken } from '../kubernetes/kubeconfig.js';
import type { ManagedCluster } from './model.js';

/** The AKS Entra ID server application: the audience of every token an Entra-enabled API server accepts. */
export const AKS_SERVER_APP_ID = '6dae42f8-4368-4678-94ff-3960e28e3630';
/** The public client AKS writes into the kubelogin `devicecode` args of a user kubeconfig (the Azure CLI's). */
export const AKS_KUBELOGIN_CLIENT_ID = '80faf920-1908-4b52-b5ef-a8e7bedfc67a';

/** The sandbox-only fields of a managed cluster, kept beside the ARM model (the state file stores them as is). */
export interface ManagedClusterAuth {
  /** `properties.aadProfile` of an AKS-managed Entra ID cluster. Absent: the cluster knows local accounts only. */
  aad?: { managed: true; enableAzureRbac: boolean; adminGroupObjectIds: string[]; tenantId: string };
  /** `properties.disableLocalAccounts`: no static credential (admin kubeconfig, local tokens). */
  disableLocalAccounts?: boolean;
  /** `apiServerAccessProfile.enablePrivateCluster`, with or without a public FQDN that resolves to the private IP. */
  privateCluster?: { publicFqdn: boolean };
}

export type ManagedClusterWithAuth = ManagedCluster & ManagedClusterAuth;

export const authOf = (cluster: ManagedCluster): ManagedClusterAuth => cluster as ManagedClusterWithAuth;

/** `properties.fqdn`: absent for a private cluster without a public FQDN. */
export function publicFqdnOf(cluster: ManagedCluster): string | undefined {
  const privateCluster = authOf(cluster).privateCluster;
  return privateCluster !== undefined && !privateCluster.publicFqdn ? undefined : `${cluster.name}.sandbox.azmk8s.io`;
}

/** `properties.privateFQDN` of a private cluster (a private DNS zone, resolvable only from its network). */
export function privateFqdnOf(cluster: ManagedCluster): string | undefined {
  return authOf(cluster).privateCluster === undefined ? undefined : `${cluster.name}.privatelink.sandbox.azmk8s.io`;
}

/**
 * The managed cluster's properties that say how to reach and authenticate to it, named as ARM names them:
 * `fqdn`/`azurePortalFQDN` (absent for a private cluster without a public FQDN), `privateFQDN`,
 * `apiServerAccessProfile`, `aadProfile` and `disableLocalAccounts`.
 */
export function aksAuthProperties(cluster: ManagedCluster): Record<string, unknown> {
  const auth = authOf(cluster);
  const fqdn = publicFqdnOf(cluster);
  const privateFqdn = privateFqdnOf(cluster);
  return {
    ...(fqdn === undefined ? {} : { fqdn, azurePortalFQDN: `portal.${fqdn}` }),
    ...(privateFqdn === undefined ? {} : {
      privateFQDN: privateFqdn,
      apiServerAccessProfile: { enablePrivateCluster: true, enablePrivateClusterPublicFQDN: auth.privateCluster?.publicFqdn === true, privateDNSZone: 'system' },
    }),
    ...(auth.aad === undefined ? {} : {
      aadProfile: { managed: true, enableAzureRBAC: auth.aad.enableAzureRbac, adminGroupObjectIDs: auth.aad.adminGroupObjectIds, tenantID: auth.aad.tenantId },
    }),
    disableLocalAccounts: auth.disableLocalAccounts === true,
  };
}

/**
 * The sandbox clusters' CA (a self-signed `CN=ca`, as AKS's cluster CAs are). Public by nature: ARM returns it to
 * anyone allowed to list credentials, and kvcsi only uses it to trust the API server.
 */
export const SANDBOX_CLUSTER_CA_PEM = `-----BEGIN CERTIFICATE-----
MIIDDTCCAfWgAwIBAgIUEVY8JFQVjOBZN8tCP5yoXPtHvkwwDQYJKoZIhvcNAQEL
BQAwDTELMAkGA1UEAwwCY2EwIBcNMjYxMjA1MjIxNDA0WhgPMjA1NjExMjcyMjE0
MDRaMA0xCzAJBgNVBAMMAmNhMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKC
AQEAvQ9Y+xOHShNPjEmpj9po9tmDFSk690U23B02gbu06Cg2Nn4Pz2I7TiRUXUQF
LCLD6p3HCm5SScNBm11ZTQJyMUmhwSPv+RKvRJXulxgvavC0Jj3xdUNBSCJgo/xo
Mi4Rw0poZNjpLMWGdOts5x8gWlzQwU0CzYk1kT5DJtsA8iY27bfYfA9tAegZTs7L
QnkNsvXa5xXf4bz3cAhHyaJa+sIXI1qKXKAK9BEhGvWeTTfRfLqKTEbt1xp1fl0A
3JSnrkS0YtYWNUAjpouY96MmQuV/NAa4W4lBC84YdW4jX7E7AePuH/DvOf7GZZ0b
LX5WmVBn7Ews6x0yEzgUzYGg0wIDAQABo2MwYTAdBgNVHQ4EFgQUSOg6/aTjao00
Wmj7Ur53nF8Tkb8wHwYDVR0jBBgwFoAUSOg6/aTjao00Wmj7Ur53nF8Tkb8wDwYD
VR0TAQH/BAUwAwEB/zAOBgNVHQ8BAf8EBAMCAqQwDQYJKoZIhvcNAQELBQADggEB
AAhviaY5xrmMH/SuU0faD8sx5rvNSPSOh1zq0YTM0lktUcxq8IiWQnG/5J4De4H3
EL/Vj+DAPVqXPiAxrrpRHBEWAUHJiDCDk7S7FMQJlRR2d9NE8BAKFBbnz44R4QWS
lULTbm4wjy8XJc9kQuQSMmR6pIKF8rsODWTg7hfkZaKplN/WDUZ6Wf5ydqmxVNsR
f/2+nTulLtdb4PMdiZQjb/YIlM51C7ruQoGpsW5hDPW1HH2nvsVYHZCU6ZRBhDwJ
4joY7vwPRB7mInippaFH4OFvoqjXcDFChuS4s4iz1qvX5zyPlhTVeLvYu8XLrxxh
/0FZoLqTIS3ev6BuzQFASPA=
-----END CERTIFICATE-----
`;

/** The "installHint" AKS puts in the exec block (kubelogin's text; see Azure/kubelogin and akskubeconfig's tests). */
const KUBELOGIN_INSTALL_HINT = '\nkubelogin is not installed which is required to connect to AAD enabled cluster.\n\nTo learn more, please go to https://aka.ms/aks/kubelogin\n';

/**
 * A kubeconfig as `listClusterUserCredential`/`listClusterAdminCredential` return it (base64 in `kubeconfigs[].value`):
 * server `https://<fqdn>:443` (the private FQDN when there is no public one), the CA, and a user that is either the
 * kubelogin exec block of an Entra ID cluster (`devicecode`, as AKS writes it) or a static local-account credential.
 */
export function clusterKubeconfig(cluster: ManagedCluster, role: 'clusterUser' | 'clusterAdmin'): string {
  const aad = authOf(cluster).aad;
  const host = publicFqdnOf(cluster) ?? privateFqdnOf(cluster) ?? '';
  const userName = `${role}_${cluster.resourceGroup}_${cluster.name}`;
  const user = role === 'clusterUser' && aad !== undefined
    ? {
      exec: {
        apiVersion: 'client.authentication.k8s.io/v1beta1',
        args: ['get-token', '--environment', 'AzurePublicCloud', '--server-id', AKS_SERVER_APP_ID, '--client-id', AKS_KUBELOGIN_CLIENT_ID, '--tenant-id', aad.tenantId, '--login', 'devicecode'],
        command: 'kubelogin',
        env: null,
        installHint: KUBELOGIN_INSTALL_HINT,
        interactiveMode: 'IfAvailable',
        provideClusterInfo: false,
      },
    }
    // Local accounts: real AKS hands out a client certificate and a token; the sandbox's static admin token stands in.
    : { token: sandboxKubeToken(cluster.name, 'admin') };
  return stringify({
    apiVersion: 'v1',
    clusters: [{ cluster: { 'certificate-authority-data': Buffer.from(SANDBOX_CLUSTER_CA_PEM).toString('base64'), server: `https://${host}:443` }, name: cluster.name }],
    contexts: [{ context: { cluster: cluster.name, user: userName }, name: role === 'clusterAdmin' ? `${cluster.name}-admin` : cluster.name }],
    'current-context': role === 'clusterAdmin' ? `${cluster.name}-admin` : cluster.name,
    kind: 'Config',
    preferences: {},
    users: [{ name: userName, user }],
  });
}
