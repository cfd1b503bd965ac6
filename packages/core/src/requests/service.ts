/**
 * The request flows: submit, approve, reject, expire, apply. Every state change is a compare-and-set through the
 * RequestStore, so concurrent approvers and appliers race safely: one wins, the others learn who did.
 */
import type { AuditEventInput, AuditLog, AuditState, AuditWhere } from '../audit/event.js';
import { recordAudit } from '../audit/record.js';
import { looksLikeSecretValue } from '../audit/secret-looking.js';
import { redact } from '../diagnostics/redact.js';
import { KvcsiError } from '../errors.js';
import { randomId, type IdGenerator } from '../ids.js';
import { enforcePolicy } from '../policy/enforce.js';
import type { Policy } from '../policy/policy.js';
import { systemClock, type CallOptions, type Clock } from '../ports.js';
import { describeSettledRequest } from './describe.js';
import { isPastExpiry, toIsoTime, type AccessRequest, type RequestKind, type RequestStatus, type RequestTarget } from './model.js';
import type { ListRequestsOptions, RequestStore } from './ports.js';
import { DECISION_PUBLIC_KEY_ENV, type DecisionKeys } from './signing.js';
import { validateRequestDraft } from './validate.js';

export const DEFAULT_APPLY_CLAIM_TIMEOUT_IN_MS = 15 * 60 * 1000;
/** The actor recorded for what kvcsi does by itself (expiry sweeps, automatic approval by policy). */
export const SYSTEM_ACTOR = 'kvcsi';
export const POLICY_APPROVER = 'policy';

export interface RequestServiceOptions {
  store: RequestStore;
  audit: AuditLog;
  policy: Policy;
  clock?: Clock;
  generateId?: IdGenerator;
  /** How long a request waits for a decision; default: the policy's `requestTtlInMs` (24 h). */
  requestTtlInMs?: number;
  /** An apply claim older than this may be taken over (its applier crashed); default 15 min. */
  applyClaimTimeoutInMs?: number;
  /**
   * Servers sign the decisions they make (`signer`); every applier verifies a person's decision (`verifier`) before
   * acting. Without a signer this process cannot approve or reject (only withdraw its actor's own request).
   */
  decisions?: DecisionKeys;
}

export interface SubmitRequestInput extends CallOptions {
  actor: string;
  kind: RequestKind;
  target: RequestTarget;
  justification: string;
  details?: Record<string, string>;
  /** The Entra groups the actor's front end proved, for `aad-group:` rules. */
  memberOf?: readonly string[];
  /**
   * Needs a person's approval whatever the tier's rule, decided by the approvers of the strictest tier (`prd`):
   * e.g. a secret request that overwrites a secret another app uses.
   */
  escalate?: { reason: string };
}

export interface DecideRequestInput extends CallOptions {
  id: string;
  actor: string;
  reason?: string;
  /** The Entra groups the decider's front end proved, for `aad-group:` rules. */
  memberOf?: readonly string[];
}

/** What an executor reports; `before`/`after` go to the audit (names and permissions, never values). */
export interface ExecutorResult {
  changed: boolean;
  message?: string;
  correlationId?: string;
  before?: AuditState;
  after?: AuditState;
}

export type RequestExecutor = (request: AccessRequest, context: { signal?: AbortSignal }) => Promise<ExecutorResult>;

/** Writes a secret value; receives it straight from the requester and must not keep it. */
export type SecretWriter = (request: AccessRequest, value: string, context: { signal?: AbortSignal }) => Promise<ExecutorResult>;

export interface ApplyOptions extends CallOptions {
  /** Who triggers the apply; default `kvcsi`. */
  actor?: string;
  /** The actor's proven Entra groups: an automatic approval is re-derived with them when the actor is the requester. */
  memberOf?: readonly string[];
}

