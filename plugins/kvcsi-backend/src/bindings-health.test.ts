/**
 * GET /bindings never shows a broken app all green: the lint rules run on each indexed SecretProviderClass, pods that
 * cannot start are shown under their cause, and an applied request refreshes the app's entry (issue 15).
 */
import { mockCredentials, mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import type { BindingItem, BindingsResponse, CreateSecretRequestResponse, DiagnoseResponse, RequestActionResponse } from '@kvcsi/backstage-plugin-common';
import { createKvcsiService, decisionKeysFromEnv, loadRegistry, type PolicyConfigInput } from '@kvcsi/core';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { kvcsiPlugin } from './plugin.js';

const REQUESTER = 'backstage:user:default/requester';
const APPROVER = 'backstage:user:default/approver';
const POLICY: PolicyConfigInput = {
  groups: { 'approvers-prd': [APPROVER], requesters: [REQUESTER] },
  rules: [{ principals: ['group:requesters', 'group:approvers-prd'], actions: ['secret-request', 'secret-create'] }],
  approvals: { prd: { required: true, group: 'approvers-prd' } },
};
const component = (name: string) => ({
  apiVersion: 'backstage.io/v1alpha1', kind: 'Component',
  metadata: { name, namespace: 'default', annotations: { 'kvcsi.io/app': name } },
  spec: { type: 'service', lifecycle: 'production', owner: 'team-a' },
});

const running: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((backend) => backend.stop()));
});

async function start(database: string) {
  const backend = await startTestBackend({
    features: [
      kvcsiPlugin,
      catalogServiceMock.factory({ entities: ['cert-manager', 'external-dns', 'reports-api', 'defectdojo', 'argocd-notifications'].map(component) }),
      mockServices.rootConfig.factory({ data: { kvcsi: { sandbox: {}, policy: POLICY, store: database } } }),
    ],
  });
  running.push(backend);
  return backend.server;
}

/**
 * The first backend of a test file pays for loading the SDKs and, with kubeAuth azure, two ARM calls per cluster and an
 * Entra token before its first index refresh: that cold start happens here, under its own limit, so each test keeps
 * jest's default 5 s for what it asserts.
 */
beforeAll(async () => {
  const server = await start(temporaryDatabase());
  await bindings(server, 'external-dns');
  await running.splice(0).reduce((done, backend) => done.then(() => backend.stop()), Promise.resolve());
}, 60_000);

const temporaryDatabase = () => `sqlite:${path.join(os.tmpdir(), `kvcsi-health-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.db`)}`;

async function bindings(server: Parameters<typeof request>[0], app: string): Promise<BindingsResponse> {
  const res = await request(server).get('/api/kvcsi/bindings').query({ entityRef: `component:default/${app}` });
  expect(res.status).toBe(200);
  return res.body as BindingsResponse;
}

const itemOf = (body: BindingsResponse, cluster: string) => body.items.find((item) => item.cluster === cluster)!;
/** reports-api's pod mounts two classes; reports-tokens names the secret painel-clientes-prd lacks. */
const tokensOf = (body: BindingsResponse) => body.items.find((item) => item.cluster === 'painelclientes-prd' && item.spc === 'reports-tokens')!;
const errorsOf = (item: BindingItem) => item.findings.filter((finding) => finding.severity === 'error');

describe('GET /bindings shows what stops an app', () => {
  it('runs the lint rules: secretObjects naming no mounted file is an error, and the pod that cannot start is folded under it', async () => {
    const server = await start(temporaryDatabase());
    const dev = itemOf(await bindings(server, 'cert-manager'), 'cafehyna-dev');
    // Every object exists and is readable: without the lint rules and the pods' state, this item was all green.
    expect(dev.objects.every((object) => object.status.exists === true && object.status.access === 'granted')).toBe(true);
    const lint = dev.findings.find((finding) => finding.id === 'spc-lint/secret-object-unmounted');
    expect(lint).toMatchObject({ severity: 'error' });
    // The scenario's secretObjects names Cloudflare-Api-Key (the vault's casing); the mounted file is cloudflare-api-key.
    expect(lint!.summary).toMatch(/secretObjects objectName "Cloudflare-Api-Key" matches no mounted file/);
    const pods = dev.findings.find((finding) => finding.id === 'pods-not-running');
    expect(pods).toMatchObject({ severity: 'error', causedBy: lint!.id, subject: { kind: 'Pod', namespace: 'cert-manager' } });
    // kubelet's own reason and message (the synced Secret was never created).
    expect(pods!.evidence.join('\n')).toMatch(/CreateContainerConfigError: secret "[^"]+" not found/);
    // One cause: every other error of the item is a consequence of it or the cause itself.
    expect(errorsOf(dev).filter((finding) => finding.causedBy === undefined).map((finding) => finding.id)).toEqual([lint!.id]);
  });

  it('shows a pod stuck in ContainerCreating under the access error that stops its mount', async () => {
    const server = await start(temporaryDatabase());
    const prd = itemOf(await bindings(server, 'defectdojo'), 'cafehyna-prd');
    const pods = prd.findings.find((finding) => finding.id === 'pods-not-running');
    expect(pods).toBeDefined();
    expect(pods!.evidence.join('\n')).toMatch(/defectdojo-hvvfwdpl2p-gzd7z: ContainerCreating/);
    // Past kubelet's 2m3s mount timeout in the scenario: stuck, not starting.
    expect(pods).toMatchObject({ severity: 'error', causedBy: 'access-denied' });
  });

  it('shows a pod that waits for another volume under that volume\'s class only', async () => {
    const server = await start(temporaryDatabase());
    const body = await bindings(server, 'reports-api');
    const db = body.items.find((item) => item.spc === 'reports-db')!;
    // reports-db mounted (its SecretProviderClassPodStatus says so); the pod waits for reports-tokens.
    expect(db.objects[0]!.status.mountedBy).toEqual(['reports-api-5d8f7c9b4x-q2w8e']);
    expect(db.findings.map((finding) => finding.id)).not.toContain('pods-not-running');
    const tokens = tokensOf(body);
    expect(tokens.findings.find((finding) => finding.id === 'pods-not-running')).toMatchObject({ severity: 'error', causedBy: 'objects-missing' });
  });

  it('tells a soft-deleted secret from a missing one: recover it, do not create it', async () => {
    const server = await start(temporaryDatabase());
    const hub = itemOf(await bindings(server, 'argocd-notifications'), 'cafehyna-hub');
    expect(hub.objects.find((object) => object.objectName === 'argocd-notifications-slack-token')?.status.exists).toBe(false);
    const deleted = hub.findings.find((finding) => finding.id === 'objects-deleted');
    expect(deleted).toMatchObject({
      severity: 'error',
      action: { kind: 'recover-secret', params: { vault: 'kv-cafehyna-default', cluster: 'cafehyna-hub', name: 'argocd-notifications-slack-token' } },
      fix: { commands: ['kvcsi secret recover argocd-notifications-slack-token -c cafehyna-hub'] },
    });
    expect(hub.findings.map((finding) => finding.id)).not.toContain('objects-missing');
    // A name the vault never held is still "missing", with the create action.
    expect(tokensOf(await bindings(server, 'reports-api')).findings.find((finding) => finding.id === 'objects-missing')?.action?.kind).toBe('create-secret');
  });

  it('leaves a healthy app green: no error, no pod finding', async () => {
    const server = await start(temporaryDatabase());
    const dev = itemOf(await bindings(server, 'external-dns'), 'cafehyna-dev');
    expect(errorsOf(dev)).toEqual([]);
    expect(dev.findings.map((finding) => finding.id)).not.toContain('pods-not-running');
  });
});

