/**
 * Grant planning: from an app's bindings on a cluster to the access-policy or role-assignment steps that give (or, for
 * revoke, take back) read access to exactly what the bindings mount, with what is in place already.
 */
import type { Cluster, ClusterRegistry } from '../clusters/registry.js';
import type { GrantScope } from '../clusters/schema.js';
import { canRead } from '../diagnostics/context.js';
import { KvcsiError } from '../errors.js';
import type {
  AccessPolicyPermissions, CallOptions, ClusterPort, IdentityAccess, RoleAssignmentInfo, VaultPort, VaultProperties, VaultRef,
} from '../ports.js';
import type { AccessPolicyStep, AppBinding, GrantPlan, GrantStep, PlannedIdentity, RoleAssignmentStep, VaultGrantPlan } from '../service/types.js';
import { appLabelSelector, findAppBindings } from './bindings.js';
import { resolveBindingIdentity } from './identity.js';
import { CERTIFICATE_READ_PERMISSIONS, KEY_VAULT_SECRETS_USER, SECRET_READ_PERMISSIONS } from './roles.js';

export const RBAC_PROPAGATION_WARNING =
  'Azure RBAC changes can take up to 10 minutes to reach Key Vault: until then mounts may still fail with 403; kubelet retries them by itself (or restart the pods).';

export interface PlanAccessOptions extends CallOptions {
  action: 'grant' | 'revoke';
  app: string;
  cluster: Cluster;
  grantScope: GrantScope;
  clusterPort: ClusterPort;
  vault: VaultPort;
  /** Locates vaults the SPCs name (subscription, resource group) when the registry knows them. */
  registry?: Pick<ClusterRegistry, 'findByVault'>;
  /** Bindings found already (skips the cluster read). */
  bindings?: AppBinding[];
}

/** ARM scopes compare case-insensitively, without trailing slashes. */
export function sameScope(a: string, b: string): boolean {
  const normal = (scope: string) => `/${scope.replace(/^\/+/, '').replace(/\/+$/, '')}`.toLowerCase();
  return normal(a) === normal(b);
}

function roleGuid(roleDefinitionId: string): string {
  return (roleDefinitionId.split('/').pop() ?? roleDefinitionId).toLowerCase();
}

export function isSecretsUserAssignment(assignment: RoleAssignmentInfo, principalObjectId: string, scope: string): boolean {
  return assignment.principalId.toLowerCase() === principalObjectId.toLowerCase()
    && roleGuid(assignment.roleDefinitionId) === KEY_VAULT_SECRETS_USER.id
    && sameScope(assignment.scope, scope);
}

const FAMILIES = ['secrets', 'certificates', 'keys'] as const;

function lower(values: readonly string[] | undefined): string[] {
  return (values ?? []).map((value) => value.toLowerCase());
}

/** `wanted` minus what `present` holds (`all` holds everything). */
export function missingPermissions(wanted: AccessPolicyPermissions, present: AccessPolicyPermissions): AccessPolicyPermissions {
  const out: AccessPolicyPermissions = {};
  for (const family of FAMILIES) {
    const have = lower(present[family]);
    const missing = (wanted[family] ?? []).filter((permission) => !have.includes('all') && !have.includes(permission.toLowerCase()));
    if (missing.length > 0) out[family] = missing;
  }
  return out;
}

/** The part of `wanted` that `present` holds: what revoke removes. */
export function heldPermissions(wanted: AccessPolicyPermissions, present: AccessPolicyPermissions): AccessPolicyPermissions {
  const out: AccessPolicyPermissions = {};
  for (const family of FAMILIES) {
    const have = lower(present[family]);
    const held = (wanted[family] ?? []).filter((permission) => have.includes(permission.toLowerCase()));
    if (held.length > 0) out[family] = held;
  }
  return out;
}

export function isEmptyPermissions(permissions: AccessPolicyPermissions): boolean {
  return FAMILIES.every((family) => (permissions[family] ?? []).length === 0);
}

