import { KvcsiError } from '../errors.js';
import type { CallOptions } from '../ports.js';
import type { AuditEvent, AuditLog, AuditQuery } from './event.js';
import { toStoredInstant } from './instant.js';

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new KvcsiError('ABORTED', 'the audit operation was aborted');
}

/** An in-memory AuditLog for tests and one-shot CLI runs. Stores frozen copies; there is no way to change one. */
export function createMemoryAuditLog(): AuditLog & { readonly events: readonly AuditEvent[] } {
  const events: AuditEvent[] = [];
  return {
    get events() {
      return events.slice();
    },
    async append(event: AuditEvent, options: CallOptions = {}): Promise<void> {
      throwIfAborted(options.signal);
      events.push(Object.freeze(structuredClone(event)));
    },
    async query(query: AuditQuery = {}): Promise<AuditEvent[]> {
      throwIfAborted(query.signal);
      const since = query.since === undefined ? undefined : toStoredInstant(query.since);
      const matching = events
        .filter((event) => (query.app === undefined || event.where?.app === query.app)
          && (query.cluster === undefined || event.where?.cluster === query.cluster)
          && (query.requestId === undefined || event.requestId === query.requestId)
          && (query.actor === undefined || event.actor === query.actor)
          && (since === undefined || event.at >= since));
      return (query.order === 'newest-first' ? matching.reverse() : matching)
        .slice(0, query.limit ?? 1000)
        .map((event) => structuredClone(event));
    },
  };
}
