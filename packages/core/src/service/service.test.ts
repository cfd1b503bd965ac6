import { createMemoryAuditLog } from '../audit/memory.js';
import { KvcsiError } from '../errors.js';
import { SANDBOX_POLICY } from '../policy/schema.js';
import { createMemoryRequestStore } from '../requests/memory.js';
import { sandboxDecisionSigner } from '../requests/signing.js';
import { createKvcsiService, DEFAULT_RESUME_GRACE_IN_MS, parseSince } from './create-service.js';
import { createPolicy } from '../policy/policy.js';
import { DEFECTDOJO_SPC, EXTERNAL_DNS_SPC, KUBELET, memoryAzure, memoryCluster, PRD_VAULT_ID, testRegistry } from './memory-ports.test.fixtures.js';

const START = Date.parse('2026-01-01T10:00:00.000Z');
/** The service plays a deciding server (bot, Backstage backend): it signs its decisions. */
const SERVER_KEY = sandboxDecisionSigner();
const requester = { id: 'aad:requester@cafehyna.com.br', displayName: 'Rita Requester' };
const approver = { id: 'aad:approver@cafehyna.com.br', displayName: 'Abel Approver' };
const outsider = { id: 'aad:outsider@cafehyna.com.br' };

function setup() {
  let time = START;
  const azure = memoryAzure();
  const store = createMemoryRequestStore();
  const audit = createMemoryAuditLog();
  const cluster = memoryCluster([DEFECTDOJO_SPC, EXTERNAL_DNS_SPC]);
  // The apps run on cafehyna-dev and cafehyna-prd; the clusters that share dev's vault run none (revoke reads them).
  const empty = memoryCluster([]);
  let counter = 0;
  const service = createKvcsiService({
    registry: testRegistry(), clusterPort: (name) => (name === 'cafehyna-hlg' || name === 'painel-dev' ? empty : cluster), vault: azure.port, requests: store, audit, policy: SANDBOX_POLICY,
    decisions: { signer: SERVER_KEY, verifier: SERVER_KEY },
    clock: { now: () => time }, generateRequestId: () => `req-${String(++counter).padStart(10, '0')}`,
  });
  return { service, azure, store, audit, advance: (ms: number) => { time += ms; } };
}

async function errorOf(promise: Promise<unknown>): Promise<KvcsiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof KvcsiError) return error;
    throw error;
  }
  throw new Error('expected a KvcsiError');
}

