/** The watcher's problems and messages on both databases: compare-and-set, one open message per cause, reopening. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finding, type ProblemStore } from '@kvcsi/core';
import { createStore, type KvcsiStore } from './create-store.js';
import { MIGRATIONS } from './migrations.js';
import { createKnexProblemStore } from './problem-store.js';
import { MIGRATIONS_TABLE, WATCH_PROBLEMS_TABLE } from './tables.js';
import { startTestPostgres } from './testing/postgres.js';

jest.setTimeout(30_000);

const backends: [string, () => Promise<{ store: KvcsiStore; dispose(): Promise<void> }>][] = [
  ['SQLite file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvcsi-watch-'));
    const store = await createStore({ client: 'sqlite', filename: join(dir, 'kvcsi.sqlite') });
    return { store, dispose: async () => { await store.close(); rmSync(dir, { recursive: true, force: true }); } };
  }],
  ['PostgreSQL (embedded)', async () => {
    const postgres = await startTestPostgres();
    const store = await createStore({ client: 'pg', connection: postgres.connection, pool: { max: 10 } }).catch(async (error: unknown) => {
      await postgres.stop();
      throw error;
    });
    return { store, dispose: async () => { await store.close(); await postgres.stop(); } };
  }],
];

const D2 = finding({ id: 'D2', severity: 'error', title: 'No data-plane role', summary: 'kubelet identity cannot read', cause: '403 ForbiddenByRbac' });
const problem = (workload: string, causeKey = 'D2|Pod|grant:vault=kv') => ({
  key: `prd|ns|${workload}|D2|Pod`, causeKey, cluster: 'prd', namespace: 'ns', workload, findingId: 'D2', subject: 'Pod', openedAt: 1000, checkedAt: 1000,
});

describe.each(backends)('watch problems on %s', (_name, open) => {
  let backend: { store: KvcsiStore; dispose(): Promise<void> };
  let problems: ProblemStore;

  beforeAll(async () => {
    backend = await open();
    problems = createKnexProblemStore(backend.store.knex);
  }, 90_000);
  afterAll(async () => backend?.dispose());

  it('opens a problem once while it is open, updates by compare-and-set, reopens it when it recurs', async () => {
    const first = await problems.openProblem(problem('Deployment/a'));
    expect(first).toMatchObject({ created: true, row: { state: 'open', version: 1 } });
    expect(await problems.openProblem(problem('Deployment/a'))).toMatchObject({ created: false, row: { version: 1 } });

    expect(await problems.updateProblem({ ...first.row, state: 'resolved', resolvedAt: 2000 })).toBe(true);
    // A second writer holding the old version loses.
    expect(await problems.updateProblem({ ...first.row, checkedAt: 3000 })).toBe(false);
    expect(await problems.listOpenProblems({ workload: 'Deployment/a' })).toEqual([]);

    const again = await problems.openProblem({ ...problem('Deployment/a'), openedAt: 5000 });
    expect(again).toMatchObject({ created: true, row: { state: 'open', openedAt: 5000, version: 3 } });
    expect((await problems.listOpenProblems({ causeKey: 'D2|Pod|grant:vault=kv' })).map((row) => row.workload)).toEqual(['Deployment/a']);
  });

  it('lists the open problems of an app (the pod\'s app.kubernetes.io/name), leaving out other apps\' and unlabelled ones', async () => {
    await problems.openProblem({ ...problem('Deployment/web'), key: 'stg|web|Deployment/web|D2|Pod', cluster: 'stg', namespace: 'web', app: 'web' });
    await problems.openProblem({ ...problem('Deployment/api'), key: 'stg|api|Deployment/api|D2|Pod', cluster: 'stg', namespace: 'api', app: 'api' });
    const bare = await problems.openProblem({ ...problem('Pod/debug'), key: 'stg|web|Pod/debug|D2|Pod', cluster: 'stg', namespace: 'web' });
    expect(bare.row.app).toBeUndefined();
    expect((await problems.listOpenProblems({ app: 'web' })).map((row) => [row.workload, row.app])).toEqual([['Deployment/web', 'web']]);
    // An app learnt later (the watcher rechecks the workload) is written to the column too.
    expect(await problems.updateProblem({ ...bare.row, app: 'web' })).toBe(true);
    expect((await problems.listOpenProblems({ app: 'web', cluster: 'stg' })).map((row) => row.workload)).toEqual(['Deployment/web', 'Pod/debug']);
  });

  it('keeps one open message per cause, even when writers race; a resolved one makes room for the next', async () => {
    const input = { causeKey: 'D1|Vault/kv', finding: D2, cluster: 'prd', namespace: 'ns', openedAt: 1000, post: { state: 'pending' as const, since: 1000 } };
    const raced = await Promise.all([1, 2, 3, 4].map((n) => problems.openMessage({ ...input, id: `D1|Vault/kv@${n}` })));
    expect(raced.filter((result) => result.created)).toHaveLength(1);
    const winner = raced.find((result) => result.created)!.row;
    expect(new Set(raced.map((result) => result.row.id))).toEqual(new Set([winner.id]));

    expect(await problems.updateMessage({ ...winner, post: { state: 'sent', ref: 'C1:1.2' } })).toBe(true);
    const sent = (await problems.getOpenMessage('D1|Vault/kv'))!;
    expect(sent).toMatchObject({ post: { state: 'sent', ref: 'C1:1.2' }, version: 2, finding: { id: 'D2' } });
    expect(await problems.updateMessage({ ...sent, state: 'resolved', resolvedAt: 9000 })).toBe(true);
    expect(await problems.getOpenMessage('D1|Vault/kv')).toBeUndefined();
    expect((await problems.openMessage({ ...input, id: 'D1|Vault/kv@10' })).created).toBe(true);
    expect((await problems.listMessages({ state: 'resolved' })).map((row) => row.id)).toEqual([winner.id]);
  });

  it('keeps one snooze or mute per cause: the latest choice wins, every replica reads it, unmute lifts it', async () => {
    const cause = 'D2|Pod|grant:vault=kv-silence';
    expect(await problems.getSilence(cause)).toBeUndefined();
    await problems.setSilence({ causeKey: cause, kind: 'snooze', until: 1_767_229_200_000, by: 'slack:U0RITA', at: 1_767_225_600_000, messageId: `${cause}@1` });
    // Another replica's store over the same database sees it.
    const replica = createKnexProblemStore(backend.store.knex);
    expect(await replica.getSilence(cause)).toEqual({ causeKey: cause, kind: 'snooze', until: 1_767_229_200_000, by: 'slack:U0RITA', at: 1_767_225_600_000, messageId: `${cause}@1` });
    await replica.setSilence({ causeKey: cause, kind: 'mute', by: 'slack:U0ABEL', at: 1_767_225_700_000 });
    expect(await problems.getSilence(cause)).toEqual({ causeKey: cause, kind: 'mute', by: 'slack:U0ABEL', at: 1_767_225_700_000 });
    expect(await problems.getSilence('another cause')).toBeUndefined();
    expect(await problems.clearSilence(cause)).toBe(true);
    expect(await replica.clearSilence(cause)).toBe(false);
    expect(await replica.getSilence(cause)).toBeUndefined();
  });
});

describe('0006_watch_problem_app over a store with problems', () => {
  it('keeps the open problems written before it: they read back with no app, and get one when rechecked', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvcsi-watch-0006-'));
    const store = await createStore({ client: 'sqlite', filename: join(dir, 'kvcsi.sqlite'), migrate: false });
    try {
      const before = MIGRATIONS.slice(0, MIGRATIONS.findIndex((migration) => migration.name === '0006_watch_problem_app'));
      await store.knex.migrate.latest({ tableName: MIGRATIONS_TABLE, migrationSource: { getMigrations: async () => before, getMigrationName: (migration: (typeof before)[number]) => migration.name, getMigration: async (migration: (typeof before)[number]) => migration } });
      // A row as 0004's problem store wrote it.
      const old = { ...problem('Deployment/web'), state: 'open' };
      await store.knex(WATCH_PROBLEMS_TABLE).insert({ key: old.key, cause_key: old.causeKey, cluster: 'prd', namespace: 'ns', workload: 'Deployment/web', state: 'open', version: 1, document: JSON.stringify(old) });
      await store.migrate();
      const problems = createKnexProblemStore(store.knex);
      const [row] = await problems.listOpenProblems();
      expect(row).toMatchObject({ key: old.key, workload: 'Deployment/web', version: 1 });
      expect(row!.app).toBeUndefined();
      expect(await problems.listOpenProblems({ app: 'web' })).toEqual([]);
      expect(await problems.updateProblem({ ...row!, app: 'web' })).toBe(true);
      expect((await problems.listOpenProblems({ app: 'web' })).map((found) => found.key)).toEqual([old.key]);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
