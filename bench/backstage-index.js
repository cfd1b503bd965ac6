'use strict';
/* global fetch */
// The Backstage plugin's bindings index over a generated estate: 5 clusters × 2,000 SecretProviderClasses and
// 5 vaults × 5,000 secrets: first through the real adapters over the sandbox (HTTP requests counted), then through
// in-memory ports that count calls (the index's own cost). Reports the refresh wall time and API calls
// (target: one SPC list per cluster + ⌈secrets / 25⌉ pages per vault, no per-secret call), `GET /bindings` p95 over
// HTTP on a warm index (target ≤ 50 ms) and the index's memory.
const v8 = require('node:v8');
const vm = require('node:vm');
const { percentile, median } = require('./stats.js');

const CLUSTERS = 5;
const SPCS_PER_CLUSTER = 2000;
const SECRETS_PER_VAULT = 5000;
const NAMESPACES = 20;
const PAGE = 25;
const REQUESTS = Number(process.env.KVCSI_BENCH_REQUESTS ?? 300);
const P95_TARGET_IN_MS = 50;

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

function load(pkg) {
  try {
    return require(`../${pkg}/dist/index.js`);
  } catch (error) {
    console.error(`bench: cannot load ${pkg}/dist; run \`npm run build\` first.`);
    throw error;
  }
}

const guid = (n) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

function estate(core) {
  const registry = core.parseRegistryConfig(JSON.stringify({
    tenantId: guid(999),
    clusters: Array.from({ length: CLUSTERS }, (_, c) => ({
      name: `bench-${c}`, tier: c === 0 ? 'prd' : 'dev', keyVault: { name: `kv-bench-${c}` }, identity: { clientId: guid(c) }, kubeContext: `bench-${c}`,
    })),
  }), 'bench');
  const spcs = new Map();
  for (let c = 0; c < CLUSTERS; c++) {
    spcs.set(`bench-${c}`, Array.from({ length: SPCS_PER_CLUSTER }, (_, s) => {
      const app = `app-${String(s % 1000).padStart(4, '0')}`;
      const objects = [0, 1, 2].map((o) => `    - |\n      objectName: ${app}-secret-${(s + o) % SECRETS_PER_VAULT}\n      objectType: secret\n`).join('');
      return {
        metadata: { name: `${app}-secrets-${s}`, namespace: `ns-${s % NAMESPACES}`, labels: { 'app.kubernetes.io/name': app } },
        spec: {
          provider: 'azure',
          parameters: { keyvaultName: `kv-bench-${c}`, tenantId: guid(999), useVMManagedIdentity: 'true', userAssignedIdentityID: guid(c), objects: `array:\n${objects}` },
          secretObjects: [{ secretName: `${app}-env`, type: 'Opaque', data: [{ objectName: `${app}-secret-${s % SECRETS_PER_VAULT}`, key: 'KEY' }] }],
        },
      };
    }));
  }
  const secrets = (vault) => Array.from({ length: SECRETS_PER_VAULT }, (_, i) => ({ name: `app-${String(i % 1000).padStart(4, '0')}-secret-${i}`, enabled: true, _vault: vault }));
  return { registry, spcs, secrets };
}

function countingPorts({ spcs, secrets }) {
  const calls = {};
  const count = (name) => { calls[name] = (calls[name] ?? 0) + 1; };
  const vaultSecrets = new Map();
  const clusterPort = (cluster) => ({
    async listSecretProviderClasses() { count('listSecretProviderClasses'); return spcs.get(cluster); },
    async listSecretProviderClassPodStatuses({ namespace }) {
      count('listSecretProviderClassPodStatuses');
      return spcs.get(cluster).filter((spc, i) => spc.metadata.namespace === namespace && i % 2 === 0)
        .map((spc) => ({ metadata: { name: `${spc.metadata.name}-pod` }, status: { podName: `${spc.metadata.name}-pod`, secretProviderClassName: spc.metadata.name, mounted: true } }));
    },
    async listPods({ namespace }) {
      count('listPods');
      // The pods behind the pod statuses above, running, each declaring its class's CSI volume.
      return spcs.get(cluster).filter((spc, i) => spc.metadata.namespace === namespace && i % 2 === 0)
        .map((spc) => ({
          metadata: { name: `${spc.metadata.name}-pod`, namespace },
          spec: { containers: [{ name: 'app' }], volumes: [{ name: 'secrets', csi: { driver: 'secrets-store.csi.k8s.io', volumeAttributes: { secretProviderClass: spc.metadata.name } } }] },
          status: { phase: 'Running', containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: { running: {} } }] },
        }));
    },
    async getPod() { count('getPod'); return undefined; },
  });
  const vault = {
    async listSecretProperties(ref, options = {}) {
      count('listSecretProperties');
      if (!vaultSecrets.has(ref.name)) vaultSecrets.set(ref.name, secrets(ref.name));
      const all = vaultSecrets.get(ref.name);
      const start = Number(options.continuationToken ?? 0);
      const size = options.maxPageSize ?? PAGE;
      const items = all.slice(start, start + size).map(({ name, enabled }) => ({ name, enabled }));
      return start + size < all.length ? { items, continuationToken: String(start + size) } : { items };
    },
    async getVaultProperties(ref) { count('getVaultProperties'); return { name: ref.name, id: `/subscriptions/x/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/${ref.name}`, tenantId: guid(999), authModel: 'accessPolicy', publicNetworkAccess: 'Enabled', accessPolicies: [] }; },
    async resolveIdentity({ clientId }) { count('resolveIdentity'); return { clientId, objectId: clientId }; },
    async checkAccess(_ref, { objectId }) { count('checkAccess'); return { objectId, authModel: 'accessPolicy', accessPolicy: { secrets: ['get', 'list'] }, roleAssignments: [] }; },
  };
  return { calls, clusterPort, vault };
}

