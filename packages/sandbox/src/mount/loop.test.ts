import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AuthorizationManagementClient } from '@azure/arm-authorization';
import { ClientSecretCredential } from '@azure/identity';
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import type { CoreV1Event, V1Pod } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { createSandbox } from '../sandbox.js';
import type { Sandbox, SandboxServer } from '../sandbox.js';
import { createSandboxKubeconfig } from '../kubernetes/kubeconfig.js';
import type { EventObject, PodObject } from '../kubernetes/types.js';
import { reconcileMounts } from './loop.js';

interface Expectation {
  cluster: string;
  namespace: string;
  pod: string;
  app: string;
  finding?: string;
  severity?: 'error' | 'warning';
  reason: string;
}

const expectations = parse(readFileSync(path.join(__dirname, '../scenarios/default/expectations.yaml'), 'utf8')) as {
  healthy: Expectation[];
  expectations: Expectation[];
};

let sandbox: Sandbox;
let server: SandboxServer;

function core(cluster: string): CoreV1Api {
  const kc = new KubeConfig();
  kc.loadFromString(createSandboxKubeconfig([cluster]));
  return kc.makeApiClient(CoreV1Api);
}

async function podAndEvents(e: { cluster: string; namespace: string; pod: string }): Promise<{ pod: V1Pod; events: CoreV1Event[] }> {
  const api = core(e.cluster);
  const pod = await api.readNamespacedPod({ name: e.pod, namespace: e.namespace });
  const events = await api.listNamespacedEvent({ namespace: e.namespace, fieldSelector: `involvedObject.name=${e.pod},involvedObject.kind=Pod` });
  return { pod, events: events.items };
}

function find(app: string): Expectation {
  const found = expectations.expectations.find((e) => e.app === app) ?? expectations.healthy.find((e) => e.app === app);
  if (found === undefined) throw new Error(`no expectation for ${app}`);
  return found;
}

beforeEach(() => {
  sandbox = createSandbox({ scenario: 'default', autoSave: false });
  server = sandbox.listen();
});
afterEach(() => server.close());

