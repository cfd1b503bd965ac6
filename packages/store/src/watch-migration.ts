/** Migration: the watcher's problems and messages (see problem-store.ts). */
import type { Knex } from 'knex';
import { WATCH_MESSAGES_TABLE, WATCH_PROBLEMS_TABLE } from './tables.js';

export const watchMigration: Knex.Migration & { name: string } = {
  name: '0004_watch_problems',
  async up(knex) {
    await knex.schema.createTable(WATCH_PROBLEMS_TABLE, (table) => {
      // (cluster, namespace, workload, root-cause finding id, subject): one row per key, reopened when it recurs.
      table.string('key', 512).primary();
      table.string('cause_key', 512).notNullable();
      table.string('cluster', 255).notNullable();
      table.string('namespace', 255).notNullable();
      table.string('workload', 255).notNullable();
      table.string('state', 16).notNullable();
      table.integer('version').notNullable();
      // The whole row as JSON (names, ids and times; never a secret value).
      table.text('document').notNullable();
      table.index(['state', 'cause_key']);
      table.index(['state', 'cluster', 'namespace', 'workload']);
    });
    await knex.schema.createTable(WATCH_MESSAGES_TABLE, (table) => {
      table.string('id', 600).primary();
      table.string('cause_key', 512).notNullable();
      // The cause while the message is open, null after: the unique index allows one open message per cause.
      table.string('open_cause_key', 512).nullable().unique();
      table.string('state', 16).notNullable();
      table.integer('version').notNullable();
      table.text('document').notNullable();
      table.index(['state']);
    });
  },
  async down(knex) {
    await knex.schema.dropTableIfExists(WATCH_MESSAGES_TABLE);
    await knex.schema.dropTableIfExists(WATCH_PROBLEMS_TABLE);
  },
};
