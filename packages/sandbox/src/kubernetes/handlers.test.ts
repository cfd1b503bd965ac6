import {
  ApiException, CoreV1Api, CustomObjectsApi, KubeConfig, PatchStrategy, StorageV1Api, Watch, setHeaderOptions,
} from '@kubernetes/client-node';
import { setupServer } from 'msw/node';
import { createKubernetesHandlers } from './handlers.js';
import type { KubernetesSandbox } from './handlers.js';
import { createSandboxKubeconfig } from './kubeconfig.js';
import { KubeClusterState } from './store.js';
import type { KubeObject } from './types.js';

const START_MS = Date.UTC(2026, 0, 1);
let nowMs = START_MS;
let reconcileCalls = 0;

function pod(name: string, namespace: string, nodeName: string, labels: Record<string, string>, phase = 'Running'): KubeObject {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, labels },
    spec: { nodeName, containers: [{ name: 'app', image: 'nginx:1.27' }, { name: 'sidecar', image: 'busybox:1.36' }] },
    status: { phase },
  };
}

function buildCluster(): KubeClusterState {
  return KubeClusterState.fromManifests([
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'apps' } },
    pod('web-0', 'apps', 'node-a', { app: 'web', tier: 'front' }),
    pod('web-1', 'apps', 'node-b', { app: 'web', tier: 'front' }, 'Pending'),
    pod('db-0', 'apps', 'node-a', { app: 'db' }),
    pod('other-0', 'default', 'node-a', { app: 'web' }),
    {
      apiVersion: 'secrets-store.csi.x-k8s.io/v1', kind: 'SecretProviderClass',
      metadata: { name: 'web-kv', namespace: 'apps', labels: { 'app.kubernetes.io/name': 'web', 'app.kubernetes.io/component': 'secrets' } },
      spec: { provider: 'azure', parameters: { keyvaultName: 'kv-web', tenantId: 't', objects: 'array: []' } },
    },
    {
      apiVersion: 'storage.k8s.io/v1', kind: 'CSIDriver', metadata: { name: 'secrets-store.csi.k8s.io' },
      spec: { podInfoOnMount: true, attachRequired: false, volumeLifecycleModes: ['Ephemeral'] },
    },
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'existing', namespace: 'apps' }, type: 'Opaque', data: { a: Buffer.from('1').toString('base64') } },
  ], { name: 'c1', now: () => nowMs });
}

const sandbox: KubernetesSandbox = {
  state: { kubernetes: {} },
  reconcile: () => {
    reconcileCalls += 1;
  },
  clock: { nowMs: () => nowMs },
};

const server = setupServer(...createKubernetesHandlers(sandbox));

function client(context = 'c1'): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(createSandboxKubeconfig(['c1'], { currentContext: context }));
  return kc;
}

async function apiError(promise: Promise<unknown>): Promise<{ code: number; body: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ApiException);
    const e = error as ApiException<string>;
    return { code: e.code, body: JSON.parse(e.body) as Record<string, unknown> };
  }
  throw new Error('expected the call to fail');
}

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
beforeEach(() => {
  nowMs = START_MS;
  reconcileCalls = 0;
  (sandbox.state.kubernetes as Record<string, KubeClusterState>).c1 = buildCluster();
});
afterAll(() => server.close());

