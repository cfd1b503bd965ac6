/**
 * Grant planning: from an app's bindings on a cluster to the access-policy or role-assignment steps that give (or, for
 * revoke, take back) read access to exactly what the bindings mount, with what is in place already.
 */
import type { Cluster, ClusterRegistry } from '../clusters/registry.js';
import { isStricterTier, type GrantScope, type Tier } from '../clusters/schema.js';
import { canRead } from '../diagnostics/context.js';
import { KvcsiError } from '../errors.js';
import type {
  AccessPolicyPermissions, CallOptions, ClusterPort, IdentityAccess, RoleAssignmentInfo, VaultPort, VaultProperties, VaultRef,
} from '../ports.js';
import type { AccessPolicyStep, AppBinding, ExcludedBinding, GrantPlan, GrantStep, PlannedIdentity, RoleAssignmentStep, VaultGrantPlan } from '../service/types.js';
import { appLabelSelector, findAppBindings } from './bindings.js';
import { clusterIdentity, createTrustCache, trustBindingIdentity, type TrustCache } from './trust.js';
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
  /** The registry: which clusters share the vault (the plan's tier, and who else a revoke would hurt). */
  registry?: Pick<ClusterRegistry, 'findByVault'>;
  /** The ClusterPort of another registry cluster: revoke reads the other clusters that use the vault. */
  clusterPortFor?: (clusterName: string) => ClusterPort;
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

/** The strictest tier of any cluster whose registry vault is `vaultName` (the cluster's own tier at least). */
export function strictestTierOfVault(cluster: Cluster, registry: Pick<ClusterRegistry, 'findByVault'> | undefined): Tier {
  const users = registry?.findByVault(cluster.keyVault.name) ?? [];
  return users.reduce<Tier>((tier, other) => (isStricterTier(other.tier, tier) ? other.tier : tier), cluster.tier);
}

