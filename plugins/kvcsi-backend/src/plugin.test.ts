import { mockCredentials, mockServices, startTestBackend, type ServiceMock } from '@backstage/backend-test-utils';
import type { PermissionsService } from '@backstage/backend-plugin-api';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type { BindingsResponse, CreateSecretRequestResponse, DiagnoseResponse, ListRequestsResponse, RequestActionResponse } from '@kvcsi/backstage-plugin-common';
import { createKvcsiService, decisionKeysFromEnv, loadRegistry, type KvcsiService, type PolicyConfigInput } from '@kvcsi/core';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { kvcsiPlugin } from './plugin.js';

const REQUESTER_HEADER = mockCredentials.user.header('user:default/requester');
const APPROVER_ID = 'backstage:user:default/approver';

const entity = (name: string, annotations: Record<string, string>) => ({
  apiVersion: 'backstage.io/v1alpha1', kind: 'Component',
  metadata: { name, namespace: 'default', annotations },
  spec: { type: 'service', lifecycle: 'production', owner: 'team-a' },
});

const ENTITIES = [
  entity('defectdojo', { 'kvcsi.io/app': 'defectdojo' }),
  entity('external-dns', { 'backstage.io/kubernetes-id': 'external-dns' }),
  entity('external-dns-dev', { 'kvcsi.io/app': 'external-dns', 'kvcsi.io/clusters': 'cafehyna-dev, nowhere-prd' }),
  entity('docs-site', { 'github.com/project-slug': 'acme/docs' }),
];

const POLICY: PolicyConfigInput = {
  groups: { 'approvers-prd': [APPROVER_ID], requesters: ['backstage:user:default/requester'] },
  rules: [{ principals: ['group:requesters', 'group:approvers-prd'], actions: ['secret-request', 'secret-create'] }],
  approvals: { prd: { required: true, group: 'approvers-prd' } },
};

let databases = 0;
const temporaryDatabase = () => `sqlite:${path.join(os.tmpdir(), `kvcsi-backstage-${process.pid}-${Date.now()}-${databases++}.db`)}`;

interface StartOptions {
  faults?: unknown;
  policy?: PolicyConfigInput;
  authorize?: (permission: string, resourceRef: string | undefined) => AuthorizeResult.ALLOW | AuthorizeResult.DENY;
  database?: string;
}

let permissionsMock: ServiceMock<PermissionsService>;

async function start(options: StartOptions = {}) {
  const decide = options.authorize ?? (() => AuthorizeResult.ALLOW);
  permissionsMock = mockServices.permissions.mock({
    authorize: jest.fn(async (requests: readonly { permission: { name: string }; resourceRef?: string }[]) =>
      requests.map((r) => ({ result: decide(r.permission.name, r.resourceRef) }))) as unknown as PermissionsService['authorize'],
  });
  const backend = await startTestBackend({
    features: [
      kvcsiPlugin,
      catalogServiceMock.factory({ entities: ENTITIES }),
      permissionsMock.factory,
      mockServices.rootConfig.factory({
        data: {
          kvcsi: {
            sandbox: { ...(options.faults ? { faults: options.faults } : {}) },
            policy: options.policy ?? POLICY,
            // A file of our own, as the bot shares it (the plugin database's pool outlives the test backend's stop).
            store: options.database ?? temporaryDatabase(),
          },
        },
      }),
    ],
  });
  running.push(backend);
  return backend.server;
}

// One sandbox (msw interceptor) at a time: stop each test's backends, which closes their runtime.
const running: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((backend) => backend.stop()));
});

/**
 * The first backend of the file pays the cold start: loading the SDKs and, with kubeAuth azure on all five clusters,
 * two ARM calls per cluster and an Entra token before the index's first refresh. Under load that outgrew jest's 5 s
 * default in whichever test came first; here it has its own limit, and every test keeps the default for what it asserts.
 */
