import type { Tier } from '../clusters/schema.js';
import { KvcsiError } from '../errors.js';
import type { AuditLog, AuditWhere } from '../audit/event.js';
import { recordAudit, type RecordAuditOptions } from '../audit/record.js';
import type { Policy, PolicyDecision, PrincipalFacts } from './policy.js';
import type { PolicyAction } from './schema.js';

export interface EnforcePolicyOptions extends RecordAuditOptions {
  policy: Policy;
  audit: AuditLog;
  actor: string;
  action: PolicyAction;
  tier: Tier;
  where?: AuditWhere;
  requestId?: string;
  /** The Entra groups the actor's front end proved (CLI token), for `aad-group:` rules. */
  facts?: PrincipalFacts;
}

/** Decides; on a denial records a `policy.deny` audit event with the reason and throws FORBIDDEN. */
export async function enforcePolicy(options: EnforcePolicyOptions): Promise<PolicyDecision> {
  const { policy, audit, actor, action, tier, where, requestId, facts, ...recordOptions } = options;
  const decision = policy.decide(actor, action, tier, facts);
  if (decision.allowed) return decision;
  await recordAudit(audit, {
    actor: actor || 'unknown',
    action: 'policy.deny',
    outcome: 'denied',
    where: { ...where, tier },
    reason: decision.reason,
    details: { action },
    ...(requestId !== undefined ? { requestId } : {}),
  }, recordOptions);
  throw new KvcsiError('FORBIDDEN', decision.reason, { rule: 'policy', details: { action, tier } });
}