/** Plans touch only the cluster's registry vault. */
function vaultRefFor(cluster: Cluster): VaultRef {
  return { ...cluster.keyVault };
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
  const ref = vaultRefFor(options.cluster);
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

function describeBinding(binding: AppBinding): string {
  return `${binding.namespace}/${binding.name}`;
}

/**
 * Plans a grant or revoke for the app on the cluster. Reads only. Only the cluster's registry vault and identities
 * kvcsi trusts (see trust.ts) are planned; every other SPC is listed in `excluded`. Throws NOT_FOUND when the app has
 * no binding there, FORBIDDEN when none of its bindings is one kvcsi may act on.
 */
export async function planAccess(options: PlanAccessOptions): Promise<GrantPlan> {
  const { cluster, app } = options;
  const call: CallOptions = options.signal ? { signal: options.signal } : {};
  const bindings = options.bindings ?? await findAppBindings({ clusterPort: options.clusterPort, cluster, app, ...call });
  if (bindings.length === 0) {
    throw new KvcsiError('NOT_FOUND', `no SecretProviderClass labelled ${appLabelSelector(app)} on cluster ${cluster.name}`, {
      field: 'app',
      rule: 'the app\'s SecretProviderClasses carry the label app.kubernetes.io/name=<app> (kvcsi render adds it)',
    });
  }
  const warnings: string[] = [];
  const excluded: ExcludedBinding[] = [];
  const cache = createTrustCache();
  const groups = new Map<string, VaultGroup>();
  for (const binding of bindings) {
    if (binding.vault === undefined) {
      excluded.push({ secretProviderClass: describeBinding(binding), reason: `${describeBinding(binding)} names no keyvaultName` });
      continue;
    }
    if (binding.vault.toLowerCase() !== cluster.keyVault.name.toLowerCase()) {
      excluded.push({
        secretProviderClass: describeBinding(binding),
        reason: `${describeBinding(binding)} names vault ${binding.vault}, not ${cluster.keyVault.name}, the registry's vault of ${cluster.name}: kvcsi grants only on the cluster's own vault`,
      });
      continue;
    }
    const verdict = await trustBindingIdentity({ binding, app, cluster, vault: options.vault, clusterPort: options.clusterPort, cache, ...call });
    if (!verdict.trusted) {
      excluded.push({ secretProviderClass: describeBinding(binding), reason: verdict.reason });
      continue;
    }
    const key = verdict.identity.objectId.toLowerCase();
    const group = groups.get(key) ?? { vaultName: cluster.keyVault.name, identity: verdict.identity, bindings: [] };
    group.bindings.push(binding);
    groups.set(key, group);
  }
  for (const entry of excluded) warnings.push(`left out of the plan: ${entry.reason}.`);
  if (groups.size === 0) {
    throw new KvcsiError('FORBIDDEN', `nothing kvcsi may ${options.action} for ${app} on ${cluster.name}: ${excluded.map((entry) => entry.reason).join('; ')}`, {
      field: 'app',
      rule: 'grants target the cluster\'s registry vault, and either the registry (kubelet) identity or an identity verified for the app by a federated credential naming the cluster\'s OIDC issuer and the app\'s ServiceAccount',
      details: { app, cluster: cluster.name },
    });
  }
  const vaults = await Promise.all([...groups.values()].map((group) => planVault(group, options, warnings)));
  let neededBy: string[] = [];
  if (options.action === 'revoke') neededBy = await keepWhatOthersNeed(vaults, options, cache, warnings);
  const changeCount = vaults.reduce((count, vault) => count + vault.steps.filter(isChange).length, 0);
  if (vaults.some((vault) => vault.vault.authModel === 'rbac' && vault.steps.some(isChange))) warnings.push(RBAC_PROPAGATION_WARNING);
  return {
    action: options.action,
    app,
    cluster: cluster.name,
    tier: strictestTierOfVault(cluster, options.registry),
    grantScope: options.grantScope,
    bindings,
    vaults,
    changeCount,
    warnings,
    ...(excluded.length > 0 ? { excluded } : {}),
    ...(neededBy.length > 0 ? { neededBy } : {}),
  };
}

/** Another app's binding that reads the vault as the same identity. */
interface OtherUse {
  app: string;
  cluster: string;
  objects: { name: string; type: string }[];
}

/**
 * Every other app, on every cluster whose registry vault is this one, that reads it as the same identity. A cluster
 * that cannot be read fails the revoke: not knowing who else needs the access is no licence to remove it.
 */
async function otherUses(vault: VaultGrantPlan, options: PlanAccessOptions, cache: TrustCache): Promise<OtherUse[]> {
  const call: CallOptions = options.signal ? { signal: options.signal } : {};
  const clusters = options.registry?.findByVault(vault.vault.name) ?? [];
  const all = clusters.some((other) => other.name === options.cluster.name) ? clusters : [options.cluster, ...clusters];
  const uses: OtherUse[] = [];
  for (const other of all) {
    const port = other.name === options.cluster.name ? options.clusterPort : options.clusterPortFor?.(other.name);
    if (!port) {
      throw new KvcsiError('UNAVAILABLE', `cannot tell whether apps on ${other.name} also read ${vault.vault.name}: no access to that cluster; nothing was removed`, { details: { cluster: other.name } });
    }
    let bindings: AppBinding[];
    try {
      bindings = await findAppBindings({ clusterPort: port, cluster: other, ...call });
    } catch (error) {
      const reason = KvcsiError.is(error) ? error.message : 'unreadable';
      throw new KvcsiError(KvcsiError.is(error) ? error.code : 'UNAVAILABLE', `cannot tell whether apps on ${other.name} also read ${vault.vault.name} (${reason}); nothing was removed`, { cause: error });
    }
    for (const binding of bindings) {
      if (binding.app === options.app && other.name === options.cluster.name) continue;
      if (binding.vault?.toLowerCase() !== vault.vault.name.toLowerCase()) continue;
      const own = binding.identity.clientId ?? (await clusterIdentity({ cluster: other, vault: options.vault, cache, ...call })).clientId;
      if (own.toLowerCase() !== vault.identity.clientId.toLowerCase()) continue;
      uses.push({ app: binding.app, cluster: other.name, objects: binding.objects.filter((object) => object.objectName !== '').map((object) => ({ name: object.objectName, type: object.objectType || 'secret' })) });
    }
  }
  return uses;
}

/**
 * Whether another app still needs what a step removes: on an access-policy vault the policy is its only access; on an
 * RBAC vault, it needs the assignment when one of its objects would no longer be readable without it (another
 * assignment — at its secret, or broader — may cover it).
 */
async function stillNeeds(use: OtherUse, step: GrantStep, vault: VaultGrantPlan, options: PlanAccessOptions): Promise<boolean> {
  if (step.kind === 'access-policy') return true;
  const call: CallOptions = options.signal ? { signal: options.signal } : {};
  const properties = { name: vault.vault.name, id: vault.vault.id, tenantId: vault.vault.tenantId, authModel: vault.vault.authModel, publicNetworkAccess: 'Enabled' as const, accessPolicies: [] };
  const removed = step.existingAssignmentId?.toLowerCase();
  for (const object of use.objects) {
    if (object.type === 'key') continue;
    if (step.secretName !== undefined && step.secretName.toLowerCase() !== object.name.toLowerCase()) continue;
    const access = await options.vault.checkAccess(vaultRefFor(options.cluster), { objectId: vault.identity.objectId, secretName: object.name, ...call });
    const remaining = access.roleAssignments.filter((assignment) => assignment.id?.toLowerCase() !== removed && !isSecretsUserAssignment(assignment, vault.identity.objectId, step.scope));
    if (!canRead({ ...access, roleAssignments: remaining }, properties, object.type, object.name)) return true;
  }
  return false;
}

/** Revoke: turns every removal another app still needs into `none` with `keptFor`; returns those apps. */
async function keepWhatOthersNeed(vaults: VaultGrantPlan[], options: PlanAccessOptions, cache: TrustCache, warnings: string[]): Promise<string[]> {
  const needed = new Set<string>();
  for (const vault of vaults) {
    if (!vault.steps.some(isChange)) continue;
    const uses = await otherUses(vault, options, cache);
    vault.steps = await Promise.all(vault.steps.map(async (step): Promise<GrantStep> => {
      if (!isChange(step)) return step;
      const users: OtherUse[] = [];
      for (const use of uses) if (await stillNeeds(use, step, vault, options)) users.push(use);
      if (users.length === 0) return step;
      const apps = [...new Set(users.map((use) => `${use.app} (${use.cluster})`))].sort();
      apps.forEach((app) => needed.add(app));
      warnings.push(`${vault.vault.name}: ${step.kind === 'role-assignment' ? `the assignment at ${step.scope}` : 'the access policy'} of ${vault.identity.displayName ?? vault.identity.clientId} stays: ${apps.join(', ')} ${apps.length === 1 ? 'reads' : 'read'} the vault through it as the same identity.`);
      return step.kind === 'access-policy'
        ? { ...step, change: 'none', delta: {}, keptFor: apps }
        : { ...step, change: 'none', keptFor: apps };
    }));
  }
  return [...needed].sort();
}
