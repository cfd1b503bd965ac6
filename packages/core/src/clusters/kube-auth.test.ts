import { KvcsiError } from '../errors.js';
import { parseRegistryConfig } from './load.js';

const TENANT = '3f7a3df4-f85b-4ca8-98d0-08b1034e6567';
const CLIENT = 'f1a14a8f-6d38-40a0-a935-3cdd91a25f47';
const SUBSCRIPTION = '0d7562b8-108e-4b3c-9be7-0a403d3ccaa7';

const cluster = (name: string, extra: string[] = []): string =>
  [`  - name: ${name}`, '    tier: dev', `    keyVault: { name: kv-${name} }`, `    identity: { clientId: ${CLIENT} }`, ...extra.map((line) => `    ${line}`)].join('\n');
const config = (...clusters: string[]): string => `tenantId: ${TENANT}\nclusters:\n${clusters.join('\n')}\n`;

function configError(text: string): KvcsiError {
  try {
    parseRegistryConfig(text, 'kvcsi.yaml');
  } catch (error) {
    if (error instanceof KvcsiError) return error;
    throw error;
  }
  throw new Error('expected a configuration error');
}

describe('kubeAuth, aks and inCluster in the registry', () => {
  it('defaults to kubeconfig, the cluster name as AKS name, and not in-cluster', () => {
    const registry = parseRegistryConfig(config(cluster('a')), 'x.yaml');
    expect(registry.get('a')).toMatchObject({ kubeAuth: 'kubeconfig', aks: { name: 'a' }, inCluster: false });
  });

  it('reads kubeAuth azure with the AKS resource, and takes missing parts from a discovered identity', () => {
    const registry = parseRegistryConfig(
      config(
        cluster('a', ['kubeAuth: azure', `aks: { subscriptionId: ${SUBSCRIPTION}, resourceGroup: rg-a, name: aks-a }`, 'inCluster: true']),
        ['  - name: b', '    tier: dev', '    keyVault: { name: kv-b }', `    identity: { discover: true, aksResourceGroup: rg-b, aksName: aks-b, subscriptionId: ${SUBSCRIPTION} }`, '    kubeAuth: azure'].join('\n'),
      ),
      'x.yaml',
    );
    expect(registry.get('a')).toMatchObject({ kubeAuth: 'azure', aks: { subscriptionId: SUBSCRIPTION, resourceGroup: 'rg-a', name: 'aks-a' }, inCluster: true });
    expect(registry.get('b')).toMatchObject({ kubeAuth: 'azure', aks: { subscriptionId: SUBSCRIPTION, resourceGroup: 'rg-b', name: 'aks-b' }, inCluster: false });
  });

  it('refuses an unknown kubeAuth, naming the field and the allowed values', () => {
    const error = configError(config(cluster('a', ['kubeAuth: kubelogin'])));
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', field: 'clusters[0].kubeAuth', line: 7 });
    expect(error.message).toMatch(/kubeconfig.*azure/);
  });

  it('refuses a second in-cluster cluster, pointing at it', () => {
    const error = configError(config(cluster('a', ['inCluster: true']), cluster('b', ['inCluster: true'])));
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', field: 'clusters[1].inCluster' });
    expect(error.message).toContain('only one cluster can be the one kvcsi runs in (also clusters[0].inCluster)');
  });

  it('refuses an AKS subscription that is not a GUID and unknown keys under aks', () => {
    expect(configError(config(cluster('a', ['aks: { subscriptionId: prod }'])))).toMatchObject({ field: 'clusters[0].aks.subscriptionId' });
    expect(configError(config(cluster('a', ['aks: { fqdn: x.example }'])))).toMatchObject({ field: 'clusters[0].aks' });
  });
});
