/**
 * Breaking an app on purpose, and mending it (issue 22, "sandbox and demo"): what an operator would do by hand in
 * Azure or the cluster — remove the identity's `get` on the vault, disable or delete a secret, edit the
 * SecretProviderClass — done to the sandbox's state, so its kubelet and driver produce the FailedMount events a real
 * cluster would once the app's pods are recreated (a rollout restart; `restart` does it on its own too).
 * Served by the sandbox server as `POST /_sandbox/break` and by `npm run sandbox -- break <action>`.
 */
import { KvcsiError } from '@kvcsi/core';
import { effectiveObjectIds, findCertificate, findDeletedSecret, findSecret, findVault, latestVersion, resolvePrincipal, type ResolvedPrincipal } from '../azure/access.js';
import { nextUuid } from '../azure/ids.js';
import type { AccessPolicy, AzureState, DeletedSecret, RoleAssignment, Vault } from '../azure/model.js';
import { KEY_VAULT_SECRETS_USER_ROLE_ID, roleDefinitionResourceId, scopeContains, vaultResourceId } from '../azure/resourceIds.js';
import { roleGrants } from '../azure/roles.js';
import { deterministicSuffix } from '../kubernetes/ids.js';
import type { KubeClusterState } from '../kubernetes/store.js';
import type { KubeObject, PodObject, SecretProviderClassObject } from '../kubernetes/types.js';
import { parseKeyVaultObjects, type KeyVaultObject } from '../mount/objects.js';
import type { SandboxState } from '../state.js';

/** Each break, then its reverse, then `restart`. */
export const BREAK_ACTIONS = [
  'revoke-role', 'grant-role',
  'disable-secret', 'enable-secret',
  'delete-secret', 'recover-secret',
  'edit-spc', 'restore-spc',
  'restart',
] as const;
export type BreakAction = (typeof BREAK_ACTIONS)[number];

/** The breaks (the others mend, or restart): they restart the app's pods unless told not to. */
const BREAKING: ReadonlySet<BreakAction> = new Set(['revoke-role', 'disable-secret', 'delete-secret', 'edit-spc']);

export interface BreakInput {
  action: BreakAction;
  cluster: string;
  /** The app: its pods and SecretProviderClasses carry `app.kubernetes.io/name=<app>`. */
  app: string;
  /** disable/enable/delete/recover-secret, edit-spc: the Key Vault object (default: the app's first one). */
  secret?: string;
  /** edit-spc: the name the object is renamed to (default `<secret>-v2`, which the vault does not hold). */
  objectName?: string;
  /** Recreate the app's pods afterwards, as `kubectl rollout restart` does. Default: true for a break, false to mend. */
  restart?: boolean;
}

export interface BreakResult {
  action: BreakAction;
  cluster: string;
  app: string;
  /** What changed, one line each, for a person. */
  changed: string[];
  /** Pods recreated: old name → new name. */
  restarted: { from: string; to: string }[];
}

/** What a break took away, to put it back exactly (forgotten with the state, so a reset forgets it too). */
interface Undo {
  policies?: AccessPolicy[];
  assignments?: RoleAssignment[];
  disabledVersion?: { vault: string; secret: string; version: string };
  spcObjects?: { spc: string; objects: string };
}
const undoByState = new WeakMap<SandboxState, Map<string, Undo>>();

function undoOf(state: SandboxState, cluster: string, app: string): Undo {
  let byApp = undoByState.get(state);
  if (byApp === undefined) undoByState.set(state, (byApp = new Map()));
  const key = `${cluster}/${app}`;
  let undo = byApp.get(key);
  if (undo === undefined) byApp.set(key, (undo = {}));
  return undo;
}

function invalid(field: string, rule: string): KvcsiError {
  return new KvcsiError('INVALID_INPUT', `${field}: ${rule}`, { field, rule });
}

const KUBE_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const OBJECT_NAME = /^[0-9a-zA-Z-]{1,127}$/;
const FIELDS = new Set(['action', 'cluster', 'app', 'secret', 'objectName', 'restart']);

