import type { TokenCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import { CoreV1Api, KubeConfig, Watch } from '@kubernetes/client-node';
import { createSandbox } from '../sandbox.js';
import { createSandboxKubeconfig, sandboxKubeToken } from '../kubernetes/kubeconfig.js';
import { kubeletCredential, operatorCredential } from '../azure/sdkTestHelpers.js';
import { listenRemoteSandbox } from './client.js';
import { startSandboxHttpServer, type SandboxHttpServer } from './server.js';
import type { SandboxServer } from '../sandbox.js';

// The sandbox in "another process": served over loopback HTTP, reached through forwarding handlers. Both halves run
// in this jest worker, but only the HTTP wire connects them.
const sandbox = createSandbox({ autoSave: false });
let http: SandboxHttpServer;
let msw: SandboxServer;

beforeAll(async () => {
  http = await startSandboxHttpServer(sandbox);
  msw = listenRemoteSandbox(http.url);
});
beforeEach(() => sandbox.reset());
afterAll(async () => {
  msw.close();
  await http.close();
});

const secrets = (vault: string, credential: TokenCredential = operatorCredential()) =>
  new SecretClient(`https://${vault}.vault.azure.net`, credential, { retryOptions: { maxRetries: 0 } });
const core = (cluster: string) => {
  const kc = new KubeConfig();
  kc.loadFromString(createSandboxKubeconfig([cluster]));
  return { kc, api: kc.makeApiClient(CoreV1Api) };
};

describe('the remote sandbox', () => {
  it('answers the Key Vault SDK (challenge, token, write) and the change lands in the server\'s state', async () => {
    await secrets('kv-cafehyna-dev-hlg').setSecret('remote-written', 'sandbox-only-remote-value');
    const vault = sandbox.state.azure.vaults.find((v) => v.name === 'kv-cafehyna-dev-hlg');
    expect(vault?.secrets.some((secret) => secret.name === 'remote-written')).toBe(true);
  });

  it('passes errors through: 403 with its inner code, and a DNS fault as a network error', async () => {
    const forbidden = await secrets('kv-cafehyna-prd', kubeletCredential()).getSecret('defectdojo-admin-password').catch((error: { statusCode?: number; code?: string }) => error);
    expect(forbidden).toMatchObject({ statusCode: 403, code: 'Forbidden' });
    expect(JSON.stringify((forbidden as { details?: unknown }).details)).toContain('ForbiddenByRbac');
    await fetch(`${http.url}/_sandbox/faults`, { method: 'POST', body: JSON.stringify({ kind: 'dns', host: 'kv-cafehyna-dev-hlg.vault.azure.net' }) });
    const dns = await secrets('kv-cafehyna-dev-hlg').getSecret('cloudflare-api-token').catch((error: Error) => error);
    expect(dns).toBeInstanceOf(Error);
    expect((dns as { statusCode?: number }).statusCode).toBeUndefined();
  });

  it('streams a Kubernetes watch event by event', async () => {
    const { kc } = core('cafehyna-dev');
    const events: string[] = [];
    const request = await new Watch(kc).watch('/api/v1/namespaces/external-dns/pods', {}, (type) => events.push(type), () => undefined);
    const deadline = Date.now() + 5000;
    while (events.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    request.abort();
    expect(events[0]).toBe('ADDED');
  });

  it('forwards node https requests that carry hop-by-hop headers (as MSAL sends its token requests)', async () => {
    const https = await import('node:https');
    const body = await new Promise<string>((resolve, reject) => {
      const request = https.request(
        'https://cafehyna-dev.sandbox.azmk8s.io/api/v1/namespaces',
        { headers: { connection: 'keep-alive', 'keep-alive': 'timeout=5', authorization: `Bearer ${sandboxKubeToken('cafehyna-dev')}` } },
        (response) => {
          let text = '';
          response.on('data', (chunk: Buffer) => (text += chunk.toString()));
          response.on('end', () => resolve(`${response.statusCode} ${text}`));
        },
      );
      request.on('error', reject);
      request.end();
    });
    expect(body).toMatch(/^200 .*"kind":"NamespaceList"/);
  });

  it('refuses admin calls a web page could make: another Origin, cross-site, a form (issue 19)', async () => {
    const before = sandbox.clock.nowMs();
    const body = JSON.stringify({ ms: 60_000 });
    const calls = [
      fetch(`${http.url}/_sandbox/clock/advance`, { method: 'POST', headers: { origin: 'https://evil.example' }, body }),
      fetch(`${http.url}/_sandbox/reset`, { method: 'POST', headers: { 'sec-fetch-site': 'cross-site' } }),
      fetch(`${http.url}/_sandbox/faults`, { method: 'POST', body: new URLSearchParams({ kind: 'dns', host: 'kv-cafehyna-prd.vault.azure.net' }) }),
    ];
    expect((await Promise.all(calls)).map((response) => response.status)).toEqual([403, 403, 403]);
    expect(sandbox.clock.nowMs()).toBe(before);
    expect(sandbox.faults.list()).toEqual([]);
  });

  it('serves the admin endpoints: health, clock, reset', async () => {
    const health = (await (await fetch(`${http.url}/_sandbox/health`)).json()) as { ok: boolean; scenario: string };
    expect(health).toMatchObject({ ok: true, scenario: 'default' });
    const before = sandbox.clock.nowMs();
    const advanced = (await (await fetch(`${http.url}/_sandbox/clock/advance`, { method: 'POST', body: JSON.stringify({ ms: 60_000 }) })).json()) as { nowMs: number };
    expect(advanced.nowMs).toBe(before + 60_000);
    const bad = await fetch(`${http.url}/_sandbox/clock/advance`, { method: 'POST', body: JSON.stringify({ ms: -1 }) });
    expect(bad.status).toBe(400);
    const { api } = core('cafehyna-prd');
    const pods = await api.listNamespacedPod({ namespace: 'defectdojo' });
    expect(pods.items.length).toBeGreaterThan(0);
  });
});