describe('grant with four eyes on prd', () => {
  it('pending for the requester; refused to the requester and an outsider; applied once by the approver; a second grant changes nothing', async () => {
    const { service, azure, audit } = setup();
    const first = await service.grant({ actor: requester, app: 'defectdojo', cluster: 'cafehyna-prd' });
    expect(first.outcome.status).toBe('pending');
    expect(first.request).toMatchObject({ status: 'pending', kind: 'grant', approverGroup: 'approvers-prd', target: { app: 'defectdojo', vault: 'kv-cafehyna-prd', scope: PRD_VAULT_ID } });
    expect(first.plan?.changeCount).toBe(1);
    expect(azure.assignments).toHaveLength(0);
    const id = first.request!.id;

    expect((await errorOf(service.approve({ actor: requester, requestId: id }))).code).toBe('FORBIDDEN');
    expect((await errorOf(service.approve({ actor: outsider, requestId: id }))).code).toBe('FORBIDDEN');
    expect(azure.assignments).toHaveLength(0);

    const approved = await service.approve({ actor: approver, requestId: id });
    expect(approved.request).toMatchObject({ status: 'applied', decision: { by: 'aad:approver@cafehyna.com.br' }, outcome: { changed: true } });
    expect(approved.outcome).toMatchObject({ status: 'applied', verified: true });
    expect(approved.outcome.warnings.join(' ')).toContain('up to 10 minutes');
    expect(azure.assignments.map((a) => [a.scope, a.principalId])).toEqual([[PRD_VAULT_ID, KUBELET.objectId]]);

    const second = await service.grant({ actor: requester, app: 'defectdojo', cluster: 'cafehyna-prd' });
    expect(second.request).toBeUndefined();
    expect(second.outcome.status).toBe('unchanged');
    expect(azure.assignments).toHaveLength(1);

    expect(audit.events.map((event) => `${event.actor} ${event.action} ${event.outcome}`)).toEqual([
      'aad:requester@cafehyna.com.br request.submit succeeded',
      'aad:requester@cafehyna.com.br policy.deny denied',
      'aad:outsider@cafehyna.com.br policy.deny denied',
      'aad:approver@cafehyna.com.br request.approve succeeded',
      'aad:approver@cafehyna.com.br request.apply succeeded',
      'aad:requester@cafehyna.com.br grant.check unchanged',
    ]);
    expect(audit.events[4]).toMatchObject({ approver: 'aad:approver@cafehyna.com.br', before: { 'roleAssignments:kv-cafehyna-prd': [] }, after: { 'roleAssignments:kv-cafehyna-prd': [PRD_VAULT_ID] } });
  });

  it('applies exactly once when 20 approvals race', async () => {
    const { service, azure } = setup();
    const { request } = await service.grant({ actor: requester, app: 'defectdojo', cluster: 'cafehyna-prd', justification: 'defectdojo cannot mount its secrets' });
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => service.approve({ actor: approver, requestId: request!.id })));
    const applied = results.filter((r) => r.status === 'fulfilled');
    expect(applied).toHaveLength(1);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(refused).toHaveLength(19);
    for (const r of refused) expect(r.reason).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('already approved by aad:approver@cafehyna.com.br') });
    expect(azure.calls.filter((call) => call.startsWith('createRoleAssignment'))).toHaveLength(1);
    expect(azure.assignments).toHaveLength(1);
  });

  it('refuses an outsider\'s grant with FORBIDDEN and creates no request', async () => {
    const { service, store, audit } = setup();
    expect((await errorOf(service.grant({ actor: outsider, app: 'defectdojo', cluster: 'cafehyna-prd' }))).code).toBe('FORBIDDEN');
    expect(await store.listRequests()).toEqual([]);
    expect(audit.events.at(-1)).toMatchObject({ action: 'policy.deny', actor: 'aad:outsider@cafehyna.com.br' });
  });

  it('plans only on a dry run: no request, no change, no audit', async () => {
    const { service, azure, store, audit } = setup();
    const result = await service.grant({ actor: requester, app: 'defectdojo', cluster: 'cafehyna-prd', dryRun: true });
    expect(result.outcome.status).toBe('planned');
    expect(result.plan?.changeCount).toBe(1);
    expect(await store.listRequests()).toEqual([]);
    expect(azure.assignments).toEqual([]);
    expect(audit.events).toEqual([]);
  });

  it('lets the approver reject, and the requester withdraw', async () => {
    const { service } = setup();
    const a = await service.grant({ actor: requester, app: 'defectdojo', cluster: 'cafehyna-prd' });
    expect((await service.reject({ actor: approver, requestId: a.request!.id, reason: 'use the per-secret scope' })).outcome).toMatchObject({ status: 'rejected', message: 'rejected by aad:approver@cafehyna.com.br: use the per-secret scope' });
    const b = await service.grant({ actor: requester, app: 'defectdojo', cluster: 'cafehyna-prd' });
    expect((await service.reject({ actor: requester, requestId: b.request!.id, reason: 'not needed' })).outcome.message).toContain('withdrawn');
  });
});

describe('grant on dev (no approval) and revoke', () => {
  it('applies at once on the access-policy vault, then revoke takes it back', async () => {
    const { service, azure } = setup();
    const granted = await service.grant({ actor: requester, app: 'external-dns', cluster: 'cafehyna-dev' });
    expect(granted.request).toMatchObject({ status: 'applied', decision: { by: 'policy' } });
    expect(granted.outcome).toMatchObject({ status: 'applied', verified: true });
    expect(azure.vaults.get('kv-cafehyna-dev-hlg')!.properties.accessPolicies[0]?.permissions).toEqual({ secrets: ['get', 'list'], certificates: ['get'] });
    const revoked = await service.revoke({ actor: requester, app: 'external-dns', cluster: 'cafehyna-dev' });
    expect(revoked.outcome.status).toBe('applied');
    expect(azure.vaults.get('kv-cafehyna-dev-hlg')!.properties.accessPolicies[0]?.permissions).toEqual({ secrets: [], certificates: [] });
  });
});

