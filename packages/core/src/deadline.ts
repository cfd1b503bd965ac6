import { KvcsiError } from './errors.js';

/**
 * One call's budget under an overall deadline: `timeoutInMs`, cut to what is left before `notAfter` (ms since the
 * epoch), never below 0. A CLI command gives its ports a `notAfter`, so no call — SDK retries and Retry-After waits
 * included — outlives the command, and what runs out is a TIMEOUT the report can show as "could not check".
 */
export function budgetBefore(timeoutInMs: number, notAfter: number | undefined, now: number = Date.now()): number {
  return notAfter === undefined ? timeoutInMs : Math.max(0, Math.min(timeoutInMs, notAfter - now));
}

export interface DeadlineOptions {
  /** The whole call's budget, retries included. */
  timeoutInMs: number;
  /** The caller's signal. */
  signal?: AbortSignal | undefined;
  /** What the call does, for messages: `list pods on cluster cafehyna-prd`. */
  what: string;
  details?: Record<string, unknown>;
  /** Turns any other failure into a KvcsiError (default: rethrow it as it is). */
  translate?: (error: unknown) => unknown;
}

/**
 * Runs one I/O call under the caller's signal and a deadline. The call receives a signal that fires on either; it is
 * also raced against them, so a call that ignores its signal cannot hold the caller past the deadline. A caller's
 * abort becomes ABORTED, the deadline TIMEOUT; anything else goes through `translate`.
 */
export async function withDeadline<T>(call: (signal: AbortSignal) => Promise<T>, options: DeadlineOptions): Promise<T> {
  const { signal, what, timeoutInMs } = options;
  const details = options.details ?? {};
  if (signal?.aborted) throw new KvcsiError('ABORTED', `${what}: aborted before it started`, { details });
  const timeout = AbortSignal.timeout(timeoutInMs);
  const combined = signal === undefined ? timeout : AbortSignal.any([signal, timeout]);
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
    combined.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([call(combined), aborted]);
  } catch (error) {
    if (signal?.aborted) throw new KvcsiError('ABORTED', `${what}: aborted by the caller`, { details });
    if (timeout.aborted) throw new KvcsiError('TIMEOUT', `${what}: no answer within ${timeoutInMs} ms`, { details: { ...details, timeoutInMs } });
    throw options.translate === undefined ? error : options.translate(error);
  } finally {
    if (onAbort !== undefined) combined.removeEventListener('abort', onAbort);
    aborted.catch(() => undefined);
  }
}
