/** Migration: the table of request cards (see request-cards.ts). Its own file, so that others append beside it. */
import type { Knex } from 'knex';
import { REQUEST_CARDS_TABLE } from './tables.js';

export const requestCardsMigration: Knex.Migration & { name: string } = {
  name: '0002_request_cards',
  async up(knex) {
    await knex.schema.createTable(REQUEST_CARDS_TABLE, (table) => {
      table.string('request_id', 64).primary();
      table.string('channel', 64).notNullable();
      table.string('ts', 32).notNullable();
      table.integer('shown_version').notNullable();
      table.string('shown_status', 16).notNullable();
      table.string('told_status', 16).nullable();
      table.string('claimed_by', 128).nullable();
      // RFC 3339 UTC with milliseconds, as every instant in the store: string order is time order.
      table.string('claimed_until', 32).nullable();
      table.string('updated_at', 32).notNullable();
      table.index(['shown_status']);
    });
  },
  async down(knex) {
    await knex.schema.dropTableIfExists(REQUEST_CARDS_TABLE);
  },
};
