/**
 * `knex.migrate.latest`, safe when several processes open a new database at once (bot replicas starting together,
 * or the bot's main thread beside its service worker). Knex does not wait for its migration lock: the second process
 * gets "Migration table is already locked"; and when the migration tables do not exist yet, two processes creating
 * them at once collide (PostgreSQL 42P07 duplicate table, 42710 duplicate object — the lock table's serial
 * sequence — or 23505 on its catalogue). Those are retried until the
 * other process is done; anything else fails at once.
 */
import type { Knex } from 'knex';
import { migrationSource } from './migrations.js';
import { MIGRATIONS_TABLE } from './tables.js';

const RACES = new Set(['42P07', '42710', '23505', '40P01', 'SQLITE_BUSY']);

function isMigrationRace(error: unknown): boolean {
  const { name, code } = (error ?? {}) as { name?: unknown; code?: unknown };
  return name === 'MigrationLocked' || (typeof code === 'string' && RACES.has(code));
}

/** A lock held this long is stale: kvcsi's migrations take well under a second; the holder died or lost its way. */
const STALE_LOCK_IN_MS = 20_000;

/**
 * Knex inserts the lock row when it finds none, without a guard: two processes on a new database can both insert
 * one. Its lock (`UPDATE … SET is_locked = 1 WHERE is_locked = 0` must touch exactly one row) then fails for
 * everyone, forever ("Migration table is already locked"); a CI run hung 60 s on it. Keep the first row.
 */
async function dropDuplicateLockRows(knex: Knex): Promise<void> {
  const lockTable = `${MIGRATIONS_TABLE}_lock`;
  const rows = (await knex(lockTable).select('index').orderBy('index')) as { index: number }[];
  if (rows.length > 1) await knex(lockTable).where('index', '>', rows[0]!.index).delete();
}

export async function migrateLatest(knex: Knex, options: { timeoutInMs?: number; staleLockInMs?: number } = {}): Promise<void> {
  const started = Date.now();
  const deadline = started + (options.timeoutInMs ?? 60_000);
  const staleAfter = options.staleLockInMs ?? STALE_LOCK_IN_MS;
  let freedStaleLock = false;
  for (let attempt = 0; ; attempt++) {
    try {
      await knex.migrate.latest({ migrationSource, tableName: MIGRATIONS_TABLE });
      return;
    } catch (error) {
      if (!isMigrationRace(error) || Date.now() > deadline) throw error;
      if ((error as { name?: unknown }).name === 'MigrationLocked') await dropDuplicateLockRows(knex);
      if ((error as { name?: unknown }).name === 'MigrationLocked' && Date.now() - started > staleAfter) {
        // Locked for long: done if nothing is pending; else free the stale lock once (a rare CI hang showed one).
        const [, pending] = (await knex.migrate.list({ migrationSource, tableName: MIGRATIONS_TABLE })) as [unknown[], unknown[]];
        if (pending.length === 0) return;
        if (!freedStaleLock) {
          freedStaleLock = true;
          await knex.migrate.forceFreeMigrationsLock({ migrationSource, tableName: MIGRATIONS_TABLE });
        }
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, 50 * 2 ** attempt)));
    }
  }
}
