import { createMemoryProblemStore, loadRegistry, Watcher, type KubePod, type ProblemNotice, type ProblemSink, type WatchNote } from '@kvcsi/core';
import { createRuntime, type Runtime } from '@kvcsi/runtime';

// The watcher end to end over the sandbox: the real Kubernetes adapter's watches (client-node Watch over HTTP), the
// real diagnosis over the Azure adapter, the sandbox's kubelet and driver producing the events.
const registry = loadRegistry({ env: {} });
const CLUSTER = 'cafehyna-prd';
const NAMESPACE = 'external-dns';
const POD = 'external-dns-g2kt9bvfkc-br5mq';

interface Sent {
  ref: string;
  notices: ProblemNotice[];
}

/** A sink that records posts and in-place updates, as the bot's Slack sink would send them. */
function recordingSink(): ProblemSink & { sent: Sent[]; notes: WatchNote[] } {
  const sent: Sent[] = [];
  const notes: WatchNote[] = [];
  return {
    sent,
    notes,
    async post(notice) {
      const ref = `m${sent.length + 1}`;
      sent.push({ ref, notices: [notice] });
      return ref;
    },
    async update(ref, notice) {
      sent.find((s) => s.ref === ref)?.notices.push(notice);
    },
    note: (note) => notes.push(note),
  };
}

let runtime: Runtime;
let controller: AbortController;

beforeEach(() => {
  runtime = createRuntime({ registry, sandbox: { stateFile: false } });
  controller = new AbortController();
});
afterEach(async () => {
  controller.abort();
  await runtime.close();
});

const kube = (cluster = CLUSTER) => runtime.sandbox!.state.kubernetes[cluster]!;

/** Deletes the pod and creates its replacements, as the ReplicaSet controller does on a rollout restart. */
function restartPod(oldName: string, newName: string, where: { cluster?: string; namespace?: string; replicas?: string[] } = {}): void {
  const cluster = where.cluster ?? CLUSTER;
  const namespace = where.namespace ?? NAMESPACE;
  const old = kube(cluster).get('pods', namespace, oldName) as unknown as KubePod;
  kube(cluster).delete('pods', namespace, oldName);
  const { uid: _uid, resourceVersion: _rv, creationTimestamp: _ct, ...metadata } = old.metadata;
  for (const name of [newName, ...(where.replicas ?? [])]) {
    kube(cluster).create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { ...metadata, name }, spec: old.spec, status: { phase: 'Pending' } } as never);
  }
  runtime.sandbox!.reconcile();
}

