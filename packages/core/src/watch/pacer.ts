/**
 * Slack allows about one message a second per channel (chat.postMessage's special rate limit) and answers 429 with
 * Retry-After beyond it. The pacer sends one call at a time per channel, at least `intervalInMs` apart, and when a
 * call is refused with a retry-after it waits that long and tries again. It measures the time each call queued.
 */
import { KvcsiError } from '../errors.js';
import { sleepUnlessAborted } from './informer.js';

export interface PacerOptions {
  /** Default 1000 (one message a second per channel). */
  intervalInMs?: number;
  /** Attempts of one call that keeps being rate-limited. Default 5. */
  maxAttempts?: number;
  /** How long a refusal asks to wait, in ms; undefined when the error is not a rate limit. */
  retryAfterInMsOf(error: unknown): number | undefined;
  now?: () => number;
}

export class ChannelPacer {
  /** Per call: ms spent queued behind the rate limit (waiting for the channel's slot or a Retry-After). */
  readonly queuedInMs: number[] = [];
  private readonly tails = new Map<string, Promise<void>>();
  private readonly nextSlot = new Map<string, number>();
  private readonly now: () => number;

  constructor(private readonly options: PacerOptions) {
    this.now = options.now ?? Date.now;
  }

  send<T>(channel: string, call: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const queuedAt = this.now();
    const previous = this.tails.get(channel) ?? Promise.resolve();
    const result = previous.then(() => this.attempt(channel, call, queuedAt, signal));
    const tail = result.then(() => undefined, () => undefined);
    this.tails.set(channel, tail);
    void tail.then(() => {
      if (this.tails.get(channel) === tail) this.tails.delete(channel);
    });
    return result;
  }

  private async attempt<T>(channel: string, call: () => Promise<T>, queuedAt: number, signal: AbortSignal | undefined): Promise<T> {
    const interval = this.options.intervalInMs ?? 1000;
    const maxAttempts = this.options.maxAttempts ?? 5;
    const stop = signal ?? new AbortController().signal;
    for (let attempt = 1; ; attempt++) {
      const wait = (this.nextSlot.get(channel) ?? 0) - this.now();
      if (wait > 0) await sleepUnlessAborted(wait, stop);
      if (stop.aborted) throw new KvcsiError('ABORTED', `sending to ${channel} was cancelled`);
      const startedAt = this.now();
      this.nextSlot.set(channel, startedAt + interval);
      try {
        const value = await call();
        this.queuedInMs.push(startedAt - queuedAt);
        if (this.queuedInMs.length > 10_000) this.queuedInMs.splice(0, this.queuedInMs.length - 10_000);
        return value;
      } catch (error) {
        const retryAfter = this.options.retryAfterInMsOf(error);
        if (retryAfter === undefined || attempt >= maxAttempts) throw error;
        // Retry-After is for the whole channel: later calls wait too.
        this.nextSlot.set(channel, this.now() + retryAfter);
      }
    }
  }
}
