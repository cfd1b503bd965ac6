/**
 * GET /problems: the entity app's open problems, as the watcher keeps them in the store it shares with the bot. The
 * backend is Backstage's real test backend over the sandbox; the problems are written into a real SQLite store through
 * the ProblemStore API, as the bot's watcher writes them.
 */
import { mockCredentials, mockServices, startTestBackend } from '@backstage/backend-test-utils';
import type { PermissionsService } from '@backstage/backend-plugin-api';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type { ProblemsResponse } from '@kvcsi/backstage-plugin-common';
import { finding, loadRegistry, Watcher, type KubePod, type PolicyConfigInput, type ProblemRow } from '@kvcsi/core';
import { createRuntime } from '@kvcsi/runtime';
import { createKnexProblemStore, createStore, storeOptionsFromUrl, type KvcsiStore } from '@kvcsi/store';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { kvcsiPlugin } from './plugin.js';
import { NO_PROBLEM_STORE_NOTE } from './router.js';

const READER = 'user:default/reader';
const READER_HEADER = mockCredentials.user.header(READER);

const entity = (name: string, annotations: Record<string, string>) => ({
  apiVersion: 'backstage.io/v1alpha1', kind: 'Component',
  metadata: { name, namespace: 'default', annotations },
  spec: { type: 'service', lifecycle: 'production', owner: 'team-a' },
});
const ENTITIES = [
  entity('defectdojo', { 'kvcsi.io/app': 'defectdojo' }),
  entity('external-dns', { 'backstage.io/kubernetes-id': 'external-dns' }),
  entity('quiet', { 'kvcsi.io/app': 'quiet' }),
  entity('docs-site', { 'github.com/project-slug': 'acme/docs' }),
];

const D2 = finding({
  id: 'D2', severity: 'error', title: 'The kubelet identity has no data-plane role on kv-cafehyna-prd', summary: 'Key Vault answers 403 ForbiddenByRbac',
  cause: '403 ForbiddenByRbac', fix: { commands: ['kvcsi grant --app defectdojo -c cafehyna-prd'], docs: [] },
});
const PRD_OPENED = Date.parse('2026-12-05T09:00:00.000Z');
const DEV_OPENED = Date.parse('2026-12-05T10:30:00.000Z');

type NewProblem = Omit<ProblemRow, 'state' | 'version'>;
const problem = (cluster: string, namespace: string, workload: string, findingId: string, openedAt: number, app?: string): NewProblem => ({
  key: `${cluster}|${namespace}|${workload}|${findingId}|-`, causeKey: `${findingId}|-|${cluster}|${namespace}|${workload}`, cluster, namespace, workload,
  ...(app !== undefined ? { app } : {}), findingId, subject: '-', openedAt, checkedAt: openedAt,
});

let dir: string;
let database: string;

/** The bot's store, as its watcher leaves it: the problems of three apps, one of them resolved, one pod without the label. */
beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'kvcsi-problems-'));
  database = `sqlite:${path.join(dir, 'kvcsi.sqlite')}`;
  const store = await createStore({ ...storeOptionsFromUrl(database), mode: 'sandbox' });
  try {
    const problems = createKnexProblemStore(store.knex);
    const prd = await problems.openProblem(problem('cafehyna-prd', 'defectdojo', 'Deployment/defectdojo', 'D2', PRD_OPENED, 'defectdojo'));
    await problems.openMessage({ id: `${prd.row.causeKey}@1`, causeKey: prd.row.causeKey, finding: D2, cluster: 'cafehyna-prd', namespace: 'defectdojo', openedAt: PRD_OPENED, post: { state: 'sent', ref: 'C1:1.2' } });
    // Its message not recorded yet: the finding's id stands for its title.
    await problems.openProblem(problem('cafehyna-dev', 'defectdojo', 'Deployment/defectdojo-worker', 'C3', DEV_OPENED, 'defectdojo'));
    const over = await problems.openProblem(problem('cafehyna-dev', 'defectdojo', 'Deployment/defectdojo-nginx', 'D2', PRD_OPENED, 'defectdojo'));
    await problems.updateProblem({ ...over.row, state: 'resolved', resolvedAt: DEV_OPENED });
    await problems.openProblem(problem('cafehyna-dev', 'external-dns', 'Deployment/external-dns', 'D4', DEV_OPENED, 'external-dns'));
    await problems.openProblem(problem('cafehyna-dev', 'defectdojo', 'Pod/debug', 'E1', DEV_OPENED));
  } finally {
    await store.close();
  }
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