async function until(what: string, check: () => boolean, timeoutInMs = 8000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutInMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function startWatcher(sink: ProblemSink, where: { cluster?: string; namespaces?: string[] } = {}) {
  const store = createMemoryProblemStore();
  const watcher = new Watcher({
    clusters: [where.cluster ?? CLUSTER],
    clusterPort: (name) => runtime.clusterPort(name),
    vault: runtime.vault,
    registry,
    store,
    sink,
    settleInMs: 100,
    recheckInMs: 60_000,
    namespacesOf: () => where.namespaces ?? [NAMESPACE],
  });
  const running = watcher.run(controller.signal);
  return { watcher, store, running };
}

describe('watch over the sandbox', () => {
  it('a revoked role, pods restarted: one message with the grant; a storm adds none; the fix resolves it in place; a second cause is a second message', async () => {
        const sink = recordingSink();
    const { watcher } = startWatcher(sink);
    // The healthy app, listed and watched: nothing to say.
    await until('the first list', () => watcher.stats.changes >= 1, 15_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await watcher.idle();
    expect(sink.sent).toEqual([]);

    // Revoke the kubelet identity's role on cloudflare-api-token, then restart the pod.
    const azure = runtime.sandbox!.state.azure;
    const revoked = azure.roleAssignments.filter((a) => a.scope.endsWith('/vaults/kv-cafehyna-prd/secrets/cloudflare-api-token'));
    expect(revoked).toHaveLength(1);
    azure.roleAssignments = azure.roleAssignments.filter((a) => !revoked.includes(a));
    restartPod(POD, 'external-dns-g2kt9bvfkc-aaaa1');
    restartPod('external-dns-g2kt9bvfkc-aaaa1', 'external-dns-g2kt9bvfkc-aaaa2');

    await until('the first message', () => sink.sent.length === 1);
    await watcher.idle();
    const first = sink.sent[0]!.notices[0]!;
    expect(first).toMatchObject({ state: 'open', cluster: CLUSTER, namespace: NAMESPACE, finding: { id: 'D2', action: { kind: 'grant' } } });
    expect(first.workloads).toEqual([expect.objectContaining({ cluster: CLUSTER, namespace: NAMESPACE, workload: 'Deployment/external-dns' })]);

    // 50 more FailedMount events for the same workload: no new message.
    const pod = kube().get('pods', NAMESPACE, 'external-dns-g2kt9bvfkc-aaaa2')!;
    for (let i = 0; i < 50; i++) {
      kube().recordEvent({ involvedObject: pod, reason: 'FailedMount', type: 'Warning', component: 'kubelet', message: `MountVolume.SetUp failed for volume "secrets-store" : rpc error: code = Unknown desc = retry ${i}` });
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    await watcher.idle();
    expect(sink.sent).toHaveLength(1);
    expect(watcher.stats.problemsOpened).toBe(1);

    // The grant's effect (the role back on the vault), the pod mounts: the message is updated in place as resolved.
    azure.roleAssignments.push(...revoked);
    runtime.sandbox!.reconcile();
    await until('the resolution', () => sink.sent[0]!.notices.some((n) => n.state === 'resolved'));
    expect(sink.sent).toHaveLength(1);
    const resolved = sink.sent[0]!.notices.at(-1)!;
    expect(resolved).toMatchObject({ state: 'resolved', messageId: first.messageId, workloads: [] });
    expect(resolved.resolvedAt).toBeGreaterThanOrEqual(first.openedAt);

    // A different cause on the same app: the secret disabled in the vault, the pod restarted → a second message.
    const vault = azure.vaults.find((v) => v.name === 'kv-cafehyna-prd')!;
    for (const version of vault.secrets.find((s) => s.name === 'cloudflare-api-token')!.versions) version.enabled = false;
    restartPod('external-dns-g2kt9bvfkc-aaaa2', 'external-dns-g2kt9bvfkc-aaaa3');
    await until('the second message', () => sink.sent.length === 2);
    await watcher.idle();
    const second = sink.sent[1]!.notices[0]!;
    expect(second.finding.id).not.toBe('D2');
    // The disabled secret (Key Vault 403 Forbidden "Operation get is not allowed on a disabled secret").
    expect(second.finding.id).toBe('D6');
    expect(second.messageId).not.toBe(first.messageId);
    // The replaced pods vanish before their settling time ends: not a failure to report.
    expect(sink.notes.filter((note) => note.kind !== 'watch')).toEqual([]);
    expect(sink.sent).toHaveLength(2);
  }, 30_000);

  it('a cause shared by two workloads is one message listing both; replicas of one Deployment are one problem', async () => {
    const sink = recordingSink();
    const dev = { cluster: 'cafehyna-dev', namespaces: ['external-dns', 'cert-manager'] };
    const { watcher } = startWatcher(sink, dev);
    // cert-manager is already broken in the scenario (F2, the synced Secret's objectName casing): its own message.
    await until('the F2 message', () => sink.sent.length === 1, 15_000);
    expect(sink.sent[0]!.notices[0]!.finding.id).toBe('F2');

    // The kubelet identity's access policy removed from the access-policy vault both apps read.
    const vault = runtime.sandbox!.state.azure.vaults.find((v) => v.name === 'kv-cafehyna-dev-hlg')!;
    const before = vault.accessPolicies.length;
    vault.accessPolicies = vault.accessPolicies.filter((p) => !(p.permissions.secrets ?? []).includes('get'));
    expect(vault.accessPolicies).toHaveLength(before - 1);
    restartPod('external-dns-r4fw8d87d6-ttqvr', 'external-dns-r4fw8d87d6-bbbb1', { cluster: dev.cluster, namespace: 'external-dns', replicas: ['external-dns-r4fw8d87d6-bbbb2'] });
    restartPod('cert-manager-8tgsdnt6ll-v689r', 'cert-manager-8tgsdnt6ll-bbbb1', { cluster: dev.cluster, namespace: 'cert-manager' });

    await until('one message listing both workloads', () => (sink.sent[1]?.notices.at(-1)?.workloads.length ?? 0) === 2);
    await watcher.idle();
    expect(sink.sent).toHaveLength(2);
    const shared = sink.sent[1]!.notices.at(-1)!;
    expect(shared.finding).toMatchObject({ id: 'D1', action: { kind: 'grant' } });
    expect(shared.workloads.map((w) => `${w.namespace}/${w.workload}`).sort()).toEqual(['cert-manager/Deployment/cert-manager', 'external-dns/Deployment/external-dns']);
    // F2 for cert-manager, D1 for each workload; the two external-dns replicas did not open a second one.
    expect(watcher.stats.problemsOpened).toBe(3);
  }, 30_000);

  it('one cluster down never stops the others: its watch is lost and restored, with notes, and its problem comes after', async () => {
    const sink = recordingSink();
    const store = createMemoryProblemStore();
    runtime.sandbox!.faults.add({ kind: 'down', host: 'cafehyna-hub.sandbox.azmk8s.io' });
    const watcher = new Watcher({
      clusters: ['cafehyna-hub', 'cafehyna-prd'], clusterPort: (name) => runtime.clusterPort(name), vault: runtime.vault, registry, store, sink,
      settleInMs: 100, namespacesOf: (cluster) => (cluster === 'cafehyna-hub' ? ['monitoring'] : ['defectdojo']), backoff: { initialInMs: 100, maxInMs: 400 },
    });
    void watcher.run(controller.signal);
    // prd's broken defectdojo is announced while the hub is down.
    await until('the prd message', () => sink.sent.some((m) => m.notices[0]!.cluster === 'cafehyna-prd'), 15_000);
    expect(sink.notes).toContainEqual({ kind: 'watch', cluster: 'cafehyna-hub', resource: 'events', change: expect.objectContaining({ state: 'lost', attempt: 1 }) });
    expect(sink.sent.map((m) => m.notices[0]!.cluster)).toEqual(['cafehyna-prd']);

    // The hub's API server is back: the watch is restored and grafana's problem (A3) is announced.
    runtime.sandbox!.faults.clear();
    await until('the hub message', () => sink.sent.some((m) => m.notices[0]!.cluster === 'cafehyna-hub'));
    expect(sink.notes).toContainEqual({ kind: 'watch', cluster: 'cafehyna-hub', resource: 'events', change: { state: 'restored', attempt: 0 } });
    expect(sink.sent.find((m) => m.notices[0]!.cluster === 'cafehyna-hub')!.notices[0]!.finding.id).toBe('A3');
    // Lost once, not once per retry.
    expect(sink.notes.filter((n) => n.kind === 'watch' && n.resource === 'events' && n.change.state === 'lost')).toHaveLength(1);
  }, 30_000);
});

