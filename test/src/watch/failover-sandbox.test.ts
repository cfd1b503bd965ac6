import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LeaseElector, loadRegistry, Watcher, type ClusterPort, type ProblemNotice, type ProblemSink } from '@kvcsi/core';
import { createKubernetesClusterPort } from '@kvcsi/kubernetes';
import { createRuntime, type Runtime } from '@kvcsi/runtime';
import { createSandboxKubeconfig } from '@kvcsi/sandbox';
import { createKnexProblemStore, createStore, type KvcsiStore } from '@kvcsi/store';

// Two watcher replicas on one store and one Lease: the leader dies between sending a message and recording that it
// did. The next leader looks the message up (by its id, as Slack message metadata) instead of posting it again.
const registry = loadRegistry({ env: {} });
let runtime: Runtime;
let store: KvcsiStore;
let dir: string;
beforeAll(async () => {
  runtime = createRuntime({ registry, sandbox: { stateFile: false } });
  dir = mkdtempSync(path.join(tmpdir(), 'kvcsi-failover-'));
  store = await createStore({ client: 'sqlite', filename: path.join(dir, 'kvcsi.sqlite') });
});
afterAll(async () => {
  await store.close();
  await runtime.close();
  rmSync(dir, { recursive: true, force: true });
});

/** One channel both replicas post to; messages carry the watcher's message id as metadata. */
const channel: { ts: string; messageId: string; notices: ProblemNotice[] }[] = [];

function sinkOf(replica: { crashAfterSend: boolean; dead: boolean }): ProblemSink {
  return {
    async post(notice) {
      if (replica.dead) throw new Error('process killed');
      const ts = String(channel.length + 1);
      channel.push({ ts, messageId: notice.messageId, notices: [notice] });
      if (replica.crashAfterSend) {
        replica.dead = true;
        // The process dies here: the outcome is never recorded.
        return new Promise<string>(() => undefined);
      }
      return ts;
    },
    async update(ref, notice) {
      if (replica.dead) throw new Error('process killed');
      channel.find((m) => m.ts === ref)?.notices.push(notice);
    },
    async find(notice) {
      if (replica.dead) throw new Error('process killed');
      return channel.find((m) => m.messageId === notice.messageId)?.ts;
    },
  };
}

const hub = createKubernetesClusterPort({ cluster: { name: 'cafehyna-hub', kubeContext: 'cafehyna-hub' }, kubeconfig: createSandboxKubeconfig(['cafehyna-hub']) });

function replica(name: string, crashAfterSend: boolean) {
  const state = { crashAfterSend, dead: false };
  const guard = <T>(call: () => Promise<T>): Promise<T> => (state.dead ? Promise.reject(new Error('process killed')) : call());
  const leasePort: Pick<ClusterPort, 'getLease' | 'createLease' | 'replaceLease'> = {
    getLease: (o) => guard(() => hub.getLease!(o)),
    createLease: (o) => guard(() => hub.createLease!(o)),
    replaceLease: (o) => guard(() => hub.replaceLease!(o)),
  };
  const controller = new AbortController();
  let leading = false;
  const running = new LeaseElector({ port: leasePort, namespace: 'kube-system', name: 'kvcsi-watch-failover', identity: name, leaseDurationInMs: 800, renewDeadlineInMs: 500, retryPeriodInMs: 100 })
    .run(controller.signal, {
      onStartedLeading: async (signal) => {
        leading = true;
        await new Watcher({
          clusters: ['cafehyna-prd'], clusterPort: (c) => runtime.clusterPort(c), vault: runtime.vault, registry,
          store: createKnexProblemStore(store.knex), sink: sinkOf(state), settleInMs: 100, namespacesOf: () => ['defectdojo'],
        }).run(signal);
      },
      onStoppedLeading: () => {
        leading = false;
      },
    });
  return { name, state, isLeading: () => leading, stop: () => controller.abort(), running };
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutInMs = 15_000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutInMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('failover between two watcher replicas', () => {
  it('the leader dies after sending, before recording: the next leader finds the message and posts nothing more', async () => {
    const a = replica('bot-a', true);
    await until('bot-a to lead', () => a.isLeading());
    const b = replica('bot-b', false);
    // bot-a sends defectdojo's message and dies before recording the outcome.
    await until('the message', () => channel.length === 1);
    await until('bot-a to die', () => a.state.dead);
    await until('bot-b to lead', () => b.isLeading());
    // bot-b settles the pending message by finding it: the row says sent, the channel still has one message.
    const problems = createKnexProblemStore(store.knex);
    await until('the message recorded as sent', async () => (await problems.listMessages({ state: 'open' }))[0]?.post.state === 'sent');
    expect((await problems.listMessages({ state: 'open' }))[0]?.post).toEqual({ state: 'sent', ref: '1' });
    expect(channel).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(channel).toHaveLength(1);
    // bot-a is a dead process (its send never returns): only bot-b is stopped and awaited.
    a.stop();
    b.stop();
    await b.running;
  }, 30_000);
});

