/**
 * The collector's plumbing: bounded concurrency, a timeout per source, cancellation, memoised calls (a source asked
 * for twice is read once), and failures turned into unknown facts with their reason.
 */
import { withDeadline } from '../deadline.js';
import { KvcsiError } from '../errors.js';
import { known, unknown, type Fact, type UnknownFact } from './facts.js';
import { redact } from './redact.js';

export type SourceKind = 'kubernetes' | 'logs' | 'azure';

export interface Timeouts {
  kubernetes: number;
  logs: number;
  azure: number;
}

export const DEFAULT_TIMEOUTS_IN_MS: Timeouts = { kubernetes: 10_000, logs: 10_000, azure: 15_000 };

export interface Gatherer {
  fetch<T>(key: string, source: string, kind: SourceKind, call: (signal: AbortSignal) => Promise<T>): Promise<Fact<T>>;
  readonly unknowns: UnknownFact[];
  /** How many port calls were made (for the bench's calls-per-diagnosis). */
  readonly calls: () => number;
  /** Counts a further port call made inside one fetch (e.g. the next page). */
  countCall(): void;
}

/** A counting semaphore: at most `limit` calls run at once. */
export function createLimiter(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: (() => void)[] = [];
  const release = () => {
    active--;
    queue.shift()?.();
  };
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= limit) await new Promise<void>((resolve) => queue.push(resolve));
    active++;
    try {
      return await task();
    } finally {
      release();
    }
  };
}


function reasonOf(error: unknown): { reason: string; code?: KvcsiError['code'] } {
  if (KvcsiError.is(error)) return { reason: redact(`${error.code}: ${error.message}`), code: error.code };
  const message = error instanceof Error ? error.message : String(error);
  return { reason: redact(message) };
}

export function createGatherer(options: { concurrency: number; timeoutsInMs: Timeouts; signal?: AbortSignal }): Gatherer {
  const limit = createLimiter(Math.max(1, options.concurrency));
  const memo = new Map<string, Promise<Fact<unknown>>>();
  const unknowns: UnknownFact[] = [];
  let calls = 0;
  return {
    unknowns,
    calls: () => calls,
    countCall: () => {
      calls++;
    },
    fetch<T>(key: string, source: string, kind: SourceKind, call: (signal: AbortSignal) => Promise<T>): Promise<Fact<T>> {
      const existing = memo.get(key);
      if (existing) return existing as Promise<Fact<T>>;
      const promise = limit(() => {
        calls++;
        return withDeadline(call, { timeoutInMs: options.timeoutsInMs[kind], signal: options.signal, what: source });
      }).then(
        (value) => known(value),
        (error: unknown) => {
          const { reason, code } = reasonOf(error);
          unknowns.push(code === undefined ? { source, reason } : { source, reason, code });
          return unknown<T>(reason, code);
        },
      );
      memo.set(key, promise as Promise<Fact<unknown>>);
      return promise;
    },
  };
}
