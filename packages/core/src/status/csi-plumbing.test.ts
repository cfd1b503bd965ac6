import type { ClusterPort, KubePod } from '../ports.js';
import { flagValue, inspectCsiPlumbing } from './csi-plumbing.js';

const pod = (name: string, node: string, image: string, args: string[], ready = true): KubePod => ({
  metadata: { name, namespace: 'kube-system' },
  spec: { nodeName: node, containers: [{ name: image.includes('provider') ? 'provider-azure-installer' : 'secrets-store', image, args }] },
  status: { phase: 'Running', containerStatuses: [{ name: 'c', ready, restartCount: ready ? 0 : 7, image }] } as KubePod['status'],
});

function port(overrides: Partial<ClusterPort>): ClusterPort {
  const none = async () => [];
  return {
    getPod: async () => undefined,
    listPods: none,
    listPodEvents: none,
    getSecretProviderClass: async () => undefined,
    listSecretProviderClasses: none,
    listSecretProviderClassPodStatuses: none,
    getCsiDriver: async () => ({ metadata: { name: 'secrets-store.csi.k8s.io' }, spec: { podInfoOnMount: true, tokenRequests: [{ audience: 'api://AzureADTokenExchange' }] } }),
    listDriverPods: none,
    listProviderPods: none,
    listNodes: none,
    readContainerLog: async () => '',
    getSecretMetadata: async () => undefined,
    ...overrides,
  };
}

describe('flagValue', () => {
  it('reads --flag=value, --flag value, quoted args and bare flags', () => {
    expect(flagValue(['"--enable-secret-rotation=true"'], 'enable-secret-rotation')).toBe('true');
    expect(flagValue(['--rotation-poll-interval', '2m'], 'rotation-poll-interval')).toBe('2m');
    expect(flagValue(['--construct-pem-chain'], 'construct-pem-chain')).toBe('true');
    expect(flagValue(['--other=1'], 'construct-pem-chain')).toBeUndefined();
  });
});

describe('inspectCsiPlumbing', () => {
  it('flags the node without a provider and the unready driver, and reads versions and flags', async () => {
    const status = await inspectCsiPlumbing(
      port({
        listNodes: async () => [
          { metadata: { name: 'n1' }, status: { conditions: [{ type: 'Ready', status: 'True' }], nodeInfo: { operatingSystem: 'linux' } } },
          { metadata: { name: 'n2' }, status: { conditions: [{ type: 'Ready', status: 'True' }], nodeInfo: { operatingSystem: 'linux' } } },
        ],
        listDriverPods: async () => [
          pod('d1', 'n1', 'registry.k8s.io/csi-secrets-store/driver:v1.5.6', ['--enable-secret-rotation=true', '--rotation-poll-interval=90s']),
          pod('d2', 'n2', 'registry.k8s.io/csi-secrets-store/driver:v1.5.6', ['--enable-secret-rotation=true'], false),
        ],
        listProviderPods: async () => [pod('p1', 'n1', 'mcr.microsoft.com/oss/azure/secrets-store/provider-azure:v1.4.1', ['--construct-pem-chain=false'])],
      }),
    );
    expect(status.csiDriver).toEqual({ installed: true, podInfoOnMount: true, tokenAudiences: ['api://AzureADTokenExchange'] });
    expect(status.nodes.map((node) => [node.name, node.problems])).toEqual([
      ['n1', []],
      ['n2', ['CSI driver pod d2 is not ready', 'no Azure provider pod: mounts here fail with "provider not found"']],
    ]);
    expect(status.nodes[1]?.driver).toMatchObject({ restarts: 7, ready: false, version: 'v1.5.6' });
    expect(status.versions).toEqual({ driver: ['v1.5.6'], provider: ['v1.4.1'] });
    expect(status.rotation).toEqual({ enabled: true, pollInterval: '90s' });
    expect(status.provider).toEqual({ constructPemChain: false });
  });

  it('says the CSIDriver is missing, and turns failing sources into unknowns', async () => {
    const status = await inspectCsiPlumbing(
      port({
        getCsiDriver: async () => undefined,
        listNodes: async () => {
          throw new Error('nodes is forbidden: User "viewer" cannot list resource "nodes"');
        },
      }),
    );
    expect(status.csiDriver).toEqual({ installed: false, tokenAudiences: [] });
    expect(status.unknowns).toEqual([{ source: 'nodes', reason: 'nodes is forbidden: User "viewer" cannot list resource "nodes"' }]);
  });
});
