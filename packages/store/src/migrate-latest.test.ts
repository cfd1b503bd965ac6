/** Several processes opening one new PostgreSQL at once (replicas starting together) all get a migrated store. */
import { createStore, type KvcsiStore } from './create-store.js';
import { MIGRATIONS } from './migrations.js';
import { MIGRATIONS_TABLE } from './tables.js';
import { startTestPostgres, type TestPostgres } from './testing/postgres.js';

jest.setTimeout(60_000);

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