describe('reads', () => {
  it('gets a pod and lists with label and field selectors', async () => {
    const core = client().makeApiClient(CoreV1Api);
    const web0 = await core.readNamespacedPod({ name: 'web-0', namespace: 'apps' });
    expect(web0.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(web0.spec?.nodeName).toBe('node-a');

    const byLabel = await core.listNamespacedPod({ namespace: 'apps', labelSelector: 'app=web,tier in (front)' });
    expect(byLabel.items.map((p) => p.metadata?.name)).toEqual(['web-0', 'web-1']);
    expect(byLabel.kind).toBe('PodList');
    expect(Number(byLabel.metadata?.resourceVersion)).toBeGreaterThan(1000);

    const byField = await core.listPodForAllNamespaces({ fieldSelector: 'spec.nodeName=node-a,status.phase=Running', labelSelector: 'app!=db' });
    expect(byField.items.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`)).toEqual(['apps/web-0', 'default/other-0']);
  });

  it('answers an unsupported field selector with 400 BadRequest', async () => {
    const core = client().makeApiClient(CoreV1Api);
    const { code, body } = await apiError(core.listNamespacedPod({ namespace: 'apps', fieldSelector: 'spec.bogus=x' }));
    expect(code).toBe(400);
    expect(body).toMatchObject({ kind: 'Status', reason: 'BadRequest', message: 'field label not supported: spec.bogus' });
  });

  it('pages lists with limit and continue', async () => {
    const core = client().makeApiClient(CoreV1Api);
    const first = await core.listNamespacedPod({ namespace: 'apps', limit: 2 });
    expect(first.items).toHaveLength(2);
    expect(first.metadata?.remainingItemCount).toBe(1);
    const second = await core.listNamespacedPod({ namespace: 'apps', limit: 2, _continue: first.metadata?._continue ?? '' });
    expect(second.items.map((p) => p.metadata?.name)).toEqual(['web-1']);
    expect(second.metadata?._continue).toBeUndefined();
  });

  it('serves the CRDs and the CSIDriver', async () => {
    const kc = client();
    const spcs = await kc.makeApiClient(CustomObjectsApi).listNamespacedCustomObject({
      group: 'secrets-store.csi.x-k8s.io', version: 'v1', namespace: 'apps', plural: 'secretproviderclasses',
      labelSelector: 'app.kubernetes.io/component=secrets',
    }) as { kind: string; items: KubeObject[] };
    expect(spcs.kind).toBe('SecretProviderClassList');
    expect(spcs.items[0]).toMatchObject({ apiVersion: 'secrets-store.csi.x-k8s.io/v1', kind: 'SecretProviderClass', metadata: { name: 'web-kv' } });

    const driver = await kc.makeApiClient(StorageV1Api).readCSIDriver({ name: 'secrets-store.csi.k8s.io' });
    expect(driver.spec.podInfoOnMount).toBe(true);
  });

  it('returns 404 Status bodies the way the API server words them', async () => {
    const kc = client();
    const pod404 = await apiError(kc.makeApiClient(CoreV1Api).readNamespacedPod({ name: 'nope', namespace: 'apps' }));
    expect(pod404).toEqual({
      code: 404,
      body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'pods "nope" not found', reason: 'NotFound', details: { name: 'nope', kind: 'pods' }, code: 404 },
    });
    const spc404 = await apiError(kc.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({
      group: 'secrets-store.csi.x-k8s.io', version: 'v1', namespace: 'apps', plural: 'secretproviderclasses', name: 'nope',
    }));
    expect(spc404.body).toMatchObject({
      message: 'secretproviderclasses.secrets-store.csi.x-k8s.io "nope" not found',
      details: { name: 'nope', group: 'secrets-store.csi.x-k8s.io', kind: 'secretproviderclasses' },
    });
  });

  it('returns 401 for a missing or wrong token and 403 for a role without the verb', async () => {
    const kc = client();
    kc.users[0] = { name: 'c1-admin', token: 'wrong' };
    // client-node 1.4.0 drops the body of a 401 (its generated code throws ApiException(401, "Unauthorized")).
    const unauthorized = await kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: 'apps' }).catch((e: unknown) => e);
    expect(unauthorized).toBeInstanceOf(ApiException);
    expect((unauthorized as ApiException<unknown>).code).toBe(401);
    // On the wire it is the API server's Status, with or without a token.
    const raw = await fetch('https://c1.sandbox.azmk8s.io/api/v1/namespaces/apps/pods');
    expect(raw.status).toBe(401);
    expect(await raw.json()).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });

    const viewer = client('c1-viewer').makeApiClient(CoreV1Api);
    await expect(viewer.listNamespacedPod({ namespace: 'apps' })).resolves.toBeDefined();
    const forbidden = await apiError(viewer.readNamespacedSecret({ name: 'existing', namespace: 'apps' }));
    expect(forbidden.code).toBe(403);
    expect(forbidden.body).toMatchObject({
      reason: 'Forbidden',
      message: 'secrets "existing" is forbidden: User "c1-viewer" cannot get resource "secrets" in API group "" in the namespace "apps"',
      details: { name: 'existing', kind: 'secrets' },
    });
  });

  it('serves container logs with tailLines and sinceSeconds, and asks for a container when there are several', async () => {
    const cluster = sandbox.state.kubernetes.c1 as KubeClusterState;
    cluster.appendLog({ namespace: 'apps', pod: 'web-0', container: 'app' }, 'line 1', START_MS - 120_000);
    cluster.appendLog({ namespace: 'apps', pod: 'web-0', container: 'app' }, 'line 2', START_MS - 30_000);
    cluster.appendLog({ namespace: 'apps', pod: 'web-0', container: 'app' }, 'line 3', START_MS);
    const core = client().makeApiClient(CoreV1Api);
    expect(await core.readNamespacedPodLog({ name: 'web-0', namespace: 'apps', container: 'app' })).toBe('line 1\nline 2\nline 3\n');
    expect(await core.readNamespacedPodLog({ name: 'web-0', namespace: 'apps', container: 'app', tailLines: 1 })).toBe('line 3\n');
    expect(await core.readNamespacedPodLog({ name: 'web-0', namespace: 'apps', container: 'app', sinceSeconds: 60 })).toBe('line 2\nline 3\n');
    const noContainer = await apiError(core.readNamespacedPodLog({ name: 'web-0', namespace: 'apps' }));
    expect(noContainer.code).toBe(400);
    expect(noContainer.body.message).toBe('a container name must be specified for pod web-0, choose one of: [app sidecar]');
  });
});

describe('secret writes', () => {
  it('creates a Secret (stringData folded into data), refuses a duplicate with 409, and reconciles', async () => {
    const core = client().makeApiClient(CoreV1Api);
    const created = await core.createNamespacedSecret({
      namespace: 'apps', body: { metadata: { name: 'db-creds', labels: { team: 'a' } }, stringData: { password: 'p4ss' } },
    });
    expect(created.type).toBe('Opaque');
    expect(created.data).toEqual({ password: Buffer.from('p4ss').toString('base64') });
    expect(created.stringData).toBeUndefined();
    expect(reconcileCalls).toBe(1);

    const duplicate = await apiError(core.createNamespacedSecret({ namespace: 'apps', body: { metadata: { name: 'db-creds' } } }));
    expect(duplicate.code).toBe(409);
    expect(duplicate.body).toMatchObject({ reason: 'AlreadyExists', message: 'secrets "db-creds" already exists', details: { name: 'db-creds', kind: 'secrets' } });

    const missingNamespace = await apiError(core.createNamespacedSecret({ namespace: 'ghost', body: { metadata: { name: 'x' } } }));
    expect(missingNamespace.body).toMatchObject({ code: 404, message: 'namespaces "ghost" not found' });
  });

  it('patches a Secret with json-patch (client-node default), merge-patch and strategic-merge-patch', async () => {
    const core = client().makeApiClient(CoreV1Api);
    const two = Buffer.from('2').toString('base64');
    const jsonPatched = await core.patchNamespacedSecret({
      name: 'existing', namespace: 'apps', body: [{ op: 'add', path: '/data/b', value: two }],
    });
    expect(jsonPatched.data).toEqual({ a: Buffer.from('1').toString('base64'), b: two });

    const merged = await core.patchNamespacedSecret(
      { name: 'existing', namespace: 'apps', body: { data: { a: null }, metadata: { labels: { x: 'y' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(merged.data).toEqual({ b: two });
    expect(merged.metadata?.labels).toEqual({ x: 'y' });

    const strategic = await core.patchNamespacedSecret(
      { name: 'existing', namespace: 'apps', body: { stringData: { c: 'three' } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    expect(strategic.data?.c).toBe(Buffer.from('three').toString('base64'));
    expect(Number(strategic.metadata?.resourceVersion)).toBeGreaterThan(Number(merged.metadata?.resourceVersion));
    expect(reconcileCalls).toBe(3);

    const missing = await apiError(core.patchNamespacedSecret({ name: 'ghost', namespace: 'apps', body: [{ op: 'add', path: '/data/x', value: two }] }));
    expect(missing.code).toBe(404);
  });

  it('refuses data that is not base64, as the API server does', async () => {
    const core = client().makeApiClient(CoreV1Api);
    const bad = await apiError(core.createNamespacedSecret({ namespace: 'apps', body: { metadata: { name: 'bad' }, data: { k: 'not base64!' } } }));
    expect(bad.code).toBe(400);
  });
});

describe('watch', () => {
  it('streams ADDED for existing objects, then MODIFIED and DELETED, honouring the selector', async () => {
    const cluster = sandbox.state.kubernetes.c1 as KubeClusterState;
    const events: string[] = [];
    let done: unknown = 'open';
    const firstTwo = new Promise<void>((resolve) => {
      void new Watch(client()).watch('/api/v1/namespaces/apps/pods', { labelSelector: 'app=web' }, (type, object: KubeObject) => {
        events.push(`${type} ${object.metadata.name}`);
        if (events.length === 2) resolve();
        if (events.length === 4) resolve();
      }, (err: unknown) => {
        done = err;
      }).then((controller) => {
        watchController = controller;
      });
    });
    let watchController: AbortController | undefined;
    await firstTwo;
    expect(events).toEqual(['ADDED web-0', 'ADDED web-1']);

    const more = new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (events.length >= 4) {
          clearInterval(check);
          resolve();
        }
      }, 5);
    });
    const web1 = cluster.get('pods', 'apps', 'web-1') as KubeObject;
    cluster.update('pods', { ...web1, status: { phase: 'Running' } });
    cluster.update('pods', { ...(cluster.get('pods', 'apps', 'db-0') as KubeObject), status: { phase: 'Failed' } });
    cluster.delete('pods', 'apps', 'web-0');
    await more;
    expect(events).toEqual(['ADDED web-0', 'ADDED web-1', 'MODIFIED web-1', 'DELETED web-0']);
    watchController?.abort();
    await new Promise((r) => setImmediate(r));
    expect(done).not.toBe('open');
  });

  it('replays changes after a resourceVersion and reports an expired one as an ERROR event with 410', async () => {
    const cluster = sandbox.state.kubernetes.c1 as KubeClusterState;
    const from = cluster.currentResourceVersion;
    cluster.update('pods', { ...(cluster.get('pods', 'apps', 'web-1') as KubeObject), status: { phase: 'Running' } });
    const replayed = await new Promise<string>((resolve) => {
      void new Watch(client()).watch('/api/v1/namespaces/apps/pods', { resourceVersion: from }, (type, object: KubeObject) => {
        resolve(`${type} ${object.metadata.name}`);
      }, () => undefined).then((c) => setTimeout(() => c.abort(), 50));
    });
    expect(replayed).toBe('MODIFIED web-1');

    const restored = KubeClusterState.restore(cluster.snapshot());
    (sandbox.state.kubernetes as Record<string, KubeClusterState>).c1 = restored;
    const expired = await new Promise<{ type: string; object: Record<string, unknown> }>((resolve) => {
      void new Watch(client()).watch('/api/v1/namespaces/apps/pods', { resourceVersion: '1001' }, (type, object: Record<string, unknown>) => {
        resolve({ type, object });
      }, () => undefined);
    });
    expect(expired.type).toBe('ERROR');
    expect(expired.object).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
  });
});

describe('hosts', () => {
  it('fails at the network level for a cluster the sandbox does not know', async () => {
    const kc = new KubeConfig();
    kc.loadFromString(createSandboxKubeconfig(['nowhere']));
    await expect(kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: 'apps' })).rejects.toThrow();
  });
});