export function isChange(step: GrantStep): boolean {
  return step.change !== 'none';
}

interface VaultGroup {
  vaultName: string;
  identity: PlannedIdentity;
  bindings: AppBinding[];
}

function vaultRefFor(name: string, cluster: Cluster, registry: PlanAccessOptions['registry']): VaultRef {
  if (cluster.keyVault.name.toLowerCase() === name.toLowerCase()) return { ...cluster.keyVault, name };
  const known = registry?.findByVault(name)[0]?.keyVault;
  return known ? { ...known, name } : { name };
}

/** Distinct objects of the group, first spelling kept; names compare case-insensitively as Key Vault does. */
function objectsOf(bindings: readonly AppBinding[]): { name: string; type: string }[] {
  const seen = new Map<string, { name: string; type: string }>();
  for (const binding of bindings) {
    for (const object of binding.objects) {
      if (object.objectName === '') continue;
      const key = `${object.objectType}/${object.objectName.toLowerCase()}`;
      if (!seen.has(key)) seen.set(key, { name: object.objectName, type: object.objectType || 'secret' });
    }
  }
  return [...seen.values()];
}

function accessPolicyStep(
  action: PlanAccessOptions['action'], vault: VaultProperties, identity: PlannedIdentity, access: IdentityAccess, usesCertificates: boolean,
): AccessPolicyStep {
  const permissions: AccessPolicyPermissions = { secrets: [...SECRET_READ_PERMISSIONS] };
  if (usesCertificates) permissions.certificates = [...CERTIFICATE_READ_PERMISSIONS];
  const present = access.accessPolicy ?? {};
  const delta = action === 'grant' ? missingPermissions(permissions, present) : heldPermissions(permissions, present);
  return {
    kind: 'access-policy',
    vault: vault.name,
    tenantId: vault.tenantId,
    objectId: identity.objectId,
    permissions,
    present,
    delta,
    change: isEmptyPermissions(delta) ? 'none' : action === 'grant' ? 'add' : 'remove',
  };
}

function roleAssignmentStep(
  action: PlanAccessOptions['action'], vault: VaultProperties, identity: PlannedIdentity, access: IdentityAccess, secretName: string | undefined,
): RoleAssignmentStep {
  const scope = secretName === undefined ? vault.id : `${vault.id}/secrets/${secretName}`;
  const exact = access.roleAssignments.find((assignment) => isSecretsUserAssignment(assignment, identity.objectId, scope));
  const step: RoleAssignmentStep = {
    kind: 'role-assignment',
    vault: vault.name,
    scope,
    ...(secretName !== undefined ? { secretName } : {}),
    roleDefinitionId: KEY_VAULT_SECRETS_USER.id,
    roleName: KEY_VAULT_SECRETS_USER.name,
    principalObjectId: identity.objectId,
    change: 'none',
  };
  if (exact?.id !== undefined) step.existingAssignmentId = exact.id;
  if (action === 'grant') {
    if (exact) return step;
    const covering = access.roleAssignments.find((assignment) => canRead({ ...access, roleAssignments: [assignment] }, vault, 'secret', secretName));
    if (covering) return { ...step, coveredBy: `${covering.roleName ?? roleGuid(covering.roleDefinitionId)} at ${covering.scope}` };
    return { ...step, change: 'add' };
  }
  return exact ? { ...step, change: 'remove' } : step;
}