/** Checks a request body; every error names its field. */
export function parseBreakInput(body: unknown): BreakInput {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw invalid('(body)', 'must be a JSON object: {"action", "cluster", "app", …}');
  const input = body as Record<string, unknown>;
  for (const key of Object.keys(input)) if (!FIELDS.has(key)) throw invalid(key, `is not a field (fields: ${[...FIELDS].join(', ')})`);
  const action = input.action;
  if (typeof action !== 'string' || !(BREAK_ACTIONS as readonly string[]).includes(action)) throw invalid('action', `must be one of ${BREAK_ACTIONS.join(', ')}`);
  const name = (field: 'cluster' | 'app'): string => {
    const value = input[field];
    if (typeof value !== 'string' || !KUBE_NAME.test(value)) throw invalid(field, 'is required: lower-case letters, digits and dashes');
    return value;
  };
  const objectName = (field: 'secret' | 'objectName'): string | undefined => {
    const value = input[field];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || !OBJECT_NAME.test(value)) throw invalid(field, 'must be a Key Vault object name: letters, digits and dashes, at most 127');
    return value;
  };
  if (input.restart !== undefined && typeof input.restart !== 'boolean') throw invalid('restart', 'must be true or false');
  const secret = objectName('secret');
  const newName = objectName('objectName');
  if (newName !== undefined && action !== 'edit-spc') throw invalid('objectName', 'applies to edit-spc only');
  return {
    action: action as BreakAction, cluster: name('cluster'), app: name('app'),
    ...(secret === undefined ? {} : { secret }),
    ...(newName === undefined ? {} : { objectName: newName }),
    ...(input.restart === undefined ? {} : { restart: input.restart as boolean }),
  };
}

interface AppContext {
  state: SandboxState;
  cluster: string;
  app: string;
  kube: KubeClusterState;
  pods: PodObject[];
  spcs: SecretProviderClassObject[];
  nowMs: number;
}

const APP_LABEL = 'app.kubernetes.io/name';

function appContext(state: SandboxState, input: BreakInput, nowMs: number): AppContext {
  const kube = state.kubernetes[input.cluster];
  if (kube === undefined) throw new KvcsiError('NOT_FOUND', `cluster: no sandbox cluster ${input.cluster} (clusters: ${Object.keys(state.kubernetes).sort().join(', ')})`, { field: 'cluster' });
  const selector = `${APP_LABEL}=${input.app}`;
  const pods = (kube.list('pods', { labelSelector: selector }).items as PodObject[])
    .filter((pod) => pod.metadata.deletionTimestamp === undefined && !(pod.metadata.ownerReferences ?? []).some((owner) => owner.kind === 'DaemonSet'));
  const spcs = kube.list('secretproviderclasses', { labelSelector: selector }).items as SecretProviderClassObject[];
  // Pods name their SecretProviderClasses even when those carry no app label.
  for (const pod of pods) {
    for (const volume of pod.spec.volumes ?? []) {
      const spcName = volume.csi?.volumeAttributes?.secretProviderClass;
      if (spcName === undefined || spcs.some((spc) => spc.metadata.name === spcName && spc.metadata.namespace === pod.metadata.namespace)) continue;
      const spc = kube.get('secretproviderclasses', pod.metadata.namespace, spcName) as SecretProviderClassObject | undefined;
      if (spc !== undefined) spcs.push(spc);
    }
  }
  if (pods.length === 0 && spcs.length === 0) {
    throw new KvcsiError('NOT_FOUND', `app: no pod or SecretProviderClass labelled ${selector} on ${input.cluster}`, { field: 'app' });
  }
  return { state, cluster: input.cluster, app: input.app, kube, pods, spcs, nowMs };
}

function firstSpc(ctx: AppContext): SecretProviderClassObject {
  const spc = ctx.spcs[0];
  if (spc === undefined) throw new KvcsiError('NOT_FOUND', `app: ${ctx.app} on ${ctx.cluster} has no SecretProviderClass`, { field: 'app' });
  return spc;
}

function vaultOf(ctx: AppContext): Vault {
  const spc = firstSpc(ctx);
  const name = spc.spec.parameters?.keyvaultName?.trim() ?? '';
  const vault = findVault(ctx.state.azure, name);
  if (vault === undefined) throw new KvcsiError('NOT_FOUND', `app: ${spc.metadata.namespace}/${spc.metadata.name} names keyvaultName "${name}", which the sandbox has no vault for`, { field: 'app' });
  return vault;
}

function objectsOf(ctx: AppContext): KeyVaultObject[] {
  const spc = firstSpc(ctx);
  const parsed = parseKeyVaultObjects(spc.spec.parameters?.objects ?? '');
  if (!parsed.ok || parsed.objects.length === 0) throw new KvcsiError('CONFLICT', `app: ${spc.metadata.namespace}/${spc.metadata.name} has no readable objects parameter`, { field: 'app' });
  return parsed.objects;
}

