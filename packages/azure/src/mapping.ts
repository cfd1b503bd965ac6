// SDK shapes → the core's port shapes. Pure functions, no I/O.
import type { Vault } from '@azure/arm-keyvault';
import type { RoleAssignment, RoleDefinition } from '@azure/arm-authorization';
import type { DeletedSecret as SdkDeletedSecret, SecretProperties as SdkSecretProperties } from '@azure/keyvault-secrets';
import type { DeletedSecretInfo, RoleAssignmentInfo, SecretProperties, VaultAccessPolicy, VaultProperties } from '@kvcsi/core';

/** Parts of an ARM resource id (`/subscriptions/<s>/resourceGroups/<rg>/providers/…/<name>`). */
export function parseResourceId(id: string): { subscriptionId?: string; resourceGroup?: string; name?: string } {
  const subscriptionId = /\/subscriptions\/([^/]+)/i.exec(id)?.[1];
  const resourceGroup = /\/resourceGroups\/([^/]+)/i.exec(id)?.[1];
  const name = id.replace(/\/+$/, '').split('/').pop();
  return {
    ...(subscriptionId === undefined ? {} : { subscriptionId }),
    ...(resourceGroup === undefined ? {} : { resourceGroup }),
    ...(name === undefined || name === '' ? {} : { name }),
  };
}

export function vaultResourceId(subscriptionId: string, resourceGroup: string, name: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.KeyVault/vaults/${name}`;
}

const listOf = (values: readonly string[] | undefined): string[] | undefined => (values === undefined ? undefined : values.map((v) => v.toLowerCase()));

export function toVaultProperties(vault: Vault): VaultProperties {
  const p = vault.properties;
  const acls = p.networkAcls;
  const accessPolicies: VaultAccessPolicy[] = (p.accessPolicies ?? []).map((entry) => {
    const permissions: VaultAccessPolicy['permissions'] = {};
    const secrets = listOf(entry.permissions.secrets);
    const keys = listOf(entry.permissions.keys);
    const certificates = listOf(entry.permissions.certificates);
    if (secrets !== undefined) permissions.secrets = secrets;
    if (keys !== undefined) permissions.keys = keys;
    if (certificates !== undefined) permissions.certificates = certificates;
    return { tenantId: entry.tenantId, objectId: entry.objectId, ...(entry.applicationId ? { applicationId: entry.applicationId } : {}), permissions };
  });
  const out: VaultProperties = {
    name: vault.name ?? parseResourceId(vault.id ?? '').name ?? '',
    id: vault.id ?? '',
    tenantId: p.tenantId,
    authModel: p.enableRbacAuthorization === true ? 'rbac' : 'accessPolicy',
    // ARM leaves the property out on older vaults; absent means enabled.
    publicNetworkAccess: p.publicNetworkAccess?.toLowerCase() === 'disabled' ? 'Disabled' : 'Enabled',
    accessPolicies,
  };
  if (p.vaultUri !== undefined) out.vaultUri = p.vaultUri;
  if (vault.location !== undefined) out.location = vault.location;
  if (acls !== undefined) {
    out.networkRules = {
      defaultAction: acls.defaultAction?.toLowerCase() === 'deny' ? 'Deny' : 'Allow',
      ...(acls.bypass === undefined ? {} : { bypass: acls.bypass }),
      ipRules: (acls.ipRules ?? []).map((rule) => rule.value),
      virtualNetworkRules: (acls.virtualNetworkRules ?? []).map((rule) => rule.id),
    };
  }
  if (p.privateEndpointConnections !== undefined) out.privateEndpointCount = p.privateEndpointConnections.length;
  if (p.enableSoftDelete !== undefined) out.softDeleteEnabled = p.enableSoftDelete;
  return out;
}

const iso = (date: Date | undefined): string | undefined => (date === undefined || Number.isNaN(date.getTime()) ? undefined : date.toISOString());

/** Only the properties: the SDK's `KeyVaultSecret.value` never gets here. */
export function toSecretProperties(properties: SdkSecretProperties): SecretProperties {
  const out: SecretProperties = { name: properties.name };
  if (properties.enabled !== undefined) out.enabled = properties.enabled;
  if (properties.contentType !== undefined) out.contentType = properties.contentType;
  if (properties.managed !== undefined) out.managed = properties.managed;
  if (properties.tags !== undefined) out.tags = { ...properties.tags };
  const createdOn = iso(properties.createdOn);
  const updatedOn = iso(properties.updatedOn);
  const expiresOn = iso(properties.expiresOn);
  if (createdOn !== undefined) out.createdOn = createdOn;
  if (updatedOn !== undefined) out.updatedOn = updatedOn;
  if (expiresOn !== undefined) out.expiresOn = expiresOn;
  if (properties.version !== undefined) out.version = properties.version;
  return out;
}

/** A deleted secret's name and dates; the SDK type has a `value` field, which is never copied. */
export function toDeletedSecretInfo(deleted: Pick<SdkDeletedSecret, 'name' | 'deletedOn' | 'scheduledPurgeDate' | 'recoveryId'>): DeletedSecretInfo {
  const out: DeletedSecretInfo = { name: deleted.name };
  const deletedOn = iso(deleted.deletedOn);
  const scheduledPurgeOn = iso(deleted.scheduledPurgeDate);
  if (deletedOn !== undefined) out.deletedOn = deletedOn;
  if (scheduledPurgeOn !== undefined) out.scheduledPurgeOn = scheduledPurgeOn;
  if (deleted.recoveryId !== undefined) out.recoveryId = deleted.recoveryId;
  return out;
}

export function toRoleAssignmentInfo(assignment: RoleAssignment, definition?: RoleDefinition): RoleAssignmentInfo {
  const out: RoleAssignmentInfo = {
    scope: assignment.scope ?? '',
    roleDefinitionId: assignment.roleDefinitionId ?? '',
    principalId: assignment.principalId ?? '',
  };
  if (assignment.id !== undefined) out.id = assignment.id;
  if (assignment.principalType !== undefined) out.principalType = assignment.principalType;
  if (definition !== undefined) {
    if (definition.roleName !== undefined) out.roleName = definition.roleName;
    out.dataActions = (definition.permissions ?? []).flatMap((p) => p.dataActions ?? []);
    out.notDataActions = (definition.permissions ?? []).flatMap((p) => p.notDataActions ?? []);
  }
  return out;
}

/** The GUID at the end of a role definition id (or the GUID itself). */
export function roleDefinitionGuid(roleDefinitionId: string): string {
  return (roleDefinitionId.split('/').pop() ?? roleDefinitionId).toLowerCase();
}

/** ARM scopes compare case-insensitively, without leading or trailing slashes. */
export function normalizeScope(scope: string): string {
  return scope.replace(/^\/+/, '').replace(/\/+$/, '').toLowerCase();
}
