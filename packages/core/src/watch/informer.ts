/**
 * The list-then-watch loop every ClusterPort watch runs (client-go's reflector, reduced to what the watcher needs):
 * list for a resourceVersion, stream changes from it, resume from the last one seen after a disconnect, relist after
 * 410 Gone, and back off while the API server cannot be reached. Adapters supply the two calls; the loop is theirs.
 */
import { KvcsiError } from '../errors.js';
import type { WatchChange, WatchChangeType, WatchConnectionChange } from '../ports.js';

export interface StreamHandlers {
  onOpen(): void;
  onLine(type: string, object: unknown): void;
}

export interface InformerCalls<T> {
  list(signal: AbortSignal): Promise<{ items: T[]; resourceVersion: string }>;
  /**
   * One watch stream from `resourceVersion`: calls `onOpen` once the server answered 200, `onLine` per event line
   * (ERROR lines included), and settles when the stream ends — resolves on a clean close (the server's watch timeout)
   * or an abort, rejects on a failure.
   */
  stream(resourceVersion: string, handlers: StreamHandlers, signal: AbortSignal): Promise<void>;
}

export interface InformerOptions<T> {
  signal: AbortSignal;
  onChange(change: WatchChange<T>): void;
  onConnection?(change: WatchConnectionChange): void;
  /** First retry delay after a failure, doubled up to `maxBackoffInMs`. Defaults 500 and 30000. */
  initialBackoffInMs?: number;
  maxBackoffInMs?: number;
}

const CHANGE_TYPES = new Set<string>(['ADDED', 'MODIFIED', 'DELETED']);

/** Waits, or returns early when the signal aborts. */
export function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

function resourceVersionOf(object: unknown): string | undefined {
  const version = (object as { metadata?: { resourceVersion?: unknown } } | null)?.metadata?.resourceVersion;
  return typeof version === 'string' && version !== '' ? version : undefined;
}

/** An ERROR line's Status code: 410 (Expired/Gone) means the resourceVersion was compacted away. */
function statusCodeOf(object: unknown): number | undefined {
  const code = (object as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Runs until `options.signal` aborts; never rejects for a failure of the cluster (those are retried and reported). */
export async function runInformer<T>(calls: InformerCalls<T>, options: InformerOptions<T>): Promise<void> {
  const { signal } = options;
  const initial = options.initialBackoffInMs ?? 500;
  const max = options.maxBackoffInMs ?? 30_000;
  let resourceVersion: string | undefined;
  let failures = 0;
  let lost = false;
  const emit = (type: WatchChangeType, object: T): void => {
    try {
      options.onChange({ type, object });
    } catch {
      // A consumer's bug must not stop the watch of a whole cluster.
    }
  };
  while (!signal.aborted) {
    const round = new AbortController();
    const stopRound = (): void => round.abort();
    signal.addEventListener('abort', stopRound, { once: true });
    let gone = false;
    try {
      const opened = (): void => {
        failures = 0;
        if (lost) {
          lost = false;
          options.onConnection?.({ state: 'restored', attempt: 0 });
        }
      };
      if (resourceVersion === undefined) {
        const listed = await calls.list(round.signal);
        // A list that answers is the API server back, as much as a stream that opens.
        opened();
        for (const item of listed.items) emit('ADDED', item);
        resourceVersion = listed.resourceVersion;
      }
      await calls.stream(resourceVersion, { onOpen: opened, onLine: (type, object) => {
        if (type === 'ERROR') {
          if (statusCodeOf(object) === 410) gone = true;
          round.abort();
          return;
        }
        if (type === 'BOOKMARK') {
          resourceVersion = resourceVersionOf(object) ?? resourceVersion;
          return;
        }
        if (!CHANGE_TYPES.has(type)) return;
        resourceVersion = resourceVersionOf(object) ?? resourceVersion;
        emit(type as WatchChangeType, object as T);
      } }, round.signal);
      if (!gone && round.signal.aborted && !signal.aborted) throw new KvcsiError('UNAVAILABLE', 'the watch stream reported an error');
    } catch (error) {
      if (signal.aborted) break;
      if (!gone) {
        failures += 1;
        if (!lost) {
          lost = true;
          options.onConnection?.({ state: 'lost', reason: describe(error), attempt: failures });
        }
        await sleepUnlessAborted(Math.min(max, initial * 2 ** (failures - 1)), signal);
      }
    } finally {
      signal.removeEventListener('abort', stopRound);
    }
    // 410 Gone: the version was compacted; list again for a fresh one, at once (client-go does the same).
    if (gone) resourceVersion = undefined;
  }
}
