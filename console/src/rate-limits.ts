/**
 * Slack's rate limits, as the console enforces them on the bot's Web API calls (docs.slack.dev/apis/web-api/rate-limits):
 *
 * - `chat.postMessage` is in the "special" tier: about one message a second per channel, short bursts allowed. Here a
 *   token bucket per conversation: `postsPerSecond` (default 1) refill, `postBurst` (default 3) deep.
 * - `chat.update` is Tier 3: 50+ calls a minute per method, per app and workspace, sporadic bursts welcome. Here one
 *   bucket for the workspace: 50 a minute, 50 deep.
 *
 * Beyond a limit Slack answers HTTP 429 with `Retry-After: <seconds>` and `{"ok":false,"error":"ratelimited"}`;
 * @slack/web-api reads the header (integer seconds), then waits and retries, or rejects with
 * `slack_webapi_rate_limited_error` when built with `rejectRateLimitedCalls`. A refused call spends nothing.
 * Every refusal is counted per conversation and method, for the tests and the bench (`GET /ui/rate-limits`).
 *
 * `KVCSI_CONSOLE_RATE_LIMIT`: `off`, `on` (the default), or a number of messages per second per channel.
 */
import { KvcsiError } from '@kvcsi/core';

export interface RateLimitSettings {
  /** chat.postMessage refill, per conversation. Default 1. */
  postsPerSecond: number;
  /** chat.postMessage bucket depth (messages sent at once before the first 429). Default 3. */
  postBurst: number;
  /** chat.update (Tier 3), for the whole workspace. Default 50. */
  updatesPerMinute: number;
  /** chat.update bucket depth. Default 50. */
  updateBurst: number;
}

export const SLACK_RATE_LIMITS: Readonly<RateLimitSettings> = { postsPerSecond: 1, postBurst: 3, updatesPerMinute: 50, updateBurst: 50 };

/** The methods the console limits. */
export const RATE_LIMITED_METHODS = ['chat.postMessage', 'chat.update'] as const;
export type RateLimitedMethod = (typeof RATE_LIMITED_METHODS)[number];

/** `KVCSI_CONSOLE_RATE_LIMIT`: undefined/''/`on` → Slack's limits; `off` → none; `<n>` → n messages a second per channel. */
export function parseRateLimitSetting(value: string | undefined): RateLimitSettings | 'off' {
  const trimmed = value?.trim().toLowerCase() ?? '';
  if (trimmed === '' || trimmed === 'on') return { ...SLACK_RATE_LIMITS };
  if (trimmed === 'off') return 'off';
  const perSecond = Number(trimmed);
  if (!Number.isFinite(perSecond) || perSecond <= 0) {
    throw new KvcsiError('CONFIG_INVALID', `KVCSI_CONSOLE_RATE_LIMIT=${value}: expected off, on, or messages per second per channel (a positive number)`, { field: 'KVCSI_CONSOLE_RATE_LIMIT' });
  }
  return { ...SLACK_RATE_LIMITS, postsPerSecond: perSecond };
}

interface Bucket {
  tokens: number;
  at: number;
}

export interface RateLimitSnapshot {
  settings: RateLimitSettings;
  /** 429s answered, by conversation id, then method. */
  refused: Record<string, Partial<Record<RateLimitedMethod, number>>>;
  /** All 429s answered. */
  total: number;
}

export class SlackRateLimits {
  readonly settings: RateLimitSettings;
  private readonly buckets = new Map<string, Bucket>();
  private readonly refusals = new Map<string, Partial<Record<RateLimitedMethod, number>>>();
  private total = 0;

  constructor(settings: Partial<RateLimitSettings> = {}, private readonly now: () => number = Date.now) {
    this.settings = { ...SLACK_RATE_LIMITS, ...settings };
  }

  /**
   * Spends one call of `method` to `channel` (a conversation id), or refuses it: the seconds to wait before the
   * bucket holds a call again, rounded up as Slack's Retry-After is (at least 1).
   */
  take(method: string, channel: string): { retryAfterInSeconds: number } | undefined {
    const limit = this.limitOf(method);
    if (!limit) return undefined;
    const key = method === 'chat.update' ? 'chat.update' : `${method}|${channel}`;
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: limit.burst, at: now };
    bucket.tokens = Math.min(limit.burst, bucket.tokens + ((now - bucket.at) / 1000) * limit.perSecond);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return undefined;
    }
    const counts = this.refusals.get(channel) ?? {};
    counts[method as RateLimitedMethod] = (counts[method as RateLimitedMethod] ?? 0) + 1;
    this.refusals.set(channel, counts);
    this.total += 1;
    return { retryAfterInSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / limit.perSecond)) };
  }

  /** 429s answered to `channel` (all methods, or one). */
  refusedIn(channel: string, method?: RateLimitedMethod): number {
    const counts = this.refusals.get(channel) ?? {};
    return method ? (counts[method] ?? 0) : Object.values(counts).reduce((sum, count) => sum + (count ?? 0), 0);
  }

  snapshot(): RateLimitSnapshot {
    return { settings: { ...this.settings }, refused: Object.fromEntries([...this.refusals].map(([channel, counts]) => [channel, { ...counts }])), total: this.total };
  }

  /** Forgets the buckets and the counts (tests). */
  reset(): void {
    this.buckets.clear();
    this.refusals.clear();
    this.total = 0;
  }

  private limitOf(method: string): { perSecond: number; burst: number } | undefined {
    if (method === 'chat.postMessage') return { perSecond: this.settings.postsPerSecond, burst: Math.max(1, this.settings.postBurst) };
    if (method === 'chat.update') return { perSecond: this.settings.updatesPerMinute / 60, burst: Math.max(1, this.settings.updateBurst) };
    return undefined;
  }
}
