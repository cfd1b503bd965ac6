import { ContainerServiceClient } from '@azure/arm-containerservice';
import { parse as parseYaml } from 'yaml';
import { AKS_SERVER_APP_ID, SANDBOX_CLUSTER_CA_PEM, type ManagedClusterWithAuth } from '../azure/aksCluster.js';
import { kubeletCredential, NONPROD_SUBSCRIPTION, operatorCredential, PROD_SUBSCRIPTION, restError, TENANT_ID } from '../azure/sdkTestHelpers.js';
import { issueAccessToken } from '../azure/tokens.js';
import { startTestSandbox } from '../testing.js';
import { AZURE_RBAC_DENIED_VERDICT } from './auth.js';
import { sandboxKubeToken } from './kubeconfig.js';

const { sandbox, server } = startTestSandbox();
beforeEach(() => sandbox.reset());
afterAll(() => server.close());

const OPERATOR_OBJECT_ID = '2e5465bf-141d-433a-955d-e57687f0d0e9';
const KUBELET_OBJECT_ID = '2d81911b-60a4-4a53-9045-ad7193c91ee5';
const AKS_SCOPE = `${AKS_SERVER_APP_ID}/.default`;

async function kube(cluster: string, path: string, token: string | undefined, host = `${cluster}.sandbox.azmk8s.io`): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`https://${host}${path}`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const operatorAksToken = async (): Promise<string> => (await operatorCredential().getToken(AKS_SCOPE))!.token;
const UNAUTHORIZED = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 };