/** The identity the provider authenticates as for the app's first SecretProviderClass. */
function principalOf(ctx: AppContext): ResolvedPrincipal {
  const spc = firstSpc(ctx);
  const params = spc.spec.parameters ?? {};
  let clientId: string | undefined;
  if ((params.useVMManagedIdentity ?? '').trim().toLowerCase() === 'true') {
    clientId = params.userAssignedIdentityID?.trim() || ctx.state.azure.managedClusters.find((c) => c.name === ctx.cluster)?.nodeIdentityClientIds[0];
  } else if ((params.clientID ?? '').trim() !== '') {
    clientId = params.clientID?.trim();
  } else {
    // Service-principal mode: the node publish secret holds the client ID.
    const volume = ctx.pods.flatMap((pod) => (pod.spec.volumes ?? []).map((v) => ({ pod, v }))).find(({ v }) => v.csi?.nodePublishSecretRef?.name !== undefined);
    const secret = volume === undefined ? undefined : ctx.kube.get('secrets', volume.pod.metadata.namespace, volume.v.csi?.nodePublishSecretRef?.name ?? '') as { data?: Record<string, string> } | undefined;
    const encoded = Object.entries(secret?.data ?? {}).find(([key]) => key.toLowerCase() === 'clientid')?.[1];
    if (encoded !== undefined) clientId = Buffer.from(encoded, 'base64').toString('utf8');
  }
  const principal = clientId === undefined ? undefined : resolvePrincipal(ctx.state.azure, { clientId });
  if (principal === undefined) throw new KvcsiError('CONFLICT', `app: cannot tell which identity ${spc.metadata.namespace}/${spc.metadata.name} mounts with${clientId === undefined ? '' : ` (client ID ${clientId} is not in the sandbox)`}`, { field: 'app' });
  return principal;
}

const READ_SECRET = 'Microsoft.KeyVault/vaults/secrets/getSecret/action';

function objectScopes(vault: Vault, objects: KeyVaultObject[]): string[] {
  const family = (type: string): string => (type === 'cert' ? 'certificates' : type === 'key' ? 'keys' : 'secrets');
  return objects.map((o) => `${vaultResourceId(vault)}/${family(o.objectType)}/${o.objectName}`);
}

function revokeRole(ctx: AppContext, undo: Undo): string[] {
  const vault = vaultOf(ctx);
  const principal = principalOf(ctx);
  const azure = ctx.state.azure;
  if (vault.enableRbacAuthorization) {
    const scopes = objectScopes(vault, objectsOf(ctx));
    const revoked = azure.roleAssignments.filter((a) => a.principalId.toLowerCase() === principal.objectId.toLowerCase()
      && scopes.some((scope) => scopeContains(a.scope, scope)) && grantsRead(azure, a));
    if (revoked.length === 0) throw new KvcsiError('CONFLICT', `action: ${principal.name} holds no role that reads ${ctx.app}'s secrets in ${vault.name}: nothing to revoke`, { field: 'action' });
    azure.roleAssignments = azure.roleAssignments.filter((a) => !revoked.includes(a));
    undo.assignments = [...(undo.assignments ?? []), ...revoked];
    return revoked.map((a) => `role assignment ${a.name} removed (${principal.name} at ${a.scope})`);
  }
  const policies = vault.accessPolicies.filter((p) => p.objectId.toLowerCase() === principal.objectId.toLowerCase());
  const reads = (p: AccessPolicy): boolean => (['secrets', 'certificates', 'keys'] as const).some((family) => (p.permissions[family] ?? []).some((perm) => ['get', 'all'].includes(perm.toLowerCase())));
  const granting = policies.filter(reads);
  if (granting.length === 0) throw new KvcsiError('CONFLICT', `action: ${principal.name} has no get in ${vault.name}'s access policies: nothing to revoke`, { field: 'action' });
  undo.policies = [...(undo.policies ?? []), ...granting.map((p) => structuredClone(p))];
  for (const policy of granting) {
    for (const family of ['secrets', 'certificates', 'keys'] as const) {
      const permissions = policy.permissions[family];
      if (permissions !== undefined) policy.permissions[family] = permissions.filter((perm) => !['get', 'all'].includes(perm.toLowerCase()));
    }
  }
  return [`get removed from ${principal.name}'s access policy in ${vault.name}`];
}