describe('default scenario, read through client-node', () => {
  it('mounts the healthy pods, syncs their Secrets with the managed label, and writes the SPCPS', async () => {
    for (const healthy of expectations.healthy.filter((h) => h.app === 'external-dns')) {
      const { pod, events } = await podAndEvents(healthy);
      expect(pod.status?.phase).toBe('Running');
      expect(pod.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
      expect(pod.status?.containerStatuses?.[0]?.state?.running).toBeDefined();
      expect(events.filter((e) => e.type === 'Warning')).toEqual([]);
      const secret = await core(healthy.cluster).readNamespacedSecret({ name: 'external-dns-cloudflare', namespace: healthy.namespace });
      expect(secret.metadata?.labels?.['secrets-store.csi.k8s.io/managed']).toBe('true');
      expect(Object.keys(secret.data ?? {})).toEqual(['cloudflare_api_token']);
      const vaultName = healthy.cluster === 'cafehyna-prd' ? 'kv-cafehyna-prd' : 'kv-cafehyna-dev-hlg';
      const stored = sandbox.state.azure.vaults.find((v) => v.name === vaultName)?.secrets.find((s) => s.name === 'cloudflare-api-token')?.versions.at(-1);
      expect(Buffer.from(secret.data?.cloudflare_api_token ?? '', 'base64').toString()).toBe(stored?.value);
    }
    const kc = new KubeConfig();
    kc.loadFromString(createSandboxKubeconfig(['cafehyna-dev']));
    const external = find('external-dns');
    const spcps = await kc.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({
      group: 'secrets-store.csi.x-k8s.io', version: 'v1', namespace: 'external-dns', plural: 'secretproviderclasspodstatuses',
      name: `${external.pod}-external-dns-external-dns-secrets`,
    }) as { status: { mounted: boolean; objects: { id: string; version: string }[]; podName: string } };
    expect(spcps.status).toMatchObject({ mounted: true, podName: external.pod });
    expect(spcps.status.objects[0]?.id).toBe('secret/cloudflare-api-token');
  });

  it('keeps each broken pod Pending with the failure its expectation names', async () => {
    const texts: Record<string, string> = {};
    for (const e of expectations.expectations) {
      const { pod, events } = await podAndEvents(e);
      // A rotation failure (a warning) leaves the pod running on its old content; every other case keeps it Pending.
      expect(pod.status?.phase).toBe(e.severity === 'warning' ? 'Running' : 'Pending');
      const warnings = events.filter((ev) => ev.type === 'Warning');
      expect(warnings.length).toBeGreaterThan(0);
      // The first cause kubelet or the driver reported (events are listed in creation order).
      const first = warnings.sort((a, b) => Number(a.metadata?.resourceVersion) - Number(b.metadata?.resourceVersion))[0];
      texts[e.finding ?? ''] = `${first?.reason ?? ''}|${first?.source?.component ?? ''}|${first?.message ?? ''}`;
    }
    // D2: provider v1.7.2 (azcore era), RBAC vault.
    expect(texts.D2).toMatch(/^FailedMount\|kubelet\|MountVolume\.SetUp failed for volume "secrets-store" : rpc error: code = Unknown desc = failed to mount secrets store objects for pod defectdojo\/defectdojo-[a-z0-9-]+, err: rpc error: code = Unknown desc = failed to mount objects, error: failed to get objectType:secret, objectName:defectdojo-admin-password, objectVersion:: GET https:\/\/kv-cafehyna-prd\.vault\.azure\.net\/secrets\/defectdojo-admin-password\/\n-{80}\nRESPONSE 403: 403 Forbidden\nERROR CODE: Forbidden\n/);
    expect(texts.D2).toContain('"code": "ForbiddenByRbac"');
    expect(texts.D2).toContain("Action: 'Microsoft.KeyVault/vaults/secrets/getSecret/action'");
    expect(texts.A1).toMatch(/^FailedMount\|kubelet\|MountVolume\.SetUp failed for volume "secrets-store" : kubernetes\.io\/csi: mounter\.SetUpAt failed to get CSI client: driver name secrets-store\.csi\.k8s\.io not found in the list of registered CSI drivers$/);
    expect(texts.A3).toBe('FailedMount|kubelet|MountVolume.SetUp failed for volume "secrets-store" : rpc error: code = Unknown desc = failed to get secretproviderclass monitoring/grafana-secrets, error: secretproviderclasses.secrets-store.csi.x-k8s.io "grafana-secrets" not found');
    // C4.2 on provider v1.8.2: azidentity's ClientAssertionCredential error inside the object prefix.
    expect(texts['C4.2']).toContain('failed to get objectType:secret, objectName:painel-api-database-url, objectVersion:: ClientAssertionCredential authentication failed. \nPOST https://login.microsoftonline.com/');
    // Entra answers a subject mismatch with AADSTS700213 and HTTP 401 since 2024 (Azure/azure-workload-identity#1200).
    expect(texts['C4.2']).toContain('RESPONSE 401: 401 Unauthorized');
    expect(texts['C4.2']).toContain("AADSTS700213: No matching federated identity record found for presented assertion subject 'system:serviceaccount:painel-clientes:painel-api'. Check your federated identity credential Subject, Audience and Issuer against the presented assertion.");
    // F2: the mount succeeded, the sync did not, and the container cannot start.
    expect(texts.F2).toBe('FailedToCreateSecret|csi-secrets-store-controller|failed to get data in spc cert-manager/cert-manager-secrets for secret cloudflare-api-key-secret, err: file matching objectName Cloudflare-Api-Key not found in the pod');
    const certManager = await podAndEvents(find('cert-manager'));
    expect(certManager.pod.status?.containerStatuses?.[0]?.state?.waiting).toEqual({ reason: 'CreateContainerConfigError', message: 'secret "cloudflare-api-key-secret" not found' });
    // K2: no mount, no Secret.
    expect(texts.K2).toBe('Failed|kubelet|Error: secret "painel-worker-rabbitmq" not found');
    await expect(core('painelclientes-dev').readNamespacedSecret({ name: 'painel-worker-rabbitmq', namespace: 'painel-clientes' })).rejects.toMatchObject({ code: 404 });
  });

  it('increments the FailedMount count on each retry instead of adding events, and logs to the provider and driver on the node', async () => {
    const defectdojo = find('defectdojo');
    const before = (await podAndEvents(defectdojo)).events.filter((e) => e.reason === 'FailedMount');
    sandbox.reconcile();
    sandbox.clock.advance(30_000);
    sandbox.reconcile();
    const after = (await podAndEvents(defectdojo)).events.filter((e) => e.reason === 'FailedMount');
    expect(after).toHaveLength(before.length);
    expect(after[0]?.count).toBe((before[0]?.count ?? 0) + 2);
    expect(new Date(after[0]?.lastTimestamp ?? 0).getTime()).toBeGreaterThan(new Date(after[0]?.firstTimestamp ?? 0).getTime());

    const api = core('cafehyna-prd');
    const node = (await api.readNamespacedPod({ name: defectdojo.pod, namespace: defectdojo.namespace })).spec?.nodeName ?? '';
    const providers = await api.listNamespacedPod({ namespace: 'kube-system', labelSelector: 'app=secrets-store-provider-azure', fieldSelector: `spec.nodeName=${node}` });
    expect(providers.items).toHaveLength(1);
    const providerLog = await api.readNamespacedPodLog({ name: providers.items[0]?.metadata?.name ?? '', namespace: 'kube-system', container: 'provider-azure-installer', tailLines: 1 });
    expect(providerLog).toMatch(/^E\d{4} \d{2}:\d{2}:\d{2}\.\d{6} {7}1 server\.go:60\] "failed to process mount request" err="failed to get objectType:secret, objectName:defectdojo-admin-password/);
    const drivers = await api.listNamespacedPod({ namespace: 'kube-system', labelSelector: 'app=secrets-store-csi-driver', fieldSelector: `spec.nodeName=${node}` });
    const driverLog = await api.readNamespacedPodLog({ name: drivers.items[0]?.metadata?.name ?? '', namespace: 'kube-system', container: 'secrets-store' });
    expect(driverLog).toContain(`"failed to mount secrets store object content" err="rpc error: code = Unknown desc = failed to mount objects, error: failed to get objectType:secret`);
    expect(driverLog).toContain(`pod="defectdojo/${defectdojo.pod}"`);
  });

  it('mounts defectdojo once the identity is granted Key Vault Secrets User through ARM: 403 → grant → Running with its Secret', async () => {
    const defectdojo = find('defectdojo');
    expect((await podAndEvents(defectdojo)).pod.status?.phase).toBe('Pending');
    const vault = sandbox.state.azure.vaults.find((v) => v.name === 'kv-cafehyna-prd');
    const kubelet = sandbox.state.azure.identities.find((i) => i.name === 'id-cafehyna-aks-kubelet');
    const operator = sandbox.state.azure.servicePrincipals.find((s) => s.name === 'kvcsi-operator');
    if (vault === undefined || kubelet === undefined || operator?.clientSecret === undefined) throw new Error('scenario changed');
    const credential = new ClientSecretCredential(sandbox.state.azure.tenantId, operator.clientId, operator.clientSecret);
    const scope = `subscriptions/${vault.subscriptionId}/resourceGroups/${vault.resourceGroup}/providers/Microsoft.KeyVault/vaults/${vault.name}`;
    await new AuthorizationManagementClient(credential, vault.subscriptionId).roleAssignments.create(scope, '8f2a1c3e-7b4d-4e5f-9a6b-1c2d3e4f5a6b', {
      roleDefinitionId: `/subscriptions/${vault.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6`,
      principalId: kubelet.objectId,
      principalType: 'ServicePrincipal',
    });

    const { pod } = await podAndEvents(defectdojo);
    expect(pod.status?.phase).toBe('Running');
    const secret = await core('cafehyna-prd').readNamespacedSecret({ name: 'defectdojo', namespace: 'defectdojo' });
    expect(secret.metadata?.labels).toMatchObject({ 'secrets-store.csi.k8s.io/managed': 'true' });
    expect(Object.keys(secret.data ?? {}).sort()).toEqual(['DD_ADMIN_PASSWORD', 'postgresql-password']);
    const admin = vault.secrets.find((s) => s.name === 'defectdojo-admin-password')?.versions.at(-1)?.value;
    expect(Buffer.from(secret.data?.DD_ADMIN_PASSWORD ?? '', 'base64').toString()).toBe(admin);
  });

  it('runs only when called: a state change alone does not move a pod', () => {
    const defectdojo = find('defectdojo');
    const kube = sandbox.state.kubernetes['cafehyna-prd'];
    const kubelet = sandbox.state.azure.identities.find((i) => i.name === 'id-cafehyna-aks-kubelet');
    const vault = sandbox.state.azure.vaults.find((v) => v.name === 'kv-cafehyna-prd');
    if (kube === undefined || kubelet === undefined || vault === undefined) throw new Error('scenario changed');
    sandbox.state.azure.roleAssignments.push({
      name: 'a1b2c3d4-0000-4000-8000-000000000001', scope: `/subscriptions/${vault.subscriptionId}/resourceGroups/${vault.resourceGroup}/providers/Microsoft.KeyVault/vaults/${vault.name}`,
      roleDefinitionName: '4633458b-17de-408a-b874-0445c86b69e6', roleDefinitionId: '4633458b-17de-408a-b874-0445c86b69e6',
      principalId: kubelet.objectId, principalType: 'ServicePrincipal', createdMs: sandbox.clock.nowMs(),
    });
    expect((kube.get('pods', defectdojo.namespace, defectdojo.pod) as PodObject | undefined)?.status?.phase).toBe('Pending');
    reconcileMounts(sandbox.state, { nowMs: sandbox.clock.nowMs() });
    expect((kube.get('pods', defectdojo.namespace, defectdojo.pod) as PodObject | undefined)?.status?.phase).toBe('Running');
  });

  it('never serves the expectations', async () => {
    for (const cluster of Object.keys(sandbox.state.kubernetes)) {
      const api = core(cluster);
      const everything = JSON.stringify([
        await api.listPodForAllNamespaces(), await api.listEventForAllNamespaces(), await api.listSecretForAllNamespaces(),
      ]);
      expect(everything).not.toMatch(/expectation|finding/i);
    }
  });
});

describe('every FailedMount text matches a catalogue format for the stated versions', () => {
  // Independent of messages.ts: the formats as csi-failure-catalogue.md §2 writes them.
  const kubeletPrefix = /^MountVolume\.SetUp failed for volume "[^"]+" : (kubernetes\.io\/csi: mounter\.SetupAt failed: )?/;
  const providerWrap = /rpc error: code = Unknown desc = failed to mount secrets store objects for pod [^/]+\/[^,]+, err: rpc error: code = Unknown desc = failed to mount objects, error: /;
  const formats: Record<string, RegExp[]> = {
    any: [
      /^MountVolume\.SetUp failed for volume "[^"]+" : kubernetes\.io\/csi: mounter\.SetUpAt failed to get CSI client: driver name secrets-store\.csi\.k8s\.io not found in the list of registered CSI drivers$/,
      /^MountVolume\.NewMounter initialization failed for volume "[^"]+" : volume mode "Ephemeral" not supported by driver secrets-store\.csi\.k8s\.io \(no CSIDriver object\)$/,
      /^MountVolume\.SetUp failed for volume "[^"]+" : rpc error: code = DeadlineExceeded desc = context deadline exceeded$/,
      new RegExp(`${kubeletPrefix.source}rpc error: code = Unknown desc = failed to get secretproviderclass [^/]+/[^,]+, error: secretproviderclasses\\.secrets-store\\.csi\\.x-k8s\\.io "[^"]+" not found$`),
      new RegExp(`${kubeletPrefix.source}rpc error: code = Unknown desc = failed to mount secrets store objects for pod [^/]+/[^,]+, err: error connecting to provider "[^"]+": provider not found: provider "[^"]+"$`),
    ],
    azcore: [
      new RegExp(`${kubeletPrefix.source}${providerWrap.source}failed to get objectType:(secret|key|cert), objectName:[^,]+, objectVersion:[^:]*: GET https://[a-z0-9-]+\\.vault\\.azure\\.net/\\S+\\n-{80}\\nRESPONSE (403|404|401|429): \\d{3} [A-Za-z ]+\\nERROR CODE: \\w+\\n-{80}\\n\\{[\\s\\S]*\\}\\n-{80}\\n$`),
      new RegExp(`${kubeletPrefix.source}${providerWrap.source}failed to get objectType:secret, objectName:[^,]+, objectVersion:[^:]*: ClientAssertionCredential authentication failed\\. \\nPOST https://login\\.microsoftonline\\.com/[^/]+/oauth2/v2\\.0/token\\n-{80}\\nRESPONSE (400: 400 Bad Request|401: 401 Unauthorized)\\n-{80}\\n\\{[\\s\\S]*"error_description": "AADSTS(700213|70025|700016|700211): [\\s\\S]*\\}\\n-{80}\\n$`),
    ],
    autorest: [
      new RegExp(`${kubeletPrefix.source}${providerWrap.source}failed to get objectType:(secret|key|cert), objectName:[^,]+, objectVersion:[^:]*: keyvault\\.BaseClient#Get(Secret|Key|Certificate): Failure responding to request: StatusCode=(403|404) -- Original Error: autorest/azure: Service returned an error\\. Status=(403|404) Code="\\w+" Message="[^\\n]*"( InnerError=\\{"code":"\\w+"\\})?$`),
      new RegExp(`${kubeletPrefix.source}${providerWrap.source}failed to get keyvault client: failed to get authorizer for keyvault client: failed to acquire token: FromAssertion\\(\\): http call\\(https://login\\.microsoftonline\\.com/[^)]+\\)\\(POST\\) error: reply status code was (400|401): \\{.*AADSTS\\d+.*\\}$`),
    ],
  };
  const erasForProvider = (version: string): string => (/^v?1\.[0-4]\./.test(version) ? 'autorest' : 'azcore');

  function failedMountTexts(s: Sandbox): { cluster: string; message: string }[] {
    return Object.entries(s.state.kubernetes).flatMap(([cluster, kube]) => (kube.list('events', { fieldSelector: 'reason=FailedMount' }).items as EventObject[])
      .map((e) => ({ cluster, message: e.message })));
  }

  function assertCatalogued(s: Sandbox): number {
    const texts = failedMountTexts(s);
    for (const { cluster, message } of texts) {
      const versions = s.state.azure.managedClusters.find((c) => c.name === cluster)?.secretsStoreCsi;
      const allowed = [...(formats.any ?? []), ...(formats[erasForProvider(versions?.providerVersion ?? 'v1.8.2')] ?? [])];
      if (!allowed.some((format) => format.test(message))) throw new Error(`not a catalogue format for ${cluster} (${JSON.stringify(versions)}):\n${message}`);
    }
    return texts.length;
  }

  it('for the default scenario as loaded', () => {
    expect(assertCatalogued(sandbox)).toBeGreaterThanOrEqual(4);
  });

  it.each(['v1.4.1', 'v1.5.6', 'v1.7.2', 'v1.8.2'])('for every broken pod when every cluster runs provider %s', (providerVersion) => {
    for (const cluster of sandbox.state.azure.managedClusters) cluster.secretsStoreCsi = { ...cluster.secretsStoreCsi, providerVersion };
    // Drop what the scenario's own versions wrote, so only this version's texts are checked.
    for (const kube of Object.values(sandbox.state.kubernetes)) {
      for (const event of kube.list('events').items) kube.delete('events', event.metadata.namespace, event.metadata.name);
    }
    sandbox.reconcile();
    expect(assertCatalogued(sandbox)).toBeGreaterThanOrEqual(4);
    const defectdojo = (sandbox.state.kubernetes['cafehyna-prd']?.list('events', { namespace: 'defectdojo', fieldSelector: 'reason=FailedMount' }).items as EventObject[]);
    const latest = defectdojo.sort((a, b) => Number(b.metadata.resourceVersion) - Number(a.metadata.resourceVersion))[0]?.message ?? '';
    if (providerVersion === 'v1.4.1') expect(latest).toContain('InnerError={"code":"ForbiddenByRbac"}');
    else expect(latest).toContain('"code": "ForbiddenByRbac"');
  });
});