export interface ApplyResult {
  request: AccessRequest;
  /** True when this call ran the executor; false when the request had been applied before (nothing changed). */
  executed: boolean;
  /** Set when the executor failed; the request is then `failed`. */
  error?: KvcsiError;
}

export interface SupplySecretValueInput extends CallOptions {
  id: string;
  actor: string;
  memberOf?: readonly string[];
  value: string;
  writeSecret: SecretWriter;
}

export interface RequestService {
  submit(input: SubmitRequestInput): Promise<AccessRequest>;
  /** The request, expired first if its time is up. Throws NOT_FOUND. */
  get(id: string, options?: CallOptions): Promise<AccessRequest>;
  list(options?: ListRequestsOptions): Promise<AccessRequest[]>;
  approve(input: DecideRequestInput): Promise<AccessRequest>;
  /** By someone allowed to approve, or by the requester (withdrawal). */
  reject(input: DecideRequestInput): Promise<AccessRequest>;
  /** Moves every pending request past its expiry to `expired`; returns those this call expired. */
  expireDue(options?: CallOptions): Promise<AccessRequest[]>;
  /** approved → applied | failed, exactly once; an applied request is returned unchanged. */
  applyApproved(request: AccessRequest | string, executor: RequestExecutor, options?: ApplyOptions): Promise<ApplyResult>;
  /** For an approved secret request: the requester's value goes straight to `writeSecret`, never to the store or audit. */
  supplySecretValue(input: SupplySecretValueInput): Promise<ApplyResult>;
}

function whereOf(target: RequestTarget): AuditWhere {
  const where: AuditWhere = { cluster: target.cluster, tier: target.tier };
  for (const key of ['app', 'vault', 'scope', 'secretName', 'namespace'] as const) {
    if (target[key] !== undefined) where[key] = target[key];
  }
  return where;
}

function signalOf(options: CallOptions): CallOptions {
  return options.signal ? { signal: options.signal } : {};
}

/** A failure reason safe to store and show: the KvcsiError's code and redacted message, or only the error's class. */
function failureReasonOf(error: unknown): { reason: string; error: KvcsiError } {
  if (KvcsiError.is(error)) return { reason: `${error.code}: ${redact(error.message)}`.slice(0, 1000), error };
  const name = error instanceof Error ? error.name : typeof error;
  return {
    reason: `INTERNAL: the executor failed (${name})`,
    error: new KvcsiError('INTERNAL', `applying the request failed unexpectedly (${name})`, { cause: error }),
  };
}

export const MAX_DECISION_REASON_LENGTH = 500;

/** A decision's reason is shown and audited: short, and nothing that looks like a secret. */
function validateDecisionReason(reason: string | undefined): void {
  if (reason === undefined) return;
  if (reason.length > MAX_DECISION_REASON_LENGTH) {
    throw new KvcsiError('INVALID_INPUT', `the reason is longer than ${MAX_DECISION_REASON_LENGTH} characters`, { field: 'reason' });
  }
  if (looksLikeSecretValue(reason)) {
    throw new KvcsiError('INVALID_INPUT', 'the reason looks like it contains a secret value; say why without it', { field: 'reason' });
  }
}