describe('AKS API servers with Entra ID', () => {
  it('serve the operator\'s Entra token on all five clusters (four by Azure RBAC, one by a ClusterRoleBinding)', async () => {
    const token = await operatorAksToken();
    for (const cluster of ['cafehyna-dev', 'cafehyna-hub', 'cafehyna-prd', 'painelclientes-dev', 'painelclientes-prd']) {
      const nodes = await kube(cluster, '/api/v1/nodes', token);
      expect([cluster, nodes.status]).toEqual([cluster, 200]);
      const driver = await kube(cluster, '/apis/storage.k8s.io/v1/csidrivers/secrets-store.csi.k8s.io', token);
      expect([cluster, driver.status]).toEqual([cluster, 200]);
    }
  });

  it('refuse other audiences, expired tokens and missing tokens with the API server\'s 401', async () => {
    const armToken = (await operatorCredential().getToken('https://management.azure.com/.default'))!.token;
    expect(await kube('cafehyna-dev', '/api/v1/nodes', armToken)).toEqual({ status: 401, body: UNAUTHORIZED });
    const expired = issueAccessToken({ audience: AKS_SERVER_APP_ID, tenantId: TENANT_ID, objectId: OPERATOR_OBJECT_ID, clientId: 'x', nowMs: sandbox.clock.nowMs() - 7_200_000 }).token;
    expect(await kube('cafehyna-dev', '/api/v1/nodes', expired)).toEqual({ status: 401, body: UNAUTHORIZED });
    expect(await kube('cafehyna-dev', '/api/v1/nodes', undefined)).toEqual({ status: 401, body: UNAUTHORIZED });
  });

  it('refuse an identity without a role with the forbidden message and guard\'s Azure RBAC verdict', async () => {
    const token = (await kubeletCredential().getToken(AKS_SCOPE))!.token;
    const pods = await kube('cafehyna-prd', '/api/v1/namespaces/defectdojo/pods', token);
    expect(pods.status).toBe(403);
    expect(pods.body['message']).toBe(`pods is forbidden: User "${KUBELET_OBJECT_ID}" cannot list resource "pods" in API group "" in the namespace "defectdojo": ${AZURE_RBAC_DENIED_VERDICT}`);
    // Kubernetes RBAC only (no Azure RBAC on painelclientes-prd): the plain forbidden message.
    const nodes = await kube('painelclientes-prd', '/api/v1/nodes', token);
    expect(nodes.body['message']).toBe(`nodes is forbidden: User "${KUBELET_OBJECT_ID}" cannot list resource "nodes" in API group "" at the cluster scope`);
  });

  it('authorize by the data actions of the role: AKS RBAC Reader reads pods but not nodes, CSIDriver or SecretProviderClasses', async () => {
    const cluster = sandbox.state.azure.managedClusters.find((c) => c.name === 'cafehyna-prd')!;
    sandbox.state.azure.roleAssignments.push({
      name: '0f6e3c1a-1111-4c2e-9d7a-2b1f0c9e8d01', scope: `/subscriptions/${PROD_SUBSCRIPTION}/resourceGroups/${cluster.resourceGroup}/providers/Microsoft.ContainerService/managedClusters/cafehyna-prd`,
      roleDefinitionName: '7f6c6a51-bcf8-42ba-9220-52d62157d7db', roleDefinitionId: '/providers/Microsoft.Authorization/roleDefinitions/7f6c6a51-bcf8-42ba-9220-52d62157d7db',
      principalId: KUBELET_OBJECT_ID, principalType: 'ServicePrincipal', createdMs: 0,
    });
    const token = (await kubeletCredential().getToken(AKS_SCOPE))!.token;
    expect((await kube('cafehyna-prd', '/api/v1/namespaces/defectdojo/pods', token)).status).toBe(200);
    expect((await kube('cafehyna-prd', '/api/v1/nodes', token)).status).toBe(403);
    expect((await kube('cafehyna-prd', '/apis/storage.k8s.io/v1/csidrivers/secrets-store.csi.k8s.io', token)).status).toBe(403);
    expect((await kube('cafehyna-prd', '/apis/secrets-store.csi.x-k8s.io/v1/namespaces/defectdojo/secretproviderclasses', token)).status).toBe(403);
  });

  it('keep static tokens for local accounts, and refuse them once local accounts are disabled', async () => {
    expect((await kube('cafehyna-dev', '/api/v1/nodes', sandboxKubeToken('cafehyna-dev'))).status).toBe(200);
    (sandbox.state.azure.managedClusters.find((c) => c.name === 'cafehyna-dev') as ManagedClusterWithAuth).disableLocalAccounts = true;
    expect(await kube('cafehyna-dev', '/api/v1/nodes', sandboxKubeToken('cafehyna-dev'))).toEqual({ status: 401, body: UNAUTHORIZED });
  });

  it('serve a private cluster at its private FQDN only', async () => {
    const cluster = sandbox.state.azure.managedClusters.find((c) => c.name === 'cafehyna-hub') as ManagedClusterWithAuth;
    const token = await operatorAksToken();
    await expect(fetch('https://cafehyna-dev.privatelink.sandbox.azmk8s.io/api/v1/nodes', { headers: { authorization: `Bearer ${token}` } })).rejects.toThrow();
    cluster.privateCluster = { publicFqdn: false };
    expect((await kube('cafehyna-hub', '/api/v1/nodes', token, 'cafehyna-hub.privatelink.sandbox.azmk8s.io')).status).toBe(200);
  });
});

