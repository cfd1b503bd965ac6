/**
 * Request cards on both databases: the work list (requests that moved past their card, pending ones whose time is
 * up), and the claim that lets exactly one of many replicas update a card.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPolicy, createRequestService, SANDBOX_POLICY, sandboxDecisionSigner, type RequestService } from '@kvcsi/core';
import { createStore, type KvcsiStore } from './create-store.js';
import { startTestPostgres } from './testing/postgres.js';

const SERVER_KEY = sandboxDecisionSigner();

jest.setTimeout(30_000);

const HOUR = 60 * 60 * 1000;
let counter = 0;
const unique = (prefix: string): string => `${prefix}-${process.pid}-${++counter}`;

const backends: [string, () => Promise<{ store: KvcsiStore; dispose(): Promise<void> }>][] = [
  ['SQLite file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvcsi-cards-'));
    const store = await createStore({ client: 'sqlite', filename: join(dir, 'kvcsi.sqlite') });
    return { store, dispose: async () => { await store.close(); rmSync(dir, { recursive: true, force: true }); } };
  }],
  ['PostgreSQL (embedded)', async () => {
    const postgres = await startTestPostgres();
    const store = await createStore({ client: 'pg', connection: postgres.connection, pool: { max: 10 } }).catch(async (error: unknown) => {
      await postgres.stop();
      throw error;
    });
    return { store, dispose: async () => { await store.close(); await postgres.stop(); } };
  }],
];

describe.each(backends)('request cards on %s', (_name, open) => {
  let backend: { store: KvcsiStore; dispose(): Promise<void> };
  let store: KvcsiStore;
  let time = Date.parse('2026-01-10T09:00:00.000Z');
  const iso = (offsetInMs = 0): string => new Date(time + offsetInMs).toISOString();

  beforeAll(async () => {
    backend = await open();
    store = backend.store;
  }, 90_000);
  afterAll(async () => backend?.dispose());

  function service(): RequestService {
    return createRequestService({
      // The tests play the deciding server (bot, Backstage backend): it signs its decisions.
      decisions: { signer: SERVER_KEY, verifier: SERVER_KEY },
      store, audit: store, clock: { now: () => time }, requestTtlInMs: HOUR,
      policy: createPolicy({ ...SANDBOX_POLICY, groups: { 'approvers-prd': ['cli:approver'], requesters: ['cli:requester'] } }),
    });
  }

  async function postedRequest(): Promise<string> {
    const request = await service().submit({
      actor: 'cli:requester', kind: 'grant', justification: 'cannot read its secrets',
      target: { cluster: 'cafehyna-prd', tier: 'prd', app: unique('app'), vault: 'kv-cafehyna-prd' },
    });
    expect(await store.cards.saveCard({ requestId: request.id, channel: 'C0APPROVALS', ts: `${time / 1000}.000100`, shownVersion: 1, shownStatus: 'pending' })).toBe(true);
    return request.id;
  }

  const due = async (): Promise<string[]> => (await store.cards.cardsToUpdate({ now: iso(), limit: 1000 })).map((card) => card.requestId);

  it('keeps the first location of a card and reads it back', async () => {
    const id = await postedRequest();
    expect(await store.cards.saveCard({ requestId: id, channel: 'C0OTHER', ts: '1.2', shownVersion: 1, shownStatus: 'pending' })).toBe(false);
    expect(await store.cards.getCard(id)).toEqual({ requestId: id, channel: 'C0APPROVALS', ts: `${time / 1000}.000100`, shownVersion: 1, shownStatus: 'pending' });
    expect(await store.cards.getCard('req-none')).toBeUndefined();
  });

  it('lists a card once its request is decided, and no longer once the card shows it', async () => {
    const id = await postedRequest();
    expect(await due()).not.toContain(id);
    await service().approve({ id, actor: 'cli:approver' });
    expect(await due()).toContain(id);
    expect(await store.cards.claimCard(id, { shownVersion: 1, by: 'replica-a', now: iso(), until: iso(30_000) })).toBe(true);
    expect(await due()).not.toContain(id);
    expect(await store.cards.completeCard(id, { by: 'replica-a', shownVersion: 2, shownStatus: 'approved', toldStatus: 'approved' })).toBe(true);
    expect(await due()).not.toContain(id);
    expect(await store.cards.getCard(id)).toEqual(expect.objectContaining({ shownVersion: 2, shownStatus: 'approved', toldStatus: 'approved' }));
    expect((await store.cards.getCard(id))?.claimedBy).toBeUndefined();
  });

  it('lists a pending card whose request is past its expiry (the expiry is the work)', async () => {
    const id = await postedRequest();
    time += HOUR + 1;
    expect(await due()).toContain(id);
    await service().expireDue();
    expect(await due()).toContain(id);
    const card = await store.cards.getCard(id);
    expect(card?.shownStatus).toBe('pending');
  });

  it('of 20 replicas claiming one card at once, exactly one wins; a lapsed claim can be taken over', async () => {
    const id = await postedRequest();
    await service().reject({ id, actor: 'cli:approver', reason: 'not now' });
    const claims = await Promise.all(Array.from({ length: 20 }, (_, i) => store.cards.claimCard(id, { shownVersion: 1, by: `replica-${i}`, now: iso(), until: iso(30_000) })));
    expect(claims.filter(Boolean)).toHaveLength(1);
    const winner = `replica-${claims.indexOf(true)}`;
    // The winner dies: within its lease nobody else may take the card; after it, one may.
    expect(await store.cards.claimCard(id, { shownVersion: 1, by: 'replica-late', now: iso(29_000), until: iso(59_000) })).toBe(false);
    time += 31_000;
    expect(await due()).toContain(id);
    expect(await store.cards.claimCard(id, { shownVersion: 1, by: 'replica-late', now: iso(), until: iso(30_000) })).toBe(true);
    // The old winner comes back: its completion is refused, the new claimant's is kept.
    expect(await store.cards.completeCard(id, { by: winner, shownVersion: 2, shownStatus: 'rejected' })).toBe(false);
    expect(await store.cards.completeCard(id, { by: 'replica-late', shownVersion: 2, shownStatus: 'rejected' })).toBe(true);
  });

  it('a claim on a version the card no longer shows fails; a released claim leaves the card listed', async () => {
    const id = await postedRequest();
    await service().approve({ id, actor: 'cli:approver' });
    expect(await store.cards.claimCard(id, { shownVersion: 1, by: 'a', now: iso(), until: iso(30_000) })).toBe(true);
    await store.cards.releaseCard(id, 'a');
    expect(await due()).toContain(id);
    expect(await store.cards.claimCard(id, { shownVersion: 1, by: 'b', now: iso(), until: iso(30_000) })).toBe(true);
    expect(await store.cards.completeCard(id, { by: 'b', shownVersion: 2, shownStatus: 'approved' })).toBe(true);
    expect(await store.cards.claimCard(id, { shownVersion: 1, by: 'c', now: iso(), until: iso(30_000) })).toBe(false);
  });

  it('answers a ping', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
  });
});
