/**
 * createKvcsiService: the facade over registry, ports, policy, requests and audit. Every acting method goes through
 * policy and the request flow, so what the CLI, the bot and Backstage do is decided and recorded the same way.
 */
import { applyAccessPlan, type AccessVaultPort, type ApplyAccessResult } from '../access/apply.js';
import { findAppBindings } from '../access/bindings.js';
import { planAccess, RBAC_PROPAGATION_WARNING, strictestTierOfVault } from '../access/plan.js';
import type { AuditLog } from '../audit/event.js';
import { toStoredInstant } from '../audit/instant.js';
import { recordAudit } from '../audit/record.js';
import type { Cluster, ClusterRegistry } from '../clusters/registry.js';
import { isStricterTier, TIERS, type Tier } from '../clusters/schema.js';
import { diagnose } from '../diagnostics/report.js';
import { KvcsiError } from '../errors.js';
import type { IdGenerator } from '../ids.js';
import { enforcePolicy } from '../policy/enforce.js';
import { createPolicy, type Policy } from '../policy/policy.js';
import type { PolicyAction, PolicyConfig, PolicyConfigInput } from '../policy/schema.js';
import { systemClock, type CallOptions, type ClusterPort, type Clock, type SecretProperties, type VaultRef } from '../ports.js';
import type { AccessRequest, RequestTarget } from '../requests/model.js';
import type { RequestStore } from '../requests/ports.js';
import type { DecisionKeys } from '../requests/signing.js';
import { createRequestService, SYSTEM_ACTOR, type ApplyResult, type ExecutorResult, type RequestService } from '../requests/service.js';
import { APP_TAG, findSecretUsers, overwriteNote, secretBelongsTo } from '../secrets/scope.js';
import { secretSnippet } from '../secrets/snippet.js';
import { validateAppName, validateContentType, validateSecretName, validateSecretValue } from '../secrets/validate.js';
import { assertSecretAbsent, findSecretProperties, secretTags, writeSecret } from '../secrets/write.js';
import { findRecoverableSecret, recoverSecretNow } from '../secrets/recover.js';
import type {
  ActionOutcome, ActionResult, Actor, AppBinding, ClusterStatus, ClusterSummary, GrantOptions, GrantPlan, KvcsiService, PlanGrantOptions,
  PlannedIdentity, SecretActionResult, ServiceCallOptions, ServiceErrorSummary,
} from './types.js';

export interface KvcsiServiceOptions {
  registry: ClusterRegistry;
  /** The ClusterPort of a registry cluster (by name); called lazily, once per use. */
  clusterPort: (clusterName: string) => ClusterPort;
  /** Key Vault, ARM and Entra. `deleteRoleAssignment` is needed for revoke on RBAC vaults. */
  vault: AccessVaultPort;
  requests: RequestStore;
  audit: AuditLog;
  /** A compiled policy, or its config (parsed with defaults: writes denied unless allowed). */
  policy: Policy | PolicyConfigInput | PolicyConfig;
  clock?: Clock;
  generateRequestId?: IdGenerator;
  requestTtlInMs?: number;
  /**
   * Servers (bot, Backstage backend) sign the decisions they make; every process verifies a person's decision before
   * applying it. Without a signer, `approve` and `reject` are refused (a requester may still withdraw). See
   * `decisionKeysFromEnv`.
   */
  decisions?: DecisionKeys;
}

const DEFAULT_AUDIT_LIMIT = 100;

function isPolicy(value: KvcsiServiceOptions['policy']): value is Policy {
  return typeof (value as Policy).decide === 'function';
}

function callOf(options: CallOptions | undefined): CallOptions {
  return options?.signal ? { signal: options.signal } : {};
}

export function errorSummary(error: unknown): ServiceErrorSummary {
  if (KvcsiError.is(error)) return { code: error.code, message: error.message };
  return { code: 'INTERNAL', message: `unexpected ${error instanceof Error ? error.name : typeof error}` };
}

/** The actor as the policy sees it: its principal, and the Entra groups its front end proved. */
interface Who {
  id: string;
  memberOf?: readonly string[];
}

function whoOf(actor: Actor | undefined): Who {
  const id = actorId(actor);
  return actor?.memberOf?.length ? { id, memberOf: actor.memberOf } : { id };
}

/** `{ memberOf }` to spread into a request-service call, when the actor has proven groups. */
function groupsOf(who: Who): { memberOf?: readonly string[] } {
  return who.memberOf ? { memberOf: who.memberOf } : {};
}

function actorId(actor: Actor | undefined): string {
  if (!actor || typeof actor.id !== 'string' || actor.id.trim() === '') {
    throw new KvcsiError('UNAUTHENTICATED', 'the caller is not identified: every action names its actor', { field: 'actor' });
  }
  return actor.id;
}