describe('ARM managedClusters for Entra ID clusters', () => {
  const aks = (subscription = NONPROD_SUBSCRIPTION) => new ContainerServiceClient(operatorCredential(), subscription, { retryOptions: { maxRetries: 0 } });

  it('reports aadProfile, fqdn and disableLocalAccounts; privateFqdn for a private cluster', async () => {
    const cluster = await aks().managedClusters.get('rg-cafehyna-dev', 'cafehyna-dev');
    expect(cluster).toMatchObject({ fqdn: 'cafehyna-dev.sandbox.azmk8s.io', disableLocalAccounts: false, aadProfile: { managed: true, enableAzureRbac: true, tenantID: TENANT_ID } });
    expect(cluster.privateFqdn).toBeUndefined();
    (sandbox.state.azure.managedClusters.find((c) => c.name === 'cafehyna-dev') as ManagedClusterWithAuth).privateCluster = { publicFqdn: false };
    const privateCluster = await aks().managedClusters.get('rg-cafehyna-dev', 'cafehyna-dev');
    expect(privateCluster).toMatchObject({ privateFqdn: 'cafehyna-dev.privatelink.sandbox.azmk8s.io', apiServerAccessProfile: { enablePrivateCluster: true, enablePrivateClusterPublicFqdn: false } });
    expect(privateCluster.fqdn).toBeUndefined();
  });

  it('lists the user credential: a kubeconfig with server, CA and the kubelogin exec block', async () => {
    const result = await aks().managedClusters.listClusterUserCredentials('rg-cafehyna-dev', 'cafehyna-dev');
    expect(result.kubeconfigs?.map((k) => k.name)).toEqual(['clusterUser']);
    const kubeconfig = parseYaml(Buffer.from(result.kubeconfigs![0]!.value!).toString('utf8')) as {
      clusters: { cluster: Record<string, string> }[];
      users: { name: string; user: { exec: { command: string; args: string[]; installHint: string } } }[];
    };
    expect(kubeconfig.clusters[0]!.cluster['server']).toBe('https://cafehyna-dev.sandbox.azmk8s.io:443');
    expect(Buffer.from(kubeconfig.clusters[0]!.cluster['certificate-authority-data']!, 'base64').toString()).toBe(SANDBOX_CLUSTER_CA_PEM);
    expect(kubeconfig.users[0]!.name).toBe('clusterUser_rg-cafehyna-dev_cafehyna-dev');
    expect(kubeconfig.users[0]!.user.exec.command).toBe('kubelogin');
    expect(kubeconfig.users[0]!.user.exec.args).toEqual(['get-token', '--environment', 'AzurePublicCloud', '--server-id', AKS_SERVER_APP_ID, '--client-id', '80faf920-1908-4b52-b5ef-a8e7bedfc67a', '--tenant-id', TENANT_ID, '--login', 'devicecode']);
    expect(kubeconfig.users[0]!.user.exec.installHint).toContain('kubelogin is not installed which is required to connect to AAD enabled cluster.');
  });

  it('lists the admin credential with a static credential, and refuses it when local accounts are disabled', async () => {
    const admin = await aks(PROD_SUBSCRIPTION).managedClusters.listClusterAdminCredentials('rg-cafehyna-prd', 'cafehyna-prd');
    const kubeconfig = parseYaml(Buffer.from(admin.kubeconfigs![0]!.value!).toString('utf8')) as { users: { name: string; user: Record<string, unknown> }[] };
    expect(kubeconfig.users[0]).toEqual({ name: 'clusterAdmin_rg-cafehyna-prd_cafehyna-prd', user: { token: sandboxKubeToken('cafehyna-prd') } });
    (sandbox.state.azure.managedClusters.find((c) => c.name === 'cafehyna-prd') as ManagedClusterWithAuth).disableLocalAccounts = true;
    const error = await restError(aks(PROD_SUBSCRIPTION).managedClusters.listClusterAdminCredentials('rg-cafehyna-prd', 'cafehyna-prd'));
    expect([error.statusCode, error.code, error.message]).toEqual([400, 'BadRequest', 'Getting static credential is not allowed because this cluster is set to disable local accounts.']);
  });

  it('refuses a caller without listClusterUserCredential/action with ARM\'s AuthorizationFailed', async () => {
    const client = new ContainerServiceClient(kubeletCredential(), NONPROD_SUBSCRIPTION, { retryOptions: { maxRetries: 0 } });
    const error = await restError(client.managedClusters.listClusterUserCredentials('rg-cafehyna-dev', 'cafehyna-dev'));
    expect([error.statusCode, error.code]).toEqual([403, 'AuthorizationFailed']);
    expect(error.message).toContain("'Microsoft.ContainerService/managedClusters/listClusterUserCredential/action'");
  });
});
