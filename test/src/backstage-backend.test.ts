import os from 'node:os';
import path from 'node:path';
import { createBackend } from '@backstage/backend-defaults';
import { coreServices, createServiceFactory } from '@backstage/backend-plugin-api';
import { mockServices } from '@backstage/backend-test-utils';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import { kvcsiPlugin } from '@kvcsi/backstage-plugin-backend';
import { createStore, type KvcsiStore } from '@kvcsi/store';
import type { BindingsResponse, CreateSecretRequestResponse, DiagnoseResponse } from '@kvcsi/backstage-plugin-common';
import { EXAMPLE_CONFIG_PATH, loadRegistry } from '@kvcsi/core';
import { freePort } from './support/processes.js';

// No kubeconfig on the machine (issue 17): every cluster must be reached with kubeAuth azure (ARM endpoint and CA, an
// Entra token for the AKS server app), never through a kube context.
const NO_KUBECONFIG = path.join(os.tmpdir(), `kvcsi-e2e-no-kubeconfig-${process.pid}`, 'config');
process.env.KUBECONFIG = NO_KUBECONFIG;

// A real Backstage backend (backend-defaults: real auth with a static external-access token, real HTTP, real
// permissions service) with the catalog backend reading the dev entities, and kvcsi over the embedded sandbox.
const TOKEN = 'kvcsi-e2e-token-0123456789';
const ENTITIES = path.resolve(__dirname, '../../plugins/kvcsi-backend/dev/entities.yaml');


let baseUrl: string;
let backend: ReturnType<typeof createBackend>;
const databases: KvcsiStore[] = [];

/** Each plugin its own SQLite file (a Knex from @kvcsi/store, unmigrated), so the test can close every pool. */
const perPluginDatabases = createServiceFactory({
  service: coreServices.database,
  deps: { pluginMetadata: coreServices.pluginMetadata },
  async factory({ pluginMetadata }) {
    const database = await createStore({
      client: 'sqlite', migrate: false, filename: path.join(os.tmpdir(), `kvcsi-e2e-${process.pid}-${Date.now()}-${pluginMetadata.getId()}.db`),
    });
    databases.push(database);
    return { getClient: async () => database.knex };
  },
});

const call = (method: 'GET' | 'POST', route: string, body?: object, token: string | undefined = TOKEN) => fetch(`${baseUrl}/api/${route}`, {
  method,
  headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body ? { 'Content-Type': 'application/json' } : {}) },
  ...(body ? { body: JSON.stringify(body) } : {}),
});

