/**
 * Where each request's Slack card lives, and what it last showed: the bot's replicas share this, so any of them can
 * update any card when a request is decided, expired or applied — from Slack, the CLI or Backstage. A card is
 * updated by one replica at a time: it claims the card (compare-and-set on the version the card shows, with a lease
 * that lapses if the replica dies), updates Slack, then records what the card now shows.
 */
import { toStoredInstant, type CallOptions } from '@kvcsi/core';
import type { Knex } from 'knex';
import { isUniqueViolation, runStoreOperation } from './errors.js';
import { REQUEST_CARDS_TABLE, REQUESTS_TABLE } from './tables.js';

export interface RequestCard {
  requestId: string;
  /** The Slack channel and message timestamp of the card. */
  channel: string;
  ts: string;
  /** The request version and status the card shows. */
  shownVersion: number;
  shownStatus: string;
  /** The last status the requester was told by DM; undefined when never. */
  toldStatus?: string;
  /** The replica updating the card now, and until when its claim holds. */
  claimedBy?: string;
  claimedUntil?: string;
}

export type NewRequestCard = Pick<RequestCard, 'requestId' | 'channel' | 'ts' | 'shownVersion' | 'shownStatus'>;

export interface ClaimCardInput {
  /** The version the card shows, as read: the claim fails if another replica moved it since. */
  shownVersion: number;
  /** Who claims (a replica id). */
  by: string;
  /** RFC 3339; a claim whose `claimedUntil` is before this has lapsed. */
  now: string;
  until: string;
}

export interface CompleteCardInput {
  by: string;
  shownVersion: number;
  shownStatus: string;
  toldStatus?: string;
}

export interface RequestCardStore {
  /** Records a posted card; false (and nothing changed) when the request has a card already. */
  saveCard(card: NewRequestCard, options?: CallOptions): Promise<boolean>;
  getCard(requestId: string, options?: CallOptions): Promise<RequestCard | undefined>;
  /**
   * Cards that need work, unclaimed or with a lapsed claim: the request moved past the version the card shows, or
   * the request is pending and its time is up (its expiry is the work). Oldest first.
   */
  cardsToUpdate(options: { now: string; limit?: number } & CallOptions): Promise<RequestCard[]>;
  /** The compare-and-set: true for exactly one of the replicas that try at once. */
  claimCard(requestId: string, input: ClaimCardInput, options?: CallOptions): Promise<boolean>;
  /** Records what the card now shows and lets the claim go; false when the claim was lost (it lapsed and another took it). */
  completeCard(requestId: string, input: CompleteCardInput, options?: CallOptions): Promise<boolean>;
  /** Lets a claim go without changing what the card shows (Slack refused the update: the next sweep tries again). */
  releaseCard(requestId: string, by: string, options?: CallOptions): Promise<void>;
}

interface CardRow {
  request_id: string;
  channel: string;
  ts: string;
  shown_version: number;
  shown_status: string;
  told_status: string | null;
  claimed_by: string | null;
  claimed_until: string | null;
  updated_at: string;
}

function fromRow(row: CardRow): RequestCard {
  return {
    requestId: row.request_id,
    channel: row.channel,
    ts: row.ts,
    shownVersion: Number(row.shown_version),
    shownStatus: row.shown_status,
    ...(row.told_status !== null ? { toldStatus: row.told_status } : {}),
    ...(row.claimed_by !== null ? { claimedBy: row.claimed_by } : {}),
    ...(row.claimed_until !== null ? { claimedUntil: row.claimed_until } : {}),
  };
}

const CARD_COLUMNS = ['request_id', 'channel', 'ts', 'shown_version', 'shown_status', 'told_status', 'claimed_by', 'claimed_until', 'updated_at'];

export function createKnexRequestCardStore(knex: Knex, options: { now?: () => string } = {}): RequestCardStore {
  const run = runStoreOperation;
  const stamp = options.now ?? (() => new Date().toISOString());
  const unclaimedAt = (query: Knex.QueryBuilder, now: string): Knex.QueryBuilder =>
    query.where((where) => where.whereNull('c.claimed_until').orWhere('c.claimed_until', '<', now));
  return {
    saveCard: (card, callOptions = {}) => run('save request card', callOptions, async () => {
      try {
        await knex(REQUEST_CARDS_TABLE).insert({
          request_id: card.requestId, channel: card.channel, ts: card.ts, shown_version: card.shownVersion, shown_status: card.shownStatus,
          told_status: null, claimed_by: null, claimed_until: null, updated_at: stamp(),
        });
        return true;
      } catch (error) {
        if (isUniqueViolation(error)) return false;
        throw error;
      }
    }),

    getCard: (requestId, callOptions = {}) => run('get request card', callOptions, async () => {
      const row = await knex(REQUEST_CARDS_TABLE).select(CARD_COLUMNS).where({ request_id: requestId }).first<CardRow | undefined>();
      return row ? fromRow(row) : undefined;
    }),

    cardsToUpdate: ({ now, limit = 100, ...callOptions }) => run('list request cards to update', callOptions, async () => {
      const at = toStoredInstant(now, 'now');
      const query = knex({ c: REQUEST_CARDS_TABLE })
        .join({ r: REQUESTS_TABLE }, 'r.id', 'c.request_id')
        .select(CARD_COLUMNS.map((column) => `c.${column}`))
        .where((where) => where.whereRaw('r.version > c.shown_version').orWhere((due) => due.where('r.status', 'pending').andWhere('r.expires_at', '<=', at)));
      const rows: CardRow[] = await unclaimedAt(query, at).orderBy('c.updated_at', 'asc').limit(limit);
      return rows.map(fromRow);
    }),

    claimCard: (requestId, input, callOptions = {}) => run('claim request card', callOptions, async () => {
      const now = toStoredInstant(input.now, 'now');
      const affected = await unclaimedAt(knex({ c: REQUEST_CARDS_TABLE }).where({ 'c.request_id': requestId, 'c.shown_version': input.shownVersion }), now)
        .update({ claimed_by: input.by, claimed_until: toStoredInstant(input.until, 'until'), updated_at: stamp() });
      return affected === 1;
    }),

    completeCard: (requestId, input, callOptions = {}) => run('complete request card', callOptions, async () => {
      const affected = await knex(REQUEST_CARDS_TABLE).where({ request_id: requestId, claimed_by: input.by }).update({
        shown_version: input.shownVersion, shown_status: input.shownStatus,
        ...(input.toldStatus !== undefined ? { told_status: input.toldStatus } : {}),
        claimed_by: null, claimed_until: null, updated_at: stamp(),
      });
      return affected === 1;
    }),

    releaseCard: (requestId, by, callOptions = {}) => run('release request card', callOptions, async () => {
      await knex(REQUEST_CARDS_TABLE).where({ request_id: requestId, claimed_by: by }).update({ claimed_by: null, claimed_until: null, updated_at: stamp() });
    }),
  };
}