function grantsRead(azure: AzureState, assignment: RoleAssignment): boolean {
  const definition = azure.roleDefinitions.find((d) => d.name.toLowerCase() === assignment.roleDefinitionName.toLowerCase());
  return definition !== undefined && roleGrants(definition, READ_SECRET, 'data');
}

function grantRole(ctx: AppContext, undo: Undo): string[] {
  const vault = vaultOf(ctx);
  const principal = principalOf(ctx);
  const azure = ctx.state.azure;
  if (vault.enableRbacAuthorization) {
    // What was revoked comes back, re-created now: Key Vault sees it after the propagation delay, as in Azure.
    const restored = (undo.assignments ?? []).filter((a) => !azure.roleAssignments.some((b) => b.name === a.name));
    undo.assignments = [];
    if (restored.length > 0) {
      azure.roleAssignments.push(...restored.map((a) => ({ ...a, createdMs: ctx.nowMs })));
      return restored.map((a) => `role assignment ${a.name} re-created (${principal.name} at ${a.scope})`);
    }
    const scopes = objectScopes(vault, objectsOf(ctx));
    if (azure.roleAssignments.some((a) => a.principalId.toLowerCase() === principal.objectId.toLowerCase() && scopes.every((s) => scopeContains(a.scope, s)) && grantsRead(azure, a))) {
      throw new KvcsiError('CONFLICT', `action: ${principal.name} already holds a role that reads ${ctx.app}'s secrets in ${vault.name}`, { field: 'action' });
    }
    const assignment: RoleAssignment = {
      name: nextUuid(azure, 'roleAssignment'), scope: vaultResourceId(vault), roleDefinitionName: KEY_VAULT_SECRETS_USER_ROLE_ID,
      roleDefinitionId: roleDefinitionResourceId(KEY_VAULT_SECRETS_USER_ROLE_ID, vault.subscriptionId), principalId: principal.objectId,
      principalType: 'ServicePrincipal', createdMs: ctx.nowMs,
    };
    azure.roleAssignments.push(assignment);
    return [`role assignment ${assignment.name} created (Key Vault Secrets User for ${principal.name} at ${assignment.scope})`];
  }
  const saved = undo.policies ?? [];
  undo.policies = [];
  if (saved.length > 0) {
    for (const original of saved) {
      const index = vault.accessPolicies.findIndex((p) => p.objectId.toLowerCase() === original.objectId.toLowerCase() && p.applicationId === original.applicationId);
      if (index >= 0) vault.accessPolicies[index] = structuredClone(original);
      else vault.accessPolicies.push(structuredClone(original));
    }
    return [`${principal.name}'s access policy in ${vault.name} restored`];
  }
  const ids = effectiveObjectIds(azure, principal.objectId);
  const own = vault.accessPolicies.find((p) => p.objectId.toLowerCase() === principal.objectId.toLowerCase() && p.applicationId === undefined);
  if (vault.accessPolicies.some((p) => ids.includes(p.objectId.toLowerCase()) && p.applicationId === undefined && (p.permissions.secrets ?? []).some((perm) => ['get', 'all'].includes(perm.toLowerCase())))) {
    throw new KvcsiError('CONFLICT', `action: ${principal.name} already has secrets get in ${vault.name}`, { field: 'action' });
  }
  const policy = own ?? { tenantId: vault.tenantId, objectId: principal.objectId, permissions: {} };
  for (const family of ['secrets', 'certificates'] as const) policy.permissions[family] = [...new Set([...(policy.permissions[family] ?? []), 'get', 'list'])];
  if (own === undefined) vault.accessPolicies.push(policy);
  return [`secrets and certificates get, list given to ${principal.name} in ${vault.name}'s access policies`];
}

function secretName(ctx: AppContext, input: BreakInput): string {
  if (input.secret !== undefined) return input.secret;
  const object = objectsOf(ctx).find((o) => o.objectType === 'secret') ?? objectsOf(ctx)[0];
  return object?.objectName ?? '';
}

