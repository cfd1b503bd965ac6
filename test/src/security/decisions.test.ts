/**
 * Attack 4 (issue 13): four-eyes was enforced by the client. The CLI's identity was asserted (`cli:<os user>`, or any
 * sandbox user with `--as`); `KVCSI_SANDBOX=1 kvcsi requests approve <id> --as approver` with the shared store URL
 * approved a real prd request; anyone holding the store's credentials could write a decision. Now decisions are made
 * and signed by a server that authenticated the decider, appliers verify them, the CLI names its user from the Entra
 * token, and sandbox mode refuses a store it did not create.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  createKvcsiService, createMemoryAuditLog, createMemoryRequestStore, createDecisionSigner, decisionKeysFromEnv, sandboxDecisionSigner,
  type AccessRequest, type KvcsiService, type RequestStore,
} from '@kvcsi/core';
import { createStore, type KvcsiStore } from '@kvcsi/store';
import { EVERY_FACE_POLICY, kvcsi, PEOPLE, refusal, registry, startKit, type Kit } from './sandbox-kit.js';

const VALUE = 'sandbox-forged-approval-value-Qx7';

function serverKeyPem(): string {
  return generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** A live deciding server: its own key, the live store, the sandbox's Azure and clusters for its ports. */
function liveServer(kit: Kit, store: RequestStore & { append: KvcsiStore['append']; query: KvcsiStore['query'] }, keyPem: string): KvcsiService {
  return createKvcsiService({
    registry, clusterPort: kit.runtime.clusterPort, vault: kit.runtime.vault, requests: store, audit: store, policy: EVERY_FACE_POLICY,
    decisions: decisionKeysFromEnv({ KVCSI_DECISION_KEY: keyPem }),
  });
}

/** What someone with the store's credentials writes: the row moved to approved with a decision of their making. */
async function forgeApproval(store: RequestStore, request: AccessRequest, decision: AccessRequest['decision']): Promise<void> {
  const forged: AccessRequest = { ...request, status: 'approved', version: request.version + 1, decision: decision! };
  expect(await store.compareAndSetRequest({ id: request.id, status: request.status, version: request.version }, forged)).toBe(true);
}

