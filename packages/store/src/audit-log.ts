import { toStoredInstant, type AuditEvent, type AuditLog, type AuditQuery } from '@kvcsi/core';
import type { Knex } from 'knex';
import { runStoreOperation } from './errors.js';
import { AUDIT_TABLE } from './tables.js';

/** Append and query only: this module has no UPDATE or DELETE, and database triggers refuse them too. */
export function createKnexAuditLog(knex: Knex): AuditLog {
  const run = runStoreOperation;
  return {
    append: (event: AuditEvent, options = {}) => run('append audit event', options, async () => {
      await knex(AUDIT_TABLE).insert({
        id: event.id,
        at: toStoredInstant(event.at, 'at'),
        actor: event.actor,
        action: event.action,
        outcome: event.outcome,
        app: event.where?.app ?? null,
        cluster: event.where?.cluster ?? null,
        vault: event.where?.vault ?? null,
        request_id: event.requestId ?? null,
        document: JSON.stringify(event),
      });
    }),

    query: (query: AuditQuery = {}) => run('query audit', query, async () => {
      const select = knex(AUDIT_TABLE).select('document');
      if (query.app !== undefined) select.where('app', query.app);
      if (query.cluster !== undefined) select.where('cluster', query.cluster);
      if (query.requestId !== undefined) select.where('request_id', query.requestId);
      if (query.actor !== undefined) select.where('actor', query.actor);
      if (query.since !== undefined) select.where('at', '>=', toStoredInstant(query.since));
      const rows: { document: string }[] = await select
        .orderBy('seq', query.order === 'newest-first' ? 'desc' : 'asc')
        .limit(query.limit ?? 1000);
      return rows.map((row) => JSON.parse(row.document) as AuditEvent);
    }),
  };
}
