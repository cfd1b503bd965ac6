/**
 * Who is clicking: a Slack user id becomes the principal the policy knows. Only users listed in `slack.users` are
 * "known"; the rest may read (diagnose, clusters, bindings) but every write is refused before it reaches the core.
 */
import type { Actor } from '@kvcsi/core';
import type { SlackConfig } from './config.js';

export interface SlackIdentity {
  slackUserId: string;
  actor: Actor;
  known: boolean;
  groups: string[];
}

export function identify(config: SlackConfig, slackUserId: string, fallbackName?: string): SlackIdentity {
  const user = config.users[slackUserId];
  const displayName = user?.name ?? fallbackName;
  const actor: Actor = { id: user?.principal ?? `slack:${slackUserId}`, ...(displayName ? { displayName } : {}) };
  return { slackUserId, actor, known: user !== undefined, groups: user?.groups ?? [] };
}

/** The Slack user behind a principal, for DMs: the configured mapping first, else `slack:<id>` itself. */
export function slackUserOf(config: SlackConfig, principal: string): string | undefined {
  for (const [userId, user] of Object.entries(config.users)) {
    if ((user.principal ?? `slack:${userId}`) === principal) return userId;
  }
  return principal.startsWith('slack:') ? principal.slice('slack:'.length) : undefined;
}

/** `<@U123>` when the principal is a Slack user, else the principal as code. */
export function mention(config: SlackConfig, principal: string): string {
  const userId = slackUserOf(config, principal);
  return userId ? `<@${userId}>` : `\`${principal}\``;
}