describe('secrets', () => {
  const canary = `canary-${Math.random().toString(36).slice(2)}-Zq9`;

  it('creates on dev at once with tags, refuses an existing name, and never lets the value out', async () => {
    const { service, azure, store, audit } = setup();
    const created = await service.createSecret({ actor: requester, name: 'web-api-key', cluster: 'cafehyna-dev', app: 'web', value: canary, contentType: 'text/plain' });
    expect(created.outcome.status).toBe('applied');
    expect(created.secret).toMatchObject({ name: 'web-api-key', tags: { 'created-by': 'aad:requester@cafehyna.com.br', app: 'web', 'request-id': created.request!.id } });
    expect(created.snippet.objectsEntry).toContain('objectName: web-api-key');
    expect(azure.values.get('kv-cafehyna-dev-hlg/web-api-key')).toEqual([canary]);
    const again = await errorOf(service.createSecret({ actor: requester, name: 'web-api-key', cluster: 'cafehyna-dev', value: canary }));
    expect(again.code).toBe('ALREADY_EXISTS');
    const newVersion = await service.createSecret({ actor: requester, name: 'web-api-key', cluster: 'cafehyna-dev', app: 'web', value: canary, newVersion: true });
    expect(newVersion.outcome.status).toBe('applied');
    // Another app's (or no app's) new version of web's secret overwrites a secret used by web: approval even on dev.
    const foreign = await service.createSecret({ actor: requester, name: 'web-api-key', cluster: 'cafehyna-dev', app: 'intruder', value: canary, newVersion: true });
    expect(foreign.outcome.status).toBe('pending');
    expect(foreign.request).toMatchObject({ approvalRequired: true, approvalTier: 'prd', approverGroup: 'approvers-prd', details: { overwrites: 'overwrites a secret used by web: web-api-key' } });
    expect(azure.values.get('kv-cafehyna-dev-hlg/web-api-key')).toHaveLength(2);
    expect(JSON.stringify([created, newVersion, foreign, again.message, await store.listRequests(), await audit.query()])).not.toContain(canary);
  });

  it('on prd, keeps nothing until approved; then only the requester may set the value', async () => {
    const { service, azure, store } = setup();
    const created = await service.createSecret({ actor: requester, name: 'defectdojo-api-token', cluster: 'cafehyna-prd', app: 'defectdojo', value: canary });
    expect(created.outcome.status).toBe('pending');
    expect(azure.values.size).toBe(0);
    const id = created.request!.id;
    expect((await service.approve({ actor: approver, requestId: id })).outcome.status).toBe('approved');
    expect((await errorOf(service.supplySecretValue({ actor: approver, requestId: id, value: canary }))).code).toBe('FORBIDDEN');
    const supplied = await service.supplySecretValue({ actor: requester, requestId: id, value: canary });
    expect(supplied.outcome.status).toBe('applied');
    expect(azure.values.get('kv-cafehyna-prd/defectdojo-api-token')).toEqual([canary]);
    expect(JSON.stringify([created, supplied, await store.listRequests()])).not.toContain(canary);
  });

  it('requests one secret per vault, on the strictest tier sharing it', async () => {
    const { service } = setup();
    const { results } = await service.requestSecret({
      actor: requester, name: 'web-db-url', app: 'web', clusters: ['cafehyna-dev', 'cafehyna-hlg', 'cafehyna-prd'],
      justification: 'the web app needs its database', description: 'postgres url for web',
    });
    expect(results.map((r) => [r.vault, r.request?.status, r.outcome.status])).toEqual([
      ['kv-cafehyna-dev-hlg', 'approved', 'approved'],
      ['kv-cafehyna-prd', 'pending', 'pending'],
    ]);
    expect(results[0]?.outcome.message).toContain(`kvcsi secret set-value ${results[0]?.request?.id}`);
  });

  it('refuses a grant request id as a secret request', async () => {
    const { service } = setup();
    const grant = await service.grant({ actor: requester, app: 'defectdojo', cluster: 'cafehyna-prd' });
    expect((await errorOf(service.supplySecretValue({ actor: requester, requestId: grant.request!.id, value: 'x' }))).code).toBe('INVALID_INPUT');
  });
});