describe('an applied request refreshes the app\'s entry', () => {
  it('shows the secret a request created as existing right after the value is applied, without waiting for the scheduled refresh', async () => {
    const database = temporaryDatabase();
    const server = await start(database);
    const before = tokensOf(await bindings(server, 'reports-api'));
    const missing = before.findings.find((finding) => finding.id === 'objects-missing');
    expect(missing?.summary).toMatch(/painel-api-token-signing-key/);
    const secretName = 'painel-api-token-signing-key';
    const vault = before.vault!;

    const created = await request(server).post('/api/kvcsi/requests').set('Authorization', mockCredentials.user.header('user:default/requester'))
      .send({ entityRef: 'component:default/reports-api', name: secretName, clusters: ['painelclientes-prd'], justification: 'the tokens volume names it' });
    expect(created.status).toBe(201);
    const result = (created.body as CreateSecretRequestResponse).results[0]!;
    expect(result).toMatchObject({ status: 'pending', vault, secretName });

    // Approved elsewhere (Slack, CLI): the same store, through the core service of a deciding server.
    const { createStore, storeOptionsFromUrl } = await import('@kvcsi/store');
    const store = await createStore(storeOptionsFromUrl(database));
    try {
      const other = createKvcsiService({
        registry: loadRegistry({ env: {} }), clusterPort: () => { throw new Error('not used'); }, vault: {} as never, requests: store, audit: store, policy: POLICY,
        decisions: decisionKeysFromEnv({}, { sandbox: true }),
      });
      expect((await other.approve({ actor: { id: APPROVER }, requestId: result.request!.id })).outcome.status).toBe('approved');
    } finally {
      await store.close();
    }
    const set = await request(server).post(`/api/kvcsi/requests/${result.request!.id}/value`).set('Authorization', mockCredentials.user.header('user:default/requester'))
      .send({ entityRef: 'component:default/reports-api', value: 'signing-key-do-not-echo' });
    expect((set.body as RequestActionResponse).status).toBe('applied');

    const after = tokensOf(await bindings(server, 'reports-api'));
    expect(after.objects.find((object) => object.objectName === secretName)!.status.exists).toBe(true);
    expect(after.findings.map((finding) => finding.id)).not.toContain('objects-missing');
    expect(JSON.stringify(after)).not.toContain('signing-key-do-not-echo');
  });
});

describe('POST /diagnose keeps consequences under their cause', () => {
  it('passes causedBy through: the cert-manager pod\'s diagnosis leads with the cause, its consequences name it', async () => {
    const server = await start(temporaryDatabase());
    const res = await request(server).post('/api/kvcsi/diagnose').set('Authorization', mockCredentials.user.header('user:default/requester'))
      .send({ entityRef: 'component:default/cert-manager', cluster: 'cafehyna-dev', pod: 'cert-manager/cert-manager-8tgsdnt6ll-v689r' });
    expect(res.status).toBe(200);
    const findings = (res.body as DiagnoseResponse).findings;
    // The scenario's cert-manager: secretObjects names no mounted file (F2), so the container's Secret is missing (K3).
    expect(findings[0]).toMatchObject({ id: 'F2', severity: 'error' });
    expect(findings[0]!.causedBy).toBeUndefined();
    expect(findings.find((finding) => finding.id === 'K3')).toMatchObject({ causedBy: 'F2' });
    expect(findings.filter((finding) => finding.causedBy === undefined && finding.severity === 'error').map((finding) => finding.id)).toEqual(['F2']);
  });
});
