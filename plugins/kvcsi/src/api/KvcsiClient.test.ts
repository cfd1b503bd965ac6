import { NotAllowedError, ResponseError } from '@backstage/errors';
import { MockFetchApi, registerMswTestHooks } from '@backstage/test-utils';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { bindings, ENTITY_REF } from '../testing/fixtures.js';
import { KvcsiClient } from './KvcsiClient.js';

const BASE = 'http://backstage.test/api/kvcsi';
const server = setupServer();
registerMswTestHooks(server);

const client = new KvcsiClient({ discoveryApi: { getBaseUrl: async (pluginId) => `http://backstage.test/api/${pluginId}` }, fetchApi: new MockFetchApi() });

describe('KvcsiClient', () => {
  it('asks for the bindings of the entity it is given', async () => {
    let asked: string | null = null;
    server.use(http.get(`${BASE}/bindings`, ({ request }) => {
      asked = new URL(request.url).searchParams.get('entityRef');
      return HttpResponse.json(bindings);
    }));
    await expect(client.getBindings(ENTITY_REF)).resolves.toEqual(bindings);
    expect(asked).toBe(ENTITY_REF);
  });

  it('asks for the open problems of the entity it is given', async () => {
    let asked: string | null = null;
    const body = { entityRef: ENTITY_REF, app: 'defectdojo', items: [], errors: [] };
    server.use(http.get(`${BASE}/problems`, ({ request }) => {
      asked = new URL(request.url).searchParams.get('entityRef');
      return HttpResponse.json(body);
    }));
    await expect(client.listProblems(ENTITY_REF)).resolves.toEqual(body);
    expect(asked).toBe(ENTITY_REF);
  });

  it('posts a secret request as JSON', async () => {
    let body: unknown;
    server.use(http.post(`${BASE}/requests`, async ({ request }) => {
      body = await request.json();
      return HttpResponse.json({ results: [] }, { status: 201 });
    }));
    const input = { entityRef: ENTITY_REF, name: 'smtp-password', clusters: ['cafehyna-dev'], justification: 'mail' };
    await expect(client.requestSecret(input)).resolves.toEqual({ results: [] });
    expect(body).toEqual(input);
  });

  it('sends a value to the request it names, escaped', async () => {
    let path = '';
    server.use(http.post(`${BASE}/requests/:id/value`, ({ request }) => {
      path = new URL(request.url).pathname;
      return HttpResponse.json({ status: 'applied', message: 'written', warnings: [], vault: 'kv', secretName: 's', version: 'v1' });
    }));
    await expect(client.setSecretValue('req/1', { entityRef: ENTITY_REF, value: 'hunter2' })).resolves.toMatchObject({ version: 'v1' });
    expect(path).toBe('/api/kvcsi/requests/req%2F1/value');
  });

  it('turns an error answer into a ResponseError with the status and the backend error', async () => {
    server.use(http.get(`${BASE}/requests`, () => HttpResponse.json(
      { error: { name: 'NotAllowedError', message: 'kvcsi.bindings.read is not allowed on component:default/defectdojo' }, response: { statusCode: 403 } },
      { status: 403 },
    )));
    const error = await client.listRequests(ENTITY_REF).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ResponseError);
    expect((error as ResponseError).statusCode).toBe(403);
    expect((error as ResponseError).cause.name).toBe(NotAllowedError.name);
    expect((error as ResponseError).cause.message).toMatch(/not allowed/);
  });

  it('passes the abort signal on', async () => {
    server.use(http.post(`${BASE}/diagnose`, async () => {
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      return HttpResponse.json({});
    }));
    const controller = new AbortController();
    const pending = client.diagnose({ entityRef: ENTITY_REF, cluster: 'cafehyna-prd' }, { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toThrow(/abort/i);
  });
});
