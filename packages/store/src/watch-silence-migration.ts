/** Migration: snoozes and mutes of the watcher's causes (see problem-store.ts), one row per cause, shared by the replicas. */
import type { Knex } from 'knex';
import { WATCH_SILENCES_TABLE } from './tables.js';

export const watchSilenceMigration: Knex.Migration & { name: string } = {
  name: '0007_watch_silences',
  async up(knex) {
    await knex.schema.createTable(WATCH_SILENCES_TABLE, (table) => {
      table.string('cause_key', 512).primary();
      // snooze | mute
      table.string('kind', 16).notNullable();
      // A snooze's end, epoch ms (null for a mute).
      table.bigInteger('until').nullable();
      // The whole row as JSON (who, when, on which message; never a secret value).
      table.text('document').notNullable();
    });
  },
  async down(knex) {
    await knex.schema.dropTableIfExists(WATCH_SILENCES_TABLE);
  },
};
