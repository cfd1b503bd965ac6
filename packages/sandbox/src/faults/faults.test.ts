import { isRestError } from '@azure/core-rest-pipeline';
import { ClientSecretCredential } from '@azure/identity';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { kubeletCredential, KUBELET_CLIENT_ID, KUBELET_SECRET, restError, secretClient, TENANT_ID } from '../azure/sdkTestHelpers.js';
import { clusterHost, createSandbox, ENTRA_HOSTNAME, FaultInjector, vaultHost, type Sandbox, type SandboxServer } from '../index.js';
import { createSandboxKubeconfig } from '../kubernetes/kubeconfig.js';

let sandbox: Sandbox;
let server: SandboxServer;
let statuses: number[];

beforeAll(() => {
  sandbox = createSandbox();
  server = sandbox.listen();
  server.server.events.on('response:mocked', ({ request, response }) => {
    if (request.url.includes('.vault.azure.net')) statuses.push(response.status);
  });
});
beforeEach(() => {
  sandbox.reset();
  statuses = [];
});
afterAll(() => server.close());

const DEV_VAULT = vaultHost('kv-cafehyna-dev-hlg');

describe('fault injection through the real SDKs', () => {
  it('a 429 storm of two answers with Retry-After; the SDK honours it and the third try succeeds', async () => {
    sandbox.faults.add({ kind: 'throttle', host: DEV_VAULT, retryAfterSeconds: 0, times: 2, pathPrefix: '/secrets/' });
    const secret = await secretClient('kv-cafehyna-dev-hlg', kubeletCredential(), 3).getSecret('cloudflare-api-token');
    expect(secret.value).toBe('sandbox-cloudflare-api-token-dev');
    expect(statuses.filter((s) => s === 429)).toHaveLength(2);
    expect(statuses[statuses.length - 1]).toBe(200);
  });

  it('an endless storm surfaces as 429 Throttled with Key Vault text and the Retry-After header', async () => {
    sandbox.faults.add({ kind: 'throttle', host: DEV_VAULT, retryAfterSeconds: 7 });
    const error = await restError(secretClient('kv-cafehyna-dev-hlg', kubeletCredential()).getSecret('cloudflare-api-token'));
    expect(error.statusCode).toBe(429);
    expect(error.code).toBe('Throttled');
    expect(error.message).toBe('Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached');
    expect(error.response?.headers.get('retry-after')).toBe('7');
  });

  it('5xx: a 503 reaches the caller when retries are off', async () => {
    sandbox.faults.add({ kind: 'error', host: DEV_VAULT, status: 503 });
    const error = await restError(secretClient('kv-cafehyna-dev-hlg', kubeletCredential()).getSecret('cloudflare-api-token'));
    expect(error.statusCode).toBe(503);
    expect(error.code).toBe('ServiceUnavailable');
  });

  it('an error rate is seeded: the same seed fails the same requests', async () => {
    const run = async (): Promise<number[]> => {
      sandbox.reset();
      sandbox.faults.set({ seed: 42, rules: [{ kind: 'error', host: DEV_VAULT, status: 500, probability: 0.5, method: 'GET' }] });
      const client = secretClient('kv-cafehyna-dev-hlg', kubeletCredential());
      const outcome: number[] = [];
      for (let n = 0; n < 12; n += 1) {
        try {
          await client.getSecret('cloudflare-api-token');
          outcome.push(200);
        } catch (error) {
          outcome.push(isRestError(error) ? (error.statusCode ?? 0) : -1);
        }
      }
      return outcome;
    };
    const first = await run();
    expect(first).toEqual(await run());
    expect(first.filter((s) => s === 500).length).toBeGreaterThan(0);
    expect(first.filter((s) => s === 200).length).toBeGreaterThan(0);
  });

  it('DNS failure for a vault name: the request never gets an answer', async () => {
    sandbox.faults.add({ kind: 'dns', host: DEV_VAULT });
    const error = await restError(secretClient('kv-cafehyna-dev-hlg', kubeletCredential()).getSecret('cloudflare-api-token'));
    expect(error.code).toBe('REQUEST_SEND_ERROR');
    expect(error.statusCode).toBeUndefined();
  });

  it('timeout: the vault hangs until the caller gives up', async () => {
    sandbox.faults.add({ kind: 'timeout', host: DEV_VAULT });
    const client = secretClient('kv-cafehyna-dev-hlg', kubeletCredential());
    await expect(client.getSecret('cloudflare-api-token', { abortSignal: AbortSignal.timeout(100) })).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('faults on Entra ID: a failing token endpoint fails the credential', async () => {
    sandbox.faults.add({ kind: 'error', host: ENTRA_HOSTNAME, status: 503 });
    const credential = new ClientSecretCredential(TENANT_ID, KUBELET_CLIENT_ID, KUBELET_SECRET, { retryOptions: { maxRetries: 0 } });
    await expect(credential.getToken('https://vault.azure.net/.default')).rejects.toThrow('AADSTS90033');
    sandbox.faults.clear();
    // MSAL remembers a 5xx per client for a while, so a new credential shows the endpoint is back.
    const fresh = new ClientSecretCredential(TENANT_ID, KUBELET_CLIENT_ID, KUBELET_SECRET);
    await expect(fresh.getToken('https://vault.azure.net/.default')).resolves.toMatchObject({ token: expect.any(String) });
  });

  it('a cluster whose API server is down fails @kubernetes/client-node calls; clearing the fault restores it', async () => {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(createSandboxKubeconfig(['cafehyna-dev']));
    const core = kubeConfig.makeApiClient(CoreV1Api);
    await expect(core.listNamespace()).resolves.toMatchObject({ items: expect.any(Array) });
    sandbox.faults.add({ kind: 'down', host: clusterHost('cafehyna-dev') });
    await expect(core.listNamespace()).rejects.toThrow();
    sandbox.faults.clear(clusterHost('cafehyna-dev'));
    await expect(core.listNamespace()).resolves.toMatchObject({ items: expect.any(Array) });
  });

  it('scenario and option faults are loaded at creation and restored by reset', () => {
    const withFaults = createSandbox({ faults: { rules: [{ kind: 'down', host: clusterHost('cafehyna-prd') }] } });
    withFaults.faults.clear();
    withFaults.reset();
    expect(withFaults.faults.list()).toEqual([expect.objectContaining({ kind: 'down', host: 'cafehyna-prd.sandbox.azmk8s.io' })]);
  });
});

describe('FaultInjector', () => {
  afterEach(() => jest.useRealTimers());

  it('delays by the fixed latency plus seeded jitter, then lets the request through', async () => {
    jest.useFakeTimers();
    const injector = new FaultInjector({ seed: 7, rules: [{ kind: 'latency', host: '*.vault.azure.net', fixedInMs: 1000, jitterInMs: 500 }] });
    let settled = false;
    const pending = injector.apply(new Request('https://kv-a.vault.azure.net/secrets/x')).then((r) => {
      settled = true;
      return r;
    });
    await jest.advanceTimersByTimeAsync(999);
    expect(settled).toBe(false);
    await jest.advanceTimersByTimeAsync(501);
    expect(settled).toBe(true);
    await expect(pending).resolves.toBeUndefined();
  });

  it('matches hosts by glob, method and path, counts `times`, and applies once per request', async () => {
    const injector = new FaultInjector({ rules: [{ kind: 'throttle', host: '*.vault.azure.net', method: 'GET', pathPrefix: '/secrets', times: 1, retryAfterSeconds: 3 }] });
    const request = new Request('https://kv-a.vault.azure.net/secrets/x');
    expect(await injector.apply(new Request('https://management.azure.com/secrets'))).toBeUndefined();
    expect(await injector.apply(new Request('https://kv-a.vault.azure.net/secrets/x', { method: 'PUT' }))).toBeUndefined();
    const throttled = await injector.apply(request);
    expect(throttled?.status).toBe(429);
    expect(throttled?.headers.get('retry-after')).toBe('3');
    expect(await injector.apply(request)).toBeUndefined();
    expect(await injector.apply(new Request('https://kv-a.vault.azure.net/secrets/y'))).toBeUndefined();
    expect(injector.list()).toEqual([]);
  });

  it('answers Kubernetes hosts with a Status body', async () => {
    const injector = new FaultInjector({ rules: [{ kind: 'error', host: clusterHost('c1'), status: 503 }] });
    const response = await injector.apply(new Request('https://c1.sandbox.azmk8s.io/api/v1/pods'));
    expect(await response?.json()).toMatchObject({ kind: 'Status', code: 503, reason: 'ServiceUnavailable' });
  });

  it('rejects an invalid rule', () => {
    expect(() => new FaultInjector({ rules: [{ kind: 'error', host: 'x', status: 404 }] })).toThrow();
  });
});
