import { createMemoryAuditLog } from '../audit/memory.js';
import { KvcsiError } from '../errors.js';
import { createPolicy } from '../policy/policy.js';
import { SANDBOX_POLICY, type PolicyConfigInput } from '../policy/schema.js';
import { createMemoryRequestStore } from './memory.js';
import type { AccessRequest } from './model.js';
import { createRequestService, type ExecutorResult, type SubmitRequestInput } from './service.js';
import { sandboxDecisionSigner } from './signing.js';

/** These tests play the server that decides (the bot, the Backstage backend): it signs its decisions. */
const SERVER_KEY = sandboxDecisionSigner();

const HOUR = 60 * 60 * 1000;
const START = Date.parse('2025-03-01T10:00:00.000Z');

function setup(policyInput: PolicyConfigInput = {
  ...SANDBOX_POLICY,
  groups: { 'approvers-prd': ['cli:approver', 'cli:approver2'], requesters: ['cli:requester'] },
}, options: { requestTtlInMs?: number; applyClaimTimeoutInMs?: number } = {}) {
  let time = START;
  const clock = { now: () => time };
  const store = createMemoryRequestStore();
  const audit = createMemoryAuditLog();
  let counter = 0;
  const service = createRequestService({
    store, audit, clock, policy: createPolicy(policyInput), generateId: () => `req-${String(++counter).padStart(10, '0')}`,
    decisions: { signer: SERVER_KEY, verifier: SERVER_KEY }, ...options,
  });
  return { service, store, audit, advance: (ms: number) => { time += ms; } };
}

const grantOnPrd: SubmitRequestInput = {
  actor: 'cli:requester',
  kind: 'grant',
  target: { cluster: 'cafehyna-prd', tier: 'prd', app: 'defectdojo', vault: 'kv-cafehyna-prd' },
  justification: 'defectdojo pods cannot read kv-cafehyna-prd',
};

const granted: ExecutorResult = { changed: true, correlationId: '7d5f0c52-6c1e-4f5e-9b0a-1f2e3d4c5b6a', before: { roles: [] }, after: { roles: ['Key Vault Secrets User'] } };

async function errorOf(promise: Promise<unknown>): Promise<KvcsiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof KvcsiError) return error;
    throw error;
  }
  throw new Error('expected a KvcsiError');
}

describe('submit', () => {
  it('leaves a prd request pending for the approvers group, expiring in 24 h, and audits it', async () => {
    const { service, audit, store } = setup();
    const request = await service.submit(grantOnPrd);
    expect(request).toMatchObject({
      id: 'req-0000000001', kind: 'grant', status: 'pending', version: 1, requester: 'cli:requester', approvalRequired: true,
      approverGroup: 'approvers-prd', createdAt: '2025-03-01T10:00:00.000Z', expiresAt: '2025-03-02T10:00:00.000Z',
    });
    expect(request.decision).toBeUndefined();
    expect(await store.getRequest(request.id)).toEqual(request);
    expect(audit.events).toEqual([expect.objectContaining({ actor: 'cli:requester', action: 'request.submit', outcome: 'succeeded', requestId: request.id, after: { status: 'pending' } })]);
  });

  it('approves on submission where the tier needs no approval (dev by default)', async () => {
    const { service } = setup();
    const request = await service.submit({ ...grantOnPrd, target: { cluster: 'cafehyna-dev', tier: 'dev', app: 'defectdojo' } });
    expect(request).toMatchObject({ status: 'approved', approvalRequired: false, decision: { by: 'policy' } });
  });

  it('refuses an outsider with FORBIDDEN, audits the denial and stores nothing', async () => {
    const { service, audit, store } = setup();
    const error = await errorOf(service.submit({ ...grantOnPrd, actor: 'cli:outsider' }));
    expect(error.code).toBe('FORBIDDEN');
    expect(audit.events).toEqual([expect.objectContaining({ actor: 'cli:outsider', action: 'policy.deny', outcome: 'denied', reason: error.message })]);
    expect(await store.listRequests()).toEqual([]);
  });

  it.each([
    ['no justification', { justification: '' }, 'justification'],
    ['a blank justification', { justification: '    ' }, 'justification'],
    ['a secret pasted in the justification', { justification: 'use password=Tr0ub4dor&3 please' }, 'justification'],
    ['a secret request without a secret name', { kind: 'secret-request' as const }, 'target.secretName'],
    ['a grant without an app', { target: { cluster: 'cafehyna-prd', tier: 'prd' as const } }, 'target.app'],
    ['a value in the details', { details: { value: 'x' } }, 'details.value'],
  ])('refuses %s with INVALID_INPUT', async (_label, change, field) => {
    const { service, store } = setup();
    const error = await errorOf(service.submit({ ...grantOnPrd, ...change }));
    expect(error).toMatchObject({ code: 'INVALID_INPUT', field });
    expect(error.message).not.toContain('Tr0ub4dor');
    expect(await store.listRequests()).toEqual([]);
  });
});

