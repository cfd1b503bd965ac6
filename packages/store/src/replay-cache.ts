/**
 * A replay cache shared by the bot's replicas: Slack's signature covers a timestamp that may be 5 minutes old, so a
 * captured request can be sent again within that window and would run again. Each request's key (its trigger or
 * event id, which the signature covers) is claimed once; the primary key makes the claim atomic across replicas.
 */
import type { Knex } from 'knex';
import type { CallOptions } from '@kvcsi/core';
import { SLACK_REPLAYS_TABLE } from './tables.js';

export interface ReplayCache {
  /** True the first time `key` is seen inside the window, false for a replay. Keys expire after `windowInMs`. */
  claim(key: string, options: CallOptions & { windowInMs: number; nowMs?: number }): Promise<boolean>;
}

const stored = (ms: number) => new Date(ms).toISOString();

export function createKnexReplayCache(knex: Knex): ReplayCache {
  let lastSweepMs = 0;
  return {
    async claim(key, options) {
      const nowMs = options.nowMs ?? Date.now();
      // Expired keys go first: the same key after the window (Slack never reuses one; a test clock may) is new.
      await knex(SLACK_REPLAYS_TABLE).where({ key }).andWhere('expires_at', '<', stored(nowMs)).delete();
      if (nowMs - lastSweepMs > options.windowInMs) {
        lastSweepMs = nowMs;
        await knex(SLACK_REPLAYS_TABLE).where('expires_at', '<', stored(nowMs)).delete();
      }
      // The row comes back only to the one insert that made it: whoever else claims the key gets none.
      const inserted: unknown[] = await knex(SLACK_REPLAYS_TABLE).insert({ key, expires_at: stored(nowMs + options.windowInMs) }).onConflict('key').ignore().returning('key');
      return inserted.length === 1;
    },
  };
}

/** The migration that makes the table. */
export const slackReplaysMigration: Knex.Migration & { name: string } = {
  name: '0005_slack_replays',
  async up(knex) {
    await knex.schema.createTable(SLACK_REPLAYS_TABLE, (table) => {
      table.string('key', 255).primary();
      table.string('expires_at', 32).notNullable();
      table.index(['expires_at']);
    });
  },
  async down(knex) {
    await knex.schema.dropTableIfExists(SLACK_REPLAYS_TABLE);
  },
};
