/** Stateful in-memory ports for the access, secrets and service tests: a small Azure and one cluster's SPCs. */
import { ClusterRegistry } from '../clusters/registry.js';
import { KvcsiError } from '../errors.js';
import type {
  AccessPolicyPermissions, ClusterPort, IdentityAccess, RoleAssignmentInfo, SecretProperties, SecretProviderClassResource, VaultProperties,
} from '../ports.js';
import type { AccessVaultPort } from '../access/apply.js';

export const TENANT = '3f7a3df4-f85b-4ca8-98d0-08b1034e6567';
export const KUBELET = { clientId: 'f1a14a8f-6d38-40a0-a935-3cdd91a25f47', objectId: '2d81911b-60a4-4a53-9045-ad7193c91ee5' };
export const PRD_VAULT_ID = '/subscriptions/a6806ab2-ebb4-4fdc-a9d5-884687a165bd/resourceGroups/rg-cafehyna-prd/providers/Microsoft.KeyVault/vaults/kv-cafehyna-prd';
export const DEV_VAULT_ID = '/subscriptions/0d7562b8-108e-4b3c-9be7-0a403d3ccaa7/resourceGroups/rg-cafehyna-dev/providers/Microsoft.KeyVault/vaults/kv-cafehyna-dev-hlg';
export const SECRETS_USER = '4633458b-17de-408a-b874-0445c86b69e6';

export function testRegistry(grantScope: 'vault' | 'secret' = 'vault'): ClusterRegistry {
  return new ClusterRegistry({
    tenantId: TENANT,
    cloud: 'AzurePublicCloud',
    gitops: { root: 'argo-cd-helm-values/kube-addons' },
    grantScope,
    clusters: [
      { name: 'cafehyna-dev', tier: 'dev', keyVault: { name: 'kv-cafehyna-dev-hlg' }, identity: { clientId: KUBELET.clientId }, identityMode: 'vmManagedIdentity' },
      { name: 'cafehyna-hlg', tier: 'dev', keyVault: { name: 'kv-cafehyna-dev-hlg' }, identity: { clientId: KUBELET.clientId }, identityMode: 'vmManagedIdentity' },
      { name: 'cafehyna-prd', tier: 'prd', keyVault: { name: 'kv-cafehyna-prd' }, identity: { clientId: KUBELET.clientId }, identityMode: 'vmManagedIdentity' },
      { name: 'painel-dev', tier: 'dev', keyVault: { name: 'kv-cafehyna-dev-hlg' }, identity: { discover: true }, identityMode: 'vmManagedIdentity' },
    ],
  }, { source: 'test registry' });
}

export function spcResource(options: { app: string; namespace?: string; name?: string; vault: string; clientId?: string; objects: { name: string; type?: string }[] }): SecretProviderClassResource {
  const objects = `array:\n${options.objects.map((o) => `  - |\n    objectName: ${o.name}\n    objectType: ${o.type ?? 'secret'}`).join('\n')}\n`;
  return {
    metadata: { name: options.name ?? `${options.app}-secrets`, namespace: options.namespace ?? options.app, labels: { 'app.kubernetes.io/name': options.app } },
    spec: {
      provider: 'azure',
      parameters: {
        usePodIdentity: 'false',
        useVMManagedIdentity: 'true',
        ...(options.clientId !== undefined ? { userAssignedIdentityID: options.clientId } : {}),
        keyvaultName: options.vault,
        tenantId: TENANT,
        objects,
      },
    },
  };
}

/** A cluster that only has SecretProviderClasses; every other read finds nothing. */
export function memoryCluster(spcs: SecretProviderClassResource[]): ClusterPort {
  const matches = (spc: SecretProviderClassResource, selector?: string) => {
    if (!selector) return true;
    const [key, value] = selector.split('=');
    return spc.metadata.labels?.[key ?? ''] === value;
  };
  return {
    getPod: async () => undefined,
    listPods: async () => [],
    listPodEvents: async () => [],
    getSecretProviderClass: async ({ namespace, name }) => spcs.find((s) => s.metadata.namespace === namespace && s.metadata.name === name),
    listSecretProviderClasses: async ({ namespace, labelSelector }) => spcs.filter((s) => (namespace === undefined || s.metadata.namespace === namespace) && matches(s, labelSelector)),
    listSecretProviderClassPodStatuses: async () => [],
    getCsiDriver: async () => ({ metadata: { name: 'secrets-store.csi.k8s.io' }, spec: {} }),
    listDriverPods: async () => [],
    listProviderPods: async () => [],
    listNodes: async () => [],
    readContainerLog: async () => '',
    getSecretMetadata: async () => undefined,
  };
}

interface MemoryVault {
  properties: VaultProperties;
  secrets: SecretProperties[];
  /** Soft-deleted: recoverable until purged. */
  deleted?: { secret: SecretProperties; deletedOn: string; scheduledPurgeOn: string }[];
}