function disableSecret(ctx: AppContext, input: BreakInput, undo: Undo): string[] {
  const vault = vaultOf(ctx);
  const name = secretName(ctx, input);
  const secret = findSecret(vault, name);
  if (secret === undefined) throw new KvcsiError('NOT_FOUND', `secret: ${vault.name} holds no secret ${name}`, { field: 'secret' });
  const latest = latestVersion(secret.versions);
  if (latest === undefined || !latest.enabled) throw new KvcsiError('CONFLICT', `secret: the latest version of ${secret.name} in ${vault.name} is disabled already`, { field: 'secret' });
  latest.enabled = false;
  latest.updatedMs = ctx.nowMs;
  undo.disabledVersion = { vault: vault.name, secret: secret.name, version: latest.version };
  return [`${vault.name}/${secret.name} version ${latest.version} disabled`];
}

function enableSecret(ctx: AppContext, input: BreakInput, undo: Undo): string[] {
  const vault = vaultOf(ctx);
  const name = input.secret ?? (undo.disabledVersion?.vault === vault.name ? undo.disabledVersion.secret : secretName(ctx, input));
  const secret = findSecret(vault, name);
  if (secret === undefined) throw new KvcsiError('NOT_FOUND', `secret: ${vault.name} holds no secret ${name}`, { field: 'secret' });
  const recorded = undo.disabledVersion?.secret.toLowerCase() === secret.name.toLowerCase() ? secret.versions.find((v) => v.version === undo.disabledVersion?.version) : undefined;
  const version = recorded ?? latestVersion(secret.versions);
  if (version === undefined || version.enabled) throw new KvcsiError('CONFLICT', `secret: the latest version of ${secret.name} in ${vault.name} is enabled already`, { field: 'secret' });
  version.enabled = true;
  version.updatedMs = ctx.nowMs;
  delete undo.disabledVersion;
  return [`${vault.name}/${secret.name} version ${version.version} enabled`];
}

/** As `az keyvault secret delete`: soft-deleted for the retention period where soft delete is on (as keyvault.ts does). */
function deleteSecret(ctx: AppContext, input: BreakInput): string[] {
  const vault = vaultOf(ctx);
  const name = secretName(ctx, input);
  const secret = findSecret(vault, name);
  if (secret === undefined) throw new KvcsiError('NOT_FOUND', `secret: ${vault.name} holds no secret ${name}`, { field: 'secret' });
  if (findCertificate(vault, secret.name) !== undefined || secret.versions.some((v) => v.kid !== undefined)) {
    throw new KvcsiError('CONFLICT', `secret: ${secret.name} is managed by a certificate and cannot be deleted`, { field: 'secret' });
  }
  vault.secrets.splice(vault.secrets.indexOf(secret), 1);
  const deleted: DeletedSecret = { secret, deletedMs: ctx.nowMs, scheduledPurgeMs: ctx.nowMs + vault.softDeleteRetentionInDays * 86_400_000 };
  if (vault.enableSoftDelete) (vault.deletedSecrets ??= []).push(deleted);
  return [`${vault.name}/${secret.name} deleted${vault.enableSoftDelete ? ' (soft-deleted: recover-secret brings it back)' : ' and purged (the vault has no soft delete)'}`];
}

