import { createMemoryProblemStore, loadRegistry, Watcher, type KubePod, type ProblemNotice, type ProblemSink, type ProblemStore } from '@kvcsi/core';
import { createRuntime, type Runtime } from '@kvcsi/runtime';

// The pod mounts while a diagnosis that started before the fix is still running: that diagnosis bumps the problem's
// row (checkedAt) just as the watcher resolves it, and the compare-and-set of the resolution loses. Seen in the
// two-process failover test (a new leader diagnosing the storm as the role came back): the message stayed open with
// the pod healthy, and nothing was left to trigger another check. The resolution must read the row again and retry.
const registry = loadRegistry({ env: {} });
const CLUSTER = 'cafehyna-prd';
const NAMESPACE = 'external-dns';
const POD = 'external-dns-g2kt9bvfkc-br5mq';

let runtime: Runtime;
const controller = new AbortController();
beforeAll(() => {
  runtime = createRuntime({ registry, sandbox: { stateFile: false } });
});
afterAll(async () => {
  controller.abort();
  await runtime.close();
});

async function until(what: string, check: () => boolean, timeoutInMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutInMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

it('a resolution that loses its compare-and-set to a concurrent check reads the row again and resolves the problem', async () => {
  const notices: ProblemNotice[] = [];
  const sink: ProblemSink = {
    async post(notice) {
      notices.push(notice);
      return 'm1';
    },
    async update(_ref, notice) {
      notices.push(notice);
    },
  };
  const inner = createMemoryProblemStore();
  let raced = 0;
  // A check's checkedAt bump lands between the resolver's read of the row and its write, once.
  const store: ProblemStore = {
    ...inner,
    async updateProblem(row) {
      if (row.state === 'resolved' && raced === 0) {
        raced += 1;
        const [current] = (await inner.listOpenProblems({ causeKey: row.causeKey })).filter((open) => open.key === row.key);
        expect(await inner.updateProblem({ ...current!, checkedAt: current!.checkedAt + 1 })).toBe(true);
      }
      return inner.updateProblem(row);
    },
  };
  const watcher = new Watcher({
    clusters: [CLUSTER], clusterPort: (name) => runtime.clusterPort(name), vault: runtime.vault, registry, store, sink,
    settleInMs: 100, recheckInMs: 60_000, namespacesOf: () => [NAMESPACE],
  });
  void watcher.run(controller.signal);
  await until('the first list', () => watcher.stats.changes >= 1);

  // The kubelet identity loses its role on the secret; the pod restarts and cannot mount.
  const sandbox = runtime.sandbox!;
  const kube = sandbox.state.kubernetes[CLUSTER]!;
  const revoked = sandbox.state.azure.roleAssignments.filter((a) => a.scope.endsWith('/vaults/kv-cafehyna-prd/secrets/cloudflare-api-token'));
  expect(revoked).toHaveLength(1);
  sandbox.state.azure.roleAssignments = sandbox.state.azure.roleAssignments.filter((a) => !revoked.includes(a));
  const old = kube.get('pods', NAMESPACE, POD) as unknown as KubePod;
  kube.delete('pods', NAMESPACE, POD);
  const { uid: _uid, resourceVersion: _rv, creationTimestamp: _ct, ...metadata } = old.metadata;
  kube.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { ...metadata, name: `${POD}x` }, spec: old.spec, status: { phase: 'Pending' } } as never);
  sandbox.reconcile();
  await until('the message', () => notices.length === 1);
  await watcher.idle();
  expect(notices[0]).toMatchObject({ state: 'open', finding: { id: 'D2' } });

  // The role comes back and the pod mounts; the resolver's first write loses to the check's bump.
  sandbox.state.azure.roleAssignments.push(...revoked);
  sandbox.reconcile();
  await until('the resolution', () => notices.some((notice) => notice.state === 'resolved'));
  expect(raced).toBe(1);
  expect(await inner.listOpenProblems()).toEqual([]);
  expect(watcher.stats.problemsResolved).toBe(1);
}, 30_000);
