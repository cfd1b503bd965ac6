/** Several processes opening one new PostgreSQL at once (replicas starting together) all get a migrated store. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { knex as createKnex, type Knex } from 'knex';
import { createStore, type KvcsiStore } from './create-store.js';
import { migrateLatest } from './migrate-latest.js';
import { MIGRATIONS } from './migrations.js';
import { MIGRATIONS_TABLE } from './tables.js';
import { startTestPostgres, type TestPostgres } from './testing/postgres.js';

// Longer than migrateLatest's own 60 s deadline: a store that cannot migrate fails with its error, not a timeout.
jest.setTimeout(120_000);

let postgres: TestPostgres;
beforeAll(async () => {
  postgres = await startTestPostgres();
}, 90_000);
afterAll(async () => postgres?.stop());

it('six stores opened at once on a new database all migrate, and each migration runs once', async () => {
  const opened = await Promise.allSettled(Array.from({ length: 6 }, () => createStore({ client: 'pg', connection: postgres.connection, pool: { max: 2 } })));
  const stores = opened.filter((result): result is PromiseFulfilledResult<KvcsiStore> => result.status === 'fulfilled').map((result) => result.value);
  try {
    expect(opened.filter((result) => result.status === 'rejected').map((result) => String((result as PromiseRejectedResult).reason))).toEqual([]);
    const applied = await stores[0]!.knex(MIGRATIONS_TABLE).select('name');
    expect(applied.map((row: { name: string }) => row.name)).toEqual(MIGRATIONS.map((migration) => migration.name));
  } finally {
    await Promise.all(stores.map((store) => store.close()));
  }
});

/** A new SQLite database holding only knex's lock table with these rows, as a crashed or racing process leaves it. */
async function databaseWithLockRows(rows: { is_locked: number }[]): Promise<Knex> {
  const knex = createKnex({ client: 'better-sqlite3', connection: { filename: path.join(mkdtempSync(path.join(tmpdir(), 'kvcsi-lock-')), 'db.sqlite') }, useNullAsDefault: true });
  await knex.schema.createTable(`${MIGRATIONS_TABLE}_lock`, (table) => {
    table.increments('index').primary();
    table.integer('is_locked');
  });
  await knex(`${MIGRATIONS_TABLE}_lock`).insert(rows);
  return knex;
}

async function appliedMigrations(knex: Knex): Promise<string[]> {
  return (await knex(MIGRATIONS_TABLE).select('name')).map((row: { name: string }) => row.name);
}

it('frees a stale migration lock (its holder died) once it has been held too long, then migrates', async () => {
  // What a process that died mid-migration leaves behind: the lock row set, nothing applied.
  const knex = await databaseWithLockRows([{ is_locked: 1 }]);
  try {
    await migrateLatest(knex, { staleLockInMs: 300, timeoutInMs: 10_000 });
    expect(await appliedMigrations(knex)).toEqual(MIGRATIONS.map((migration) => migration.name));
  } finally {
    await knex.destroy();
  }
});

it('recovers from two lock rows (two processes each inserted one on a new database) at once, not after the stale-lock wait', async () => {
  // What knex's unguarded "insert the lock row if there is none" leaves when two processes race: knex's own lock
  // (an UPDATE that must touch exactly one row) then fails for everyone.
  const knex = await databaseWithLockRows([{ is_locked: 0 }, { is_locked: 0 }]);
  try {
    // The stale-lock wait is longer than the deadline: only the duplicate-row repair can let this migrate.
    await migrateLatest(knex, { staleLockInMs: 60_000, timeoutInMs: 5_000 });
    expect(await appliedMigrations(knex)).toEqual(MIGRATIONS.map((migration) => migration.name));
    expect(await knex(`${MIGRATIONS_TABLE}_lock`).count({ rows: '*' })).toEqual([{ rows: 1 }]);
  } finally {
    await knex.destroy();
  }
});