beforeAll(async () => {
  const server = await start();
  expect((await request(server).get('/api/kvcsi/bindings').query({ entityRef: 'component:default/external-dns' })).status).toBe(200);
  await Promise.all(running.splice(0).map((backend) => backend.stop()));
}, 60_000);

/** POSTs as the requester the policy knows. */
const post = (server: Parameters<typeof request>[0], path: string, body: object) =>
  request(server).post(`/api/kvcsi${path}`).set('Authorization', REQUESTER_HEADER).send(body);

describe('GET /bindings', () => {
  it('answers with the app\'s SecretProviderClasses per cluster and each object\'s health', async () => {
    const server = await start();
    const res = await request(server).get('/api/kvcsi/bindings').query({ entityRef: 'component:default/defectdojo' });
    expect(res.status).toBe(200);
    const body = res.body as BindingsResponse;
    expect(body).toMatchObject({ entityRef: 'component:default/defectdojo', app: 'defectdojo', annotation: 'kvcsi.io/app', errors: [] });
    const prd = body.items.find((item) => item.cluster === 'cafehyna-prd');
    expect(prd).toMatchObject({ namespace: 'defectdojo', vault: 'kv-cafehyna-prd', tier: 'prd' });
    const password = prd!.objects.find((object) => object.objectName === 'defectdojo-admin-password');
    // The scenario's kubelet identity holds no data-plane role on kv-cafehyna-prd (catalogue D2).
    expect(password?.status).toMatchObject({ exists: true, access: 'denied' });
    expect(prd!.findings.map((finding) => finding.id)).toContain('access-denied');
    expect(JSON.stringify(body)).not.toMatch(/"value"/);
  });

  it('falls back to backstage.io/kubernetes-id and reports pods that mount the class', async () => {
    const server = await start();
    const res = await request(server).get('/api/kvcsi/bindings').query({ entityRef: 'component:default/external-dns' });
    const body = res.body as BindingsResponse;
    expect(body).toMatchObject({ app: 'external-dns', annotation: 'backstage.io/kubernetes-id' });
    const dev = body.items.find((item) => item.cluster === 'cafehyna-dev')!;
    const token = dev.objects.find((object) => object.objectName === 'cloudflare-api-token')!;
    expect(token.status).toMatchObject({ exists: true, access: 'granted', synced: true });
    expect(token.status.mountedBy).toEqual(['external-dns-r4fw8d87d6-ttqvr']);
    expect(token.syncedTo).toMatch(/^external-dns-cloudflare\//);
  });

  it('narrows to kvcsi.io/clusters and says which named cluster the registry lacks', async () => {
    const server = await start();
    const body = (await request(server).get('/api/kvcsi/bindings').query({ entityRef: 'component:default/external-dns-dev' })).body as BindingsResponse;
    expect(body.clusters).toEqual(['cafehyna-dev']);
    expect(new Set(body.items.map((item) => item.cluster))).toEqual(new Set(['cafehyna-dev']));
    expect(body.errors).toEqual([expect.objectContaining({ cluster: 'nowhere-prd', code: 'NOT_FOUND' })]);
  });

  it('tells an entity without annotation which annotation to add', async () => {
    const server = await start();
    const res = await request(server).get('/api/kvcsi/bindings').query({ entityRef: 'component:default/docs-site' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ app: null, items: [], missingAnnotation: { annotations: ['kvcsi.io/app', 'backstage.io/kubernetes-id'] } });
    expect((res.body as BindingsResponse).missingAnnotation!.message).toMatch(/add the annotation kvcsi\.io\/app/);
  });

  it('refuses a caller the permission policy denies for that entity, and serves the entity it allows', async () => {
    const server = await start({
      authorize: (permission, resourceRef) => (permission === 'kvcsi.bindings.read' && resourceRef === 'component:default/external-dns' ? AuthorizeResult.ALLOW : AuthorizeResult.DENY),
    });
    const denied = await request(server).get('/api/kvcsi/bindings').query({ entityRef: 'component:default/defectdojo' });
    expect(denied.status).toBe(403);
    expect(denied.body.error).toMatchObject({ name: 'NotAllowedError' });
    expect(denied.body.error.message).toMatch(/kvcsi\.bindings\.read/);
    const allowed = await request(server).get('/api/kvcsi/bindings').query({ entityRef: 'external-dns' });
    expect(allowed.status).toBe(200);
    expect(permissionsMock.authorize).toHaveBeenCalledWith(
      [expect.objectContaining({ resourceRef: 'component:default/external-dns', permission: expect.objectContaining({ name: 'kvcsi.bindings.read' }) })],
      expect.anything(),
    );
  });

  it('answers 404 for an entity the catalog does not hold and 400 without entityRef', async () => {
    const server = await start();
    expect((await request(server).get('/api/kvcsi/bindings').query({ entityRef: 'component:default/ghost' })).status).toBe(404);
    expect((await request(server).get('/api/kvcsi/bindings')).status).toBe(400);
  });

  it('serves the other clusters when one cluster is down, with the failure in errors', async () => {
    const server = await start({ faults: { rules: [{ kind: 'down', host: 'cafehyna-prd.sandbox.azmk8s.io' }] } });
    const body = (await request(server).get('/api/kvcsi/bindings').query({ entityRef: 'component:default/external-dns' })).body as BindingsResponse;
    expect(body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ cluster: 'cafehyna-prd', source: 'kubernetes', name: 'cluster/cafehyna-prd' })]));
    expect(body.items.map((item) => item.cluster)).toContain('cafehyna-dev');
    expect(body.items.map((item) => item.cluster)).not.toContain('cafehyna-prd');
  });

  it('marks objects unknown, not missing, when their vault cannot be listed', async () => {
    const server = await start({ faults: { rules: [{ kind: 'down', host: 'kv-cafehyna-dev-hlg.vault.azure.net' }] } });
    const body = (await request(server).get('/api/kvcsi/bindings').query({ entityRef: 'component:default/external-dns' })).body as BindingsResponse;
    expect(body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ source: 'vault', name: 'vault/kv-cafehyna-dev-hlg' })]));
    const dev = body.items.find((item) => item.cluster === 'cafehyna-dev')!;
    expect(dev.objects[0]!.status.exists).toBeNull();
    const prd = body.items.find((item) => item.cluster === 'cafehyna-prd')!;
    expect(prd.objects[0]!.status.exists).toBe(true);
  });
});