export function createRequestService(options: RequestServiceOptions): RequestService {
  const { store, audit, policy } = options;
  const clock = options.clock ?? systemClock;
  const generateId = options.generateId ?? (() => randomId('req'));
  const ttlInMs = options.requestTtlInMs ?? policy.requestTtlInMs;
  const claimTimeoutInMs = options.applyClaimTimeoutInMs ?? DEFAULT_APPLY_CLAIM_TIMEOUT_IN_MS;
  const now = () => toIsoTime(clock.now());

  const record = (input: AuditEventInput, callOptions: CallOptions) =>
    recordAudit(audit, input, { clock, ...signalOf(callOptions) });

  /** Records an event; if its before/after is refused (looks secret), records it without them rather than losing it. */
  const recordWithState = async (input: AuditEventInput, callOptions: CallOptions) => {
    try {
      await record(input, callOptions);
    } catch (error) {
      if (!KvcsiError.is(error, 'INVALID_INPUT') || (input.before === undefined && input.after === undefined)) throw error;
      const { before: _before, after: _after, ...rest } = input;
      await record({ ...rest, details: { ...rest.details, auditStateRefused: error.field ?? 'before/after' } }, callOptions);
    }
  };

  const load = async (id: string, callOptions: CallOptions): Promise<AccessRequest> => {
    const request = await store.getRequest(id, signalOf(callOptions));
    if (!request) throw new KvcsiError('NOT_FOUND', `no request ${id}`, { field: 'id' });
    return request;
  };

  /** The next version of a request: version bumped, updatedAt stamped. */
  const next = (request: AccessRequest, changes: Partial<AccessRequest>): AccessRequest => ({
    ...request,
    ...changes,
    version: request.version + 1,
    updatedAt: now(),
  });

  const cas = (current: AccessRequest, updated: AccessRequest, callOptions: CallOptions) =>
    store.compareAndSetRequest({ id: current.id, status: current.status, version: current.version }, updated, signalOf(callOptions));

  /** Expires a pending request whose time is up; returns the request as it now stands. */
  const expireIfDue = async (request: AccessRequest, callOptions: CallOptions): Promise<AccessRequest> => {
    if (!isPastExpiry(request, clock.now())) return request;
    const expired = next(request, { status: 'expired' });
    if (await cas(request, expired, callOptions)) {
      await record({
        actor: SYSTEM_ACTOR, action: 'request.expire', outcome: 'succeeded', where: whereOf(request.target),
        requestId: request.id, before: { status: 'pending' }, after: { status: 'expired' }, details: { kind: request.kind },
      }, callOptions);
      return expired;
    }
    return load(request.id, callOptions);
  };

  const conflict = async (action: string, actor: string, request: AccessRequest, callOptions: CallOptions): Promise<never> => {
    const message = describeSettledRequest(request);
    await record({
      actor, action, outcome: 'conflict', where: whereOf(request.target), requestId: request.id, reason: message,
      details: { kind: request.kind, status: request.status },
      ...(request.decision ? { approver: request.decision.by } : {}),
    }, callOptions);
    throw new KvcsiError('CONFLICT', message, {
      details: { requestId: request.id, status: request.status, ...(request.decision ? { decidedBy: request.decision.by } : {}) },
    });
  };

  const deny = async (action: string, actor: string, request: AccessRequest, reason: string, callOptions: CallOptions): Promise<never> => {
    await record({
      actor, action: 'policy.deny', outcome: 'denied', where: whereOf(request.target), requestId: request.id, reason,
      details: { action },
    }, callOptions);
    throw new KvcsiError('FORBIDDEN', reason, { rule: 'policy', details: { requestId: request.id } });
  };

  /** pending → approved | rejected by a person, with the four-eyes and policy checks. */
  const decide = async (input: DecideRequestInput, to: 'approved' | 'rejected'): Promise<AccessRequest> => {
    const action = to === 'approved' ? 'request.approve' : 'request.reject';
    validateDecisionReason(input.reason);
    const current = await expireIfDue(await load(input.id, input), input);
    if (current.status !== 'pending') return conflict(action, input.actor, current, input);

    const withdrawing = to === 'rejected' && input.actor === current.requester;
    const signer = options.decisions?.signer;
    if (!withdrawing && signer === undefined) {
      return deny(to === 'approved' ? 'approve' : 'reject', input.actor, current,
        'decisions are made only by a server that authenticated the decider (the Slack bot or the Backstage backend); this process holds no decision key, so it cannot approve or reject', input);
    }
    if (to === 'approved' && input.actor === current.requester) {
      return deny('approve', input.actor, current, `${input.actor} requested ${current.id} and so cannot approve it: approval must come from someone else`, input);
    }
    if (!withdrawing) {
      const facts = input.memberOf ? { memberOf: input.memberOf } : {};
      const decision = policy.decide(input.actor, 'approve', current.approvalTier ?? current.target.tier, facts);
      if (!decision.allowed) return deny('approve', input.actor, current, decision.reason, input);
      // The group named when the request was made still binds, even if the policy changed since.
      if (current.approverGroup !== undefined && !policy.isMember(input.actor, current.approverGroup, facts)) {
        return deny('approve', input.actor, current, `${input.actor} is not in the approvers group ${current.approverGroup}`, input);
      }
    }

    const unsigned = next(current, {
      status: to,
      decision: { by: input.actor, at: now(), ...(input.reason ? { reason: input.reason } : {}) },
    });
    const decided = signer ? { ...unsigned, decision: { ...unsigned.decision!, signature: signer.sign(unsigned) } } : unsigned;
    if (!(await cas(current, decided, input))) return conflict(action, input.actor, await load(current.id, input), input);
    await record({
      actor: input.actor, action, outcome: 'succeeded', where: whereOf(current.target), requestId: current.id,
      before: { status: 'pending' }, after: { status: to }, details: { kind: current.kind },
      ...(to === 'approved' ? { approver: input.actor } : {}),
      ...(input.reason ? { reason: input.reason } : {}),
    }, input);
    return decided;
  };

  /** Takes the apply claim on an approved request; returns undefined when it had been applied already. */
  const claim = async (start: AccessRequest, actor: string, callOptions: CallOptions): Promise<AccessRequest | undefined> => {
    let current = start;
    for (;;) {
      current = await expireIfDue(current, callOptions);
      if (current.status === 'applied') return undefined;
      if (current.status !== 'approved') return conflict('request.apply', actor, current, callOptions);
      if (current.applyClaim && clock.now() - Date.parse(current.applyClaim.at) < claimTimeoutInMs) {
        return conflict('request.apply', actor, current, callOptions);
      }
      const claimed = next(current, { applyClaim: { by: actor, at: now() } });
      if (await cas(current, claimed, callOptions)) return claimed;
      current = await load(current.id, callOptions);
    }
  };

  /**
   * Why the request's approval cannot be trusted, or undefined when it can: an automatic approval must be what the
   * policy decides again now; a person's approval must carry a valid server signature.
   */
  const distrust = (request: AccessRequest, applier: ApplyOptions): string | undefined => {
    const decision = request.decision;
    if (!decision) return 'it carries no decision';
    if (decision.by === POLICY_APPROVER) {
      if (request.approvalRequired || request.approvalTier !== undefined) return 'it claims an automatic approval, but it needs a person\'s';
      // The requester's groups are known only when the requester applies (as every automatic approval is applied).
      const facts = applier.actor === request.requester && applier.memberOf ? { memberOf: applier.memberOf } : {};
      const again = policy.decide(request.requester, request.kind, request.target.tier, facts);
      return again.allowed && !again.approvalRequired ? undefined : `the policy does not approve it by itself (${again.reason})`;
    }
    const verifier = options.decisions?.verifier;
    if (!verifier) return `its approval by ${decision.by} cannot be verified here: this process holds no decision key (${DECISION_PUBLIC_KEY_ENV})`;
    return verifier.verify(request) ? undefined : `its approval by ${decision.by} carries no valid signature of a kvcsi server`;
  };

  const applyApproved: RequestService['applyApproved'] = async (requestOrId, executor, applyOptions = {}) => {
    const actor = applyOptions.actor ?? SYSTEM_ACTOR;
    const callOptions = signalOf(applyOptions);
    const id = typeof requestOrId === 'string' ? requestOrId : requestOrId.id;
    const refuse = async (request: AccessRequest, untrusted: string): Promise<never> => {
      const reason = `request ${id} is not applied: ${untrusted}`;
      await record({ actor, action: 'request.apply', outcome: 'denied', where: whereOf(request.target), requestId: id, reason, details: { kind: request.kind } }, callOptions);
      throw new KvcsiError('FORBIDDEN', reason, { rule: 'decisions are made and signed by a kvcsi server that authenticated the decider', details: { requestId: id } });
    };
    const loaded = await load(id, callOptions);
    const untrusted = loaded.status === 'approved' ? distrust(loaded, applyOptions) : undefined;
    if (untrusted !== undefined) return refuse(loaded, untrusted);
    const claimed = await claim(loaded, actor, callOptions);
    if (!claimed) return { request: await load(id, callOptions), executed: false };
    // The claim may have re-read the row: what runs is checked once more, and a forged decision ends as failed.
    const changedUnderUs = distrust(claimed, applyOptions);
    if (changedUnderUs !== undefined) {
      await cas(claimed, next(claimed, { status: 'failed', failureReason: `FORBIDDEN: ${changedUnderUs}`, applyClaim: undefined }), callOptions);
      return refuse(claimed, changedUnderUs);
    }

    const audited = { actor, where: whereOf(claimed.target), requestId: claimed.id, details: { kind: claimed.kind },
      ...(claimed.decision ? { approver: claimed.decision.by } : {}) };
    let result: ExecutorResult;
    try {
      result = await executor(claimed, callOptions);
    } catch (thrown) {
      const { reason, error } = failureReasonOf(thrown);
      const failed = next(claimed, { status: 'failed', failureReason: reason, applyClaim: undefined });
      if (!(await cas(claimed, failed, callOptions))) return conflict('request.apply', actor, await load(id, callOptions), callOptions);
      // An executor that changed something before failing (a grant across two vaults) says so: the audit keeps the
      // change that was made, marked partially-applied.
      const partial = error.details?.partiallyApplied === true ? error.details : undefined;
      if (partial) {
        await recordWithState({
          ...audited, action: 'request.apply', outcome: 'failed', reason,
          details: { ...audited.details, status: 'partially-applied' },
          before: partial.before as AuditState, after: partial.after as AuditState,
        }, callOptions);
        return { request: failed, executed: true, error };
      }
      await record({ ...audited, action: 'request.apply', outcome: 'failed', reason }, callOptions);
      return { request: failed, executed: true, error };
    }

    const outcome = {
      changed: result.changed,
      ...(result.message !== undefined ? { message: redact(result.message) } : {}),
      ...(result.correlationId !== undefined ? { correlationId: result.correlationId } : {}),
    };
    const applied = next(claimed, { status: 'applied', appliedAt: now(), outcome, applyClaim: undefined });
    if (!(await cas(claimed, applied, callOptions))) return conflict('request.apply', actor, await load(id, callOptions), callOptions);
    await recordWithState({
      ...audited, action: 'request.apply', outcome: result.changed ? 'succeeded' : 'unchanged',
      ...(result.before !== undefined ? { before: result.before } : {}),
      ...(result.after !== undefined ? { after: result.after } : {}),
      ...(result.correlationId !== undefined ? { correlationId: result.correlationId } : {}),
      ...(outcome.message !== undefined ? { reason: outcome.message } : {}),
    }, callOptions);
    return { request: applied, executed: true };
  };

  return {
    async submit(input) {
      const draft = validateRequestDraft(input);
      const tier = draft.target.tier;
      const decision = await enforcePolicy({
        policy, audit, clock, actor: input.actor, action: draft.kind, tier, where: whereOf(draft.target), ...signalOf(input),
        ...(input.memberOf ? { facts: { memberOf: input.memberOf } } : {}),
      });
      const createdAt = now();
      const escalatedGroup = input.escalate ? policy.approvalFor(draft.kind, 'prd').group ?? policy.config.approvals.prd?.group : undefined;
      const approverGroup = input.escalate ? escalatedGroup : decision.approverGroup;
      const approvalRequired = decision.approvalRequired || input.escalate !== undefined;
      const approvedByPolicy = !approvalRequired;
      const request: AccessRequest = {
        id: generateId(),
        kind: draft.kind,
        status: approvedByPolicy ? 'approved' : 'pending',
        version: 1,
        requester: input.actor,
        justification: draft.justification,
        target: draft.target,
        ...(draft.details !== undefined ? { details: draft.details } : {}),
        approvalRequired,
        ...(approverGroup !== undefined ? { approverGroup } : {}),
        ...(input.escalate ? { approvalTier: 'prd' as const } : {}),
        createdAt,
        updatedAt: createdAt,
        expiresAt: toIsoTime(clock.now() + ttlInMs),
        ...(approvedByPolicy ? { decision: { by: POLICY_APPROVER, at: createdAt, reason: decision.reason } } : {}),
      };
      await store.createRequest(request, signalOf(input));
      await record({
        actor: input.actor, action: 'request.submit', outcome: 'succeeded', where: whereOf(request.target), requestId: request.id,
        after: { status: request.status }, reason: input.escalate ? `${decision.reason}; approval required: ${input.escalate.reason}` : decision.reason,
        details: { kind: request.kind, justification: request.justification },
        ...(approvedByPolicy ? { approver: POLICY_APPROVER } : {}),
      }, input);
      return request;
    },

    async get(id, callOptions = {}) {
      return expireIfDue(await load(id, callOptions), callOptions);
    },

    async list(listOptions = {}) {
      // A pending request past its expiry is expired here, as `get` does: a list never shows it as pending.
      const listed = await store.listRequests(listOptions);
      const current = await Promise.all(listed.map((request) => (request.status === 'pending' ? expireIfDue(request, signalOf(listOptions)) : request)));
      const wanted = listOptions.status === undefined ? undefined : ([] as RequestStatus[]).concat(listOptions.status);
      return wanted === undefined ? current : current.filter((request) => wanted.includes(request.status));
    },

    approve: (input) => decide(input, 'approved'),
    reject: (input) => decide(input, 'rejected'),

    async expireDue(callOptions = {}) {
      const due = await store.listRequests({ status: 'pending', expiresBefore: now(), limit: 1000, ...signalOf(callOptions) });
      const expired: AccessRequest[] = [];
      for (const request of due) {
        const after = await expireIfDue(request, callOptions);
        if (after.status === 'expired' && after.version === request.version + 1) expired.push(after);
      }
      return expired;
    },

    applyApproved,

    async supplySecretValue(input) {
      const request = await load(input.id, input);
      if (request.kind !== 'secret-request' && request.kind !== 'secret-create') {
        throw new KvcsiError('INVALID_INPUT', `request ${request.id} is a ${request.kind} request, not a secret request`, { field: 'id' });
      }
      if (input.actor !== request.requester) {
        return deny('secret-request', input.actor, request, `only the requester (${request.requester}) may supply the value of ${request.id}`, input);
      }
      if (typeof input.value !== 'string' || input.value.length === 0) {
        throw new KvcsiError('INVALID_INPUT', 'the secret value is empty', { field: 'value' });
      }
      const { value, writeSecret } = input;
      const result = await applyApproved(request, (claimed, context) => writeSecret(claimed, value, context), {
        actor: input.actor, ...(input.memberOf ? { memberOf: input.memberOf } : {}), ...signalOf(input),
      });
      if (!result.executed) {
        // A value offered again (or before approval, or after a failure) writes nothing; it is still a value someone
        // tried to set, so it is audited (issue 19: a second set-value left no trace).
        await record({
          actor: input.actor, action: 'request.apply', outcome: result.request.status === 'applied' ? 'unchanged' : 'conflict',
          where: whereOf(result.request.target), requestId: result.request.id,
          reason: `a value for ${result.request.id} was offered while it was ${result.request.status}; nothing was written`,
          details: { kind: result.request.kind },
        }, input);
      }
      return result;
    },
  };
}