describe('recovering a soft-deleted secret', () => {
  const deletedSecret = (azure: ReturnType<typeof setup>['azure'], vault: string, name: string) => {
    const entry = azure.vaults.get(vault)!;
    entry.deleted = [...(entry.deleted ?? []), { secret: { name, enabled: true, version: 'v-old', tags: { app: 'defectdojo' } }, deletedOn: '2026-01-01T09:00:00.000Z', scheduledPurgeOn: '2026-04-01T09:00:00.000Z' }];
  };

  it('on dev, recovers at once through a secret-recover request, applied and audited', async () => {
    const { service, azure, audit } = setup();
    deletedSecret(azure, 'kv-cafehyna-dev-hlg', 'defectdojo-db-password');
    const recovered = await service.recoverSecret({ actor: requester, name: 'DefectDojo-DB-Password', cluster: 'cafehyna-dev', app: 'defectdojo' });
    expect(recovered.outcome).toMatchObject({ status: 'applied', message: 'recovered secret defectdojo-db-password in kv-cafehyna-dev-hlg (version v-old)' });
    expect(recovered.request).toMatchObject({ kind: 'secret-recover', status: 'applied', target: { vault: 'kv-cafehyna-dev-hlg', secretName: 'defectdojo-db-password', app: 'defectdojo' } });
    expect(recovered.request?.justification).toContain('deleted 2026-01-01T09:00:00.000Z');
    expect(azure.vaults.get('kv-cafehyna-dev-hlg')!.secrets.map((s) => s.name)).toEqual(['defectdojo-db-password']);
    expect(audit.events.map((event) => `${event.action} ${event.outcome}`)).toEqual(['request.submit succeeded', 'request.apply succeeded']);
  });

  it('on prd, waits for an approver; the approval recovers it once, however many approve', async () => {
    const { service, azure } = setup();
    deletedSecret(azure, 'kv-cafehyna-prd', 'defectdojo-api-token');
    const asked = await service.recoverSecret({ actor: requester, name: 'defectdojo-api-token', cluster: 'cafehyna-prd' });
    expect(asked.outcome.status).toBe('pending');
    expect(asked.outcome.warnings).toEqual(['Key Vault purges defectdojo-api-token at 2026-04-01T09:00:00.000Z; after that it cannot be recovered']);
    expect(asked.request).toMatchObject({ approverGroup: 'approvers-prd', details: { scheduledPurgeOn: '2026-04-01T09:00:00.000Z' } });
    expect(azure.vaults.get('kv-cafehyna-prd')!.secrets).toEqual([]);
    expect((await errorOf(service.approve({ actor: requester, requestId: asked.request!.id }))).code).toBe('FORBIDDEN');
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => service.approve({ actor: approver, requestId: asked.request!.id })));
    expect(results.filter((r) => r.status === 'fulfilled' && r.value.outcome.status === 'applied')).toHaveLength(1);
    expect(azure.calls.filter((call) => call.startsWith('recoverDeletedSecret'))).toEqual(['recoverDeletedSecret kv-cafehyna-prd/defectdojo-api-token']);
    expect(azure.vaults.get('kv-cafehyna-prd')!.secrets.map((s) => s.name)).toEqual(['defectdojo-api-token']);
  });

  it('refuses, before any request, a live secret, a name with nothing to recover, an invalid name and an outsider', async () => {
    const { service, azure, store } = setup();
    await service.createSecret({ actor: requester, name: 'live-one', cluster: 'cafehyna-dev', value: 'not-a-real-value-1' });
    const before = (await store.listRequests()).length;
    expect(await errorOf(service.recoverSecret({ actor: requester, name: 'live-one', cluster: 'cafehyna-dev' }))).toMatchObject({ code: 'ALREADY_EXISTS', field: 'name' });
    const missing = await errorOf(service.recoverSecret({ actor: requester, name: 'never-there', cluster: 'cafehyna-dev' }));
    expect(missing).toMatchObject({ code: 'NOT_FOUND', field: 'name' });
    expect(missing.message).toContain('kvcsi secret create never-there');
    expect(await errorOf(service.recoverSecret({ actor: requester, name: 'bad_name', cluster: 'cafehyna-dev' }))).toMatchObject({ code: 'INVALID_INPUT', field: 'name' });
    deletedSecret(azure, 'kv-cafehyna-dev-hlg', 'gone');
    expect((await errorOf(service.recoverSecret({ actor: outsider, name: 'gone', cluster: 'cafehyna-dev' }))).code).toBe('FORBIDDEN');
    expect(await store.listRequests()).toHaveLength(before);
  });

  it('an approved recover whose secret was purged meanwhile fails with NOT_FOUND; one recovered by someone else is no change', async () => {
    const { service, azure } = setup();
    deletedSecret(azure, 'kv-cafehyna-prd', 'purged-later');
    deletedSecret(azure, 'kv-cafehyna-prd', 'recovered-by-hand');
    const purged = await service.recoverSecret({ actor: requester, name: 'purged-later', cluster: 'cafehyna-prd' });
    const byHand = await service.recoverSecret({ actor: requester, name: 'recovered-by-hand', cluster: 'cafehyna-prd' });
    const vault = azure.vaults.get('kv-cafehyna-prd')!;
    vault.deleted = vault.deleted!.filter((d) => d.secret.name !== 'purged-later');
    await azure.port.recoverDeletedSecret!({ name: 'kv-cafehyna-prd' }, 'recovered-by-hand');
    const failed = await service.approve({ actor: approver, requestId: purged.request!.id });
    expect(failed.outcome).toMatchObject({ status: 'failed', error: { code: 'NOT_FOUND' } });
    const unchanged = await service.approve({ actor: approver, requestId: byHand.request!.id });
    expect(unchanged.outcome).toMatchObject({ status: 'unchanged', message: 'secret recovered-by-hand is in kv-cafehyna-prd already; nothing to recover' });
  });
});