/**
 * The same refresh through the real adapters and SDKs over the sandbox (msw in this process), with the default
 * scenario grown to 2,000 SPCs per cluster and 5,000 more secrets per vault: API calls are HTTP requests here.
 */
async function overSandbox(core, plugin) {
  const { createRuntime } = load('packages/runtime');
  const registry = core.loadRegistry({ env: {} });
  const runtime = createRuntime({ registry, sandbox: { stateFile: false } });
  try {
    const { sandbox } = runtime;
    const now = Date.now();
    for (const cluster of registry.list()) {
      const kube = sandbox.state.kubernetes[cluster.name];
      for (let n = 0; n < NAMESPACES; n++) kube.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: `bench-ns-${n}` } });
      for (let s = 0; s < SPCS_PER_CLUSTER; s++) {
        const app = `bench-${String(s % 1000).padStart(4, '0')}`;
        const objects = [0, 1, 2].map((o) => `    - |\n      objectName: ${app}-secret-${(s + o) % SECRETS_PER_VAULT}\n      objectType: secret\n`).join('');
        kube.create('secretproviderclasses', {
          apiVersion: 'secrets-store.csi.x-k8s.io/v1',
          kind: 'SecretProviderClass',
          metadata: { name: `${app}-secrets-${s}`, namespace: `bench-ns-${s % NAMESPACES}`, labels: { 'app.kubernetes.io/name': app } },
          spec: { provider: 'azure', parameters: { keyvaultName: cluster.keyVault.name, tenantId: cluster.tenantId, objects: `array:\n${objects}` } },
        });
      }
    }
    const vaultSizes = new Map();
    for (const vault of sandbox.state.azure.vaults) {
      for (let i = 0; i < SECRETS_PER_VAULT; i++) {
        vault.secrets.push({ name: `bench-${String(i % 1000).padStart(4, '0')}-secret-${i}`, versions: [{ version: `v${i}`, value: 'sandbox-only', tags: {}, enabled: true, createdMs: now, updatedMs: now }] });
      }
      vaultSizes.set(vault.name, vault.secrets.length);
    }
    const requests = {};
    runtime.sandboxServer.server.events.on('request:start', ({ request }) => {
      const url = new URL(request.url);
      const key = url.host.endsWith('.vault.azure.net') ? 'Key Vault' : url.host.endsWith('.sandbox.azmk8s.io') ? (url.pathname.includes('secretproviderclasspodstatuses') ? 'Kubernetes SPC pod statuses' : url.pathname.endsWith('/pods') ? 'Kubernetes pod lists' : url.pathname.includes('secretproviderclasses') ? 'Kubernetes SPC lists' : 'Kubernetes other') : url.host;
      requests[key] = (requests[key] ?? 0) + 1;
    });
    const index = plugin.createBindingsIndex({ registry, clusterPort: (name) => runtime.clusterPort(name), vault: runtime.vault, concurrency: 8 });
    const refreshed = await index.refresh();
    const vaultsOfRegistry = new Set(registry.list().map((cluster) => cluster.keyVault.name));
    const pagesTarget = [...vaultSizes].filter(([name]) => vaultsOfRegistry.has(name)).reduce((sum, [, size]) => sum + Math.ceil(size / PAGE), 0);
    console.log(`  over the sandbox (real SDKs, msw in-process): ${refreshed.spcs} SPCs on ${refreshed.clusters} clusters, ${refreshed.secrets} secrets in ${refreshed.vaults} vaults, ${refreshed.failures} failing sources`);
    console.log(`    refresh wall time ${refreshed.wallInMs.toFixed(0)} ms; HTTP requests: ${Object.entries(requests).map(([k, v]) => `${v}× ${k}`).join(', ')}`);
    const spcLists = requests['Kubernetes SPC lists'] ?? 0;
    const pages = requests['Key Vault'] ?? 0;
    console.log(`    SPC lists ${spcLists} (one per cluster: ${registry.list().length}); Key Vault requests ${pages} (⌈secrets/25⌉ pages: ${pagesTarget}, plus one auth challenge per vault client)`);
  } finally {
    await runtime.close();
  }
}

