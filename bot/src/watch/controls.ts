/**
 * The watch message's Snooze 1 h / Snooze 24 h / Mute / Unmute buttons. A choice is kept per cause in the store (every
 * replica's watcher honours it), audited as the person who pressed it (`watch.snooze`, `watch.mute`, `watch.unmute`,
 * where = the message's cluster and namespace), and shown at once on the message in every channel it was posted to.
 *
 * Who may press: anyone kvcsi knows (`slack.users`, the same people who may press Grant); unknown users are refused
 * before this runs. A choice only changes what the watcher posts: it calls no kvcsi action and changes no access.
 */
import {
  KvcsiError, isSilenced, problemNoticeOf, recordAudit, sentRefsOf, systemClock,
  type AuditLog, type Clock, type ClusterRegistry, type MessageRow, type ProblemStore, type SilenceRow, type Tier,
} from '@kvcsi/core';
import type { webApi } from '@slack/bolt';
import { plain } from '../presenters/common.js';
import type { SlackMessage } from '../blocks/kit.js';
import type { SlackIdentity } from '../identity.js';
import { WATCH_ACTION_IDS, problemMessage, type WatchButtonValue } from './presenter.js';
import { parseRef } from './slack-sink.js';

export interface WatchControlsOptions {
  /** The watcher's store (the same one it reads: the database's for replicas). */
  problems: ProblemStore;
  /** Where the choices are audited (the store's audit log, beside the service's events). */
  audit: AuditLog;
  clock?: Clock;
}

export interface WatchControl {
  actionId: string;
  handle(click: { value: string | undefined; identity: SlackIdentity }): Promise<SlackMessage>;
}

const HOUR_IN_MS = 3_600_000;

type Choice = { kind: 'snooze'; hours: number } | { kind: 'mute' } | { kind: 'unmute' };

const CHOICES: [string, Choice][] = [
  [WATCH_ACTION_IDS.snooze1h, { kind: 'snooze', hours: 1 }],
  [WATCH_ACTION_IDS.snooze24h, { kind: 'snooze', hours: 24 }],
  [WATCH_ACTION_IDS.mute, { kind: 'mute' }],
  [WATCH_ACTION_IDS.unmute, { kind: 'unmute' }],
];

function parseValue(raw: string | undefined): WatchButtonValue | undefined {
  try {
    const value = raw ? (JSON.parse(raw) as Partial<WatchButtonValue>) : undefined;
    return typeof value?.messageId === 'string' ? { messageId: value.messageId } : undefined;
  } catch {
    return undefined;
  }
}

export function watchControls(options: WatchControlsOptions & { registry: ClusterRegistry; client: Pick<webApi.WebClient, 'chat'>; warn(message: string, error: unknown): void }): WatchControl[] {
  const { problems, audit, registry, client } = options;
  const clock = options.clock ?? systemClock;

  /** The message as it stands now (its open workloads, the silence in force), in every channel it is in. */
  const rerender = async (message: MessageRow, silence: SilenceRow | undefined): Promise<void> => {
    const open = message.state === 'open' ? await problems.listOpenProblems({ causeKey: message.causeKey }) : [];
    const rendered = problemMessage(problemNoticeOf(message, open, isSilenced(silence, clock.now()) ? silence : undefined));
    for (const ref of sentRefsOf(message)) {
      const { channel, ts } = parseRef(ref);
      await client.chat.update({ channel, ts, text: rendered.text, blocks: rendered.blocks, metadata: rendered.metadata }).catch((error: unknown) => options.warn('could not update a watch message', error));
    }
  };

  return CHOICES.map(([actionId, choice]) => ({
    actionId,
    async handle({ value, identity }) {
      const parsed = parseValue(value);
      if (parsed === undefined) throw new KvcsiError('INVALID_INPUT', 'This button is out of date.');
      const message = await problems.getMessage(parsed.messageId);
      if (message === undefined) throw new KvcsiError('NOT_FOUND', 'kvcsi no longer has this watch message.');
      const now = clock.now();
      const actor = identity.actor.id;
      let tier: Tier | undefined;
      try {
        tier = registry.get(message.cluster).tier;
      } catch {
        // A cluster since removed from the registry: audited without its tier.
      }
      const vault = message.finding.action?.params['vault'];
      const where = { cluster: message.cluster, namespace: message.namespace, ...(tier === undefined ? {} : { tier }), ...(vault === undefined ? {} : { vault }) };
      const details = { finding: message.finding.id, slackUser: identity.slackUserId };
      let silence: SilenceRow | undefined;
      let answer: string;
      if (choice.kind === 'unmute') {
        const lifted = await problems.clearSilence(message.causeKey);
        await recordAudit(audit, { actor, action: 'watch.unmute', outcome: lifted ? 'succeeded' : 'unchanged', where, details }, { clock });
        answer = lifted ? `:bell: Unmuted: kvcsi posts and updates ${message.finding.id} again.` : ':information_source: It was not snoozed or muted (any more).';
      } else {
        silence = { causeKey: message.causeKey, kind: choice.kind, by: actor, at: now, messageId: message.id, ...(choice.kind === 'snooze' ? { until: now + choice.hours * HOUR_IN_MS } : {}) };
        await problems.setSilence(silence);
        // Marked held, so the first check after a snooze ends re-renders the message without its "Snoozed until".
        if (message.state === 'open' && message.held !== true) await problems.updateMessage({ ...message, held: true });
        const until: Record<string, string> = silence.until === undefined ? {} : { until: new Date(silence.until).toISOString() };
        await recordAudit(audit, { actor, action: `watch.${choice.kind}`, outcome: 'succeeded', where, details: { ...details, ...until } }, { clock });
        answer = choice.kind === 'mute'
          ? `:mute: Muted ${message.finding.id}: kvcsi posts nothing new for it until someone presses Unmute.`
          : `:zzz: Snoozed ${message.finding.id} for ${choice.hours} h: kvcsi posts nothing new for it until then.`;
      }
      await rerender(message, silence);
      return plain(answer);
    },
  }));
}