async function planVault(group: VaultGroup, options: PlanAccessOptions, warnings: string[]): Promise<VaultGrantPlan> {
  const call: CallOptions = options.signal ? { signal: options.signal } : {};
  const ref = vaultRefFor(group.vaultName, options.cluster, options.registry);
  const vault = await options.vault.getVaultProperties(ref, call);
  if (!vault) {
    throw new KvcsiError('NOT_FOUND', `vault ${group.vaultName} (named by ${group.bindings.map((b) => `${b.namespace}/${b.name}`).join(', ')}) was not found`, { field: 'keyvaultName' });
  }
  const objects = objectsOf(group.bindings);
  const identity = group.identity;
  if (objects.some((object) => object.type === 'key')) {
    warnings.push(`${vault.name}: objects of type key need key read permissions, which kvcsi does not grant (least privilege); grant them by hand if the app needs them.`);
  }
  const usesCertificates = objects.some((object) => object.type === 'cert');
  let steps: GrantStep[];
  if (vault.authModel === 'accessPolicy') {
    const access = await options.vault.checkAccess(ref, { objectId: identity.objectId, ...call });
    steps = [accessPolicyStep(options.action, vault, identity, access, usesCertificates)];
  } else {
    if (usesCertificates) {
      warnings.push(`${vault.name}: objects of type cert are read through the certificates API, which "Key Vault Secrets User" does not cover; mount them as type secret, or assign "Key Vault Certificate User".`);
    }
    const secretNames: (string | undefined)[] = options.grantScope === 'vault'
      ? [undefined]
      : objects.filter((object) => object.type !== 'key').map((object) => object.name);
    steps = await Promise.all(secretNames.map(async (secretName) => {
      const access = await options.vault.checkAccess(ref, { objectId: identity.objectId, ...(secretName !== undefined ? { secretName } : {}), ...call });
      return roleAssignmentStep(options.action, vault, identity, access, secretName);
    }));
    if (options.action === 'revoke' && steps.every((step) => !isChange(step))) {
      warnings.push(`${vault.name}: no "${KEY_VAULT_SECRETS_USER.name}" assignment of ${identity.objectId} at the planned scope; assignments made elsewhere are left alone.`);
    }
  }
  return {
    vault: { name: vault.name, id: vault.id, authModel: vault.authModel, tenantId: vault.tenantId },
    identity,
    secretProviderClasses: group.bindings.map((binding) => `${binding.namespace}/${binding.name}`),
    objects,
    steps,
  };
}

/** Plans a grant or revoke for the app on the cluster. Reads only. Throws NOT_FOUND when the app has no binding there. */
export async function planAccess(options: PlanAccessOptions): Promise<GrantPlan> {
  const { cluster, app } = options;
  const bindings = options.bindings ?? await findAppBindings({ clusterPort: options.clusterPort, cluster, app, ...(options.signal ? { signal: options.signal } : {}) });
  if (bindings.length === 0) {
    throw new KvcsiError('NOT_FOUND', `no SecretProviderClass labelled ${appLabelSelector(app)} on cluster ${cluster.name}`, {
      field: 'app',
      rule: 'the app\'s SecretProviderClasses carry the label app.kubernetes.io/name=<app> (kvcsi render adds it)',
    });
  }
  const warnings: string[] = [];
  const identityCache = new Map<string, Promise<PlannedIdentity>>();
  const groups = new Map<string, VaultGroup>();
  for (const binding of bindings) {
    if (binding.vault === undefined) {
      warnings.push(`${binding.namespace}/${binding.name} names no keyvaultName; it is left out of the plan.`);
      continue;
    }
    const identity = await resolveBindingIdentity({ binding, cluster, vault: options.vault, cache: identityCache, ...(options.signal ? { signal: options.signal } : {}) });
    const key = `${binding.vault.toLowerCase()}|${identity.objectId.toLowerCase()}`;
    const group = groups.get(key) ?? { vaultName: binding.vault, identity, bindings: [] };
    group.bindings.push(binding);
    groups.set(key, group);
  }
  const vaults = await Promise.all([...groups.values()].map((group) => planVault(group, options, warnings)));
  const changeCount = vaults.reduce((count, vault) => count + vault.steps.filter(isChange).length, 0);
  if (vaults.some((vault) => vault.vault.authModel === 'rbac' && vault.steps.some(isChange))) warnings.push(RBAC_PROPAGATION_WARNING);
  return {
    action: options.action,
    app,
    cluster: cluster.name,
    tier: cluster.tier,
    grantScope: options.grantScope,
    bindings,
    vaults,
    changeCount,
    warnings,
  };
}