async function main() {
  const core = load('packages/core');
  const plugin = load('plugins/kvcsi-backend');
  await overSandbox(core, plugin);
  const world = estate(core);
  const ports = countingPorts(world);

  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const index = plugin.createBindingsIndex({ registry: world.registry, clusterPort: ports.clusterPort, vault: ports.vault, concurrency: 8 });
  const cold = await index.refresh();
  gc();
  const heapAfter = process.memoryUsage().heapUsed;
  const pagesTarget = CLUSTERS * Math.ceil(SECRETS_PER_VAULT / PAGE);
  console.log(`  estate: ${cold.spcs} SecretProviderClasses on ${cold.clusters} clusters, ${cold.secrets} secrets in ${cold.vaults} vaults, ${cold.failures} failing sources`);
  console.log(`  refresh wall time: ${cold.wallInMs.toFixed(0)} ms (in-memory ports: the index's own cost, no network)`);
  console.log(`  API calls: ${Object.entries(ports.calls).map(([k, v]) => `${v}× ${k}`).join(', ')}`);
  const spcLists = ports.calls.listSecretProviderClasses;
  const pages = ports.calls.listSecretProperties;
  console.log(`  SPC lists: ${spcLists} (target ${CLUSTERS}: ${spcLists === CLUSTERS ? 'met' : 'NOT met'}); vault pages: ${pages} (target ${pagesTarget} = ${CLUSTERS} × ⌈${SECRETS_PER_VAULT}/${PAGE}⌉: ${pages === pagesTarget ? 'met' : 'NOT met'}); no per-secret call`);
  console.log(`  beyond the target: ${ports.calls.listSecretProviderClassPodStatuses ?? 0} pod-status lists and ${ports.calls.listPods ?? 0} pod lists (one each per namespace with SPCs, for mountedBy/synced and pods that cannot start; kvcsi.index.podStatuses: false drops them), ${(ports.calls.getVaultProperties ?? 0) + (ports.calls.resolveIdentity ?? 0) + (ports.calls.checkAccess ?? 0)} access calls (per vault and identity, not per secret)`);
  console.log(`  index memory: ${((heapAfter - heapBefore) / 1024 / 1024).toFixed(1)} MB of heap`);
  const warm = await index.refresh();
  console.log(`  next refresh, classes unchanged: ${warm.wallInMs.toFixed(0)} ms (each class's lint result reused; the calls again)`);

  // GET /bindings over HTTP, warm, with the router's real validation, entity resolution and permission call (stubbed services).
  const express = require(require.resolve('express', { paths: [require.resolve('../plugins/kvcsi-backend/package.json')] }));
  const noopEvent = { success: async () => {}, fail: async () => {} };
  const router = await plugin.createRouter({
    httpAuth: { credentials: async () => ({ $$type: '@backstage/BackstageCredentials', principal: { type: 'user', userEntityRef: 'user:default/bench' } }) },
    auth: { isPrincipal: (credentials, type) => credentials.principal.type === type },
    permissions: { authorize: async (requests) => requests.map(() => ({ result: 'ALLOW' })) },
    auditor: { createEvent: async () => noopEvent },
    catalog: { getEntityByRef: async (ref) => ({ apiVersion: 'backstage.io/v1alpha1', kind: 'Component', metadata: { name: ref.split('/')[1], annotations: { 'kvcsi.io/app': ref.split('/')[1] } } }) },
    logger: { info() {}, warn() {}, error() {}, debug() {}, child() { return this; } },
    // No request was applied: GET /bindings asks the store once and serves the index as it is; the policy lets the
    // bench's reader read every cluster.
    service: { listRequests: async () => [], checkRead: async () => {} }, index, registry: world.registry, clusterPort: ports.clusterPort,
  });
  const app = express().use('/api/kvcsi', router);
  const server = await new Promise((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)); });
  const base = `http://127.0.0.1:${server.address().port}/api/kvcsi`;
  try {
    const latencies = [];
    let items = 0;
    for (let i = 0; i < REQUESTS + 20; i++) {
      const appName = `app-${String((i * 37) % 1000).padStart(4, '0')}`;
      const started = process.hrtime.bigint();
      const res = await fetch(`${base}/bindings?entityRef=component:default/${appName}`);
      const body = await res.json();
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (res.status !== 200) throw new Error(`GET /bindings answered ${res.status}`);
      if (i >= 20) { latencies.push(ms); items += body.items.length; }
    }
    const p95 = percentile(latencies, 95);
    console.log(`  GET /bindings warm over HTTP: median ${median(latencies).toFixed(1)} ms, p95 ${p95.toFixed(1)} ms over ${REQUESTS} requests (${(items / REQUESTS).toFixed(0)} SPCs per answer) (target p95 ≤ ${P95_TARGET_IN_MS} ms: ${p95 <= P95_TARGET_IN_MS ? 'met' : 'NOT met'})`);
  } finally {
    server.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
