/**
 * The watcher's ProblemStore on Knex, shared by the bot's replicas: whichever holds the watch Lease reads what the
 * previous leader wrote. Every change is compare-and-set on `version`; one open message per cause is enforced by a
 * unique index, so two writers racing to announce the same cause get one row.
 */
import type { CallOptions, MessageRow, ProblemRow, ProblemStore, SilenceRow } from '@kvcsi/core';
import type { Knex } from 'knex';
import { isUniqueViolation, runStoreOperation } from './errors.js';
import { WATCH_MESSAGES_TABLE, WATCH_PROBLEMS_TABLE, WATCH_SILENCES_TABLE } from './tables.js';

interface StoredRow {
  version: number;
  document: string;
}

const problemOf = (row: StoredRow): ProblemRow => ({ ...(JSON.parse(row.document) as ProblemRow), version: Number(row.version) });
const messageOf = (row: StoredRow): MessageRow => ({ ...(JSON.parse(row.document) as MessageRow), version: Number(row.version) });

const problemColumns = (row: ProblemRow) => ({
  key: row.key, cause_key: row.causeKey, cluster: row.cluster, namespace: row.namespace, workload: row.workload, app: row.app ?? null, state: row.state,
  version: row.version, document: JSON.stringify({ ...row, version: undefined }),
});
const messageColumns = (row: MessageRow) => ({
  id: row.id, cause_key: row.causeKey, open_cause_key: row.state === 'open' ? row.causeKey : null, state: row.state,
  version: row.version, document: JSON.stringify({ ...row, version: undefined }),
});

export function createKnexProblemStore(knex: Knex, options: CallOptions = {}): ProblemStore {
  const run = <T>(operation: string, work: () => Promise<T>): Promise<T> => runStoreOperation(operation, options, work);
  const getProblem = async (key: string): Promise<ProblemRow | undefined> => {
    const row = await knex(WATCH_PROBLEMS_TABLE).select('version', 'document').where({ key }).first<StoredRow | undefined>();
    return row === undefined ? undefined : problemOf(row);
  };
  const updateProblem = async (row: ProblemRow): Promise<boolean> => {
    const affected = await knex(WATCH_PROBLEMS_TABLE).where({ key: row.key, version: row.version }).update(problemColumns({ ...row, version: row.version + 1 }));
    return affected === 1;
  };
  const getOpenMessage = async (causeKey: string): Promise<MessageRow | undefined> => {
    const row = await knex(WATCH_MESSAGES_TABLE).select('version', 'document').where({ open_cause_key: causeKey }).first<StoredRow | undefined>();
    return row === undefined ? undefined : messageOf(row);
  };
  return {
    openProblem: (input) => run('open watch problem', async () => {
      const fresh: ProblemRow = { ...input, state: 'open', version: 1 };
      try {
        await knex(WATCH_PROBLEMS_TABLE).insert(problemColumns(fresh));
        return { created: true, row: fresh };
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
      }
      const existing = await getProblem(input.key);
      if (existing === undefined) throw new Error(`watch problem ${input.key} vanished while opening it`);
      if (existing.state === 'open') return { created: false, row: existing };
      // It recurs: reopen the resolved row (compare-and-set, so one of two racing writers wins).
      const reopened: ProblemRow = { ...input, state: 'open', version: existing.version };
      if (await updateProblem(reopened)) return { created: true, row: { ...reopened, version: existing.version + 1 } };
      const now = await getProblem(input.key);
      return { created: false, row: now ?? reopened };
    }),

    updateProblem: (row) => run('update watch problem', () => updateProblem(row)),

    listOpenProblems: (filter = {}) => run('list open watch problems', async () => {
      const where: Record<string, string> = { state: 'open' };
      if (filter.cluster !== undefined) where['cluster'] = filter.cluster;
      if (filter.namespace !== undefined) where['namespace'] = filter.namespace;
      if (filter.workload !== undefined) where['workload'] = filter.workload;
      if (filter.causeKey !== undefined) where['cause_key'] = filter.causeKey;
      if (filter.app !== undefined) where['app'] = filter.app;
      const rows: StoredRow[] = await knex(WATCH_PROBLEMS_TABLE).select('version', 'document').where(where).orderBy('key');
      return rows.map(problemOf);
    }),

    openMessage: (input) => run('open watch message', async () => {
      const fresh: MessageRow = { ...input, state: 'open', version: 1 };
      try {
        await knex(WATCH_MESSAGES_TABLE).insert(messageColumns(fresh));
        return { created: true, row: fresh };
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
      }
      const existing = await getOpenMessage(input.causeKey);
      if (existing === undefined) throw new Error(`watch message for ${input.causeKey} vanished while opening it`);
      return { created: false, row: existing };
    }),

    updateMessage: (row) => run('update watch message', async () => {
      const affected = await knex(WATCH_MESSAGES_TABLE).where({ id: row.id, version: row.version }).update(messageColumns({ ...row, version: row.version + 1 }));
      return affected === 1;
    }),

    getOpenMessage: (causeKey) => run('get open watch message', () => getOpenMessage(causeKey)),

    getMessage: (id) => run('get watch message', async () => {
      const row = await knex(WATCH_MESSAGES_TABLE).select('version', 'document').where({ id }).first<StoredRow | undefined>();
      return row === undefined ? undefined : messageOf(row);
    }),

    listMessages: (filter = {}) => run('list watch messages', async () => {
      const rows: StoredRow[] = await knex(WATCH_MESSAGES_TABLE).select('version', 'document').where(filter.state === undefined ? {} : { state: filter.state }).orderBy('id');
      return rows.map(messageOf);
    }),

    getSilence: (causeKey) => run('get watch silence', async () => {
      const row = await knex(WATCH_SILENCES_TABLE).select('document').where({ cause_key: causeKey }).first<{ document: string } | undefined>();
      return row === undefined ? undefined : (JSON.parse(row.document) as SilenceRow);
    }),

    // The latest choice wins (an upsert on the cause), whichever replica's Slack handler wrote it.
    setSilence: (row) => run('set watch silence', async () => {
      await knex(WATCH_SILENCES_TABLE).insert({ cause_key: row.causeKey, kind: row.kind, until: row.until ?? null, document: JSON.stringify(row) }).onConflict('cause_key').merge();
    }),

    clearSilence: (causeKey) => run('clear watch silence', async () => (await knex(WATCH_SILENCES_TABLE).where({ cause_key: causeKey }).delete()) > 0),
  };
}