describe('approve and reject', () => {
  it('never lets the requester approve their own request, even when in the approvers group', async () => {
    const { service, audit } = setup({ ...SANDBOX_POLICY, groups: { 'approvers-prd': ['cli:requester'], requesters: ['cli:requester'] } });
    const request = await service.submit(grantOnPrd);
    const error = await errorOf(service.approve({ id: request.id, actor: 'cli:requester' }));
    expect(error.code).toBe('FORBIDDEN');
    expect(error.message).toMatch(/cannot approve it/);
    expect((await service.get(request.id)).status).toBe('pending');
    expect(audit.events.at(-1)).toMatchObject({ action: 'policy.deny', outcome: 'denied', requestId: request.id });
  });

  it('refuses someone outside the approvers group, and audits it', async () => {
    const { service, audit } = setup();
    const request = await service.submit(grantOnPrd);
    await expect(service.approve({ id: request.id, actor: 'cli:outsider' })).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('approvers group approvers-prd') });
    expect(audit.events.at(-1)).toMatchObject({ actor: 'cli:outsider', action: 'policy.deny' });
  });

  it('lets an approver approve, recording who and when', async () => {
    const { service, audit } = setup();
    const request = await service.submit(grantOnPrd);
    const approved = await service.approve({ id: request.id, actor: 'cli:approver', reason: 'ticket OPS-42' });
    expect(approved).toMatchObject({ status: 'approved', version: 2, decision: { by: 'cli:approver', at: '2025-03-01T10:00:00.000Z', reason: 'ticket OPS-42' } });
    expect(audit.events.at(-1)).toMatchObject({ action: 'request.approve', approver: 'cli:approver', before: { status: 'pending' }, after: { status: 'approved' } });
  });

  it('of two approvers at once, one wins and the other is told who won', async () => {
    const { service } = setup();
    const request = await service.submit(grantOnPrd);
    const results = await Promise.allSettled([
      service.approve({ id: request.id, actor: 'cli:approver' }),
      service.approve({ id: request.id, actor: 'cli:approver2' }),
    ]);
    const won = results.filter((r): r is PromiseFulfilledResult<AccessRequest> => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    const winner = won[0]?.value.decision?.by;
    expect(lost[0]?.reason).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining(`already approved by ${winner}`) });
  });

  it('of 20 concurrent approvals exactly one succeeds', async () => {
    const { service, audit } = setup({ ...SANDBOX_POLICY, groups: { 'approvers-prd': Array.from({ length: 20 }, (_, i) => `cli:approver${i}`), requesters: ['cli:requester'] } });
    const request = await service.submit(grantOnPrd);
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => service.approve({ id: request.id, actor: `cli:approver${i}` })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected' && KvcsiError.is(r.reason, 'CONFLICT'))).toHaveLength(19);
    expect(audit.events.filter((e) => e.action === 'request.approve' && e.outcome === 'succeeded')).toHaveLength(1);
  });

  it('ends a request on rejection; a later approval learns who rejected it', async () => {
    const { service } = setup();
    const request = await service.submit(grantOnPrd);
    await service.reject({ id: request.id, actor: 'cli:approver', reason: 'use the hub vault' });
    await expect(service.approve({ id: request.id, actor: 'cli:approver2' })).rejects.toMatchObject({
      code: 'CONFLICT', message: expect.stringContaining('already rejected by cli:approver'),
    });
  });

  it('lets the requester withdraw (reject) their own request but not an outsider', async () => {
    const { service } = setup();
    const request = await service.submit(grantOnPrd);
    await expect(service.reject({ id: request.id, actor: 'cli:outsider' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(await service.reject({ id: request.id, actor: 'cli:requester' })).toMatchObject({ status: 'rejected', decision: { by: 'cli:requester' } });
  });

  it('refuses a decision reason that looks like a secret, before deciding anything', async () => {
    const { service } = setup();
    const request = await service.submit(grantOnPrd);
    await expect(service.reject({ id: request.id, actor: 'cli:approver', reason: 'AccountKey=abc123== is wrong' })).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'reason' });
    expect((await service.get(request.id)).status).toBe('pending');
  });

  it('answers NOT_FOUND for an unknown id', async () => {
    const { service } = setup();
    await expect(service.approve({ id: 'req-nope', actor: 'cli:approver' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('expiry', () => {
  it('expires a pending request after 24 h on the injected clock: approval is refused, get shows expired', async () => {
    const { service, audit, advance } = setup();
    const request = await service.submit(grantOnPrd);
    advance(24 * HOUR - 1);
    expect((await service.get(request.id)).status).toBe('pending');
    advance(1);
    await expect(service.approve({ id: request.id, actor: 'cli:approver' })).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('expired') });
    expect(await service.get(request.id)).toMatchObject({ status: 'expired', version: 2 });
    expect(audit.events.filter((e) => e.action === 'request.expire')).toHaveLength(1);
  });

  it('never lists an expired request as pending (issue 19)', async () => {
    const { service, audit, advance } = setup(undefined, { requestTtlInMs: HOUR });
    const old = await service.submit(grantOnPrd);
    advance(HOUR / 2);
    const fresh = await service.submit(grantOnPrd);
    advance(HOUR / 2);
    expect((await service.list({ status: 'pending' })).map((r) => r.id)).toEqual([fresh.id]);
    expect((await service.list()).find((r) => r.id === old.id)).toMatchObject({ status: 'expired' });
    expect((await service.list({ status: ['expired'] })).map((r) => r.id)).toEqual([old.id]);
    expect(audit.events.filter((e) => e.action === 'request.expire' && e.requestId === old.id)).toHaveLength(1);
  });

  it('honours a configured TTL (policy requestTtlInMs, overridable per service)', async () => {
    const viaPolicy = setup({ ...SANDBOX_POLICY, groups: { 'approvers-prd': ['cli:approver'], requesters: ['cli:requester'] }, requestTtlInMs: HOUR });
    expect((await viaPolicy.service.submit(grantOnPrd)).expiresAt).toBe('2025-03-01T11:00:00.000Z');
    const viaOption = setup(undefined, { requestTtlInMs: 2 * HOUR });
    expect((await viaOption.service.submit(grantOnPrd)).expiresAt).toBe('2025-03-01T12:00:00.000Z');
  });

  it('sweeps due pending requests and leaves the rest', async () => {
    const { service, advance } = setup(undefined, { requestTtlInMs: HOUR });
    const old = await service.submit(grantOnPrd);
    const decided = await service.submit(grantOnPrd);
    await service.approve({ id: decided.id, actor: 'cli:approver' });
    advance(HOUR / 2);
    const fresh = await service.submit(grantOnPrd);
    advance(HOUR / 2);
    expect((await service.expireDue()).map((r) => r.id)).toEqual([old.id]);
    expect((await service.get(fresh.id)).status).toBe('pending');
    expect((await service.get(decided.id)).status).toBe('approved');
    expect(await service.expireDue()).toEqual([]);
  });
});

describe('applyApproved', () => {
  it('applies an approved request once; re-applying changes nothing and does not run the executor again', async () => {
    const { service, audit } = setup();
    const request = await service.submit(grantOnPrd);
    await service.approve({ id: request.id, actor: 'cli:approver' });
    const executor = jest.fn(async () => granted);
    const first = await service.applyApproved(request, executor, { actor: 'cli:approver' });
    expect(first).toMatchObject({ executed: true, request: { status: 'applied', outcome: { changed: true, correlationId: granted.correlationId } } });
    expect(first.request.applyClaim).toBeUndefined();
    const again = await service.applyApproved(request.id, executor);
    expect(again).toEqual({ executed: false, request: first.request });
    expect(executor).toHaveBeenCalledTimes(1);
    expect(audit.events.filter((e) => e.action === 'request.apply')).toEqual([expect.objectContaining({
      outcome: 'succeeded', approver: 'cli:approver', correlationId: granted.correlationId, before: { roles: [] }, after: { roles: ['Key Vault Secrets User'] },
    })]);
  });

  it('of 20 concurrent applies runs the executor exactly once', async () => {
    const { service } = setup();
    const request = await service.submit(grantOnPrd);
    await service.approve({ id: request.id, actor: 'cli:approver' });
    let calls = 0;
    const executor = async () => {
      calls += 1;
      await new Promise((resolve) => setImmediate(resolve));
      return granted;
    };
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => service.applyApproved(request.id, executor)));
    expect(calls).toBe(1);
    const executed = results.filter((r) => r.status === 'fulfilled' && r.value.executed);
    expect(executed).toHaveLength(1);
    for (const result of results) {
      if (result.status === 'rejected') expect(result.reason).toMatchObject({ code: 'CONFLICT' });
    }
    expect((await service.get(request.id)).status).toBe('applied');
  });

  it('20 concurrent approve-then-apply flows apply exactly once', async () => {
    const { service } = setup({ ...SANDBOX_POLICY, groups: { 'approvers-prd': Array.from({ length: 20 }, (_, i) => `cli:approver${i}`), requesters: ['cli:requester'] } });
    const request = await service.submit(grantOnPrd);
    const executor = jest.fn(async () => granted);
    await Promise.allSettled(Array.from({ length: 20 }, async (_, i) => {
      await service.approve({ id: request.id, actor: `cli:approver${i}` });
      return service.applyApproved(request.id, executor);
    }));
    expect(executor).toHaveBeenCalledTimes(1);
  });

  it('refuses to apply a pending, rejected or expired request', async () => {
    const { service, advance } = setup();
    const executor = jest.fn(async () => granted);
    const pending = await service.submit(grantOnPrd);
    await expect(service.applyApproved(pending, executor)).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('pending approval') });
    const rejected = await service.submit(grantOnPrd);
    await service.reject({ id: rejected.id, actor: 'cli:approver' });
    await expect(service.applyApproved(rejected, executor)).rejects.toMatchObject({ code: 'CONFLICT' });
    advance(25 * HOUR);
    await expect(service.applyApproved(pending, executor)).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('expired') });
    expect(executor).not.toHaveBeenCalled();
  });

  it('marks the request failed with the KvcsiError code, once; a failed request is not retried', async () => {
    const { service, audit } = setup();
    const request = await service.submit({ ...grantOnPrd, target: { ...grantOnPrd.target, tier: 'dev', cluster: 'cafehyna-dev' } });
    const result = await service.applyApproved(request, async () => {
      throw new KvcsiError('FORBIDDEN', 'kvcsi may not write role assignments on kv-cafehyna-dev');
    });
    expect(result.error?.code).toBe('FORBIDDEN');
    expect(result.request).toMatchObject({ status: 'failed', failureReason: 'FORBIDDEN: kvcsi may not write role assignments on kv-cafehyna-dev' });
    expect(audit.events.at(-1)).toMatchObject({ action: 'request.apply', outcome: 'failed' });
    await expect(service.applyApproved(request, async () => granted)).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('failed to apply') });
  });

  it('keeps a foreign error\'s message out of the stored reason', async () => {
    const { service, store } = setup();
    const request = await service.submit({ ...grantOnPrd, target: { ...grantOnPrd.target, tier: 'dev', cluster: 'cafehyna-dev' } });
    const result = await service.applyApproved(request, async () => {
      throw new TypeError('upstream echoed sensitive-canary-text');
    });
    expect(result.error?.code).toBe('INTERNAL');
    expect(JSON.stringify(await store.getRequest(request.id))).not.toContain('sensitive-canary-text');
    expect(result.error?.message).not.toContain('sensitive-canary-text');
  });

  it('lets another applier take over a claim older than the claim timeout (a crashed applier)', async () => {
    const { service, store, advance } = setup(undefined, { applyClaimTimeoutInMs: 60_000 });
    const request = await service.submit({ ...grantOnPrd, target: { ...grantOnPrd.target, tier: 'dev', cluster: 'cafehyna-dev' } });
    // Simulate a crash: a claim left behind by an applier that never finished.
    await store.compareAndSetRequest({ id: request.id, status: 'approved', version: 1 }, { ...request, version: 2, applyClaim: { by: 'cli:crashed', at: '2025-03-01T10:00:00.000Z' } });
    const executor = jest.fn(async () => granted);
    await expect(service.applyApproved(request.id, executor)).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('being applied by cli:crashed') });
    advance(60_000);
    expect((await service.applyApproved(request.id, executor)).request.status).toBe('applied');
    expect(executor).toHaveBeenCalledTimes(1);
  });
});

