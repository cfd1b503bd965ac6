// Test support: the sandbox's default scenario, its credentials and a registry for it. Not exported from the package.
import { ClientSecretCredential, type TokenCredential } from '@azure/identity';
import { parseRegistryConfig, type ClusterRegistry } from '@kvcsi/core';
import { startTestSandbox, type Sandbox, type TestSandbox } from '@kvcsi/sandbox';

export const TENANT_ID = '3f7a3df4-f85b-4ca8-98d0-08b1034e6567';
export const NONPROD = '0d7562b8-108e-4b3c-9be7-0a403d3ccaa7';
export const PROD = 'a6806ab2-ebb4-4fdc-a9d5-884687a165bd';
export const KUBELET = { clientId: 'f1a14a8f-6d38-40a0-a935-3cdd91a25f47', objectId: '2d81911b-60a4-4a53-9045-ad7193c91ee5', secret: 'sandbox-only-cafehyna-kubelet-secret' };
export const OPERATOR = { clientId: '6b1c7a55-0c6e-4a8e-9b7e-3f2d8c1a9e40', secret: 'sandbox-only-kvcsi-operator-secret' };

export const credential = (clientId: string, secret: string): TokenCredential => new ClientSecretCredential(TENANT_ID, clientId, secret);
export const operatorCredential = (): TokenCredential => credential(OPERATOR.clientId, OPERATOR.secret);
export const kubeletCredential = (): TokenCredential => credential(KUBELET.clientId, KUBELET.secret);

/** The runbook's registry, as in packages/core/config/kvcsi.example.yaml, optionally with the vaults located. */
export function registry(options: { locateVaults?: boolean } = {}): ClusterRegistry {
  const at = (sub: string, rg: string): string => (options.locateVaults === true ? `, subscriptionId: ${sub}, resourceGroup: ${rg}` : '');
  return parseRegistryConfig(
    `tenantId: ${TENANT_ID}
clusters:
  - { name: cafehyna-dev, tier: dev, keyVault: { name: kv-cafehyna-dev-hlg${at(NONPROD, 'rg-cafehyna-dev')} }, identity: { clientId: ${KUBELET.clientId} } }
  - { name: cafehyna-prd, tier: prd, keyVault: { name: kv-cafehyna-prd${at(PROD, 'rg-cafehyna-prd')} }, identity: { clientId: ${KUBELET.clientId} } }
  - { name: painelclientes-dev, tier: dev, keyVault: { name: painel-clientes-hml${at(NONPROD, 'rg-painelclientes-hml')} }, identity: { discover: true } }
  - { name: painelclientes-prd, tier: prd, keyVault: { name: painel-clientes-prd }, identity: { discover: true, subscriptionId: ${PROD}, aksResourceGroup: rg-painelclientes-prd } }
`,
    'test registry',
  );
}

export type SandboxHarness = TestSandbox;

/** Starts the sandbox for a test file: call in `beforeAll`, then `reset` in `beforeEach` and `close` in `afterAll`. */
export const startSandbox = (): SandboxHarness => startTestSandbox();

export function identityOf(sandbox: Sandbox, name: string): { clientId: string; objectId: string } {
  const found = sandbox.state.azure.identities.find((i) => i.name === name);
  if (found === undefined) throw new Error(`no identity ${name} in the scenario`);
  return { clientId: found.clientId, objectId: found.objectId };
}
