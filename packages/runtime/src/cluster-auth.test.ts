import { ClientSecretCredential } from '@azure/identity';
import { loadRegistry, parseRegistryConfig } from '@kvcsi/core';
import { createRuntime } from './runtime.js';

// No kubeconfig on this machine: the shipped registry reaches every cluster with kubeAuth azure.
process.env['KUBECONFIG'] = '/nonexistent/kubeconfig';

const registry = loadRegistry({ env: {} });
const CLUSTERS = ['cafehyna-dev', 'cafehyna-hub', 'cafehyna-prd', 'painelclientes-dev', 'painelclientes-prd'];

describe('the runtime with kubeAuth azure', () => {
  it('reaches all five clusters of the shipped registry over the sandbox, paying ARM once per cluster', async () => {
    const runtime = createRuntime({ registry, sandbox: { stateFile: false } });
    const requests: string[] = [];
    runtime.sandboxServer!.server.events.on('request:start', ({ request }) => requests.push(`${request.method} ${new URL(request.url).host}${new URL(request.url).pathname}`));
    try {
      for (const name of CLUSTERS) {
        const port = runtime.clusterPort(name);
        expect((await port.getCsiDriver({}))?.metadata.name).toBe('secrets-store.csi.k8s.io');
        expect(port.describeAccess?.()).toMatchObject({ mode: 'azure', endpoint: 'public', identity: { objectId: '2e5465bf-141d-433a-955d-e57687f0d0e9' }, lastCall: { ok: true } });
      }
      const arm = requests.filter((r) => r.includes('management.azure.com'));
      expect(arm.filter((r) => r.endsWith('/listClusterUserCredential'))).toHaveLength(5);
      expect(arm).toHaveLength(10);
      requests.length = 0;
      for (const name of CLUSTERS) await runtime.clusterPort(name).listNodes({});
      expect(requests.filter((r) => !r.includes('.sandbox.azmk8s.io'))).toEqual([]);
    } finally {
      await runtime.close();
    }
  });

  it('uses in-cluster credentials only for the cluster the registry names as the one kvcsi runs in', () => {
    const saved = { host: process.env['KUBERNETES_SERVICE_HOST'], port: process.env['KUBERNETES_SERVICE_PORT'] };
    process.env['KUBERNETES_SERVICE_HOST'] = '10.0.0.1';
    process.env['KUBERNETES_SERVICE_PORT'] = '443';
    const text = [
      'tenantId: 3f7a3df4-f85b-4ca8-98d0-08b1034e6567',
      'clusters:',
      ...['hub', 'dev', 'legacy'].flatMap((name) => [
        `  - name: ${name}`,
        '    tier: dev',
        `    keyVault: { name: kv-${name} }`,
        '    identity: { clientId: f1a14a8f-6d38-40a0-a935-3cdd91a25f47 }',
        ...(name === 'legacy' ? [] : ['    kubeAuth: azure', '    aks: { subscriptionId: 0d7562b8-108e-4b3c-9be7-0a403d3ccaa7, resourceGroup: rg-x }']),
        ...(name === 'hub' ? ['    inCluster: true'] : []),
      ]),
    ].join('\n');
    const kubeconfig = 'apiVersion: v1\nkind: Config\nclusters: [{ name: legacy, cluster: { server: "https://legacy.example" } }]\nusers: [{ name: u, user: { token: t } }]\ncontexts: [{ name: legacy, context: { cluster: legacy, user: u } }]\ncurrent-context: legacy\n';
    const runtime = createRuntime({
      registry: parseRegistryConfig(text, 'in-cluster.yaml'),
      inCluster: true,
      kubeconfig,
      credential: new ClientSecretCredential('3f7a3df4-f85b-4ca8-98d0-08b1034e6567', '6b1c7a55-0c6e-4a8e-9b7e-3f2d8c1a9e40', 'unused'),
    });
    try {
      expect(runtime.clusterPort('hub').describeAccess?.()).toMatchObject({ mode: 'in-cluster', identity: { serviceAccount: true } });
      expect(runtime.clusterPort('dev').describeAccess?.()).toMatchObject({ mode: 'azure' });
      expect(runtime.clusterPort('legacy').describeAccess?.()).toMatchObject({ mode: 'kubeconfig', kubeContext: 'legacy', server: 'https://legacy.example' });
    } finally {
      process.env['KUBERNETES_SERVICE_HOST'] = saved.host;
      process.env['KUBERNETES_SERVICE_PORT'] = saved.port;
      if (saved.host === undefined) delete process.env['KUBERNETES_SERVICE_HOST'];
      if (saved.port === undefined) delete process.env['KUBERNETES_SERVICE_PORT'];
    }
  });
});
