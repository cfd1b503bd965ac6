import { ClientSecretCredential } from '@azure/identity';
import { KvcsiError } from '@kvcsi/core';
import { AksEndpointResolver, AksTokenSource, createKubernetesClusterPort, type KubernetesClusterPort } from './index.js';
import { CLUSTERS, startSandbox, type SandboxHarness } from './testing.js';

// kubeAuth azure over the sandbox: endpoints and CA from ARM, Entra ID tokens from the same credential kvcsi uses for
// Azure, and no kubeconfig anywhere (KUBECONFIG points at a file that does not exist).
process.env['KUBECONFIG'] = '/nonexistent/kubeconfig';

const TENANT = '3f7a3df4-f85b-4ca8-98d0-08b1034e6567';
const OPERATOR = { clientId: '6b1c7a55-0c6e-4a8e-9b7e-3f2d8c1a9e40', objectId: '2e5465bf-141d-433a-955d-e57687f0d0e9', secret: 'sandbox-only-kvcsi-operator-secret' };
const KUBELET = { clientId: 'f1a14a8f-6d38-40a0-a935-3cdd91a25f47', objectId: '2d81911b-60a4-4a53-9045-ad7193c91ee5', secret: 'sandbox-only-cafehyna-kubelet-secret' };
const AKS = {
  'cafehyna-dev': { subscriptionId: '0d7562b8-108e-4b3c-9be7-0a403d3ccaa7', resourceGroup: 'rg-cafehyna-dev' },
  'cafehyna-hub': { subscriptionId: '0d7562b8-108e-4b3c-9be7-0a403d3ccaa7', resourceGroup: 'rg-cafehyna-hub' },
  'cafehyna-prd': { subscriptionId: 'a6806ab2-ebb4-4fdc-a9d5-884687a165bd', resourceGroup: 'rg-cafehyna-prd' },
  'painelclientes-dev': { subscriptionId: '0d7562b8-108e-4b3c-9be7-0a403d3ccaa7', resourceGroup: 'rg-painelclientes-hml' },
  'painelclientes-prd': { subscriptionId: 'a6806ab2-ebb4-4fdc-a9d5-884687a165bd', resourceGroup: 'rg-painelclientes-prd' },
} as const;

let harness: SandboxHarness;
beforeAll(() => {
  harness = startSandbox();
});
beforeEach(() => {
  harness.sandbox.reset();
  harness.requests.length = 0;
});
afterEach(() => jest.useRealTimers());
afterAll(() => harness.server.close());

function ports(principal: { clientId: string; secret: string } = OPERATOR): { port: (name: keyof typeof AKS) => KubernetesClusterPort; endpoints: AksEndpointResolver } {
  const credential = new ClientSecretCredential(TENANT, principal.clientId, principal.secret);
  const endpoints = new AksEndpointResolver({ credential });
  const tokens = new AksTokenSource({ credential });
  return {
    endpoints,
    port: (name) => createKubernetesClusterPort({ cluster: { name, kubeContext: name, kubeAuth: 'azure', aks: { name, ...AKS[name] } }, aksEndpoints: endpoints, aksTokens: tokens }),
  };
}

const count = (pattern: RegExp): number => harness.requests.filter((r) => pattern.test(r)).length;

async function failure(promise: Promise<unknown>): Promise<KvcsiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof KvcsiError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

/** Moves the process clock (MSAL's and the token cache's) and the sandbox clock (the API servers') forward. */
function advance(localMs: number, sandboxMs = localMs): void {
  jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'queueMicrotask', 'hrtime', 'performance'] });
  jest.setSystemTime(Date.now() + localMs);
  harness.sandbox.clock.set(harness.sandbox.clock.nowMs() + sandboxMs);
}

