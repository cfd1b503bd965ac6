import type { Tier } from '../clusters/tiers.js';
import { KvcsiError } from '../errors.js';
import { policyConfigSchema, WRITE_ACTIONS, type PolicyAction, type PolicyConfig, type PolicyConfigInput, type WriteAction } from './schema.js';

export interface PolicyDecision {
  allowed: boolean;
  /** Why, in words fit for the person refused (or for the audit). */
  reason: string;
  /** For an allowed write: whether someone else must approve before it is applied. */
  approvalRequired: boolean;
  /** The group whose members may approve, when approval is required and the policy names one. */
  approverGroup?: string;
}

export interface ApprovalRule {
  required: boolean;
  group?: string;
}

/** What a front end proved about the actor beyond its id: the Entra groups (`aad-group:<object id>`) its token lists. */
export interface PrincipalFacts {
  memberOf?: readonly string[];
}

export interface Policy {
  readonly config: PolicyConfig;
  readonly requestTtlInMs: number;
  decide(actor: string, action: PolicyAction, tier: Tier, facts?: PrincipalFacts): PolicyDecision;
  /** The approval rule for a write action on a tier. */
  approvalFor(action: WriteAction, tier: Tier): ApprovalRule;
  isMember(actor: string, group: string, facts?: PrincipalFacts): boolean;
  groupsOf(actor: string, facts?: PrincipalFacts): string[];
}

function isWrite(action: PolicyAction): action is WriteAction {
  return (WRITE_ACTIONS as readonly string[]).includes(action);
}

/** Parses (with defaults) and compiles a policy section. Throws CONFIG_INVALID naming the field. */
export function createPolicy(input: PolicyConfigInput | PolicyConfig = {}): Policy {
  const parsed = policyConfigSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = ['policy', ...(issue?.path ?? []).map(String)].join('.');
    throw new KvcsiError('CONFIG_INVALID', `${field}: ${issue?.message ?? 'invalid policy'}`, { field });
  }
  const config = parsed.data;
  const groupsByPrincipal = new Map<string, string[]>();
  for (const [group, members] of Object.entries(config.groups)) {
    for (const member of members) groupsByPrincipal.set(member, [...(groupsByPrincipal.get(member) ?? []), group]);
  }

  /** The policy groups of the actor: as itself, and through the Entra groups its token lists. */
  const groupsOf = (actor: string, facts: PrincipalFacts = {}): string[] =>
    [...new Set([actor, ...(facts.memberOf ?? [])].flatMap((principal) => groupsByPrincipal.get(principal) ?? []))];
  const isMember = (actor: string, group: string, facts?: PrincipalFacts): boolean => groupsOf(actor, facts).includes(group);
  const matches = (actor: string, subject: string, facts: PrincipalFacts): boolean =>
    subject === '*' || subject === actor || (facts.memberOf ?? []).includes(subject)
    || (subject.startsWith('group:') && isMember(actor, subject.slice('group:'.length), facts));

  /** The first rule of the given effect that covers actor × action × tier, described for a reason text. */
  const findRule = (effect: 'allow' | 'deny', actor: string, action: PolicyAction, tier: Tier, facts: PrincipalFacts): string | undefined => {
    const index = config.rules.findIndex((rule) => rule.effect === effect && rule.actions.includes(action)
      && (rule.tiers === undefined || rule.tiers.includes(tier)) && rule.principals.some((who) => matches(actor, who, facts)));
    return index < 0 ? undefined : `policy.rules[${index}]`;
  };

  const approvalFor = (action: WriteAction, tier: Tier): ApprovalRule => {
    const rule = config.approvals[tier];
    if (!rule?.required || (rule.actions !== undefined && !rule.actions.includes(action))) return { required: false };
    return rule.group === undefined ? { required: true } : { required: true, group: rule.group };
  };

  const decide = (actor: string, action: PolicyAction, tier: Tier, facts: PrincipalFacts = {}): PolicyDecision => {
    const denied = (reason: string): PolicyDecision => ({ allowed: false, reason, approvalRequired: false });
    if (!actor) return denied('no actor: the caller is not identified');
    const denyRule = findRule('deny', actor, action, tier, facts);
    if (denyRule) return denied(`${actor} may not ${action} on tier ${tier} (denied by ${denyRule})`);

    if (action === 'read') return { allowed: true, reason: 'reads are allowed by default', approvalRequired: false };

    if (action === 'approve') {
      const group = config.approvals[tier]?.group;
      if (group !== undefined) {
        return isMember(actor, group, facts)
          ? { allowed: true, reason: `${actor} is in the approvers group ${group}`, approvalRequired: false }
          : denied(`${actor} is not in the approvers group ${group} for tier ${tier}`);
      }
      const allowRule = findRule('allow', actor, action, tier, facts);
      return allowRule
        ? { allowed: true, reason: `allowed by ${allowRule}`, approvalRequired: false }
        : denied(`${actor} may not approve on tier ${tier}: no rule allows it`);
    }

    const allowRule = findRule('allow', actor, action, tier, facts);
    if (!allowRule) return denied(`${actor} may not ${action} on tier ${tier}: writes are denied unless a rule allows them`);
    const approval = isWrite(action) ? approvalFor(action, tier) : { required: false };
    return {
      allowed: true,
      reason: approval.required
        ? `allowed by ${allowRule}; tier ${tier} needs an approval${approval.group ? ` from group ${approval.group}` : ''}`
        : `allowed by ${allowRule}`,
      approvalRequired: approval.required,
      ...(approval.group !== undefined ? { approverGroup: approval.group } : {}),
    };
  };

  return { config, requestTtlInMs: config.requestTtlInMs, decide, approvalFor, isMember, groupsOf };
}
