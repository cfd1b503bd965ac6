/**
 * The collector's plumbing: bounded concurrency, a timeout per source, cancellation, memoised calls (a source asked
 * for twice is read once), and failures turned into unknown facts with their reason.
 */
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

/** Runs `call` with its own AbortSignal, rejecting with TIMEOUT or ABORTED even if the callee ignores the signal. */
export async function withTimeout<T>(call: (signal: AbortSignal) => Promise<T>, options: { timeoutInMs: number; signal?: AbortSignal; what: string }): Promise<T> {
  if (options.signal?.aborted) throw new KvcsiError('ABORTED', `${options.what}: the diagnosis was cancelled`);
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new KvcsiError('TIMEOUT', `${options.what}: no answer within ${options.timeoutInMs} ms`);
      controller.abort(error);
      reject(error);
    }, options.timeoutInMs);
    onAbort = () => {
      const error = new KvcsiError('ABORTED', `${options.what}: the diagnosis was cancelled`);
      controller.abort(error);
      reject(error);
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([call(controller.signal), guard]);
  } finally {
    clearTimeout(timer);
    if (onAbort) options.signal?.removeEventListener('abort', onAbort);
  }
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
        const timeoutOptions: { timeoutInMs: number; signal?: AbortSignal; what: string } = { timeoutInMs: options.timeoutsInMs[kind], what: source };
        if (options.signal) timeoutOptions.signal = options.signal;
        return withTimeout(call, timeoutOptions);
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
