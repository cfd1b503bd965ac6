/** The Slack replay cache on both databases: one claim per key inside the window, whoever asks (issue 19). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore, type KvcsiStore } from './create-store.js';
import { startTestPostgres } from './testing/postgres.js';

jest.setTimeout(60_000);

const WINDOW = 5 * 60 * 1000;
const backends: [string, () => Promise<{ stores: KvcsiStore[]; dispose(): Promise<void> }>][] = [
  ['SQLite file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvcsi-replays-'));
    const stores = [await createStore({ client: 'sqlite', filename: join(dir, 'kvcsi.sqlite') }), await createStore({ client: 'sqlite', filename: join(dir, 'kvcsi.sqlite') })];
    return { stores, dispose: async () => { await Promise.all(stores.map((store) => store.close())); rmSync(dir, { recursive: true, force: true }); } };
  }],
  ['PostgreSQL (embedded)', async () => {
    const postgres = await startTestPostgres();
    const stores = [await createStore({ client: 'pg', connection: postgres.connection, pool: { max: 10 } }), await createStore({ client: 'pg', connection: postgres.connection, pool: { max: 10 } })];
    return { stores, dispose: async () => { await Promise.all(stores.map((store) => store.close())); await postgres.stop(); } };
  }],
];

describe.each(backends)('the Slack replay cache on %s', (_name, open) => {
  it('lets one of two replicas claim a key, refuses it again inside the window, and forgets it after', async () => {
    const { stores, dispose } = await open();
    try {
      const [a, b] = stores as [KvcsiStore, KvcsiStore];
      const now = Date.parse('2026-01-10T09:00:00.000Z');
      const key = `trigger:${process.pid}.${Date.now()}`;
      const claims = await Promise.all([...Array.from({ length: 5 }, () => a.replays.claim(key, { windowInMs: WINDOW, nowMs: now })), ...Array.from({ length: 5 }, () => b.replays.claim(key, { windowInMs: WINDOW, nowMs: now }))]);
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await b.replays.claim(key, { windowInMs: WINDOW, nowMs: now + WINDOW - 1 })).toBe(false);
      expect(await a.replays.claim(`${key}-other`, { windowInMs: WINDOW, nowMs: now })).toBe(true);
      expect(await a.replays.claim(key, { windowInMs: WINDOW, nowMs: now + WINDOW + 1 })).toBe(true);
    } finally {
      await dispose();
    }
  });
});
