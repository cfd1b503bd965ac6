import { parseRegistryConfig, type ClusterPort, type SecretProviderClassResource } from '@kvcsi/core';
import { createBindingsIndex } from './bindings-index.js';

const TENANT = '00000000-0000-4000-8000-000000000999';
const registry = parseRegistryConfig(JSON.stringify({
  tenantId: TENANT,
  clusters: [{ name: 'web-dev', tier: 'dev', keyVault: { name: 'kv-web-dev' }, identity: { clientId: '00000000-0000-4000-8000-000000000001' }, kubeContext: 'web-dev' }],
}), 'test');

/** secretObjects names `objectName` as the mounted file; the class mounts `web-db-password`. */
const spc = (objectName: string): SecretProviderClassResource => ({
  metadata: { name: 'web-secrets', namespace: 'web' },
  spec: {
    provider: 'azure',
    parameters: { keyvaultName: 'kv-web-dev', tenantId: TENANT, useVMManagedIdentity: 'true', userAssignedIdentityID: '00000000-0000-4000-8000-000000000001', objects: 'array:\n  - |\n    objectName: web-db-password\n    objectType: secret\n' },
    secretObjects: [{ secretName: 'web-env', type: 'Opaque', data: [{ objectName, key: 'DB_PASSWORD' }] }],
  },
});

describe('the index lints each SecretProviderClass', () => {
  it('reports a secretObjects objectName that names no mounted file, and lints a class again when it changes', async () => {
    let current = spc('Web-Db-Password');
    const clusterPort = () => ({ listSecretProviderClasses: async () => [current] }) as unknown as ClusterPort;
    const vault = { listSecretProperties: async () => ({ items: [] }), getVaultProperties: async () => undefined, resolveIdentity: async () => undefined, checkAccess: async () => { throw new Error('not used'); } };
    const index = createBindingsIndex({ registry, clusterPort, vault: vault as never, skipMounts: true });
    const lintOf = () => index.snapshot().clusters.get('web-dev')!.data!.bindings[0]!.lint;

    await index.refresh();
    expect(lintOf()).toEqual([expect.objectContaining({ rule: 'secret-object-unmounted', severity: 'error', message: expect.stringMatching(/"Web-Db-Password" matches no mounted file/) })]);
    const first = lintOf();
    await index.refresh();
    // Unchanged: the same result, not linted again.
    expect(lintOf()).toBe(first);

    current = spc('web-db-password');
    await index.refresh();
    expect(lintOf()).toEqual([]);
  });
});
