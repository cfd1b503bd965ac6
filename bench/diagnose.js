'use strict';
// Diagnosing one pod over the sandbox with 50 ms injected on every API call: median wall time (target ≤ 5 × 50 ms
// + 100 ms: the facts are gathered in parallel along the short chain pod → SPC → vault) and API calls per diagnosis
// (target ≤ 15). Then `explain` throughput in lines per second.
const os = require('node:os');
const { median } = require('./stats.js');

const LATENCY_IN_MS = 50;
const RUNS = Number(process.env.KVCSI_BENCH_RUNS ?? 7);
const WALL_TARGET_IN_MS = 5 * LATENCY_IN_MS + 100;
const CALLS_TARGET = 15;

function load(name) {
  try {
    return require(`../packages/${name}/dist/index.js`);
  } catch (error) {
    console.error(`bench: cannot load packages/${name}/dist; run \`npm run build\` first.`);
    throw error;
  }
}

async function benchDiagnose(core, runtimeModule) {
  const registry = core.loadRegistry({ env: {} });
  const runtime = runtimeModule.createRuntime({ registry, sandbox: { stateFile: false } });
  const requests = [];
  runtime.sandboxServer.server.events.on('request:start', ({ request }) => requests.push(`${request.method} ${new URL(request.url).host}`));
  const target = { kind: 'pod', cluster: 'cafehyna-prd', namespace: 'defectdojo', name: 'defectdojo-hvvfwdpl2p-gzd7z' };
  const deps = { cluster: runtime.clusterPort('cafehyna-prd'), vault: runtime.vault, registry };
  try {
    runtime.sandbox.faults.add({ kind: 'latency', host: '*', fixedInMs: LATENCY_IN_MS });
    const measure = async () => {
      requests.length = 0;
      const started = process.hrtime.bigint();
      const report = await core.diagnose(target, deps);
      const wallInMs = Number(process.hrtime.bigint() - started) / 1e6;
      if (report.findings[0]?.id !== 'D2') throw new Error(`unexpected first finding ${report.findings[0]?.id}`);
      return { wallInMs, calls: requests.length, hosts: [...requests] };
    };
    const cold = await measure();
    console.log(`  cold (tokens, challenge, vault lookup): ${cold.wallInMs.toFixed(0)} ms, ${cold.calls} API calls`);
    const warm = [];
    for (let run = 1; run <= RUNS; run++) warm.push(await measure());
    const wall = median(warm.map((m) => m.wallInMs));
    const calls = median(warm.map((m) => m.calls));
    console.log(`  warm runs: ${warm.map((m) => `${m.wallInMs.toFixed(0)} ms/${m.calls} calls`).join(', ')}`);
    const byHost = {};
    for (const entry of warm[warm.length - 1].hosts) byHost[entry] = (byHost[entry] ?? 0) + 1;
    console.log(`  calls of one warm diagnosis: ${Object.entries(byHost).map(([k, v]) => `${v}× ${k}`).join(', ')}`);
    console.log(`median wall time: ${wall.toFixed(0)} ms with ${LATENCY_IN_MS} ms per call = ${(wall / LATENCY_IN_MS).toFixed(1)} × latency (target ≤ ${WALL_TARGET_IN_MS} ms: ${wall <= WALL_TARGET_IN_MS ? 'met' : 'NOT met'})`);
    console.log(`median API calls per diagnosis: ${calls} (target ≤ ${CALLS_TARGET}: ${calls <= CALLS_TARGET ? 'met' : 'NOT met'}); cold: ${cold.calls}`);
  } finally {
    await runtime.close();
  }
}

function benchExplain(core) {
  // A realistic paste: kubectl describe events of every era the catalogue knows, repeated.
  const sample = [
    'Warning  FailedMount  2m (x4 over 8m)  kubelet  MountVolume.SetUp failed for volume "secrets-store" : rpc error: code = Unknown desc = failed to mount secrets store objects for pod defectdojo/defectdojo-0, err: rpc error: code = Unknown desc = failed to mount objects, error: failed to get objectType:secret, objectName:db-password, objectVersion:: keyvault.BaseClient#GetSecret: Failure responding to request: StatusCode=403 -- Original Error: autorest/azure: Service returned an error. Status=403 Code="Forbidden" Message="Access denied" InnerError={"code":"AccessDenied"}',
    'Warning  FailedMount  1m  kubelet  MountVolume.SetUp failed for volume "secrets-store-inline" : rpc error: code = Unknown desc = failed to mount secrets store objects for pod web/web-0, err: rpc error: code = Unknown desc = failed to mount objects, error: failed to get objectType:secret, objectName:api-key, objectVersion:: GET https://kv-app.vault.azure.net/secrets/api-key/ RESPONSE 404: 404 Not Found ERROR CODE: SecretNotFound',
    'Warning  FailedMount  30s  kubelet  MountVolume.SetUp failed for volume "secrets" : rpc error: code = DeadlineExceeded desc = context deadline exceeded',
    'Normal   Scheduled    5m   default-scheduler  Successfully assigned web/web-0 to aks-nodepool1-0',
    'Warning  FailedMount  3m   kubelet  Unable to attach or mount volumes: unmounted volumes=[secrets-store], unattached volumes=[]: timed out waiting for the condition',
  ];
  const lines = [];
  for (let i = 0; i < 400; i++) lines.push(...sample);
  const text = lines.join('\n');
  const rates = [];
  for (let run = 0; run < 5; run++) {
    const started = process.hrtime.bigint();
    core.explain(text);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    rates.push(lines.length / seconds);
  }
  console.log(`explain: ${lines.length} lines per run, runs ${rates.map((r) => r.toFixed(0)).join(', ')} lines/s; median ${median(rates).toFixed(0)} lines/s`);
}

async function main() {
  const core = load('core');
  const runtimeModule = load('runtime');
  console.log(`kvcsi diagnose benchmark (Node ${process.version}, ${os.cpus().length} CPUs)`);
  await benchDiagnose(core, runtimeModule);
  benchExplain(core);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