describe('attack: approving without a server that authenticated the approver', () => {
  let kit: Kit;
  let dir: string;
  let store: KvcsiStore;
  let server: KvcsiService;
  let keyPem: string;

  beforeEach(async () => {
    kit = startKit();
    dir = mkdtempSync(path.join(tmpdir(), 'kvcsi-sec-decisions-'));
    store = await createStore({ client: 'sqlite', filename: path.join(dir, 'live.db'), mode: 'live' });
    keyPem = serverKeyPem();
    server = liveServer(kit, store, keyPem);
  });
  afterEach(async () => {
    await store.close();
    await kit.close();
  });

  const pendingSecretRequest = async () => {
    const { results } = await server.requestSecret({ actor: { id: PEOPLE.requester.slack }, name: 'defectdojo-smtp-password', app: 'defectdojo', clusters: ['cafehyna-prd'], justification: 'SMTP relay' });
    expect(results[0]!.request!.status).toBe('pending');
    return results[0]!.request!;
  };
  const smtpSecretWritten = () => kit.runtime.sandbox!.state.azure.vaults.find((vault) => vault.name === 'kv-cafehyna-prd')!.secrets.some((secret) => secret.name === 'defectdojo-smtp-password');

  it('refuses KVCSI_SANDBOX=1 kvcsi requests approve --as approver over the live store URL', async () => {
    const request = await pendingSecretRequest();
    const run = await kvcsi(dir, { KVCSI_SANDBOX: '1', KVCSI_SANDBOX_STATE: path.join(dir, 'sandbox-state.json'), KVCSI_DATABASE_URL: `sqlite:${path.join(dir, 'live.db')}` },
      ['requests', 'approve', request.id, '--as', 'approver', '-o', 'json']);
    expect(run.code).toBe(3);
    expect((JSON.parse(run.stdout) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('sandbox mode refuses') });
    expect((await store.getRequest(request.id))?.status).toBe('pending');
  });

  it('refuses --as outside the sandbox: the CLI cannot vouch for another person', async () => {
    const request = await pendingSecretRequest();
    const run = await kvcsi(dir, { KVCSI_DATABASE_URL: `sqlite:${path.join(dir, 'live.db')}` }, ['requests', 'approve', request.id, '--as', 'approver', '-o', 'json']);
    expect(run.code).toBe(2);
    expect((JSON.parse(run.stdout) as { error: { field: string } }).error).toMatchObject({ field: '--as' });
    expect((await store.getRequest(request.id))?.status).toBe('pending');
  });

  it('outside the sandbox, kvcsi requests approve without a server refuses and says where approvals are made', async () => {
    const request = await pendingSecretRequest();
    const run = await kvcsi(dir, { KVCSI_DATABASE_URL: `sqlite:${path.join(dir, 'live.db')}` }, ['requests', 'approve', request.id, '-o', 'json']);
    expect(run.code).toBe(3);
    expect((JSON.parse(run.stdout) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('KVCSI_SERVER_URL') });
    expect((await store.getRequest(request.id))?.status).toBe('pending');
  });

  it('the CLI never makes a decision, even when the server key sits in its environment', async () => {
    const request = await pendingSecretRequest();
    const cli = createKvcsiService({
      registry, clusterPort: kit.runtime.clusterPort, vault: kit.runtime.vault, requests: store, audit: store, policy: EVERY_FACE_POLICY,
      decisions: decisionKeysFromEnv({ KVCSI_DECISION_KEY: serverKeyPem() }, { server: false }),
    });
    const error = await refusal(cli.approve({ actor: { id: PEOPLE.approver.cli }, requestId: request.id }));
    expect(error).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('decisions are made only by a server') });
    expect((await store.getRequest(request.id))?.status).toBe('pending');
  });

  it.each([
    ['no signature', () => ({ by: PEOPLE.approver.slack, at: new Date().toISOString() })],
    ['a signature by the sandbox\'s well-known key', (request: AccessRequest) => {
      const decision = { by: PEOPLE.approver.slack, at: new Date().toISOString() };
      return { ...decision, signature: sandboxDecisionSigner().sign({ ...request, status: 'approved', version: request.version + 1, decision }) };
    }],
    ['the server\'s own signature of another request (a replay)', (request: AccessRequest) => {
      const decision = { by: PEOPLE.approver.slack, at: new Date().toISOString() };
      return { ...decision, signature: createDecisionSigner(keyPem).sign({ ...request, id: 'req-other00000', status: 'approved', decision }) };
    }],
    ['the server\'s own signature of this request for another secret', (request: AccessRequest) => {
      const decision = { by: PEOPLE.approver.slack, at: new Date().toISOString() };
      return { ...decision, signature: createDecisionSigner(keyPem).sign({ ...request, target: { ...request.target, secretName: 'something-else' }, status: 'approved', decision }) };
    }],
    ['a claimed automatic approval on prd', () => ({ by: 'policy', at: new Date().toISOString() })],
  ])('refuses to apply a decision written into the store with %s; the value is never written', async (_name, decide) => {
    const request = await pendingSecretRequest();
    await forgeApproval(store, request, decide(request));
    const error = await refusal(server.supplySecretValue({ actor: { id: PEOPLE.requester.slack }, requestId: request.id, value: VALUE }));
    expect(error).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining(`request ${request.id} is not applied`) });
    expect(smtpSecretWritten()).toBe(false);
    expect(JSON.stringify(error)).not.toContain(VALUE);
    expect((await store.query({ requestId: request.id })).map((event) => `${event.action} ${event.outcome}`)).toContain('request.apply denied');
  });

  it('applies a decision the server made and signed', async () => {
    const request = await pendingSecretRequest();
    await server.approve({ actor: { id: PEOPLE.approver.slack }, requestId: request.id });
    expect((await store.getRequest(request.id))?.decision?.signature).toMatch(/^[A-Za-z0-9+/]+=*$/);
    const written = await server.supplySecretValue({ actor: { id: PEOPLE.requester.slack }, requestId: request.id, value: VALUE });
    expect(written.outcome.status).toBe('applied');
    expect(smtpSecretWritten()).toBe(true);
  });
});

describe('sandbox mode and live kvcsi never share a store', () => {
  it('a live server refuses a store sandbox mode created', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kvcsi-sec-store-'));
    await (await createStore({ client: 'sqlite', filename: path.join(dir, 'sandbox.db'), mode: 'sandbox' })).close();
    await expect(createStore({ client: 'sqlite', filename: path.join(dir, 'sandbox.db'), mode: 'live' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});

describe('a service without a decision key', () => {
  it('refuses an approval, and nothing is applied', async () => {
    const requests = createMemoryRequestStore();
    const kit = startKit();
    try {
      const keyless = createKvcsiService({ registry, clusterPort: kit.runtime.clusterPort, vault: kit.runtime.vault, requests, audit: createMemoryAuditLog(), policy: EVERY_FACE_POLICY });
      const asked = await keyless.grant({ actor: { id: PEOPLE.requester.cli }, app: 'defectdojo', cluster: 'cafehyna-prd' });
      expect((await refusal(keyless.approve({ actor: { id: PEOPLE.approver.cli }, requestId: asked.request!.id }))).code).toBe('FORBIDDEN');
      expect((await requests.getRequest(asked.request!.id))?.status).toBe('pending');
    } finally {
      await kit.close();
    }
  });
});