// One sandbox (msw interceptor) at a time: stop each test's backend, which closes its runtime.
const running: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((backend) => backend.stop()));
});

async function start(options: { policy?: PolicyConfigInput; pluginDatabase?: KvcsiStore['knex']; store?: string; authorize?: (permission: string) => AuthorizeResult.ALLOW | AuthorizeResult.DENY } = {}) {
  const decide = options.authorize ?? (() => AuthorizeResult.ALLOW);
  const permissions = mockServices.permissions.mock({
    authorize: jest.fn(async (requests: readonly { permission: { name: string } }[]) => requests.map((r) => ({ result: decide(r.permission.name) }))) as unknown as PermissionsService['authorize'],
  });
  const backend = await startTestBackend({
    features: [
      kvcsiPlugin,
      catalogServiceMock.factory({ entities: ENTITIES }),
      permissions.factory,
      // Without kvcsi.store, the plugin's own database (here one the test closes: the default one's pool outlives the backend).
      ...(options.pluginDatabase !== undefined ? [mockServices.database.factory({ knex: options.pluginDatabase })] : []),
      mockServices.rootConfig.factory({
        data: { kvcsi: { sandbox: {}, policy: options.policy ?? {}, ...(options.pluginDatabase !== undefined ? {} : { store: options.store ?? database }) } },
      }),
    ],
  });
  running.push(backend);
  return backend.server;
}

const problemsOf = async (server: Parameters<typeof request>[0], name: string) => {
  const res = await request(server).get('/api/kvcsi/problems').set('Authorization', READER_HEADER).query({ entityRef: `component:default/${name}` });
  expect(res.status).toBe(200);
  return res.body as ProblemsResponse;
};

describe('GET /problems', () => {
  it('lists the entity app\'s open problems, oldest first, with their finding and start; none for an app without problems', async () => {
    const server = await start();
    const dojo = await problemsOf(server, 'defectdojo');
    expect(dojo).toMatchObject({ entityRef: 'component:default/defectdojo', app: 'defectdojo', errors: [] });
    expect(dojo.note).toBeUndefined();
    expect(dojo.items).toEqual([
      {
        cluster: 'cafehyna-prd', namespace: 'defectdojo', workload: 'Deployment/defectdojo', findingId: 'D2', title: D2.title, openedAt: '2026-12-05T09:00:00.000Z',
        finding: expect.objectContaining({ id: 'D2', summary: D2.summary, fix: D2.fix }),
      },
      { cluster: 'cafehyna-dev', namespace: 'defectdojo', workload: 'Deployment/defectdojo-worker', findingId: 'C3', title: 'finding C3', openedAt: '2026-12-05T10:30:00.000Z' },
    ]);
    // Through backstage.io/kubernetes-id too; another app's problems never show.
    expect((await problemsOf(server, 'external-dns')).items.map((item) => item.workload)).toEqual(['Deployment/external-dns']);
    expect(await problemsOf(server, 'quiet')).toEqual({ entityRef: 'component:default/quiet', app: 'quiet', items: [], errors: [] });
    const docs = await problemsOf(server, 'docs-site');
    expect(docs).toMatchObject({ app: null, items: [], missingAnnotation: { annotations: ['kvcsi.io/app', 'backstage.io/kubernetes-id'] } });
  }, 60_000);

  it('leaves out the problems of clusters the kvcsi policy does not let the reader read, naming them; refuses without kvcsi.bindings.read', async () => {
    const denyDev: PolicyConfigInput = { rules: [{ principals: [`backstage:${READER}`], actions: ['read'], tiers: ['dev'], effect: 'deny' }] };
    const server = await start({ policy: denyDev });
    const dojo = await problemsOf(server, 'defectdojo');
    expect(dojo.items.map((item) => `${item.cluster} ${item.workload}`)).toEqual(['cafehyna-prd Deployment/defectdojo']);
    expect(dojo.errors.filter((error) => error.code === 'FORBIDDEN').map((error) => error.cluster).sort()).toEqual(['cafehyna-dev', 'painelclientes-dev']);
    expect((await problemsOf(server, 'external-dns')).items).toEqual([]);

    const refused = await start({ authorize: (permission) => (permission === 'kvcsi.bindings.read' ? AuthorizeResult.DENY : AuthorizeResult.ALLOW) });
    expect((await request(refused).get('/api/kvcsi/problems').set('Authorization', READER_HEADER).query({ entityRef: 'component:default/defectdojo' })).status).toBe(403);
  }, 60_000);

  it('answers an empty list with a note when no store is shared with the watcher (no kvcsi.store)', async () => {
    const own = await createStore({ ...storeOptionsFromUrl(`sqlite:${path.join(dir, 'plugin.sqlite')}`), migrate: false });
    try {
      const server = await start({ pluginDatabase: own.knex });
      expect(await problemsOf(server, 'defectdojo')).toEqual({ entityRef: 'component:default/defectdojo', app: 'defectdojo', items: [], errors: [], note: NO_PROBLEM_STORE_NOTE });
      await Promise.all(running.splice(0).map((backend) => backend.stop()));
    } finally {
      await own.close();
    }
  }, 60_000);
});

