import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { startTestSandbox, type TestSandbox } from '../testing.js';
import { createSandboxKubeconfig } from './kubeconfig.js';

// The API server's answers where the sandbox used to be too lenient: CRD validation and logs of a waiting container.
let t: TestSandbox;

beforeAll(() => {
  t = startTestSandbox();
});
beforeEach(() => t.sandbox.reset());
afterAll(() => t.server.close());

function api<T>(cluster: string, kind: new (...args: never[]) => T): T {
  const kc = new KubeConfig();
  kc.loadFromString(createSandboxKubeconfig([cluster]));
  return kc.makeApiClient(kind as never) as T;
}

async function failure(promise: Promise<unknown>): Promise<{ code: number; body: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { code: number; body: string };
    return { code: e.code, body: JSON.parse(e.body) as Record<string, unknown> };
  }
  throw new Error('expected the call to fail');
}

const spc = (name: string, spec: Record<string, unknown>): Record<string, unknown> => ({
  apiVersion: 'secrets-store.csi.x-k8s.io/v1',
  kind: 'SecretProviderClass',
  metadata: { name, namespace: 'defectdojo' },
  spec,
});

describe('SecretProviderClass writes are validated against the released CRD', () => {
  const create = (body: Record<string, unknown>): Promise<unknown> =>
    api('cafehyna-prd', CustomObjectsApi).createNamespacedCustomObject({ group: 'secrets-store.csi.x-k8s.io', version: 'v1', namespace: 'defectdojo', plural: 'secretproviderclasses', body });

  it('refuses a wrong type with 422 Invalid and the API server field error', async () => {
    const refused = await failure(create(spc('bad-provider', { provider: 42, parameters: { keyvaultName: 'kv' } })));
    expect(refused.code).toBe(422);
    expect(refused.body).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'Invalid',
      code: 422,
      message: 'SecretProviderClass.secrets-store.csi.x-k8s.io "bad-provider" is invalid: spec.provider: Invalid value: "integer": spec.provider in body must be of type string: "integer"',
      details: { name: 'bad-provider', group: 'secrets-store.csi.x-k8s.io', kind: 'SecretProviderClass', causes: [{ reason: 'FieldValueInvalid', field: 'spec.provider' }] },
    });
    expect(t.sandbox.state.kubernetes['cafehyna-prd']?.get('secretproviderclasses', 'defectdojo', 'bad-provider')).toBeUndefined();
  });

  it('lists every cause at once in brackets, as the API server does', async () => {
    const refused = await failure(create(spc('two-wrongs', { provider: 'azure', parameters: { objects: 7 }, secretObjects: [{ secretName: 'x', data: 'nope' }] })));
    expect(refused.code).toBe(422);
    expect(String(refused.body['message'])).toMatch(/^SecretProviderClass\.secrets-store\.csi\.x-k8s\.io "two-wrongs" is invalid: \[spec\.parameters\.objects: Invalid value: "integer": .+, spec\.secretObjects\[0\]\.data: Invalid value: "string": .+\]$/);
  });

  it('accepts a valid one (v1 and v1alpha1)', async () => {
    await create(spc('fine', { provider: 'azure', parameters: { keyvaultName: 'kv-cafehyna-prd', objects: 'array: []' } }));
    expect(t.sandbox.state.kubernetes['cafehyna-prd']?.get('secretproviderclasses', 'defectdojo', 'fine')).toBeDefined();
  });
});

describe('pod logs', () => {
  it('answers 400 for a container still waiting in ContainerCreating, with kubelet\'s text', async () => {
    const pod = t.sandbox.state.kubernetes['cafehyna-prd']?.list('pods', { namespace: 'defectdojo' }).items[0];
    const name = pod?.metadata.name ?? '';
    const container = (pod as { spec: { containers: { name: string }[] } } | undefined)?.spec.containers[0]?.name ?? '';
    const refused = await failure(api('cafehyna-prd', CoreV1Api).readNamespacedPodLog({ name, namespace: 'defectdojo', container }));
    expect(refused.code).toBe(400);
    expect(refused.body).toMatchObject({ reason: 'BadRequest', message: `container "${container}" in pod "${name}" is waiting to start: ContainerCreating` });
  });
});