describe('the request flow', () => {
  it('requests a secret, is approved through the core service, sets the value, and never gets it back', async () => {
    const database = temporaryDatabase();
    const server = await start({ database });
    const created = await post(server, '/requests', { entityRef: 'component:default/defectdojo', name: 'defectdojo-smtp-password', clusters: ['cafehyna-prd'], justification: 'SMTP relay for notifications' });
    expect(created.status).toBe(201);
    const result = (created.body as CreateSecretRequestResponse).results[0]!;
    expect(result).toMatchObject({ status: 'pending', vault: 'kv-cafehyna-prd', secretName: 'defectdojo-smtp-password' });
    const requestId = result.request!.id;

    const listed = (await request(server).get('/api/kvcsi/requests').query({ entityRef: 'component:default/defectdojo' })).body as ListRequestsResponse;
    expect(listed.items.map((item) => item.id)).toContain(requestId);

    // The approver acts elsewhere (Slack, CLI): the same store, through the core service.
    const { createStore, storeOptionsFromUrl } = await import('@kvcsi/store');
    const store = await createStore(storeOptionsFromUrl(database));
    try {
      const other: KvcsiService = createKvcsiService({
        registry: loadRegistry({ env: {} }), clusterPort: () => { throw new Error('not used'); }, vault: {} as never, requests: store, audit: store, policy: POLICY,
        // A deciding server of the same (sandbox) deployment: it signs with the key the backend verifies.
        decisions: decisionKeysFromEnv({}, { sandbox: true }),
      });
      expect((await other.approve({ actor: { id: APPROVER_ID }, requestId })).outcome.status).toBe('approved');
    } finally {
      await store.close();
    }

    const secretValue = 'smtp-Pa55-do-not-echo';
    const set = await post(server, `/requests/${requestId}/value`, { entityRef: 'component:default/defectdojo', value: secretValue });
    expect(set.status).toBe(200);
    expect(set.body as RequestActionResponse).toMatchObject({ status: 'applied', secretName: 'defectdojo-smtp-password', request: { status: 'applied' } });
    expect(JSON.stringify(set.body)).not.toContain(secretValue);

    const after = await request(server).get('/api/kvcsi/requests').query({ entityRef: 'component:default/defectdojo' });
    expect(JSON.stringify(after.body)).not.toContain(secretValue);
    // A second value for an applied request changes nothing (exactly once), and is not echoed either.
    const again = await post(server, `/requests/${requestId}/value`, { entityRef: 'component:default/defectdojo', value: secretValue });
    expect(again.body).toMatchObject({ status: 'unchanged' });
    expect(JSON.stringify(again.body)).not.toContain(secretValue);
  });

  it('refuses a request without kvcsi.secret.request on the entity, and for clusters the entity is not on', async () => {
    const server = await start({ authorize: (permission) => (permission === 'kvcsi.secret.request' ? AuthorizeResult.DENY : AuthorizeResult.ALLOW) });
    const body = { entityRef: 'component:default/defectdojo', name: 'x-token', clusters: ['cafehyna-prd'], justification: 'because' };
    expect((await post(server, '/requests', body)).status).toBe(403);
    const open = await start();
    const narrowed = await post(open, '/requests', { ...body, entityRef: 'component:default/external-dns-dev' });
    expect(narrowed.status).toBe(400);
    expect(narrowed.body.error.message).toMatch(/not deployed to cafehyna-prd/);
    const noApp = await post(open, '/requests', { ...body, entityRef: 'component:default/docs-site' });
    expect(noApp.status).toBe(400);
    expect(noApp.body.error.message).toMatch(/kvcsi\.io\/app/);
  });

  it('does not let one entity set the value of another app\'s request', async () => {
    const server = await start();
    const created = await post(server, '/requests', { entityRef: 'component:default/defectdojo', name: 'dojo-extra', clusters: ['cafehyna-dev'], justification: 'dev only' });
    const requestId = (created.body as CreateSecretRequestResponse).results[0]!.request!.id;
    const res = await post(server, `/requests/${requestId}/value`, { entityRef: 'component:default/external-dns', value: 'v-123' });
    expect(res.status).toBe(404);
  });
});

