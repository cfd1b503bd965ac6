import { LeaseElector, loadRegistry, type ClusterPort } from '@kvcsi/core';
import { createKubernetesClusterPort } from '@kvcsi/kubernetes';
import { createRuntime, type Runtime } from '@kvcsi/runtime';
import { createSandboxKubeconfig } from '@kvcsi/sandbox';

// Leader election through a Lease in the hub cluster, over the sandbox's API server and the real adapter.
const registry = loadRegistry({ env: {} });
let runtime: Runtime;
beforeAll(() => {
  runtime = createRuntime({ registry, sandbox: { stateFile: false } });
});
afterAll(() => runtime.close());

const TIMING = { leaseDurationInMs: 800, renewDeadlineInMs: 500, retryPeriodInMs: 100 };

/**
 * The hub as the bot's service account sees it in the cluster: a Role on leases in its namespace (the sandbox's admin
 * context stands for it; kvcsi's Entra identity, a reader, is refused leases — 403, as it should be).
 */
const hubPort = () => createKubernetesClusterPort({ cluster: { name: 'cafehyna-hub', kubeContext: 'cafehyna-hub' }, kubeconfig: createSandboxKubeconfig(['cafehyna-hub']) });

/** A replica: its elector, its stop switch, and a crash that makes every call it sends fail (a dead process). */
function replica(name: string, leading: Set<string>, log: { at: number; event: string }[]) {
  const hub = hubPort();
  let dead = false;
  const guard = <T>(call: () => Promise<T>): Promise<T> => (dead ? Promise.reject(new Error('process killed')) : call());
  const port: Pick<ClusterPort, 'getLease' | 'createLease' | 'replaceLease'> = {
    getLease: (o) => guard(() => hub.getLease!(o)),
    createLease: (o) => guard(() => hub.createLease!(o)),
    replaceLease: (o) => guard(() => hub.replaceLease!(o)),
  };
  const elector = new LeaseElector({ port, namespace: 'kube-system', name: 'kvcsi-watch', identity: name, ...TIMING });
  const controller = new AbortController();
  const running = elector.run(controller.signal, {
    onStartedLeading: async (signal) => {
      leading.add(name);
      log.push({ at: Date.now(), event: `${name} leads (${leading.size} leading)` });
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    },
    onStoppedLeading: () => {
      leading.delete(name);
      log.push({ at: Date.now(), event: `${name} stops` });
    },
  });
  return { name, crash: () => { dead = true; }, stop: () => controller.abort(), running };
}

async function until(what: string, check: () => boolean, timeoutInMs = 10_000): Promise<number> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutInMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return Date.now() - started;
}

describe('leader election over a Lease in the hub cluster', () => {
  it('one leader among three; a killed leader is replaced within the lease duration, never two at once; a clean stop hands over at once', async () => {
    const leading = new Set<string>();
    const log: { at: number; event: string }[] = [];
    const replicas = ['bot-a', 'bot-b', 'bot-c'].map((name) => replica(name, leading, log));
    await until('a leader', () => leading.size === 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(leading.size).toBe(1);

    // Kill the leader: it can no longer renew; the lease expires and another takes over.
    const first = replicas.find((r) => leading.has(r.name))!;
    first.crash();
    const failoverInMs = await until('a new leader', () => [...leading].some((n) => n !== first.name));
    const second = replicas.find((r) => r !== first && leading.has(r.name))!;
    expect(second).toBeDefined();
    expect(failoverInMs).toBeLessThan(TIMING.leaseDurationInMs + 3 * TIMING.retryPeriodInMs + 500);
    first.stop();
    await first.running;

    // A clean stop releases the lease: the last replica leads well before the lease would have expired.
    second.stop();
    await second.running;
    const third = replicas.find((r) => r !== first && r !== second)!;
    const handoverInMs = await until('the last replica to lead', () => leading.has(third.name));
    expect(handoverInMs).toBeLessThan(TIMING.leaseDurationInMs);
    third.stop();
    await third.running;

    // Never two leaders at the same time (the dead one gave up at its renew deadline, before the lease expired).
    expect(log.filter((entry) => /\(2 leading\)|\(3 leading\)/.test(entry.event))).toEqual([]);
    const lease = await hubPort().getLease!({ namespace: 'kube-system', name: 'kvcsi-watch' });
    expect(lease?.spec?.leaseTransitions).toBe(2);
  }, 20_000);
});
