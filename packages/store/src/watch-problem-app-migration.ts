/**
 * Migration: the app of a watcher problem (its pod's `app.kubernetes.io/name` label), so the Backstage plugin lists an
 * entity's open problems with one indexed query. Nullable: rows written before it have none until the watcher
 * rechecks their workload.
 */
import type { Knex } from 'knex';
import { WATCH_PROBLEMS_TABLE } from './tables.js';

export const watchProblemAppMigration: Knex.Migration & { name: string } = {
  name: '0006_watch_problem_app',
  async up(knex) {
    await knex.schema.alterTable(WATCH_PROBLEMS_TABLE, (table) => {
      table.string('app', 255).nullable();
      table.index(['state', 'app']);
    });
  },
  async down(knex) {
    await knex.schema.alterTable(WATCH_PROBLEMS_TABLE, (table) => {
      table.dropIndex(['state', 'app']);
      table.dropColumn('app');
    });
  },
};