describe('POST /diagnose', () => {
  it('diagnoses the entity\'s pod and names the cause first', async () => {
    const server = await start();
    const res = await post(server, '/diagnose', { entityRef: 'component:default/defectdojo', cluster: 'cafehyna-prd', pod: 'defectdojo/defectdojo-hvvfwdpl2p-gzd7z' });
    expect(res.status).toBe(200);
    expect((res.body as DiagnoseResponse).findings[0]).toMatchObject({ id: 'D2', severity: 'error' });
  });

  it('refuses a pod of another app, and refuses without kvcsi.diagnose', async () => {
    const server = await start();
    const other = await post(server, '/diagnose', { entityRef: 'component:default/defectdojo', cluster: 'cafehyna-dev', pod: 'external-dns/external-dns-r4fw8d87d6-ttqvr' });
    expect(other.status).toBe(404);
    const denied = await start({ authorize: (permission) => (permission === 'kvcsi.diagnose' ? AuthorizeResult.DENY : AuthorizeResult.ALLOW) });
    expect((await post(denied, '/diagnose', { entityRef: 'component:default/defectdojo', cluster: 'cafehyna-prd' })).status).toBe(403);
  });
});

describe('POST /diagnose does not reveal pods', () => {
  it('answers for another app\'s pod exactly as for a pod that does not exist, in any namespace', async () => {
    const server = await start();
    const ask = async (pod: string) => {
      const res = await post(server, '/diagnose', { entityRef: 'component:default/defectdojo', cluster: 'cafehyna-dev', pod });
      return { status: res.status, message: String(res.body.error?.message).replace(pod, '<pod>') };
    };
    const existing = await ask('external-dns/external-dns-r4fw8d87d6-ttqvr');
    expect(existing.status).toBe(404);
    expect(await ask('external-dns/external-dns-no-such-pod')).toEqual(existing);
    expect(await ask('kube-system/no-such-pod')).toEqual(existing);
  });
});