export function toClusterSummary(cluster: Cluster): ClusterSummary {
  return {
    name: cluster.name,
    tier: cluster.tier,
    keyVault: { ...cluster.keyVault },
    identity: cluster.identity.kind === 'fixed'
      ? { kind: 'fixed', clientId: cluster.identity.clientId, ...(cluster.identity.objectId !== undefined ? { objectId: cluster.identity.objectId } : {}) }
      : { kind: 'discover' },
    identityMode: cluster.identityMode,
    kubeContext: cluster.kubeContext,
    slackChannels: [...cluster.slackChannels],
  };
}

/** `30m`, `24h`, `7d` back from now, or an instant. */
export function parseSince(since: string, nowInMs: number): string {
  const relative = /^(\d+)\s*([smhd])$/.exec(since.trim());
  if (!relative) return toStoredInstant(since);
  const unitInMs = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2] as 's' | 'm' | 'h' | 'd'];
  return new Date(nowInMs - Number(relative[1]) * unitInMs).toISOString();
}

/** The principal as an approver should read it: its display name, then its ids and why kvcsi trusts it. */
function principalLabel(identity: PlannedIdentity): string {
  const why = identity.source === 'federated' ? `verified for the app by ${identity.verifiedBy ?? 'a federated credential'}` : identity.source === 'discovered' ? 'the cluster\'s kubelet identity' : 'the cluster\'s registry identity';
  return `${identity.displayName ?? '(no display name)'} (object id ${identity.objectId}, client id ${identity.clientId}; ${why})`;
}

/** Short plan lines for approvers: scopes, role, permissions, principals by display name (no object names that could look random). */
function planDetails(plan: GrantPlan): Record<string, string> {
  const details: Record<string, string> = { changes: String(plan.changeCount), grantScope: plan.grantScope };
  let index = 0;
  for (const vault of plan.vaults) {
    for (const step of vault.steps) {
      if (step.change === 'none') continue;
      index += 1;
      details[`step${index}`] = step.kind === 'access-policy'
        ? `${step.change} access policy on ${step.vault} for principal ${principalLabel(vault.identity)}: ${(['secrets', 'certificates'] as const).filter((f) => step.delta[f]?.length).map((f) => `${f} ${step.delta[f]!.join(' ')}`).join(', ')}`
        : `${step.change} role ${step.roleName} for principal ${principalLabel(vault.identity)} at ${step.scope}`;
    }
  }
  if (plan.excluded?.length) details['leftOut'] = plan.excluded.map((entry) => entry.secretProviderClass).join(', ');
  return details;
}

/** A request decided for a laxer tier than its target now has (a forged row, or a vault shared since) is not applied. */
function assertTierCovers(request: AccessRequest, tier: Tier): void {
  if (!isStricterTier(tier, request.target.tier)) return;
  throw new KvcsiError('FORBIDDEN', `request ${request.id} was decided for tier ${request.target.tier}, but what it touches is tier ${tier}; ask again`, { field: 'target.tier' });
}

/** Revoke removes only what no other binding on the same (vault, identity) still needs; otherwise it is refused. */
function assertRevokeHurtsNobody(plan: GrantPlan): void {
  if (plan.action !== 'revoke' || !plan.neededBy?.length || plan.changeCount > 0) return;
  throw new KvcsiError('FORBIDDEN', `revoking ${plan.app} on ${plan.cluster} would break ${plan.neededBy.join(', ')}: they read the same vault as the same identity; nothing was removed`, {
    field: 'app',
    rule: 'revoke removes only what no other binding on the same (vault, identity) still needs',
    details: { neededBy: plan.neededBy.join(', ') },
  });
}

function outcomeOfApply(applied: ApplyResult, extra: { verified?: boolean; warnings?: string[] } = {}): ActionOutcome {
  const request = applied.request;
  const warnings = extra.warnings ?? [];
  if (applied.error) {
    return { status: 'failed', message: `applying ${request.id} failed: ${applied.error.message}`, warnings, error: errorSummary(applied.error) };
  }
  if (!applied.executed) {
    return { status: 'unchanged', message: `request ${request.id} was applied already at ${request.appliedAt ?? request.updatedAt}; nothing changed now`, warnings };
  }
  const changed = request.outcome?.changed ?? false;
  return {
    status: changed ? 'applied' : 'unchanged',
    message: request.outcome?.message ?? (changed ? 'applied' : 'nothing to change'),
    warnings,
    ...(extra.verified !== undefined ? { verified: extra.verified } : {}),
    ...(request.outcome?.correlationId !== undefined ? { correlationId: request.outcome.correlationId } : {}),
  };
}

