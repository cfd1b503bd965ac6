import { AKS_ROLE_DEFINITIONS } from './aksRoles.js';
import type { RoleDefinition } from './model.js';

const KV_READ_CONTROL = [
  'Microsoft.Authorization/*/read',
  'Microsoft.Insights/alertRules/*',
  'Microsoft.Resources/deployments/*',
  'Microsoft.Resources/subscriptions/resourceGroups/read',
  'Microsoft.Support/*',
  'Microsoft.KeyVault/checkNameAvailability/read',
  'Microsoft.KeyVault/deletedVaults/read',
  'Microsoft.KeyVault/locations/*/read',
  'Microsoft.KeyVault/vaults/*/read',
  'Microsoft.KeyVault/operations/read',
];

function role(name: string, roleName: string, description: string, p: Partial<RoleDefinition['permissions'][number]>): RoleDefinition {
  return {
    name,
    roleName,
    description,
    roleType: 'BuiltInRole',
    permissions: [{ actions: p.actions ?? [], notActions: p.notActions ?? [], dataActions: p.dataActions ?? [], notDataActions: p.notDataActions ?? [] }],
  };
}

/** The built-in roles kvcsi meets, with Azure's GUIDs and permissions. */
export const BUILT_IN_ROLE_DEFINITIONS: readonly RoleDefinition[] = [
  role('8e3af657-a8ff-443c-a75c-2fe8c4bcb635', 'Owner', 'Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.', { actions: ['*'] }),
  role('b24988ac-6180-42a0-ab88-20f7382dd24c', 'Contributor', 'Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC.', {
    actions: ['*'],
    notActions: ['Microsoft.Authorization/*/Delete', 'Microsoft.Authorization/*/Write', 'Microsoft.Authorization/elevateAccess/Action'],
  }),
  role('acdd72a7-3385-48ef-bd42-f606fba81ae7', 'Reader', 'View all resources, but does not allow you to make any changes.', { actions: ['*/read'] }),
  role('18d7d88d-d35e-4fb5-a5c3-7773c20a72d9', 'User Access Administrator', 'Lets you manage user access to Azure resources.', {
    actions: ['*/read', 'Microsoft.Authorization/*', 'Microsoft.Support/*'],
  }),
  role('f58310d9-a9f6-439a-9e8d-f62e7b41a168', 'Role Based Access Control Administrator', 'Manage access to Azure resources by assigning roles using Azure RBAC.', {
    actions: ['Microsoft.Authorization/roleAssignments/write', 'Microsoft.Authorization/roleAssignments/delete', '*/read', 'Microsoft.Support/*'],
  }),
  role('00482a5a-887f-4fb3-b363-3b7fe8e74483', 'Key Vault Administrator', 'Perform all data plane operations on a key vault and all objects in it.', {
    actions: KV_READ_CONTROL,
    dataActions: ['Microsoft.KeyVault/vaults/*'],
  }),
  role('21090545-7ca7-4776-b22c-e363652d74d2', 'Key Vault Reader', 'Read metadata of key vaults and its certificates, keys, and secrets.', {
    actions: KV_READ_CONTROL,
    dataActions: ['Microsoft.KeyVault/vaults/*/read', 'Microsoft.KeyVault/vaults/secrets/readMetadata/action'],
  }),
  role('4633458b-17de-408a-b874-0445c86b69e6', 'Key Vault Secrets User', 'Read secret contents.', {
    dataActions: ['Microsoft.KeyVault/vaults/secrets/getSecret/action', 'Microsoft.KeyVault/vaults/secrets/readMetadata/action'],
  }),
  role('b86a8fe4-44ce-4948-aee5-eccb2c155cd7', 'Key Vault Secrets Officer', 'Perform any action on the secrets of a key vault, except manage permissions.', {
    actions: KV_READ_CONTROL,
    dataActions: ['Microsoft.KeyVault/vaults/secrets/*'],
  }),
  role('db79e9a7-68ee-4b58-9aeb-b90e7c24fcba', 'Key Vault Certificate User', 'Read entire certificate contents including secret and key portion.', {
    dataActions: [
      'Microsoft.KeyVault/vaults/certificates/read',
      'Microsoft.KeyVault/vaults/secrets/getSecret/action',
      'Microsoft.KeyVault/vaults/secrets/readMetadata/action',
      'Microsoft.KeyVault/vaults/keys/read',
    ],
  }),
  role('a4417e6f-fecd-4de8-b567-7b0420556985', 'Key Vault Certificates Officer', 'Perform any action on the certificates of a key vault, except manage permissions.', {
    actions: KV_READ_CONTROL,
    dataActions: ['Microsoft.KeyVault/vaults/certificatecas/*', 'Microsoft.KeyVault/vaults/certificates/*', 'Microsoft.KeyVault/vaults/certificatecontacts/write'],
  }),
  role('12338af0-0e69-4776-bea7-57ae8d297424', 'Key Vault Crypto User', 'Perform cryptographic operations using keys.', {
    dataActions: ['Microsoft.KeyVault/vaults/keys/read', 'Microsoft.KeyVault/vaults/keys/update/action', 'Microsoft.KeyVault/vaults/keys/backup/action', 'Microsoft.KeyVault/vaults/keys/encrypt/action', 'Microsoft.KeyVault/vaults/keys/decrypt/action', 'Microsoft.KeyVault/vaults/keys/wrap/action', 'Microsoft.KeyVault/vaults/keys/unwrap/action', 'Microsoft.KeyVault/vaults/keys/sign/action', 'Microsoft.KeyVault/vaults/keys/verify/action'],
  }),
  ...AKS_ROLE_DEFINITIONS,
];

/** Azure RBAC action patterns: case-insensitive, `*` matches any run of characters. */
export function actionMatches(pattern: string, action: string): boolean {
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`, 'i').test(action);
}

/** Whether a role's permissions grant an action (control plane) or a data action. */
export function roleGrants(definition: RoleDefinition, action: string, kind: 'control' | 'data'): boolean {
  return definition.permissions.some((p) => {
    const allowed = kind === 'control' ? p.actions : p.dataActions;
    const denied = kind === 'control' ? p.notActions : p.notDataActions;
    return allowed.some((a) => actionMatches(a, action)) && !denied.some((a) => actionMatches(a, action));
  });
}