export interface MemoryAzure {
  port: AccessVaultPort;
  vaults: Map<string, MemoryVault>;
  assignments: RoleAssignmentInfo[];
  /** Secret values the fake vault holds, by `<vault>/<name>`: what a test checks was written. */
  values: Map<string, string[]>;
  calls: string[];
  /** Makes the next createRoleAssignment answer 409 as if a concurrent writer had just created it. */
  raceOnCreate: boolean;
  /** Makes setSecret fail with an upstream message that echoes the value. */
  failSetSecretEchoingValue: boolean;
}

function vaultProps(name: string, id: string, authModel: 'rbac' | 'accessPolicy'): VaultProperties {
  return { name, id, tenantId: TENANT, authModel, publicNetworkAccess: 'Enabled', accessPolicies: [], vaultUri: `https://${name}.vault.azure.net/` };
}

const normal = (scope: string) => scope.replace(/\/+$/, '').toLowerCase();

export function memoryAzure(): MemoryAzure {
  const vaults = new Map<string, MemoryVault>([
    ['kv-cafehyna-prd', { properties: vaultProps('kv-cafehyna-prd', PRD_VAULT_ID, 'rbac'), secrets: [] }],
    ['kv-cafehyna-dev-hlg', { properties: vaultProps('kv-cafehyna-dev-hlg', DEV_VAULT_ID, 'accessPolicy'), secrets: [] }],
  ]);
  const assignments: RoleAssignmentInfo[] = [];
  const values = new Map<string, string[]>();
  const calls: string[] = [];
  let counter = 0;
  const state: MemoryAzure = { port: undefined as unknown as AccessVaultPort, vaults, assignments, values, calls, raceOnCreate: false, failSetSecretEchoingValue: false };
  const vaultOf = (name: string): MemoryVault => {
    const vault = vaults.get(name.toLowerCase());
    if (!vault) throw new KvcsiError('NOT_FOUND', `vault ${name} not found`);
    return vault;
  };
  const related = (assignmentScope: string, scope: string) => normal(scope).startsWith(normal(assignmentScope)) || normal(assignmentScope).startsWith(normal(scope));
  const addAssignment = (scope: string, roleDefinitionId: string, principalId: string, roleName?: string): RoleAssignmentInfo => {
    const created: RoleAssignmentInfo = {
      id: `${scope}/providers/Microsoft.Authorization/roleAssignments/ra-${++counter}`,
      scope, roleDefinitionId: `/providers/Microsoft.Authorization/roleDefinitions/${roleDefinitionId}`, principalId, principalType: 'ServicePrincipal',
      roleName: roleName ?? (roleDefinitionId === SECRETS_USER ? 'Key Vault Secrets User' : roleDefinitionId),
    };
    assignments.push(created);
    return created;
  };
  state.port = {
    async getVaultProperties(ref) {
      calls.push(`getVaultProperties ${ref.name}`);
      const vault = vaults.get(ref.name.toLowerCase());
      return vault && structuredClone(vault.properties);
    },
    async resolveIdentity({ clientId }) {
      calls.push(`resolveIdentity ${clientId}`);
      return clientId === KUBELET.clientId ? { ...KUBELET, displayName: 'id-cafehyna-aks-kubelet' } : undefined;
    },
    async discoverKubeletIdentity(cluster) {
      calls.push(`discoverKubeletIdentity ${cluster.name}`);
      return { clientId: '11111111-2222-4333-8444-555555555555', objectId: '66666666-7777-4888-9999-000000000000', displayName: `${cluster.name}-agentpool` };
    },
    async listSecretProperties(ref, options = {}) {
      calls.push(`listSecretProperties ${ref.name}`);
      const all = vaultOf(ref.name).secrets;
      const start = Number(options.continuationToken ?? '0');
      const items = all.slice(start, start + 2).map((s) => structuredClone(s));
      return { items, ...(start + 2 < all.length ? { continuationToken: String(start + 2) } : {}) };
    },
    async checkAccess(ref, { objectId, secretName }): Promise<IdentityAccess> {
      calls.push(`checkAccess ${ref.name}${secretName ? `/${secretName}` : ''}`);
      const vault = vaultOf(ref.name);
      if (vault.properties.authModel === 'accessPolicy') {
        const own = vault.properties.accessPolicies.find((p) => p.objectId === objectId);
        return { objectId, authModel: 'accessPolicy', roleAssignments: [], ...(own ? { accessPolicy: structuredClone(own.permissions) } : {}) };
      }
      const scope = secretName ? `${vault.properties.id}/secrets/${secretName}` : vault.properties.id;
      return { objectId, authModel: 'rbac', roleAssignments: assignments.filter((a) => a.principalId === objectId && related(a.scope, scope)).map((a) => ({ ...a })) };
    },
    async setSecret(ref, name, value, options = {}) {
      calls.push(`setSecret ${ref.name}/${name}`);
      if (state.failSetSecretEchoingValue) throw new KvcsiError('UNAVAILABLE', `upstream refused body {"value":"${value}"}`);
      const vault = vaultOf(ref.name);
      const version = `v${++counter}`;
      const properties: SecretProperties = { name, enabled: true, version, ...(options.contentType ? { contentType: options.contentType } : {}), ...(options.tags ? { tags: { ...options.tags } } : {}) };
      vault.secrets = [...vault.secrets.filter((s) => s.name.toLowerCase() !== name.toLowerCase()), properties];
      const key = `${ref.name}/${name}`;
      values.set(key, [...(values.get(key) ?? []), value]);
      return structuredClone(properties);
    },
    async findDeletedSecret(ref, name) {
      calls.push(`findDeletedSecret ${ref.name}/${name}`);
      const found = (vaultOf(ref.name).deleted ?? []).find((d) => d.secret.name.toLowerCase() === name.toLowerCase());
      return found && { name: found.secret.name, deletedOn: found.deletedOn, scheduledPurgeOn: found.scheduledPurgeOn };
    },
    async recoverDeletedSecret(ref, name) {
      calls.push(`recoverDeletedSecret ${ref.name}/${name}`);
      const vault = vaultOf(ref.name);
      const found = (vault.deleted ?? []).find((d) => d.secret.name.toLowerCase() === name.toLowerCase());
      if (!found) throw new KvcsiError('NOT_FOUND', `Deleted Secret not found: ${name}`);
      vault.deleted = (vault.deleted ?? []).filter((d) => d !== found);
      vault.secrets = [...vault.secrets, found.secret];
      return structuredClone(found.secret);
    },
    async updateAccessPolicy(ref, { operation, policy }) {
      calls.push(`updateAccessPolicy ${ref.name} ${operation}`);
      const vault = vaultOf(ref.name);
      const policies = vault.properties.accessPolicies;
      let own = policies.find((p) => p.objectId === policy.objectId);
      if (!own) {
        if (operation === 'remove') return;
        own = { tenantId: policy.tenantId, objectId: policy.objectId, permissions: {} };
        policies.push(own);
      }
      for (const family of ['secrets', 'certificates', 'keys'] as const) {
        const change = policy.permissions[family];
        if (!change) continue;
        const current = own.permissions[family] ?? [];
        const next: AccessPolicyPermissions[typeof family] = operation === 'add' ? [...new Set([...current, ...change])] : operation === 'remove' ? current.filter((p) => !change.includes(p)) : [...change];
        own.permissions[family] = next;
      }
    },
    async listRoleAssignments({ scope, principalObjectId }) {
      calls.push(`listRoleAssignments ${scope}`);
      return assignments.filter((a) => (principalObjectId === undefined || a.principalId === principalObjectId) && related(a.scope, scope)).map((a) => ({ ...a }));
    },
    async createRoleAssignment({ scope, roleDefinitionId, principalObjectId }) {
      calls.push(`createRoleAssignment ${scope}`);
      const existing = assignments.find((a) => a.principalId === principalObjectId && normal(a.scope) === normal(scope) && a.roleDefinitionId.endsWith(roleDefinitionId));
      if (state.raceOnCreate) {
        state.raceOnCreate = false;
        addAssignment(scope, roleDefinitionId, principalObjectId);
        throw new KvcsiError('ALREADY_EXISTS', 'The role assignment already exists.');
      }
      if (existing) throw new KvcsiError('ALREADY_EXISTS', 'The role assignment already exists.');
      // Let other callers in between, as ARM would.
      await new Promise((resolve) => setImmediate(resolve));
      return { ...addAssignment(scope, roleDefinitionId, principalObjectId) };
    },
    async deleteRoleAssignment({ id }) {
      calls.push(`deleteRoleAssignment ${id}`);
      const index = assignments.findIndex((a) => a.id === id);
      if (index >= 0) assignments.splice(index, 1);
    },
  };
  return state;
}

/** Adds an assignment as if made outside kvcsi. */
export function seedAssignment(azure: MemoryAzure, scope: string, principalId: string, role: { id: string; name: string } = { id: SECRETS_USER, name: 'Key Vault Secrets User' }): RoleAssignmentInfo {
  const assignment: RoleAssignmentInfo = {
    id: `${scope}/providers/Microsoft.Authorization/roleAssignments/seed-${azure.assignments.length + 1}`,
    scope, roleDefinitionId: `/providers/Microsoft.Authorization/roleDefinitions/${role.id}`, principalId, principalType: 'ServicePrincipal', roleName: role.name,
  };
  azure.assignments.push(assignment);
  return assignment;
}

export const DEFECTDOJO_SPC = spcResource({
  app: 'defectdojo', vault: 'kv-cafehyna-prd', clientId: KUBELET.clientId,
  objects: [{ name: 'defectdojo-admin-password' }, { name: 'defectdojo-postgresql-password' }],
});
export const EXTERNAL_DNS_SPC = spcResource({
  app: 'external-dns', vault: 'kv-cafehyna-dev-hlg', clientId: KUBELET.clientId, objects: [{ name: 'cloudflare-api-token' }, { name: 'wildcard-tls', type: 'cert' }],
});
