/**
 * Schema migrations as code (a Knex MigrationSource), so that they run from `dist` with no migration files on disk.
 * Append new migrations; never edit one that has shipped.
 */
import type { Knex } from 'knex';
import { requestCardsMigration } from './request-cards-migration.js';
import { watchMigration } from './watch-migration.js';
import { watchProblemAppMigration } from './watch-problem-app-migration.js';
import { watchSilenceMigration } from './watch-silence-migration.js';
import { slackReplaysMigration } from './replay-cache.js';
import { AUDIT_TABLE, REQUESTS_TABLE, STORE_META_TABLE } from './tables.js';

interface NamedMigration extends Knex.Migration {
  name: string;
}

function isPostgres(knex: Knex): boolean {
  return knex.client.config.client === 'pg';
}

const initial: NamedMigration = {
  name: '0001_requests_and_audit',
  async up(knex) {
    await knex.schema.createTable(REQUESTS_TABLE, (table) => {
      table.string('id', 64).primary();
      table.string('kind', 32).notNullable();
      table.string('status', 16).notNullable();
      table.integer('version').notNullable();
      table.string('requester', 255).notNullable();
      table.string('app', 255).nullable();
      table.string('cluster', 255).notNullable();
      table.string('tier', 8).notNullable();
      // RFC 3339 UTC with milliseconds: string order is time order on every database.
      table.string('created_at', 32).notNullable();
      table.string('updated_at', 32).notNullable();
      table.string('expires_at', 32).notNullable();
      // The whole request as JSON: names, states and decisions; never a secret value (there is no field for one).
      table.text('document').notNullable();
      table.index(['status', 'expires_at']);
      table.index(['app']);
      table.index(['cluster']);
      table.index(['requester']);
      table.index(['created_at']);
    });

    await knex.schema.createTable(AUDIT_TABLE, (table) => {
      table.bigIncrements('seq').primary();
      table.string('id', 64).notNullable().unique();
      table.string('at', 32).notNullable();
      table.string('actor', 255).notNullable();
      table.string('action', 64).notNullable();
      table.string('outcome', 16).notNullable();
      table.string('app', 255).nullable();
      table.string('cluster', 255).nullable();
      table.string('vault', 255).nullable();
      table.string('request_id', 64).nullable();
      table.text('document').notNullable();
      table.index(['at']);
      table.index(['app', 'at']);
      table.index(['cluster', 'at']);
      table.index(['request_id']);
    });

    // Append-only in the database itself, not only in our API.
    if (isPostgres(knex)) {
      await knex.raw(`CREATE FUNCTION kvcsi_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'kvcsi audit events are append-only'; END $$`);
      await knex.raw(`CREATE TRIGGER kvcsi_audit_events_no_change BEFORE UPDATE OR DELETE ON ${AUDIT_TABLE}
        FOR EACH ROW EXECUTE FUNCTION kvcsi_audit_append_only()`);
      await knex.raw(`CREATE TRIGGER kvcsi_audit_events_no_truncate BEFORE TRUNCATE ON ${AUDIT_TABLE}
        FOR EACH STATEMENT EXECUTE FUNCTION kvcsi_audit_append_only()`);
    } else {
      for (const operation of ['UPDATE', 'DELETE']) {
        await knex.raw(`CREATE TRIGGER kvcsi_audit_events_no_${operation.toLowerCase()} BEFORE ${operation} ON ${AUDIT_TABLE}
          BEGIN SELECT RAISE(ABORT, 'kvcsi audit events are append-only'); END`);
      }
    }
  },
  async down(knex) {
    await knex.schema.dropTableIfExists(AUDIT_TABLE);
    if (isPostgres(knex)) await knex.raw('DROP FUNCTION IF EXISTS kvcsi_audit_append_only()');
    await knex.schema.dropTableIfExists(REQUESTS_TABLE);
  },
};

const storeMetaMigration: NamedMigration = {
  name: '0003_store_meta',
  async up(knex) {
    await knex.schema.createTable(STORE_META_TABLE, (table) => {
      table.string('key', 64).primary();
      table.string('value', 255).notNullable();
    });
  },
  async down(knex) {
    await knex.schema.dropTableIfExists(STORE_META_TABLE);
  },
};

export const MIGRATIONS: readonly NamedMigration[] = [initial, requestCardsMigration, storeMetaMigration, watchMigration, slackReplaysMigration, watchProblemAppMigration, watchSilenceMigration];

export const migrationSource: Knex.MigrationSource<NamedMigration> = {
  getMigrations: async () => [...MIGRATIONS],
  getMigrationName: (migration) => migration.name,
  getMigration: async (migration) => migration,
};
