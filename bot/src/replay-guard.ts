/**
 * Slack replays: a request's signature holds for 5 minutes (Bolt refuses an older timestamp), so a captured slash
 * command or button click sent again inside that window would run again. Each request's trigger_id (slash commands,
 * buttons, modals) or event_id (Events API) is covered by the signature and unique per user action: the first one
 * claims it in the replay cache, a replay is acknowledged and dropped. With the store, the bot's replicas share it.
 */
import type { AnyMiddlewareArgs, Logger, Middleware } from '@slack/bolt';

/** Slack's window for a request's timestamp (the signature check refuses anything older). */
export const SLACK_REPLAY_WINDOW_IN_MS = 5 * 60 * 1000;

export interface ReplayClaims {
  claim(key: string, options: { windowInMs: number; nowMs?: number }): Promise<boolean>;
}

/** This process's memory: enough for one replica (the store's cache is shared by all). */
export function createMemoryReplayClaims(): ReplayClaims {
  const seen = new Map<string, number>();
  return {
    async claim(key, options) {
      const nowMs = options.nowMs ?? Date.now();
      for (const [each, expiresAtMs] of seen) if (expiresAtMs < nowMs) seen.delete(each);
      if (seen.has(key)) return false;
      seen.set(key, nowMs + options.windowInMs);
      return true;
    },
  };
}

/** The id Slack gives this one user action, when the payload has one. */
export function replayKeyOf(body: unknown): string | undefined {
  const payload = body as { trigger_id?: unknown; event_id?: unknown; team_id?: unknown; team?: { id?: unknown } } | undefined;
  if (typeof payload?.trigger_id === 'string' && payload.trigger_id !== '') return `trigger:${payload.trigger_id}`;
  if (typeof payload?.event_id === 'string' && payload.event_id !== '') return `event:${payload.event_id}`;
  return undefined;
}

export function createReplayGuard(options: { claims: ReplayClaims; logger: Logger; windowInMs?: number }): Middleware<AnyMiddlewareArgs> {
  const windowInMs = options.windowInMs ?? SLACK_REPLAY_WINDOW_IN_MS;
  return async (args) => {
    const key = replayKeyOf(args.body);
    if (key !== undefined && !(await options.claims.claim(key, { windowInMs }))) {
      options.logger.warn(`a Slack request was replayed (${key.split(':')[0]} seen in the last ${windowInMs / 60_000} minutes); dropped`);
      const ack = (args as { ack?: () => Promise<void> }).ack;
      if (ack) await ack();
      return;
    }
    await args.next();
  };
}
