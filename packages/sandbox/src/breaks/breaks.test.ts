import { SecretClient } from '@azure/keyvault-secrets';
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { operatorCredential } from '../azure/sdkTestHelpers.js';
import { createSandboxKubeconfig } from '../kubernetes/kubeconfig.js';
import { listenRemoteSandbox } from '../remote/client.js';
import { breakCommand } from '../remote/main.js';
import { startSandboxHttpServer, type SandboxHttpServer } from '../remote/server.js';
import { createSandbox, type SandboxServer } from '../sandbox.js';
import type { BreakResult } from './breaks.js';

// Breaking an app on purpose through the sandbox server's admin endpoint, and reading what follows with the real
// SDKs (Kubernetes events and pods, Key Vault) over the same HTTP wire the bot and the CLI use.
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

function kube(cluster: string): { core: CoreV1Api; custom: CustomObjectsApi } {
  const kc = new KubeConfig();
  kc.loadFromString(createSandboxKubeconfig([cluster]));
  return { core: kc.makeApiClient(CoreV1Api), custom: kc.makeApiClient(CustomObjectsApi) };
}

async function breakApp(body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${http.url}/_sandbox/break`, { method: 'POST', headers, body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body) });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

/** The FailedMount texts kubelet recorded for the app's pods now running, read through the Kubernetes API. */
async function failedMounts(cluster: string, namespace: string, app: string): Promise<{ pods: string[]; messages: string[] }> {
  const { core } = kube(cluster);
  const pods = (await core.listNamespacedPod({ namespace, labelSelector: `app.kubernetes.io/name=${app}` })).items.map((pod) => pod.metadata!.name!);
  const events = (await core.listNamespacedEvent({ namespace })).items;
  const messages = events.filter((e) => e.reason === 'FailedMount' && pods.includes(e.involvedObject.name ?? '')).map((e) => e.message ?? '');
  return { pods, messages };
}

async function phases(cluster: string, namespace: string, app: string): Promise<string[]> {
  const { core } = kube(cluster);
  return (await core.listNamespacedPod({ namespace, labelSelector: `app.kubernetes.io/name=${app}` })).items.map((pod) => pod.status?.phase ?? '');
}

const DEV = { cluster: 'cafehyna-dev', app: 'external-dns' } as const;
const PRD = { cluster: 'cafehyna-prd', app: 'external-dns' } as const;

describe('POST /_sandbox/break', () => {
  it('revoke-role on an access-policy vault: the recreated pods fail with Key Vault\'s AccessDenied; grant-role mends them without a restart', async () => {
    expect(await phases(DEV.cluster, 'external-dns', DEV.app)).toEqual(['Running']);
    const broken = await breakApp({ action: 'revoke-role', ...DEV });
    expect(broken.status).toBe(200);
    const result = broken.json as unknown as BreakResult;
    expect(result.changed).toEqual(['get removed from id-cafehyna-aks-kubelet\'s access policy in kv-cafehyna-dev-hlg']);
    expect(result.restarted).toEqual([{ from: 'external-dns-r4fw8d87d6-ttqvr', to: expect.stringMatching(/^external-dns-r4fw8d87d6-[a-z0-9]{5}$/) }]);

    const { pods, messages } = await failedMounts(DEV.cluster, 'external-dns', DEV.app);
    expect(pods).toEqual([result.restarted[0]!.to]);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain('MountVolume.SetUp failed for volume "secrets-store"');
    expect(messages[0]).toContain('RESPONSE 403: 403 Forbidden');
    expect(messages[0]).toMatch(/"innererror": \{\s+"code": "AccessDenied"/);
    expect(messages[0]).toContain('does not have secrets get permission on key vault \'kv-cafehyna-dev-hlg;location=brazilsouth\'');
    expect(await phases(DEV.cluster, 'external-dns', DEV.app)).toEqual(['Pending']);

    // The reverse puts the policy back as it was; kubelet's next try mounts.
    const mended = await breakApp({ action: 'grant-role', ...DEV });
    expect(mended.json).toMatchObject({ changed: ['id-cafehyna-aks-kubelet\'s access policy in kv-cafehyna-dev-hlg restored'], restarted: [] });
    expect(await phases(DEV.cluster, 'external-dns', DEV.app)).toEqual(['Running']);
    expect(sandbox.state.azure.vaults.find((v) => v.name === 'kv-cafehyna-dev-hlg')!.accessPolicies[0]!.permissions.secrets).toEqual(['get', 'list']);
  });

  it('revoke-role on an Azure RBAC vault: ForbiddenByRbac; grant-role re-creates the assignment', async () => {
    const broken = await breakApp({ action: 'revoke-role', ...PRD });
    expect(broken.status).toBe(200);
    expect((broken.json as unknown as BreakResult).changed[0]).toMatch(/^role assignment \S+ removed \(id-cafehyna-aks-kubelet at \/subscriptions\/.*\/vaults\/kv-cafehyna-prd\/secrets\/cloudflare-api-token\)$/);
    const { messages } = await failedMounts(PRD.cluster, 'external-dns', PRD.app);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/"innererror": \{\s+"code": "ForbiddenByRbac"/);
    expect(messages[0]).toContain('Microsoft.KeyVault/vaults/secrets/getSecret/action');
    // Nothing left to revoke: a clear refusal naming the field.
    expect(await breakApp({ action: 'revoke-role', ...PRD })).toMatchObject({ status: 409, json: { field: 'action', error: expect.stringContaining('nothing to revoke') } });
    await breakApp({ action: 'grant-role', ...PRD });
    expect(await phases(PRD.cluster, 'external-dns', PRD.app)).toEqual(['Running']);
  });

  it('disable-secret, then delete-secret: the Key Vault texts for a disabled and a missing secret; the reverses mend', async () => {
    const disabled = await breakApp({ action: 'disable-secret', ...DEV });
    expect(disabled.json).toMatchObject({ changed: [expect.stringMatching(/^kv-cafehyna-dev-hlg\/cloudflare-api-token version \w+ disabled$/)] });
    let { messages } = await failedMounts(DEV.cluster, 'external-dns', DEV.app);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/"innererror": \{\s+"code": "SecretDisabled"/);
    expect(messages[0]).toContain('Operation get is not allowed on a disabled secret.');
    await breakApp({ action: 'enable-secret', ...DEV });
    expect(await phases(DEV.cluster, 'external-dns', DEV.app)).toEqual(['Running']);

    const deleted = await breakApp({ action: 'delete-secret', ...DEV });
    expect(deleted.json).toMatchObject({ changed: ['kv-cafehyna-dev-hlg/cloudflare-api-token deleted (soft-deleted: recover-secret brings it back)'] });
    // The operator's Key Vault SDK sees it soft-deleted, as after `az keyvault secret delete`.
    const secrets = new SecretClient('https://kv-cafehyna-dev-hlg.vault.azure.net', operatorCredential(), { retryOptions: { maxRetries: 0 } });
    const listed: string[] = [];
    for await (const item of secrets.listDeletedSecrets()) listed.push(item.name);
    expect(listed).toContain('cloudflare-api-token');
    ({ messages } = await failedMounts(DEV.cluster, 'external-dns', DEV.app));
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain('RESPONSE 404: 404 Not Found');
    expect(messages[0]).toContain('"code": "SecretNotFound"');
    expect(messages[0]).toContain('A secret with (name/id) cloudflare-api-token was not found in this key vault.');
    await breakApp({ action: 'recover-secret', ...DEV });
    expect(await phases(DEV.cluster, 'external-dns', DEV.app)).toEqual(['Running']);
  });

  it('edit-spc renames an objectName (seen through the API server): the mount fails on the missing object; restore-spc mends', async () => {
    const edited = await breakApp({ action: 'edit-spc', ...DEV, objectName: 'cloudflare-api-tokn' });
    expect(edited.json).toMatchObject({ changed: ['external-dns/external-dns-secrets: objectName cloudflare-api-token changed to cloudflare-api-tokn'] });
    const spc = await kube(DEV.cluster).custom.getNamespacedCustomObject({ group: 'secrets-store.csi.x-k8s.io', version: 'v1', namespace: 'external-dns', plural: 'secretproviderclasses', name: 'external-dns-secrets' }) as { spec: { parameters: { objects: string } } };
    expect(spc.spec.parameters.objects).toContain('objectName: cloudflare-api-tokn\n');
    const { messages } = await failedMounts(DEV.cluster, 'external-dns', DEV.app);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain('A secret with (name/id) cloudflare-api-tokn was not found in this key vault.');
    expect(await breakApp({ action: 'restore-spc', ...DEV })).toMatchObject({ status: 200, json: { changed: ['external-dns/external-dns-secrets: objects restored'] } });
    expect(await phases(DEV.cluster, 'external-dns', DEV.app)).toEqual(['Running']);
  });

  it('restart alone recreates the pods; a healthy app mounts again', async () => {
    const restarted = await breakApp({ action: 'restart', ...DEV });
    expect(restarted.json).toMatchObject({ changed: [], restarted: [{ from: 'external-dns-r4fw8d87d6-ttqvr' }] });
    expect(await failedMounts(DEV.cluster, 'external-dns', DEV.app)).toMatchObject({ messages: [] });
    expect(await phases(DEV.cluster, 'external-dns', DEV.app)).toEqual(['Running']);
  });

  it('validates its input, naming the field', async () => {
    const cases: [unknown, number, string][] = [
      [{ action: 'explode', ...DEV }, 400, 'action'],
      [{ action: 'revoke-role', app: 'external-dns' }, 400, 'cluster'],
      [{ action: 'revoke-role', cluster: 'cafehyna-dev', app: 'External DNS' }, 400, 'app'],
      [{ action: 'revoke-role', ...DEV, restart: 'yes' }, 400, 'restart'],
      [{ action: 'revoke-role', ...DEV, objectName: 'x' }, 400, 'objectName'],
      [{ action: 'revoke-role', ...DEV, colour: 'red' }, 400, 'colour'],
      [{ action: 'revoke-role', cluster: 'cafehyna-qa', app: 'external-dns' }, 404, 'cluster'],
      [{ action: 'revoke-role', cluster: 'cafehyna-dev', app: 'grafana' }, 404, 'app'],
      [{ action: 'disable-secret', ...DEV, secret: 'no-such-secret' }, 404, 'secret'],
      [{ action: 'restore-spc', ...DEV }, 409, 'action'],
      [[1, 2], 400, '(body)'],
    ];
    for (const [body, status, field] of cases) {
      const answer = await breakApp(body);
      expect({ body, status: answer.status, field: answer.json.field }).toEqual({ body, status, field });
      expect(answer.json.error).toEqual(expect.stringMatching(new RegExp(`^${field.replace(/[()]/g, '\\$&')}: `)));
    }
    expect(await breakApp('{not json')).toMatchObject({ status: 400, json: { field: '(body)' } });
    // Nothing was broken by any of them.
    expect(await phases(DEV.cluster, 'external-dns', DEV.app)).toEqual(['Running']);
  });

  it('refuses what a web page could send: another Origin, cross-site, a form, text/plain or no media type (issue 19)', async () => {
    const body = { action: 'revoke-role', ...DEV };
    const refused = await Promise.all([
      breakApp(body, { 'content-type': 'application/json', origin: 'https://evil.example' }),
      breakApp(body, { 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' }),
      breakApp(new URLSearchParams({ action: 'revoke-role', ...DEV }).toString(), { 'content-type': 'application/x-www-form-urlencoded' }),
      breakApp(body, { 'content-type': 'text/plain;charset=UTF-8' }),
      // Bytes: fetch sends no content-type at all.
      breakApp(new TextEncoder().encode(JSON.stringify(body)), {}),
    ]);
    expect(refused.map((answer) => answer.status)).toEqual([403, 403, 403, 415, 415]);
    expect(refused[3]!.json).toEqual({ error: 'content-type: must be application/json, not text/plain', field: 'content-type' });
    const policy = sandbox.state.azure.vaults.find((v) => v.name === 'kv-cafehyna-dev-hlg')!.accessPolicies[0]!;
    expect(policy.permissions.secrets).toEqual(['get', 'list']);
    expect(await phases(DEV.cluster, 'external-dns', DEV.app)).toEqual(['Running']);
  });

  it('npm run sandbox -- break: the same from a terminal, with the endpoint\'s errors', async () => {
    const lines: string[] = [];
    const env = { KVCSI_SANDBOX_URL: http.url };
    expect(await breakCommand(['disable-secret', '--cluster', 'cafehyna-dev', '--app', 'external-dns'], env, (line) => lines.push(line))).toBe(0);
    expect(lines).toEqual([expect.stringMatching(/^kv-cafehyna-dev-hlg\/cloudflare-api-token version \w+ disabled$/), expect.stringMatching(/^pod external-dns-r4fw8d87d6-ttqvr replaced by external-dns-r4fw8d87d6-\w{5}$/)]);
    lines.length = 0;
    expect(await breakCommand(['enable-secret', '--cluster', 'cafehyna-dev', '--app', 'external-dns', '--no-restart'], env, (line) => lines.push(line))).toBe(0);
    expect(lines).toEqual([expect.stringMatching(/ enabled$/)]);
    lines.length = 0;
    expect(await breakCommand(['revoke-role', '--cluster', 'cafehyna-dev', '--app', 'nope'], env, (line) => lines.push(line))).toBe(1);
    expect(lines).toEqual(['break: app: no pod or SecretProviderClass labelled app.kubernetes.io/name=nope on cafehyna-dev']);
    await expect(breakCommand([], env, () => undefined)).rejects.toThrow('break: name one action');
  });
});