describe('a problem the watcher opened', () => {
  it('shows on the tab of the app its pod is labelled with: the real watcher over the sandbox writes it, GET /problems reads it', async () => {
    const watchDatabase = `sqlite:${path.join(dir, 'watch.sqlite')}`;
    const store = await createStore({ ...storeOptionsFromUrl(watchDatabase), mode: 'sandbox' });
    const runtime = createRuntime({ registry: loadRegistry({ env: {} }), sandbox: { stateFile: false } });
    const controller = new AbortController();
    const problems = createKnexProblemStore(store.knex);
    try {
      const posted: string[] = [];
      const watcher = new Watcher({
        clusters: ['cafehyna-prd'], clusterPort: (name) => runtime.clusterPort(name), vault: runtime.vault, registry: loadRegistry({ env: {} }), store: problems,
        sink: { post: async (notice) => { posted.push(notice.finding.id); return `m${posted.length}`; }, update: async () => {} },
        settleInMs: 100, namespacesOf: () => ['external-dns'],
      });
      void watcher.run(controller.signal);
      const deadline = Date.now() + 20_000;
      while (watcher.stats.changes === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      // The kubelet identity loses its role on external-dns's secret; a rollout restart makes the new pod fail to mount.
      const azure = runtime.sandbox!.state.azure;
      azure.roleAssignments = azure.roleAssignments.filter((assignment) => !assignment.scope.endsWith('/vaults/kv-cafehyna-prd/secrets/cloudflare-api-token'));
      const kube = runtime.sandbox!.state.kubernetes['cafehyna-prd']!;
      const old = kube.get('pods', 'external-dns', 'external-dns-g2kt9bvfkc-br5mq') as unknown as KubePod;
      kube.delete('pods', 'external-dns', old.metadata.name);
      const { uid: _uid, resourceVersion: _rv, creationTimestamp: _ct, ...metadata } = old.metadata;
      kube.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { ...metadata, name: 'external-dns-g2kt9bvfkc-aaaa1' }, spec: old.spec, status: { phase: 'Pending' } } as never);
      runtime.sandbox!.reconcile();
      while (posted.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      await watcher.idle();
      const [opened] = await problems.listOpenProblems();
      expect(opened).toMatchObject({ cluster: 'cafehyna-prd', namespace: 'external-dns', workload: 'Deployment/external-dns', app: 'external-dns', findingId: 'D2' });
    } finally {
      controller.abort();
      await runtime.close();
      await store.close();
    }

    const server = await start({ store: watchDatabase });
    const body = await problemsOf(server, 'external-dns');
    expect(body.items).toEqual([expect.objectContaining({ cluster: 'cafehyna-prd', namespace: 'external-dns', workload: 'Deployment/external-dns', findingId: 'D2', finding: expect.objectContaining({ id: 'D2' }) })]);
    expect(body.items[0]!.title).not.toBe('finding D2');
    expect((await problemsOf(server, 'defectdojo')).items).toEqual([]);
  }, 60_000);
});
