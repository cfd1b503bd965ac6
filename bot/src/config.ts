/**
 * The `slack:` section of the kvcsi configuration: where approvals go, which cluster a channel means, and who a
 * Slack user is. Parsed at startup; a bad section stops the bot with the field named.
 *
 *   slack:
 *     transport: http                  # or socket (needs SLACK_APP_TOKEN)
 *     approvalsChannel: C0APPROVALS    # request cards are posted here
 *     channels:                        # channel id → the cluster meant when a command names none
 *       C0CAFEHYNA: cafehyna-prd
 *     users:                           # Slack user id → principal and groups; unknown users may only read
 *       U0RITA: { groups: [requesters] }                   # principal slack:U0RITA
 *       U0ABEL: { principal: slack:U0ABEL, name: Abel, groups: [approvers-prd] }
 */
import { KvcsiError, PRINCIPAL_PATTERN } from '@kvcsi/core';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

const SLACK_ID = /^[A-Z0-9]{2,}$/;
const GROUP_NAME = /^[a-z0-9]([-a-z0-9_.]*[a-z0-9])?$/;

const userSchema = z.strictObject({
  /** The principal the policy knows; default `slack:<user id>`. */
  principal: z.string().regex(PRINCIPAL_PATTERN, 'must be slack:<user id>, backstage:<kind>:<namespace>/<name> or cli:<user>').optional(),
  /** For messages only ("approved by Abel"). */
  name: z.string().min(1).max(80).optional(),
  /** Policy groups this person belongs to (merged into the policy's `groups`). */
  groups: z.array(z.string().regex(GROUP_NAME, 'group names are lower-case letters, digits, - _ .')).default([]),
});

export const slackConfigSchema = z.strictObject({
  /** The slash command as registered in the app manifest. */
  command: z.string().regex(/^\/[a-z0-9_-]{1,31}$/, 'must be a slash command such as /kvcsi').default('/kvcsi'),
  transport: z.enum(['http', 'socket']).default('http'),
  /** The channel id (C…/G…) where request cards are posted. */
  approvalsChannel: z.string().regex(SLACK_ID, 'must be a Slack channel id such as C0123ABCD'),
  channels: z.record(z.string().regex(SLACK_ID, 'must be a Slack channel id'), z.string().min(1)).default({}),
  users: z.record(z.string().regex(SLACK_ID, 'must be a Slack user id such as U0123ABCD'), userSchema).default({}),
  /**
   * How often each replica brings request cards up to date with the store: requests decided or applied elsewhere
   * (another replica, the CLI, Backstage) and requests that expired (their buttons removed).
   */
  expirySweepIntervalInMs: z.number().int().min(500).default(5_000),
  /** How long a replica's claim on a card holds; a replica that dies while updating it is taken over after this. */
  cardClaimLeaseInMs: z.number().int().min(1000).max(600_000).default(30_000),
  /** How many commands run at once; the rest wait their turn (their "working…" is shown at once). */
  workers: z.number().int().min(1).max(64).default(4),
  /** Output longer than this many characters goes as a file instead of a message. */
  fileThresholdInChars: z.number().int().min(500).max(3000).default(2800),
});

export type SlackConfig = z.output<typeof slackConfigSchema>;
export type SlackConfigInput = z.input<typeof slackConfigSchema>;
export type SlackUserConfig = z.output<typeof userSchema>;

/** Validates a `slack:` section (already parsed from YAML or JSON). Throws CONFIG_INVALID naming the field. */
export function parseSlackConfig(input: unknown, source = 'configuration'): SlackConfig {
  const result = slackConfigSchema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = ['slack', ...(issue?.path ?? []).map(String)].join('.');
  throw new KvcsiError('CONFIG_INVALID', `${source}: ${field}: ${issue?.message ?? 'invalid'}`, { field, file: source });
}

/** The whole configuration file split into the `slack:` section and everything else (registry, policy). */
export function splitConfigText(text: string, source: string): { slack: SlackConfig; rest: Record<string, unknown> } {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new KvcsiError('CONFIG_INVALID', `${source}: invalid YAML: ${(error as Error).message.split('\n')[0]}`, { file: source });
  }
  if (!document || typeof document !== 'object' || Array.isArray(document)) throw new KvcsiError('CONFIG_INVALID', `${source}: expected a mapping`, { file: source });
  const { slack, ...rest } = document as Record<string, unknown>;
  if (slack === undefined) throw new KvcsiError('CONFIG_INVALID', `${source}: the bot needs a slack: section (approvalsChannel at least)`, { file: source, field: 'slack' });
  return { slack: parseSlackConfig(slack, source), rest };
}

/** Policy group memberships the `slack.users` section declares: group → principals. */
export function policyGroupsOf(config: SlackConfig): Record<string, string[]> {
  const groups: Record<string, string[]> = {};
  for (const [userId, user] of Object.entries(config.users)) {
    const principal = user.principal ?? `slack:${userId}`;
    for (const group of user.groups) {
      const members = (groups[group] ??= []);
      if (!members.includes(principal)) members.push(principal);
    }
  }
  return groups;
}

/** The sandbox scenario's three Slack users (see packages/sandbox, scenario `default`). */
export const SANDBOX_SLACK_USERS = { requester: 'U0SBXREQ01', approver: 'U0SBXAPP01', outsider: 'U0SBXOUT01' } as const;

/** A `slack:` section for sandbox mode: requester may ask, approver approves production, outsider only reads. */
export const SANDBOX_SLACK_CONFIG: SlackConfigInput = {
  approvalsChannel: 'C0SBXAPPROVALS',
  channels: { C0SBXPRD: 'cafehyna-prd', C0SBXDEV: 'cafehyna-dev' },
  users: {
    [SANDBOX_SLACK_USERS.requester]: { name: 'Rita Requester', groups: ['requesters'] },
    [SANDBOX_SLACK_USERS.approver]: { name: 'Abel Approver', groups: ['approvers-prd'] },
  },
};