describe('reads', () => {
  it('lists clusters, bindings per cluster and the audit since a duration', async () => {
    const { service, advance } = setup();
    expect((await service.listClusters()).map((c) => `${c.name}:${c.tier}`)).toEqual(['cafehyna-dev:dev', 'cafehyna-hlg:dev', 'cafehyna-prd:prd', 'painel-dev:dev']);
    const bindings = await service.bindings({ app: 'defectdojo', cluster: 'cafehyna-prd' });
    expect(bindings.clusters).toEqual([expect.objectContaining({ cluster: 'cafehyna-prd', bindings: [expect.objectContaining({ name: 'defectdojo-secrets', vault: 'kv-cafehyna-prd', identity: { mode: 'vmManagedIdentity', clientId: KUBELET.clientId, source: 'spc' } })] })]);
    await service.grant({ actor: requester, app: 'defectdojo', cluster: 'cafehyna-prd' });
    advance(2 * 3_600_000);
    await service.grant({ actor: requester, app: 'external-dns', cluster: 'cafehyna-dev' });
    expect((await service.audit({ since: '1h' })).map((e) => e.where?.app)).toEqual(['external-dns', 'external-dns']);
    expect(await service.audit({ app: 'defectdojo' })).toHaveLength(1);
    expect(parseSince('2026-01-01', 0)).toBe('2026-01-01T00:00:00.000Z');
  });

  it('reports a cluster\'s status: API, driver, vault, identity, pending requests', async () => {
    const { service } = setup();
    await service.grant({ actor: requester, app: 'defectdojo', cluster: 'cafehyna-prd' });
    expect(await service.status({ cluster: 'cafehyna-prd' })).toMatchObject({
      kubernetes: { reachable: true, csiDriverInstalled: true },
      vault: { name: 'kv-cafehyna-prd', reachable: true, authModel: 'rbac' },
      identity: { clientId: KUBELET.clientId, objectId: KUBELET.objectId },
      requests: { pending: 1 },
    });
  });

  it('refuses an anonymous actor', async () => {
    const { service } = setup();
    expect((await errorOf(service.grant({ actor: { id: '' }, app: 'defectdojo', cluster: 'cafehyna-prd' }))).code).toBe('UNAUTHENTICATED');
  });
});

describe('resumeApproved (a replica died between the approval and the apply)', () => {
  it('applies an approved grant nobody applied, once, after the grace; leaves fresh approvals to their approver', async () => {
    const { service, azure, store, audit, advance } = setup();
    const asked = await service.grant({ actor: requester, app: 'defectdojo', cluster: 'cafehyna-prd' });
    const id = asked.request!.id;
    // The approving process decides (signed, stored) and dies before it applies: the request stays approved.
    const { createRequestService } = await import('../requests/service.js');
    const approvingProcess = createRequestService({ store, audit, policy: createPolicy(SANDBOX_POLICY), clock: { now: () => START }, decisions: { signer: SERVER_KEY, verifier: SERVER_KEY } });
    await approvingProcess.approve({ id, actor: approver.id });
    expect((await service.getRequest(id)).status).toBe('approved');

    expect(await service.resumeApproved()).toEqual([]);
    expect(azure.assignments).toHaveLength(0);

    advance(DEFAULT_RESUME_GRACE_IN_MS);
    // Two replicas sweep at once: one applies, the other finds it claimed.
    const resumed = await Promise.all([service.resumeApproved(), service.resumeApproved()]).then((runs) => runs.flat());
    expect(resumed.filter((result) => result.outcome.status === 'applied').map((result) => result.request)).toEqual([expect.objectContaining({ id, status: 'applied', decision: expect.objectContaining({ by: approver.id }) })]);
    expect(azure.assignments.map((a) => [a.scope, a.principalId])).toEqual([[PRD_VAULT_ID, KUBELET.objectId]]);
    expect(audit.events.filter((event) => event.action === 'request.apply' && event.outcome === 'succeeded').map((event) => event.actor)).toEqual(['kvcsi']);
    expect(await service.resumeApproved()).toEqual([]);
  });
});
