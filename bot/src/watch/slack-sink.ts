/**
 * The watcher's messages in Slack: posted to the channel the registry routes the first workload to (and, for a prd
 * cluster with `watch.approvers`, to the approvers channel too, each tracked on its own), updated in place, paced to one message a second per channel with Retry-After honoured (ChannelPacer), and found again after a
 * failover by their metadata (conversations.history) instead of being posted twice.
 */
import { ChannelPacer, KvcsiError, watchChannelsFor, type ClusterRegistry, type ProblemNotice, type ProblemSink, type WatchNote } from '@kvcsi/core';
import type { webApi } from '@slack/bolt';
import { problemMessage, WATCH_METADATA_EVENT } from './presenter.js';

/** The Web API calls the sink makes. Build the WebClient with `rejectRateLimitedCalls: true`, so the pacer does the waiting. */
export type WatchSlackClient = Pick<webApi.WebClient, 'chat' | 'conversations'>;

export interface SlackProblemSinkOptions {
  client: WatchSlackClient;
  registry: ClusterRegistry;
  pacer?: ChannelPacer;
  /** The front end's approvers channel (the bot's `slack.approvalsChannel`), for clusters with `watch.approvers: true`. */
  approversChannel?: string;
  onNote?(note: WatchNote): void;
}

/** @slack/web-api's rate-limited error (code slack_webapi_rate_limited_error, retryAfter in seconds). */
export function slackRetryAfterInMs(error: unknown): number | undefined {
  const candidate = error as { code?: unknown; retryAfter?: unknown } | null;
  if (candidate?.code !== 'slack_webapi_rate_limited_error') return undefined;
  return typeof candidate.retryAfter === 'number' ? candidate.retryAfter * 1000 : 1000;
}

const refOf = (channel: string, ts: string): string => `${channel}|${ts}`;
/** A message reference as the sink returns it: `channel|ts`. */
export function parseRef(ref: string): { channel: string; ts: string } {
  const cut = ref.lastIndexOf('|');
  return { channel: ref.slice(0, cut), ts: ref.slice(cut + 1) };
}

export function createSlackProblemSink(options: SlackProblemSinkOptions): ProblemSink & { pacer: ChannelPacer } {
  const { client, registry } = options;
  const pacer = options.pacer ?? new ChannelPacer({ retryAfterInMsOf: slackRetryAfterInMs });
  const channelsOf = (notice: ProblemNotice): string[] => {
    const first = notice.workloads[0];
    const channels = watchChannelsFor(registry.get(notice.cluster), { namespace: first?.namespace ?? notice.namespace, workload: first?.workload ?? '' }, options.approversChannel === undefined ? {} : { approversChannel: options.approversChannel });
    if (channels.length === 0) throw new KvcsiError('CONFIG_INVALID', `cluster ${notice.cluster} has no watch channel in the configuration`, { field: `clusters.${notice.cluster}.watch.channel` });
    return channels;
  };
  const channelOf = (notice: ProblemNotice, target: string | undefined): string => target ?? channelsOf(notice)[0]!;
  return {
    pacer,
    targets: channelsOf,
    async post(notice, { signal, target }) {
      const channel = channelOf(notice, target);
      const message = problemMessage(notice);
      const answer = await pacer.send(channel, () => client.chat.postMessage({ channel, text: message.text, blocks: message.blocks, metadata: message.metadata, unfurl_links: false }), signal);
      if (answer.ts === undefined) throw new KvcsiError('UNAVAILABLE', `chat.postMessage to ${channel} returned no ts`);
      return refOf(answer.channel ?? channel, answer.ts);
    },
    async update(ref, notice, { signal }) {
      const { channel, ts } = parseRef(ref);
      const message = problemMessage(notice);
      await pacer.send(channel, () => client.chat.update({ channel, ts, text: message.text, blocks: message.blocks, metadata: message.metadata }), signal);
    },
    async find(notice, { signal, target }) {
      const channel = channelOf(notice, target);
      const history = await pacer.send(channel, () => client.conversations.history({ channel, limit: 100, include_all_metadata: true, oldest: String(Math.floor(notice.openedAt / 1000) - 60) }), signal);
      const found = history.messages?.find((m) => m.metadata?.event_type === WATCH_METADATA_EVENT && (m.metadata.event_payload as Record<string, unknown> | undefined)?.['messageId'] === notice.messageId);
      return found?.ts === undefined ? undefined : refOf(channel, found.ts);
    },
    note(note) {
      options.onNote?.(note);
    },
  };
}