describe('kubeAuth azure', () => {
  it('reads all five clusters with the operator\'s Entra ID token, endpoints and CA from ARM, and says so', async () => {
    const { port } = ports();
    for (const name of CLUSTERS as (keyof typeof AKS)[]) {
      const cluster = port(name);
      expect((await cluster.getCsiDriver({}))?.metadata.name).toBe('secrets-store.csi.k8s.io');
      expect(cluster.describeAccess()).toMatchObject({
        cluster: name, mode: 'azure', server: `https://${name}.sandbox.azmk8s.io:443`, endpoint: 'public',
        identity: { objectId: OPERATOR.objectId, appId: OPERATOR.clientId, tenantId: TENANT },
        lastCall: { operation: 'get CSIDriver', ok: true },
      });
    }
    // One token for every cluster; the AKS API servers saw Entra tokens, never a kubeconfig's.
    expect(count(/oauth2\/v2\.0\/token/)).toBe(2);
    expect(count(/listClusterUserCredential/)).toBe(5);
  });

  it('caches endpoint and CA: later calls pay no ARM call', async () => {
    const { port, endpoints } = ports();
    const cluster = port('cafehyna-prd');
    await cluster.listNodes({});
    expect(endpoints.armCalls).toBe(2);
    harness.requests.length = 0;
    await cluster.listPods({ namespace: 'defectdojo' });
    await port('cafehyna-prd').getCsiDriver({});
    expect(endpoints.armCalls).toBe(2);
    expect(count(/management\.azure\.com/)).toBe(0);
    expect(harness.requests.map((r) => r.split('?')[0])).toEqual(['GET cafehyna-prd.sandbox.azmk8s.io/api/v1/namespaces/defectdojo/pods', 'GET cafehyna-prd.sandbox.azmk8s.io/apis/storage.k8s.io/v1/csidrivers/secrets-store.csi.k8s.io']);
  });

  it('refreshes a token that is about to expire before using it: no call fails', async () => {
    const { port } = ports();
    const cluster = port('cafehyna-dev');
    await cluster.listNodes({});
    const tokenRequests = count(/oauth2\/v2\.0\/token/);
    const statuses: number[] = [];
    harness.server.server.events.on('response:mocked', ({ response }) => statuses.push(response.status));
    // 58 minutes on: the first token (3599 s) is within two minutes of its end here, and past it at the API server.
    advance(3_480_000, 3_700_000);
    await expect(cluster.listNodes({})).resolves.toHaveLength(3);
    expect(count(/oauth2\/v2\.0\/token/)).toBe(tokenRequests + 1);
    expect(statuses).not.toContain(401);
    harness.server.server.events.removeAllListeners('response:mocked');
  });

  it('answers a 401 with one fresh token and one retry', async () => {
    const { port } = ports();
    const cluster = port('cafehyna-dev');
    await cluster.listNodes({});
    const statuses: number[] = [];
    harness.server.server.events.on('response:mocked', ({ response }) => statuses.push(response.status));
    // The API server's clock is past the token's end while ours still trusts it (clock skew): 401, refresh, retry.
    advance(3_360_000, 3_700_000);
    await expect(cluster.listNodes({})).resolves.toHaveLength(3);
    expect(statuses.filter((s) => s === 401)).toHaveLength(1);
    expect(cluster.describeAccess().lastCall).toEqual({ operation: 'list nodes', ok: true });
    harness.server.server.events.removeAllListeners('response:mocked');
  });

  it('reports a 403 with the identity, verb, resource and scope for an identity without cluster access', async () => {
    // The kubelet identity may list credentials (ARM) but holds no Kubernetes role.
    const cafehynaPrd = harness.sandbox.state.azure.managedClusters.find((c) => c.name === 'cafehyna-prd')!;
    harness.sandbox.state.azure.roleAssignments.push({
      name: '5b0e7c1d-2222-4b8e-9a4f-6c2d1e0f9a77', scope: `/subscriptions/${cafehynaPrd.subscriptionId}/resourceGroups/${cafehynaPrd.resourceGroup}/providers/Microsoft.ContainerService/managedClusters/cafehyna-prd`,
      roleDefinitionName: '4abbcc35-e782-43d8-92c5-2d3f1bd2253f', roleDefinitionId: '/providers/Microsoft.Authorization/roleDefinitions/4abbcc35-e782-43d8-92c5-2d3f1bd2253f',
      principalId: KUBELET.objectId, principalType: 'ServicePrincipal', createdMs: 0,
    });
    const cluster = ports(KUBELET).port('cafehyna-prd');
    const error = await failure(cluster.listPods({ namespace: 'defectdojo' }));
    expect(error.code).toBe('FORBIDDEN');
    expect(error.details?.['forbidden']).toEqual({ user: KUBELET.objectId, verb: 'list', resource: 'pods', apiGroup: '', namespace: 'defectdojo', azureRbac: true });
    expect(cluster.describeAccess()).toMatchObject({
      identity: { objectId: KUBELET.objectId },
      lastCall: { ok: false, code: 'FORBIDDEN', status: 403, forbidden: { verb: 'list', resource: 'pods' } },
    });
    const access = cluster.describeAccess();
    expect(access.lastCall?.ok === false ? access.lastCall.fix : undefined).toEqual([
      `kubectl create clusterrolebinding kvcsi-reader --clusterrole=kvcsi-reader --user=${KUBELET.objectId}`,
      `az role assignment create --assignee-object-id ${KUBELET.objectId} --assignee-principal-type ServicePrincipal --role "kvcsi AKS Reader" --scope ${access.resourceId}`,
    ]);
    expect(access.resourceId).toBe('/subscriptions/a6806ab2-ebb4-4fdc-a9d5-884687a165bd/resourceGroups/rg-cafehyna-prd/providers/Microsoft.ContainerService/managedClusters/cafehyna-prd');
  });

  it('uses the private FQDN of a private cluster, and a name that does not resolve is a quick, explained error', async () => {
    const hub = harness.sandbox.state.azure.managedClusters.find((c) => c.name === 'cafehyna-hub') as { privateCluster?: { publicFqdn: boolean } };
    hub.privateCluster = { publicFqdn: false };
    const cluster = ports().port('cafehyna-hub');
    await cluster.listNodes({});
    expect(cluster.describeAccess()).toMatchObject({ endpoint: 'private', server: 'https://cafehyna-hub.privatelink.sandbox.azmk8s.io:443' });
    harness.sandbox.faults.add({ kind: 'dns', host: 'cafehyna-hub.privatelink.sandbox.azmk8s.io' });
    const started = Date.now();
    const error = await failure(cluster.listNodes({}));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error.code).toBe('UNAVAILABLE');
    expect(error.message).toContain("cafehyna-hub.privatelink.sandbox.azmk8s.io is the cluster's private FQDN");
  });

  it('refuses a cluster without Entra ID, and a registry cluster without its AKS subscription', async () => {
    delete (harness.sandbox.state.azure.managedClusters.find((c) => c.name === 'cafehyna-dev') as { aad?: unknown }).aad;
    expect(await failure(ports().port('cafehyna-dev').listNodes({}))).toMatchObject({ code: 'CONFIG_INVALID', field: 'kubeAuth' });
    const credential = new ClientSecretCredential(TENANT, OPERATOR.clientId, OPERATOR.secret);
    const noSubscription = createKubernetesClusterPort({ cluster: { name: 'x', kubeContext: 'x', kubeAuth: 'azure', aks: { name: 'x' } }, credential });
    expect(await failure(noSubscription.listNodes({}))).toMatchObject({ code: 'CONFIG_INVALID', field: 'aks.subscriptionId' });
  });
});
