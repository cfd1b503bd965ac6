// Issue 19: a policy `deny` on `read` held for grant planning only; bindings, diagnose, status, requests and audit
// ignored it. Every read path now takes the reader and applies it.
import { createMemoryAuditLog } from '../audit/memory.js';
import { KvcsiError } from '../errors.js';
import { SANDBOX_POLICY, type PolicyConfigInput } from '../policy/schema.js';
import { createMemoryRequestStore } from '../requests/memory.js';
import { sandboxDecisionSigner } from '../requests/signing.js';
import { createKvcsiService } from './create-service.js';
import { DEFECTDOJO_SPC, EXTERNAL_DNS_SPC, memoryAzure, memoryCluster, testRegistry } from './memory-ports.test.fixtures.js';

const requester = { id: 'aad:requester@cafehyna.com.br' };
const outsider = { id: 'aad:outsider@cafehyna.com.br' };
// The sandbox policy, and the outsider may not read prd.
const POLICY: PolicyConfigInput = {
  ...SANDBOX_POLICY,
  rules: [...(SANDBOX_POLICY.rules ?? []), { principals: ['aad:outsider@cafehyna.com.br'], actions: ['read'], tiers: ['prd'], effect: 'deny' }],
};

function setup() {
  const key = sandboxDecisionSigner();
  const audit = createMemoryAuditLog();
  const cluster = memoryCluster([DEFECTDOJO_SPC, EXTERNAL_DNS_SPC]);
  const empty = memoryCluster([]);
  let counter = 0;
  const service = createKvcsiService({
    registry: testRegistry(), clusterPort: (name) => (name === 'cafehyna-hlg' || name === 'painel-dev' ? empty : cluster), vault: memoryAzure().port,
    requests: createMemoryRequestStore(), audit, policy: POLICY, decisions: { signer: key, verifier: key },
    generateRequestId: () => `req-${String(++counter).padStart(10, '0')}`,
  });
  return { service, audit };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof KvcsiError) return error.code;
    throw error;
  }
  return 'resolved';
}

describe('read policy on every read path', () => {
  it('refuses one prd cluster and leaves prd out of lists for a reader denied read on prd; others see it', async () => {
    const { service, audit } = setup();
    const prdRequest = (await service.grant({ actor: requester, app: 'defectdojo', cluster: 'cafehyna-prd' })).request!;
    await service.requestSecret({ actor: requester, name: 'dojo-dev-token', app: 'defectdojo', clusters: ['cafehyna-dev'], justification: 'dev token' });

    // One cluster, one request: FORBIDDEN.
    expect(await codeOf(service.status({ cluster: 'cafehyna-prd', reader: outsider }))).toBe('FORBIDDEN');
    expect(await codeOf(service.checkRead({ cluster: 'cafehyna-prd', reader: outsider }))).toBe('FORBIDDEN');
    expect(await codeOf(service.checkRead({ cluster: 'cafehyna-dev', reader: outsider }))).toBe('resolved');
    expect(await codeOf(service.bindings({ cluster: 'cafehyna-prd', reader: outsider }))).toBe('FORBIDDEN');
    expect(await codeOf(service.diagnoseApp({ cluster: 'cafehyna-prd', app: 'defectdojo', reader: outsider }))).toBe('FORBIDDEN');
    expect(await codeOf(service.diagnosePod({ cluster: 'cafehyna-prd', namespace: 'defectdojo', pod: 'x', reader: outsider }))).toBe('FORBIDDEN');
    expect(await codeOf(service.getRequest(prdRequest.id, { reader: outsider }))).toBe('FORBIDDEN');
    expect(audit.events.filter((event) => event.action === 'policy.deny' && event.actor === outsider.id)).toHaveLength(6);

    // Lists: prd left out.
    const bindings = await service.bindings({ reader: outsider });
    const prd = bindings.clusters.find((entry) => entry.cluster === 'cafehyna-prd')!;
    expect(prd).toMatchObject({ bindings: [], error: { code: 'FORBIDDEN' } });
    expect(bindings.clusters.find((entry) => entry.cluster === 'cafehyna-dev')!.bindings.length).toBeGreaterThan(0);
    const requests = await service.listRequests({ reader: outsider });
    expect(requests.map((request) => request.target.tier)).not.toContain('prd');
    expect(requests.length).toBeGreaterThan(0);
    const events = await service.audit({ reader: outsider });
    expect(events.filter((event) => event.where?.tier === 'prd' || event.where?.cluster === 'cafehyna-prd')).toEqual([]);

    // The requester (no deny) reads everything.
    expect(await codeOf(service.status({ cluster: 'cafehyna-prd', reader: requester }))).toBe('resolved');
    expect((await service.listRequests({ reader: requester })).map((request) => request.target.tier)).toContain('prd');
    expect((await service.getRequest(prdRequest.id, { reader: requester })).id).toBe(prdRequest.id);
    expect((await service.audit({ reader: requester })).some((event) => event.where?.cluster === 'cafehyna-prd')).toBe(true);
  });
});