describe('faults reach the simulated provider', () => {
  it('fails the mount with the DNS text when the vault name does not resolve', async () => {
    const faulty = createSandbox({ scenario: 'default', autoSave: false, faults: { rules: [{ kind: 'dns', host: 'kv-cafehyna-dev-hlg.vault.azure.net' }] } });
    const faultyServer = faulty.listen();
    try {
      faulty.reconcile();
      const healthy = find('external-dns');
      const { pod, events } = await podAndEvents(healthy);
      expect(pod.status?.phase).toBe('Pending');
      // kubelet only sees the deadline; the cause is in the provider's log on the pod's node.
      expect(events.map((e) => e.message).join('\n')).toContain('rpc error: code = DeadlineExceeded desc = context deadline exceeded');
      const api = core(healthy.cluster);
      const providers = await api.listNamespacedPod({ namespace: 'kube-system', labelSelector: 'app=secrets-store-provider-azure', fieldSelector: `spec.nodeName=${pod.spec?.nodeName}` });
      expect(providers.items).toHaveLength(1);
      const providerLog = await api.readNamespacedPodLog({ name: providers.items[0]?.metadata?.name ?? '', namespace: 'kube-system', container: 'provider-azure-installer' });
      expect(providerLog).toContain('lookup kv-cafehyna-dev-hlg.vault.azure.net on 10.0.0.10:53: no such host');
    } finally {
      faultyServer.close();
    }
  });
});
