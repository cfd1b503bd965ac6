import type { ManagedCluster, ManagedIdentity, Vault } from './model.js';

export const KEY_VAULT_SECRETS_USER_ROLE_ID = '4633458b-17de-408a-b874-0445c86b69e6';

export function vaultResourceId(vault: Pick<Vault, 'subscriptionId' | 'resourceGroup' | 'name'>): string {
  return `/subscriptions/${vault.subscriptionId}/resourceGroups/${vault.resourceGroup}/providers/Microsoft.KeyVault/vaults/${vault.name}`;
}

export function identityResourceId(identity: Pick<ManagedIdentity, 'subscriptionId' | 'resourceGroup' | 'name'>): string {
  return `/subscriptions/${identity.subscriptionId}/resourcegroups/${identity.resourceGroup}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${identity.name}`;
}

export function managedClusterResourceId(cluster: Pick<ManagedCluster, 'subscriptionId' | 'resourceGroup' | 'name'>): string {
  return `/subscriptions/${cluster.subscriptionId}/resourceGroups/${cluster.resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${cluster.name}`;
}

export function roleDefinitionResourceId(roleDefinitionName: string, subscriptionId?: string): string {
  const prefix = subscriptionId === undefined ? '' : `/subscriptions/${subscriptionId}`;
  return `${prefix}/providers/Microsoft.Authorization/roleDefinitions/${roleDefinitionName}`;
}

/** ARM scopes compare case-insensitively, without trailing slashes. */
export function normalizeScope(scope: string): string {
  const trimmed = `/${scope.replace(/^\/+/, '').replace(/\/+$/, '')}`;
  return trimmed.toLowerCase();
}

/** Whether an assignment at `assignmentScope` applies to `resourceScope` (same scope or an ancestor of it). */
export function scopeContains(assignmentScope: string, resourceScope: string): boolean {
  const outer = normalizeScope(assignmentScope);
  const inner = normalizeScope(resourceScope);
  return outer === '/' || inner === outer || inner.startsWith(`${outer}/`);
}

/** The last GUID segment of a role definition ID, whatever its prefix. */
export function roleDefinitionNameFromId(roleDefinitionId: string): string {
  const last = roleDefinitionId.split('/').filter((s) => s.length > 0).pop() ?? '';
  return last.toLowerCase();
}