function pendingOutcome(request: AccessRequest, warnings: string[], what: string): ActionOutcome {
  return {
    status: 'pending',
    message: `${what} waits for approval${request.approverGroup ? ` by a member of ${request.approverGroup}` : ' by someone else'} until ${request.expiresAt} (request ${request.id})`,
    warnings,
  };
}

/** How long after its approval a grant is left to the process that approved it before another resumes it. */
export const DEFAULT_RESUME_GRACE_IN_MS = 30_000;

export function createKvcsiService(options: KvcsiServiceOptions): KvcsiService {
  const { registry, vault, audit } = options;
  const clock = options.clock ?? systemClock;
  const policy = isPolicy(options.policy) ? options.policy : createPolicy(options.policy);
  const requests: RequestService = createRequestService({
    store: options.requests, audit, policy, clock,
    ...(options.generateRequestId ? { generateId: options.generateRequestId } : {}),
    ...(options.requestTtlInMs !== undefined ? { requestTtlInMs: options.requestTtlInMs } : {}),
    ...(options.decisions ? { decisions: options.decisions } : {}),
  });
  const ports = new Map<string, ClusterPort>();
  const clusterPort = (name: string): ClusterPort => {
    let port = ports.get(name);
    if (!port) {
      port = options.clusterPort(name);
      ports.set(name, port);
    }
    return port;
  };

  const enforce = (who: Who, action: PolicyAction, cluster: Cluster, where: Record<string, string>, call: CallOptions, tier: Tier = cluster.tier) =>
    enforcePolicy({ policy, audit, clock, actor: who.id, action, tier, where: { cluster: cluster.name, ...where }, ...(who.memberOf ? { facts: { memberOf: who.memberOf } } : {}), ...call });

  /** Read policy (issue 19): throws FORBIDDEN (and audits the denial) when the reader may not read the tier. */
  const enforceRead = async (input: ServiceCallOptions | undefined, cluster: Cluster, tier: Tier = cluster.tier): Promise<void> => {
    if (input?.reader) await enforce(whoOf(input.reader), 'read', cluster, {}, callOf(input), tier);
  };
  /** For lists: whether the reader may read the tier (no reader: the caller is kvcsi itself). */
  const mayRead = (input: ServiceCallOptions | undefined, tier: Tier | undefined): boolean => {
    if (!input?.reader) return true;
    const who = whoOf(input.reader);
    const facts = who.memberOf ? { memberOf: who.memberOf } : undefined;
    // Rows without a tier are shown only to someone who may read every tier.
    const tiers = tier !== undefined ? [tier] : TIERS;
    return tiers.every((each) => policy.decide(who.id, 'read', each, facts).allowed);
  };
  const tierOfCluster = (name: string | undefined): Tier | undefined => {
    if (name === undefined) return undefined;
    try {
      return registry.get(name).tier;
    } catch {
      return undefined;
    }
  };

  const plan = (action: 'grant' | 'revoke', cluster: Cluster, app: string, call: CallOptions, bindings?: AppBinding[]): Promise<GrantPlan> =>
    planAccess({
      action, app, cluster, grantScope: registry.grantScope, clusterPort: clusterPort(cluster.name), clusterPortFor: clusterPort, vault, registry,
      ...(bindings ? { bindings } : {}), ...call,
    });

  /** Re-plans at apply time (a request may wait for hours) and applies what is still missing. */
  const accessExecutor = (applies: Map<string, { plan: GrantPlan; result: ApplyAccessResult }>) =>
    async (request: AccessRequest, context: { signal?: AbortSignal }): Promise<ExecutorResult> => {
      if (request.kind !== 'grant' && request.kind !== 'revoke') throw new KvcsiError('INTERNAL', `request ${request.id} is not a grant or revoke`);
      const cluster = registry.get(request.target.cluster);
      const fresh = await plan(request.kind, cluster, request.target.app ?? '', callOf(context));
      assertTierCovers(request, fresh.tier);
      assertRevokeHurtsNobody(fresh);
      const result = await applyAccessPlan(fresh, { vault, ...callOf(context) });
      applies.set(request.id, { plan: fresh, result });
      return { changed: result.changed, message: result.message, before: result.before, after: result.after };
    };

  const applyAccessRequest = async (request: AccessRequest, who: Who, call: CallOptions, planned?: GrantPlan): Promise<ActionResult> => {
    const applies = new Map<string, { plan: GrantPlan; result: ApplyAccessResult }>();
    const applied = await requests.applyApproved(request, accessExecutor(applies), { actor: who.id, ...groupsOf(who), ...call });
    const run = applies.get(request.id);
    const finalPlan = run?.plan ?? planned;
    return {
      request: applied.request,
      ...(finalPlan ? { plan: finalPlan } : {}),
      outcome: outcomeOfApply(applied, run ? { verified: run.result.verified, warnings: run.result.warnings } : {}),
    };
  };

  const act = async (action: 'grant' | 'revoke', input: GrantOptions): Promise<ActionResult> => {
    const who = whoOf(input.actor);
    const actor = who.id;
    const call = callOf(input);
    const cluster = registry.get(input.cluster);
    const app = validateAppName(input.app);
    await enforce(who, 'read', cluster, { app }, call);
    const planned = await plan(action, cluster, app, call);
    if (input.dryRun) {
      return {
        plan: planned,
        outcome: { status: 'planned', message: planned.changeCount === 0 ? 'dry run: nothing to change' : `dry run: ${planned.changeCount} change(s) planned, nothing applied`, warnings: planned.warnings },
      };
    }
    const where = { app, ...(planned.vaults[0] ? { vault: planned.vaults[0].vault.name } : {}) };
    if (action === 'revoke') {
      try {
        assertRevokeHurtsNobody(planned);
      } catch (error) {
        await recordAudit(audit, {
          actor, action: 'revoke.refuse', outcome: 'denied', where: { cluster: cluster.name, tier: planned.tier, ...where },
          reason: (error as KvcsiError).message, details: { neededBy: (planned.neededBy ?? []).join(', ') },
        }, { clock, ...call });
        throw error;
      }
    }
    if (planned.changeCount === 0) {
      // Nothing to ask for, but the actor must still be allowed to ask, and the check is recorded.
      await enforce(who, action, cluster, where, call, planned.tier);
      await recordAudit(audit, {
        actor, action: `${action}.check`, outcome: 'unchanged', where: { cluster: cluster.name, tier: planned.tier, ...where },
        details: { result: action === 'grant' ? 'read access already in place' : 'nothing kvcsi would remove' },
      }, { clock, ...call });
      return {
        plan: planned,
        outcome: {
          status: 'unchanged',
          message: action === 'grant' ? `${app} on ${cluster.name} already has read access; nothing changed` : `${app} on ${cluster.name} holds nothing kvcsi would remove; nothing changed`,
          warnings: planned.warnings.filter((warning) => warning !== RBAC_PROPAGATION_WARNING),
        },
      };
    }
    // The tier of the request is the strictest of the clusters that share the vault: a dev cluster's grant on a vault
    // a prd cluster also reads is a prd change.
    const target: RequestTarget = { cluster: cluster.name, tier: planned.tier, ...where };
    if (planned.vaults.length === 1 && planned.grantScope === 'vault') target.scope = planned.vaults[0]!.vault.id;
    const request = await requests.submit({
      actor, ...groupsOf(who), kind: action, target,
      justification: input.justification?.trim() || `${action} read access for ${app} on ${cluster.name} (kvcsi ${action})`,
      details: planDetails(planned),
      ...call,
    });
    if (request.status === 'approved') return applyAccessRequest(request, who, call, planned);
    return { request, plan: planned, outcome: pendingOutcome(request, planned.warnings, `${action === 'grant' ? 'the grant' : 'the revoke'} of ${app} on ${cluster.name}`) };
  };

  const vaultRefOf = (cluster: Cluster, vaultName?: string): VaultRef =>
    vaultName === undefined || vaultName.toLowerCase() === cluster.keyVault.name.toLowerCase() ? { ...cluster.keyVault } : registry.findByVault(vaultName)[0]?.keyVault ?? { name: vaultName };

  /** The clusters whose registry vault is `vaultName` (the cluster itself at least). */
  const clustersOfVault = (cluster: Cluster, vaultName: string): Cluster[] => {
    const users = registry.findByVault(vaultName);
    return users.some((other) => other.name === cluster.name) ? users : [cluster, ...users];
  };

  /**
   * For an existing secret: undefined when `app` may write a new version (tagged for it, or mounted by one of its
   * SPCs); otherwise the note for the card ("overwrites a secret used by X").
   */
  const overwriteCheck = async (cluster: Cluster, ref: VaultRef, existing: SecretProperties, app: string | undefined, call: CallOptions): Promise<string | undefined> => {
    const users = await findSecretUsers({ clusters: clustersOfVault(cluster, ref.name), clusterPort, vaultName: ref.name, secret: existing, ...call });
    return secretBelongsTo(app, users) ? undefined : overwriteNote(existing.name, app, users);
  };

  /**
   * Where an approved secret request acts: only the cluster's registry vault, on a tier at least as strict as the
   * vault's clusters — the stored row is not trusted for either.
   */
  const secretTargetOf = (request: AccessRequest): { cluster: Cluster; ref: VaultRef } => {
    const cluster = registry.get(request.target.cluster);
    if (request.target.vault !== undefined && request.target.vault.toLowerCase() !== cluster.keyVault.name.toLowerCase()) {
      throw new KvcsiError('FORBIDDEN', `request ${request.id} names vault ${request.target.vault}, not ${cluster.keyVault.name}, the registry's vault of ${cluster.name}`, { field: 'target.vault' });
    }
    assertTierCovers(request, strictestTierOfVault(cluster, registry));
    return { cluster, ref: vaultRefOf(cluster) };
  };

  /** Writes the value for an approved secret-create / secret-request; remembers the properties for the result. */
  const secretWriter = (written: { properties?: SecretProperties }) =>
    async (request: AccessRequest, value: string, context: { signal?: AbortSignal }): Promise<ExecutorResult> => {
      const { cluster, ref } = secretTargetOf(request);
      const name = request.target.secretName ?? '';
      // Checked again right before writing: the secret may have appeared, or changed hands, since the request.
      const existing = await findSecretProperties(vault, ref, name, callOf(context));
      const owner = existing?.tags?.[APP_TAG] || request.target.app;
      if (existing && request.approvalTier === undefined) {
        const note = await overwriteCheck(cluster, ref, existing, request.target.app, callOf(context));
        if (note !== undefined) {
          throw new KvcsiError('FORBIDDEN', `request ${request.id} ${note}; it was not approved for that — ask again so an approver sees it`, {
            field: 'secretName', rule: 'a secret request writes only secrets tagged for its app or mounted by the app\'s SecretProviderClasses',
          });
        }
      }
      const properties = await writeSecret({
        vault, ref, name, value,
        ...(request.details?.contentType !== undefined ? { contentType: request.details.contentType } : {}),
        // A new version keeps the owner's app tag: an approved overwrite does not hand the secret to the requesting app.
        tags: secretTags({ createdBy: request.requester, ...(owner !== undefined ? { app: owner } : {}), requestId: request.id }),
        newVersion: request.details?.newVersion === 'true',
        ...callOf(context),
      });
      written.properties = properties;
      return {
        changed: true,
        message: `wrote ${properties.version ? `version ${properties.version} of ` : ''}secret ${name} in ${ref.name}`,
        after: { secretName: name, vault: ref.name, version: properties.version ?? null, contentType: properties.contentType ?? null },
      };
    };

  /** Recovers an approved secret-recover in the cluster's registry vault; remembers the properties for the result. */
  const secretRecoverer = (recovered: { properties?: SecretProperties }) =>
    async (request: AccessRequest, context: { signal?: AbortSignal }): Promise<ExecutorResult> => {
      if (request.kind !== 'secret-recover') throw new KvcsiError('INTERNAL', `request ${request.id} is not a secret-recover`);
      const { ref } = secretTargetOf(request);
      const name = request.target.secretName ?? '';
      const outcome = await recoverSecretNow(vault, ref, name, callOf(context));
      if (outcome.properties) recovered.properties = outcome.properties;
      return {
        changed: outcome.changed, message: outcome.message,
        after: { secretName: name, vault: ref.name, version: outcome.properties?.version ?? null },
      };
    };

  const applyRecoverRequest = async (request: AccessRequest, who: Who, call: CallOptions): Promise<SecretActionResult> => {
    const recovered: { properties?: SecretProperties } = {};
    const applied = await requests.applyApproved(request, secretRecoverer(recovered), { actor: who.id, ...groupsOf(who), ...call });
    return secretResult(applied.request, outcomeOfApply(applied), recovered.properties);
  };

  const secretResult = (request: AccessRequest, outcome: ActionOutcome, properties?: SecretProperties): SecretActionResult => {
    const name = request.target.secretName ?? '';
    return {
      request, outcome, vault: request.target.vault ?? '', secretName: name,
      ...(properties ? { secret: properties } : {}),
      snippet: secretSnippet(name),
    };
  };

  const supply = async (request: AccessRequest, who: Who, value: string, call: CallOptions): Promise<SecretActionResult> => {
    const written: { properties?: SecretProperties } = {};
    const applied = await requests.supplySecretValue({ id: request.id, actor: who.id, ...groupsOf(who), value, writeSecret: secretWriter(written), ...call });
    return secretResult(applied.request, outcomeOfApply(applied), written.properties);
  };

  const approvedSecretOutcome = (request: AccessRequest, warnings: string[]): ActionOutcome => ({
    status: 'approved',
    message: `approved: ${request.requester} may now set the value of ${request.target.secretName ?? 'the secret'} (kvcsi secret set-value ${request.id})`,
    warnings,
  });

  const service: KvcsiService = {
    async listClusters() {
      return registry.list().map(toClusterSummary);
    },

    async checkRead(input) {
      await enforceRead(input, registry.get(input.cluster));
    },

    async bindings(input = {}) {
      const clusters = input.cluster !== undefined ? [registry.get(input.cluster)] : registry.list();
      if (input.app !== undefined) validateAppName(input.app);
      if (input.cluster !== undefined) await enforceRead(input, clusters[0]!);
      return {
        clusters: await Promise.all(clusters.map(async (cluster) => {
          try {
            await enforceRead(input, cluster);
            const bindings = await findAppBindings({ clusterPort: clusterPort(cluster.name), cluster, ...(input.app !== undefined ? { app: input.app } : {}), ...callOf(input) });
            return { cluster: cluster.name, tier: cluster.tier, bindings };
          } catch (error) {
            if (input.signal?.aborted) throw error;
            return { cluster: cluster.name, tier: cluster.tier, bindings: [], error: errorSummary(error) };
          }
        })),
      };
    },

    async diagnosePod(input) {
      const cluster = registry.get(input.cluster);
      await enforceRead(input, cluster);
      return diagnose({ kind: 'pod', cluster: cluster.name, namespace: input.namespace, name: input.pod }, { cluster: clusterPort(cluster.name), vault, registry, clock, ...callOf(input) });
    },

    async diagnoseApp(input) {
      const cluster = registry.get(input.cluster);
      const app = validateAppName(input.app);
      await enforceRead(input, cluster);
      return diagnose({ kind: 'app', cluster: cluster.name, app, ...(input.namespace !== undefined ? { namespace: input.namespace } : {}) }, { cluster: clusterPort(cluster.name), vault, registry, clock, ...callOf(input) });
    },

    async status(input) {
      const cluster = registry.get(input.cluster);
      await enforceRead(input, cluster);
      const call = callOf(input);
      const [kubernetes, vaultStatus, identity, pending] = await Promise.all([
        clusterPort(cluster.name).getCsiDriver(call).then(
          (driver): ClusterStatus['kubernetes'] => ({ reachable: true, csiDriverInstalled: driver !== undefined }),
          (error): ClusterStatus['kubernetes'] => ({ reachable: false, error: errorSummary(error) }),
        ),
        vault.getVaultProperties(cluster.keyVault, call).then(
          (properties): ClusterStatus['vault'] => properties
            ? { name: cluster.keyVault.name, reachable: true, authModel: properties.authModel, publicNetworkAccess: properties.publicNetworkAccess }
            : { name: cluster.keyVault.name, reachable: true, error: { code: 'NOT_FOUND', message: `vault ${cluster.keyVault.name} was not found` } },
          (error): ClusterStatus['vault'] => ({ name: cluster.keyVault.name, reachable: false, error: errorSummary(error) }),
        ),
        (async (): Promise<ClusterStatus['identity']> => {
          try {
            if (cluster.identity.kind === 'discover') {
              const found = await vault.discoverKubeletIdentity(cluster, call);
              return { clientId: found.clientId, objectId: found.objectId, ...(found.displayName ? { displayName: found.displayName } : {}) };
            }
            const clientId = cluster.identity.clientId;
            const found = await vault.resolveIdentity({ clientId, tenantId: cluster.tenantId, ...call });
            if (!found) return { clientId, error: { code: 'NOT_FOUND', message: `no service principal with client id ${clientId}` } };
            return { clientId, objectId: found.objectId, ...(found.displayName ? { displayName: found.displayName } : {}) };
          } catch (error) {
            return { error: errorSummary(error) };
          }
        })(),
        requests.list({ status: 'pending', cluster: cluster.name, limit: 1000, ...call }),
      ]);
      return { cluster: toClusterSummary(cluster), kubernetes, vault: vaultStatus, identity, requests: { pending: pending.length } };
    },

    async planGrant(input: PlanGrantOptions) {
      const who = whoOf(input.actor);
      const cluster = registry.get(input.cluster);
      const app = validateAppName(input.app);
      await enforce(who, 'read', cluster, { app }, callOf(input));
      return plan('grant', cluster, app, callOf(input));
    },

    grant: (input) => act('grant', input),

    async planRevoke(input: PlanGrantOptions) {
      const who = whoOf(input.actor);
      const cluster = registry.get(input.cluster);
      const app = validateAppName(input.app);
      await enforce(who, 'read', cluster, { app }, callOf(input));
      return plan('revoke', cluster, app, callOf(input));
    },

    revoke: (input) => act('revoke', input),

    async createSecret(input) {
      const who = whoOf(input.actor);
      const actor = who.id;
      const call = callOf(input);
      const name = validateSecretName(input.name);
      validateSecretValue(input.value);
      const contentType = validateContentType(input.contentType);
      const app = input.app !== undefined ? validateAppName(input.app) : undefined;
      const cluster = registry.get(input.cluster);
      const ref = vaultRefOf(cluster);
      // Refuse before anything is requested, so nothing is half done; the writer checks again right before writing.
      if (!input.newVersion) await assertSecretAbsent(vault, ref, name, call);
      const existing = input.newVersion ? await findSecretProperties(vault, ref, name, call) : undefined;
      const overwrites = existing ? await overwriteCheck(cluster, ref, existing, app, call) : undefined;
      const request = await requests.submit({
        actor, ...groupsOf(who), kind: 'secret-create',
        target: { cluster: cluster.name, tier: strictestTierOfVault(cluster, registry), vault: ref.name, secretName: name, ...(app !== undefined ? { app } : {}) },
        justification: input.justification?.trim() || `create secret ${name} in ${ref.name}${app ? ` for ${app}` : ''}`,
        details: { ...(overwrites !== undefined ? { overwrites } : {}), newVersion: input.newVersion ? 'true' : 'false', ...(contentType !== undefined ? { contentType } : {}) },
        ...(overwrites !== undefined ? { escalate: { reason: overwrites } } : {}),
        ...call,
      });
      if (request.status === 'pending') {
        return secretResult(request, {
          status: 'pending',
          message: `creating ${name} in ${ref.name} waits for approval${request.approverGroup ? ` by a member of ${request.approverGroup}` : ''}; the value was not kept — once approved, set it with: kvcsi secret set-value ${request.id}`,
          warnings: [],
        });
      }
      return supply(request, who, input.value, call);
    },

    async requestSecret(input) {
      const who = whoOf(input.actor);
      const actor = who.id;
      const call = callOf(input);
      const name = validateSecretName(input.name);
      const app = validateAppName(input.app);
      const contentType = validateContentType(input.contentType);
      if (!Array.isArray(input.clusters) || input.clusters.length === 0) throw new KvcsiError('INVALID_INPUT', 'name at least one cluster', { field: 'clusters' });
      // One request per vault, on the strictest tier among the clusters that share it.
      const byVault = new Map<string, Cluster>();
      for (const cluster of input.clusters.map((clusterName) => registry.get(clusterName))) {
        const key = cluster.keyVault.name.toLowerCase();
        const current = byVault.get(key);
        if (!current || isStricterTier(cluster.tier, current.tier)) byVault.set(key, cluster);
      }
      const results: SecretActionResult[] = [];
      for (const cluster of byVault.values()) {
        const ref = vaultRefOf(cluster);
        const existing = await findSecretProperties(vault, ref, name, call);
        const overwrites = existing ? await overwriteCheck(cluster, ref, existing, app, call) : undefined;
        const warnings = existing ? [`secret ${existing.name} exists already in ${ref.name}: the value set for this request becomes its new version`] : [];
        if (overwrites !== undefined) warnings.push(`${overwrites}: this needs an approval whatever the tier`);
        const request = await requests.submit({
          actor, ...groupsOf(who), kind: 'secret-request',
          target: { cluster: cluster.name, tier: strictestTierOfVault(cluster, registry), app, vault: ref.name, secretName: name },
          justification: input.justification,
          ...(overwrites !== undefined ? { escalate: { reason: overwrites } } : {}),
          details: {
            ...(overwrites !== undefined ? { overwrites } : {}),
            newVersion: existing ? 'true' : 'false',
            ...(input.description !== undefined ? { description: input.description } : {}),
            ...(contentType !== undefined ? { contentType } : {}),
          },
          ...call,
        });
        results.push(secretResult(request, request.status === 'pending'
          ? pendingOutcome(request, warnings, `the secret ${name} in ${ref.name}`)
          : approvedSecretOutcome(request, warnings)));
      }
      return { results };
    },

    async supplySecretValue(input) {
      const who = whoOf(input.actor);
      validateSecretValue(input.value);
      const request = await requests.get(input.requestId, callOf(input));
      if (request.kind !== 'secret-request' && request.kind !== 'secret-create') {
        throw new KvcsiError('INVALID_INPUT', `request ${request.id} is a ${request.kind} request, not a secret request`, { field: 'requestId' });
      }
      return supply(request, who, input.value, callOf(input));
    },

    async recoverSecret(input) {
      const who = whoOf(input.actor);
      const call = callOf(input);
      const name = validateSecretName(input.name);
      const app = input.app !== undefined ? validateAppName(input.app) : undefined;
      const cluster = registry.get(input.cluster);
      const ref = vaultRefOf(cluster);
      // Refused before anything is requested when there is nothing to recover; the recoverer looks again when it runs.
      const deleted = await findRecoverableSecret(vault, ref, name, call);
      const request = await requests.submit({
        actor: who.id, ...groupsOf(who), kind: 'secret-recover',
        target: { cluster: cluster.name, tier: strictestTierOfVault(cluster, registry), vault: ref.name, secretName: deleted.name, ...(app !== undefined ? { app } : {}) },
        justification: input.justification?.trim() || `recover secret ${deleted.name} in ${ref.name}${deleted.deletedOn ? `, deleted ${deleted.deletedOn}` : ''}${app ? ` (mounted by ${app})` : ''}`,
        details: {
          ...(deleted.deletedOn !== undefined ? { deletedOn: deleted.deletedOn } : {}),
          ...(deleted.scheduledPurgeOn !== undefined ? { scheduledPurgeOn: deleted.scheduledPurgeOn } : {}),
        },
        ...call,
      });
      if (request.status === 'pending') {
        const warnings = deleted.scheduledPurgeOn ? [`Key Vault purges ${deleted.name} at ${deleted.scheduledPurgeOn}; after that it cannot be recovered`] : [];
        return secretResult(request, pendingOutcome(request, warnings, `recovering ${deleted.name} in ${ref.name}`));
      }
      return applyRecoverRequest(request, who, call);
    },

    async listRequests(query = {}) {
      const { signal, reader: _reader, ...rest } = query;
      const listed = await requests.list({ ...rest, ...(signal ? { signal } : {}) });
      return listed.filter((request) => mayRead(query, request.target.tier));
    },

    async getRequest(id, callOptions) {
      const request = await requests.get(id, callOf(callOptions));
      if (callOptions?.reader) {
        const cluster = registry.list().find((each) => each.name === request.target.cluster);
        if (cluster) await enforceRead(callOptions, cluster, request.target.tier);
        else if (!mayRead(callOptions, request.target.tier)) throw new KvcsiError('FORBIDDEN', `the policy does not let ${whoOf(callOptions.reader).id} read ${request.target.tier}`, { rule: 'policy' });
      }
      return request;
    },

    async approve(input) {
      const who = whoOf(input.actor);
      const call = callOf(input);
      const approved = await requests.approve({ id: input.requestId, actor: who.id, ...groupsOf(who), ...(input.reason ? { reason: input.reason } : {}), ...call });
      if (approved.kind === 'grant' || approved.kind === 'revoke') return applyAccessRequest(approved, who, call);
      if (approved.kind === 'secret-recover') return applyRecoverRequest(approved, who, call);
      return { request: approved, outcome: approvedSecretOutcome(approved, []) };
    },

    async resumeApproved(input = {}) {
      const grace = input.graceInMs ?? DEFAULT_RESUME_GRACE_IN_MS;
      const call = callOf(input);
      const approved = await requests.list({ status: 'approved', ...call });
      const stranded = approved.filter(
        (request) => (request.kind === 'grant' || request.kind === 'revoke' || request.kind === 'secret-recover') && clock.now() - Date.parse(request.decision?.at ?? request.updatedAt) >= grace,
      );
      const results: ActionResult[] = [];
      for (const request of stranded) {
        // The decision's signature is verified again before anything runs; the apply is audited as kvcsi's.
        try {
          const system = { id: SYSTEM_ACTOR };
          results.push(await (request.kind === 'secret-recover' ? applyRecoverRequest(request, system, call) : applyAccessRequest(request, system, call)));
        } catch (error) {
          // Another replica's sweep claimed it first: it is being applied, once.
          if (!(error instanceof KvcsiError && error.code === 'CONFLICT')) throw error;
        }
      }
      return results;
    },

    async reject(input) {
      const who = whoOf(input.actor);
      const actor = who.id;
      const rejected = await requests.reject({ id: input.requestId, actor, ...groupsOf(who), reason: input.reason, ...callOf(input) });
      const withdrawn = rejected.requester === actor;
      return { request: rejected, outcome: { status: 'rejected', message: `${withdrawn ? 'withdrawn' : 'rejected'} by ${actor}${input.reason ? `: ${input.reason}` : ''}`, warnings: [] } };
    },

    async audit(query = {}) {
      const limit = query.limit ?? DEFAULT_AUDIT_LIMIT;
      const events = await audit.query({
        ...(query.app !== undefined ? { app: query.app } : {}),
        ...(query.cluster !== undefined ? { cluster: query.cluster } : {}),
        ...(query.requestId !== undefined ? { requestId: query.requestId } : {}),
        ...(query.actor !== undefined ? { actor: query.actor } : {}),
        ...(query.since !== undefined ? { since: parseSince(query.since, clock.now()) } : {}),
        order: 'newest-first',
        limit,
        ...callOf(query),
      });
      return events.filter((event) => mayRead(query, event.where?.tier ?? tierOfCluster(event.where?.cluster))).reverse();
    },
  };
  return service;
}