function recoverSecret(ctx: AppContext, input: BreakInput): string[] {
  const vault = vaultOf(ctx);
  const name = secretName(ctx, input);
  const deleted = findDeletedSecret(vault, name);
  if (deleted === undefined) throw new KvcsiError('NOT_FOUND', `secret: ${vault.name} holds no deleted secret ${name}`, { field: 'secret' });
  vault.deletedSecrets?.splice(vault.deletedSecrets.indexOf(deleted), 1);
  vault.secrets.push(deleted.secret);
  return [`${vault.name}/${deleted.secret.name} recovered`];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function updateSpcObjects(ctx: AppContext, spc: SecretProviderClassObject, objects: string): void {
  const current = ctx.kube.get('secretproviderclasses', spc.metadata.namespace, spc.metadata.name) as SecretProviderClassObject;
  ctx.kube.update('secretproviderclasses', { ...current, spec: { ...current.spec, parameters: { ...current.spec.parameters, objects } } } as KubeObject);
}

/** A typo in an objectName, as a hand edit or a bad merge makes one: the vault holds no such object. */
function editSpc(ctx: AppContext, input: BreakInput, undo: Undo): string[] {
  const spc = firstSpc(ctx);
  const objects = spc.spec.parameters?.objects ?? '';
  const name = secretName(ctx, input);
  if (!objectsOf(ctx).some((o) => o.objectName === name)) throw new KvcsiError('NOT_FOUND', `secret: ${spc.metadata.namespace}/${spc.metadata.name} has no object named ${name}`, { field: 'secret' });
  const renamed = input.objectName ?? `${name}-v2`;
  if (renamed === name) throw invalid('objectName', `must differ from ${name}`);
  const pattern = new RegExp(`(objectName:[ \\t]*["']?)${escapeRegExp(name)}(["']?[ \\t]*$)`, 'm');
  const edited = objects.replace(pattern, `$1${renamed}$2`);
  if (edited === objects) throw new KvcsiError('CONFLICT', `secret: cannot find objectName ${name} in ${spc.metadata.namespace}/${spc.metadata.name}'s objects`, { field: 'secret' });
  if (undo.spcObjects?.spc !== `${spc.metadata.namespace}/${spc.metadata.name}`) undo.spcObjects = { spc: `${spc.metadata.namespace}/${spc.metadata.name}`, objects };
  updateSpcObjects(ctx, spc, edited);
  return [`${spc.metadata.namespace}/${spc.metadata.name}: objectName ${name} changed to ${renamed}`];
}

function restoreSpc(ctx: AppContext, undo: Undo): string[] {
  const saved = undo.spcObjects;
  if (saved === undefined) throw new KvcsiError('CONFLICT', `action: ${ctx.app}'s SecretProviderClass was not edited by edit-spc: nothing to restore`, { field: 'action' });
  const spc = ctx.spcs.find((s) => `${s.metadata.namespace}/${s.metadata.name}` === saved.spc);
  if (spc === undefined) throw new KvcsiError('NOT_FOUND', `app: ${saved.spc} is gone`, { field: 'app' });
  updateSpcObjects(ctx, spc, saved.objects);
  delete undo.spcObjects;
  return [`${saved.spc}: objects restored`];
}

/**
 * Deletes the app's pods and creates their replacements, as the ReplicaSet controller does on a rollout restart
 * (a new `-xxxxx` suffix); a StatefulSet's or a bare pod keeps its name. The new pods start Pending, so kubelet
 * mounts their volumes afresh on the next reconcile.
 */
function restartPods(ctx: AppContext): { from: string; to: string }[] {
  const restarted: { from: string; to: string }[] = [];
  for (const old of ctx.pods) {
    const namespace = old.metadata.namespace ?? 'default';
    const owner = (old.metadata.ownerReferences ?? []).find((o) => o.controller === true) ?? old.metadata.ownerReferences?.[0];
    const name = owner?.kind === 'ReplicaSet' ? `${owner.name}-${deterministicSuffix(5, ctx.cluster, namespace, old.metadata.name, String(ctx.nowMs), String(restarted.length))}` : old.metadata.name;
    ctx.kube.delete('pods', namespace, old.metadata.name);
    const { uid: _uid, resourceVersion: _rv, creationTimestamp: _ct, deletionTimestamp: _dt, ...metadata } = old.metadata;
    ctx.kube.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { ...metadata, name }, spec: structuredClone(old.spec), status: { phase: 'Pending' } } as KubeObject);
    restarted.push({ from: old.metadata.name, to: name });
  }
  return restarted;
}

export interface BreakTarget {
  readonly state: SandboxState;
  readonly clock: { nowMs(): number };
  reconcile(): void;
}

/** Applies one break (or its reverse, or a restart), then lets kubelet act on it. */
export function applyBreak(sandbox: BreakTarget, input: BreakInput): BreakResult {
  const ctx = appContext(sandbox.state, input, sandbox.clock.nowMs());
  const undo = undoOf(sandbox.state, input.cluster, input.app);
  const changed = ((): string[] => {
    switch (input.action) {
      case 'revoke-role': return revokeRole(ctx, undo);
      case 'grant-role': return grantRole(ctx, undo);
      case 'disable-secret': return disableSecret(ctx, input, undo);
      case 'enable-secret': return enableSecret(ctx, input, undo);
      case 'delete-secret': return deleteSecret(ctx, input);
      case 'recover-secret': return recoverSecret(ctx, input);
      case 'edit-spc': return editSpc(ctx, input, undo);
      case 'restore-spc': return restoreSpc(ctx, undo);
      case 'restart': return [];
    }
  })();
  const restart = input.action === 'restart' || (input.restart ?? BREAKING.has(input.action));
  const restarted = restart ? restartPods(ctx) : [];
  sandbox.reconcile();
  return { action: input.action, cluster: input.cluster, app: input.app, changed, restarted };
}