describe('the kvcsi read policy (issue 19)', () => {
  it('refuses diagnose and leaves prd requests out for a user the policy denies read on prd', async () => {
    const denyPrd: PolicyConfigInput = { ...POLICY, rules: [...(POLICY.rules ?? []), { principals: ['backstage:user:default/requester'], actions: ['read'], tiers: ['prd'], effect: 'deny' }] };
    const server = await start({ policy: denyPrd });
    const created = await post(server, '/requests', { entityRef: 'component:default/defectdojo', name: 'dojo-prd-token', clusters: ['cafehyna-prd'], justification: 'prd token' });
    expect(created.status).toBe(201);
    const diagnose = await post(server, '/diagnose', { entityRef: 'component:default/defectdojo', cluster: 'cafehyna-prd' });
    expect(diagnose.status).toBe(403);
    const listed = await request(server).get('/api/kvcsi/requests').set('Authorization', REQUESTER_HEADER).query({ entityRef: 'component:default/defectdojo' });
    expect((listed.body as ListRequestsResponse).items.map((item) => item.id)).toEqual([]);
  });

  it('serves GET /bindings from the index without the clusters the policy denies the user, saying so', async () => {
    const denyDev: PolicyConfigInput = { ...POLICY, rules: [...(POLICY.rules ?? []), { principals: ['backstage:user:default/requester'], actions: ['read'], tiers: ['dev'], effect: 'deny' }] };
    const bindingsOf = async (policy?: PolicyConfigInput) => {
      const server = await start(policy ? { policy } : {});
      const res = await request(server).get('/api/kvcsi/bindings').set('Authorization', REQUESTER_HEADER).query({ entityRef: 'component:default/external-dns' });
      expect(res.status).toBe(200);
      return res.body as BindingsResponse;
    };
    const open = await bindingsOf();
    expect(open.items.some((item) => item.cluster === 'cafehyna-dev')).toBe(true);
    expect(open.errors).toEqual([]);
    const denied = await bindingsOf(denyDev);
    const forbidden = denied.errors.filter((error) => error.code === 'FORBIDDEN').map((error) => error.cluster);
    expect(forbidden).toContain('cafehyna-dev');
    expect(denied.items.map((item) => item.cluster)).toEqual(open.items.map((item) => item.cluster).filter((cluster) => !forbidden.includes(cluster)));
  });
});

describe('request bodies in errors', () => {
  it('does not echo a malformed set-value body (body-parser\'s `body` and its JSON.parse message quote it)', async () => {
    const server = await start();
    const pem = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC-do-not-echo\n-----END PRIVATE KEY-----';
    // A PEM pasted into curl -d without JSON encoding: the raw newlines make it invalid JSON.
    const raw = `{"entityRef":"component:default/defectdojo","value":"${pem}"}`;
    const res = await request(server).post('/api/kvcsi/requests/r-1/value').set('Authorization', REQUESTER_HEADER)
      .set('Content-Type', 'application/json').send(raw);
    expect(res.status).toBe(400);
    expect(res.text).not.toContain('do-not-echo');
    expect(res.text).not.toContain('PRIVATE KEY');
    expect(res.body.error.message).toBe('the request body is not valid JSON');
  });
});