describe('self-service secret requests', () => {
  const secretRequest: SubmitRequestInput = {
    actor: 'cli:requester',
    kind: 'secret-request',
    target: { cluster: 'cafehyna-prd', tier: 'prd', app: 'defectdojo', vault: 'kv-cafehyna-prd', secretName: 'defectdojo-admin-password' },
    justification: 'new admin password for the defectdojo upgrade',
  };

  it('carries no value; once approved, the requester\'s value goes straight to the writer and nowhere else', async () => {
    const { service, store, audit } = setup();
    const canary = `canary-${Math.random().toString(36).slice(2)}-Zq9`;
    const request = await service.submit(secretRequest);
    await service.approve({ id: request.id, actor: 'cli:approver' });
    const written: string[] = [];
    const result = await service.supplySecretValue({
      id: request.id, actor: 'cli:requester', value: canary,
      writeSecret: async (req, value) => {
        written.push(`${req.target.secretName}=${value}`);
        return { changed: true, after: { secretName: req.target.secretName ?? '', version: 'v1' } };
      },
    });
    expect(written).toEqual([`defectdojo-admin-password=${canary}`]);
    expect(result.request.status).toBe('applied');
    const everything = JSON.stringify([await store.listRequests(), await audit.query(), result]);
    expect(everything).not.toContain(canary);
  });

  it('audits a second set-value, which writes nothing (issue 19)', async () => {
    const { service, audit } = setup();
    const request = await service.submit(secretRequest);
    await service.approve({ id: request.id, actor: 'cli:approver' });
    const written: string[] = [];
    const writeSecret = async (req: { target: { secretName?: string } }, value: string) => {
      written.push(value);
      return { changed: true, after: { secretName: req.target.secretName ?? '', version: `v${written.length}` } };
    };
    await service.supplySecretValue({ id: request.id, actor: 'cli:requester', value: 'first-Zq9', writeSecret });
    const second = await service.supplySecretValue({ id: request.id, actor: 'cli:requester', value: 'second-Zq9', writeSecret });
    expect(second.executed).toBe(false);
    expect(written).toEqual(['first-Zq9']);
    const applies = audit.events.filter((event) => event.action === 'request.apply' && event.requestId === request.id);
    expect(applies.map((event) => `${event.actor} ${event.outcome}`)).toEqual(['cli:requester succeeded', 'cli:requester unchanged']);
    expect(applies[1]!.reason).toContain('nothing was written');
    expect(JSON.stringify(audit.events)).not.toContain('second-Zq9');
  });

  it('refuses the value from anyone but the requester, and before approval', async () => {
    const { service } = setup();
    const request = await service.submit(secretRequest);
    const writeSecret = jest.fn(async () => ({ changed: true }));
    await expect(service.supplySecretValue({ id: request.id, actor: 'cli:requester', value: 'v', writeSecret })).rejects.toMatchObject({ code: 'CONFLICT' });
    await service.approve({ id: request.id, actor: 'cli:approver' });
    await expect(service.supplySecretValue({ id: request.id, actor: 'cli:approver', value: 'v', writeSecret })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(service.supplySecretValue({ id: request.id, actor: 'cli:requester', value: '', writeSecret })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(writeSecret).not.toHaveBeenCalled();
  });
});

describe('a request applied half-way (issue 19)', () => {
  it('fails, and the audit keeps the change that was made, marked partially-applied', async () => {
    const { service, audit } = setup();
    const request = await service.submit(grantOnPrd);
    await service.approve({ id: request.id, actor: 'cli:approver' });
    const before = { 'roleAssignments:kv-a': [], 'roleAssignments:kv-b': [] };
    const after = { 'roleAssignments:kv-a': ['/subscriptions/s/resourceGroups/r/providers/Microsoft.KeyVault/vaults/kv-a'], 'roleAssignments:kv-b': [] };
    const result = await service.applyApproved(request.id, async () => {
      throw new KvcsiError('UNAVAILABLE', 'partially applied: assigned role Key Vault Secrets User at kv-a; then failed to assign it at kv-b: 503', { details: { partiallyApplied: true, before, after } });
    }, { actor: 'cli:approver' });
    expect(result.request).toMatchObject({ status: 'failed', failureReason: expect.stringContaining('partially applied') });
    const event = audit.events.find((e) => e.action === 'request.apply' && e.requestId === request.id)!;
    expect(event).toMatchObject({ outcome: 'failed', details: { status: 'partially-applied' }, before, after });
  });
});
