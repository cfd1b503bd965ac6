/**
 * The `policy` section of the registry config: who may do what on which tier, and which actions need a second
 * person's approval.
 *
 * Sample (YAML, as the registry config will embed it):
 *
 *   policy:
 *     groups:
 *       approvers-prd: [slack:U0APPROVER, backstage:user:default/jane, cli:approver]
 *       platform: [slack:U0PLATFORM, cli:alice]
 *     rules:
 *       - principals: [group:platform, group:approvers-prd]
 *         actions: [grant, revoke, secret-create, secret-request, secret-recover]
 *       - principals: ['*']                    # everyone
 *         actions: [secret-request]
 *         tiers: [dev, hub]
 *       - principals: [cli:mallory]
 *         actions: [read]
 *         effect: deny
 *     approvals:                             # per tier; prd is required (no group) unless written otherwise
 *       prd: { required: true, group: approvers-prd }
 *       hub: { required: true, group: approvers-prd, actions: [secret-create] }
 *     requestTtlInMs: 86400000                 # 24 h
 *
 * Principals: `slack:<user id>`, `backstage:<user entity ref>`, `aad:<user principal name>` (a CLI user, as their Entra
 * ID token names them), `aad-group:<Entra group object id>` (a CLI user whose token lists the group), `group:<name>`
 * or `*`. `cli:<user>` is legacy: still parsed, but the CLI no longer names anyone so (it asserted an OS user).
 * Writes are denied unless a rule allows them; reads are allowed unless a rule denies them; a deny beats an allow.
 */
import { z } from 'zod';
import { TIERS } from '../clusters/tiers.js';

export const POLICY_ACTIONS = ['read', 'grant', 'revoke', 'secret-create', 'secret-request', 'secret-recover', 'approve'] as const;
export type PolicyAction = (typeof POLICY_ACTIONS)[number];

/** The actions that change something and so are denied by default and may need approval. */
export const WRITE_ACTIONS = ['grant', 'revoke', 'secret-create', 'secret-request', 'secret-recover'] as const satisfies readonly PolicyAction[];
export type WriteAction = (typeof WRITE_ACTIONS)[number];

export const DEFAULT_REQUEST_TTL_IN_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_APPROVERS_GROUP = 'approvers-prd';

/** A person: `slack:U123`, `backstage:user:default/jane`, `aad:jane@contoso.com`; `cli:alice` is legacy (the CLI no longer produces it). */
export const PRINCIPAL_PATTERN = /^(slack:[A-Z0-9]+|backstage:[a-z]+:[^\s/]+\/[^\s]+|aad:[^\s:@]+@[^\s:@]+|cli:[^\s:]+)$/;
/** An Entra ID group, by object id: the CLI user's token lists it in its `groups` claim. */
export const AAD_GROUP_PATTERN = /^aad-group:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const GROUP_NAME_PATTERN = /^[a-z0-9]([-a-z0-9_.]*[a-z0-9])?$/;

const principal = z.union([
  z.string().regex(PRINCIPAL_PATTERN),
  z.string().regex(AAD_GROUP_PATTERN),
], { error: 'must be slack:<user id>, backstage:<kind>:<namespace>/<name>, aad:<user principal name> or aad-group:<group object id>' });
const subject = z.union([
  principal,
  z.literal('*'),
  z.string().regex(/^group:[a-z0-9]([-a-z0-9_.]*[a-z0-9])?$/, 'must be group:<name>'),
], { error: 'must be a principal (slack:…, backstage:…, aad:…, aad-group:…), group:<name> or *' });

const ruleSchema = z.strictObject({
  principals: z.array(subject).min(1),
  actions: z.array(z.enum(POLICY_ACTIONS)).min(1),
  /** Default: every tier. */
  tiers: z.array(z.enum(TIERS)).min(1).optional(),
  effect: z.enum(['allow', 'deny']).default('allow'),
});

const approvalSchema = z.strictObject({
  required: z.boolean(),
  /** The group whose members (other than the requester) may approve. Without one, anyone allowed `approve` may. */
  group: z.string().regex(GROUP_NAME_PATTERN).optional(),
  /** The write actions this applies to. Default: all of them. */
  actions: z.array(z.enum(WRITE_ACTIONS)).min(1).optional(),
});

export const policyConfigSchema = z
  .strictObject({
    groups: z.record(z.string().regex(GROUP_NAME_PATTERN, 'group names are lower-case letters, digits, - _ .'), z.array(principal)).default({}),
    rules: z.array(ruleSchema).default([]),
    approvals: z
      .strictObject({ dev: approvalSchema.optional(), hub: approvalSchema.optional(), prd: approvalSchema.optional() })
      .default({})
      // Merged per tier with the default: writing only `hub:` must not drop four-eyes on prd (fail closed). prd goes
      // without approval only when the policy says so (`prd: { required: false }`).
      .transform((approvals) => ({ ...approvals, prd: approvals.prd ?? { required: true } })),
    requestTtlInMs: z.number().int().min(60_000).max(30 * 24 * 60 * 60 * 1000).default(DEFAULT_REQUEST_TTL_IN_MS),
  })
  .superRefine((policy, context) => {
    policy.rules.forEach((rule, index) => {
      rule.principals.forEach((who, whoIndex) => {
        if (who.startsWith('group:') && !(who.slice('group:'.length) in policy.groups)) {
          context.addIssue({ code: 'custom', path: ['rules', index, 'principals', whoIndex], message: `names an undefined group ${who}` });
        }
      });
    });
    for (const tier of TIERS) {
      const group = policy.approvals[tier]?.group;
      if (group !== undefined && !(group in policy.groups)) {
        context.addIssue({ code: 'custom', path: ['approvals', tier, 'group'], message: `names an undefined group ${group}` });
      }
    }
  });

export type PolicyConfig = z.output<typeof policyConfigSchema>;
export type PolicyConfigInput = z.input<typeof policyConfigSchema>;

/**
 * The sandbox's three users as the CLI names them (`--as requester` is `aad:requester@cafehyna.com.br`, the sandbox
 * scenario's user principal name): the requester may ask for anything, the approver is the production approvers
 * group, the outsider may only read.
 */
export const SANDBOX_POLICY: PolicyConfigInput = {
  groups: { [DEFAULT_APPROVERS_GROUP]: ['aad:approver@cafehyna.com.br'], requesters: ['aad:requester@cafehyna.com.br'] },
  rules: [{ principals: ['group:requesters', `group:${DEFAULT_APPROVERS_GROUP}`], actions: [...WRITE_ACTIONS] }],
  approvals: { prd: { required: true, group: DEFAULT_APPROVERS_GROUP } },
};