beforeAll(async () => {
  const port = await freePort();
  baseUrl = `http://localhost:${port}`;
  backend = createBackend();
  backend.add(perPluginDatabases);
  backend.add(mockServices.rootConfig.factory({
    data: {
      app: { baseUrl: 'http://localhost:3000' },
      backend: {
        baseUrl, listen: { port }, database: { client: 'better-sqlite3', connection: ':memory:' },
        auth: { externalAccess: [{ type: 'static', options: { token: TOKEN, subject: 'kvcsi-e2e' } }] },
      },
      catalog: { rules: [{ allow: ['Component'] }], locations: [{ type: 'file', target: ENTITIES }] },
      kvcsi: {
        sandbox: true,
        policy: { groups: { requesters: ['backstage:service:external/kvcsi-e2e'] }, rules: [{ principals: ['group:requesters'], actions: ['secret-request'] }] },
      },
    },
  }));
  backend.add(catalogPlugin);
  backend.add(kvcsiPlugin);
  await backend.start();
  // The catalog ingests entities.yaml in the background: wait for it.
  for (let attempt = 0; attempt < 120; attempt++) {
    if ((await call('GET', 'catalog/entities/by-name/component/default/defectdojo')).status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error('the catalog never ingested the dev entities');
}, 60_000);

afterAll(async () => {
  await backend?.stop();
  // Backstage leaves plugin database pools open (their idle timers would keep jest running): close ours.
  await Promise.all(databases.splice(0).map((database) => database.close()));
});

describe('a real Backstage backend with the catalog and kvcsi over the sandbox', () => {
  it('refuses a caller with a token the backend does not know', async () => {
    expect((await call('GET', 'kvcsi/bindings?entityRef=component:default/defectdojo', undefined, 'not-the-token-0123456789')).status).toBe(401);
  });

  it('serves an entity\'s bindings, resolved from the catalog, with per-object health', async () => {
    const res = await call('GET', 'kvcsi/bindings?entityRef=component:default/defectdojo');
    expect(res.status).toBe(200);
    const body = (await res.json()) as BindingsResponse;
    expect(body).toMatchObject({ app: 'defectdojo', clusters: ['cafehyna-prd'], errors: [] });
    expect(body.items[0]!.objects.find((object) => object.objectName === 'defectdojo-admin-password')!.status).toMatchObject({ exists: true, access: 'denied' });
  });

  it('says which annotation an entity lacks', async () => {
    const body = (await (await call('GET', 'kvcsi/bindings?entityRef=component:default/docs-site')).json()) as BindingsResponse;
    expect(body.missingAnnotation?.annotations).toEqual(['kvcsi.io/app', 'backstage.io/kubernetes-id']);
  });

  it('opens a secret request as the token\'s service principal, pending approval on prd', async () => {
    const res = await call('POST', 'kvcsi/requests', { entityRef: 'component:default/defectdojo', name: 'defectdojo-e2e-token', clusters: ['cafehyna-prd'], justification: 'end-to-end check of the request flow' });
    const body = (await res.json()) as CreateSecretRequestResponse;
    expect(res.status).toBe(201);
    expect(body.results[0]).toMatchObject({ status: 'pending', request: { requester: 'backstage:service:external/kvcsi-e2e', app: 'defectdojo' } });
    const listed = await (await call('GET', 'kvcsi/requests?entityRef=component:default/defectdojo')).json() as { items: { id: string }[] };
    expect(listed.items.map((item) => item.id)).toContain(body.results[0]!.request!.id);
  });

  it('indexes all five clusters through kubeAuth azure with KUBECONFIG pointing nowhere', async () => {
    expect(process.env.KUBECONFIG).toBe(NO_KUBECONFIG);
    // The registry the plugin loads in sandbox mode without kvcsi.registry: the shipped example.
    const clusters = loadRegistry({ explicitPath: EXAMPLE_CONFIG_PATH }).list();
    expect(clusters.map((cluster) => [cluster.name, cluster.kubeAuth])).toEqual(
      ['cafehyna-dev', 'cafehyna-hub', 'cafehyna-prd', 'painelclientes-dev', 'painelclientes-prd'].map((name) => [name, 'azure']),
    );
    const looked = new Set<string>();
    const served = new Set<string>();
    for (const entity of ['external-dns', 'defectdojo', 'grafana', 'painel-api']) {
      const body = (await (await call('GET', `kvcsi/bindings?entityRef=component:default/${entity}`)).json()) as BindingsResponse;
      // No source failed: a cluster, pod list, vault or access check the index could not read would be an error here.
      expect({ entity, errors: body.errors }).toEqual({ entity, errors: [] });
      for (const name of body.clusters) looked.add(name);
      for (const item of body.items) served.add(item.cluster);
    }
    // external-dns names no kvcsi.io/clusters, so every cluster's sources were looked at, and none failed.
    expect([...looked].sort()).toEqual(clusters.map((cluster) => cluster.name).sort());
    // And each of these clusters answered with the apps' SecretProviderClasses.
    expect([...served].sort()).toEqual(['cafehyna-dev', 'cafehyna-hub', 'cafehyna-prd', 'painelclientes-dev']);
  });

  it('diagnoses the entity\'s pod over HTTP', async () => {
    const res = await call('POST', 'kvcsi/diagnose', { entityRef: 'component:default/defectdojo', cluster: 'cafehyna-prd', pod: 'defectdojo/defectdojo-hvvfwdpl2p-gzd7z' });
    expect(res.status).toBe(200);
    expect(((await res.json()) as DiagnoseResponse).findings[0]?.id).toBe('D2');
  });
});
