/**
 * The watcher honours snoozes and mutes kept in the store, posts a prd problem to every destination exactly once, and
 * names who fixed a resolved problem — over the diagnostics' fake ports, driven through onEvent as the bench does.
 */
import { OBJECT_ID, clusterState, event, fakeCluster, fakeVault, pod, registry, vaultState } from '../diagnostics/fakes.test.fixtures.js';
import { SIGNATURE_FIXTURES } from '../diagnostics/signatures/catalogue.test.fixtures.js';
import type { KubeEvent } from '../ports.js';
import type { AccessRequest } from '../requests/model.js';
import { fixedByRequests } from './fixed-by.js';
import { createMemoryProblemStore, isSilenced } from './problems.js';
import { Watcher, type ProblemNotice, type ProblemSink } from './watcher.js';

const D1_EVENT = SIGNATURE_FIXTURES.find((fixture) => fixture.id === 'D1' && fixture.era.startsWith('azcore'))!.text;
const PODS = ['defectdojo-7c9d', 'worker-5f6a', 'cron-8b9c'];

/** Every pod of the fake cluster fails its mount with D1 (the kubelet identity has no access policy on the vault). */
function brokenCluster() {
  const events = PODS.map((name) => ({ ...event('FailedMount', D1_EVENT), involvedObject: { kind: 'Pod', name, namespace: 'defectdojo' } }));
  return fakeCluster(clusterState({ pods: PODS.map((name) => pod({ name })), events }));
}
const vault = fakeVault(vaultState({ properties: { ...vaultState().properties, accessPolicies: [] }, access: { [OBJECT_ID]: { objectId: OBJECT_ID, authModel: 'accessPolicy', roleAssignments: [] } } }));

interface Call {
  method: 'post' | 'update' | 'find';
  target?: string;
  ref?: string;
  notice: ProblemNotice;
}

function recordingSink(targets?: string[]): ProblemSink & { calls: Call[]; failNext?: string } {
  const sink: ProblemSink & { calls: Call[]; failNext?: string } = {
    calls: [],
    async post(notice, { target }) {
      if (sink.failNext !== undefined && sink.failNext === target) {
        sink.failNext = undefined;
        throw new Error(`${target} refused the post`);
      }
      sink.calls.push({ method: 'post', notice, ...(target === undefined ? {} : { target }) });
      return `${target ?? 'C'}|${sink.calls.length}`;
    },
    async update(ref, notice) {
      sink.calls.push({ method: 'update', ref, notice });
    },
    async find(notice, { target }) {
      sink.calls.push({ method: 'find', notice, ...(target === undefined ? {} : { target }) });
      return undefined;
    },
  };
  if (targets !== undefined) sink.targets = () => targets;
  return sink;
}

function startWatcher(sink: ProblemSink, options: { now?: () => number; fixedBy?: ConstructorParameters<typeof Watcher>[0]['fixedBy'] } = {}) {
  const store = createMemoryProblemStore();
  const cluster = brokenCluster();
  const watcher = new Watcher({
    clusters: ['cafehyna-dev'], clusterPort: () => cluster, vault, registry: registry(), store, sink, settleInMs: 1, recheckInMs: 0,
    ...(options.now === undefined ? {} : { clock: { now: options.now } }),
    ...(options.fixedBy === undefined ? {} : { fixedBy: options.fixedBy }),
  });
  const storm = async (podName: string, count = 1): Promise<void> => {
    for (let i = 0; i < count; i++) {
      const object: KubeEvent = { ...event('FailedMount', D1_EVENT), involvedObject: { kind: 'Pod', name: podName, namespace: 'defectdojo' } };
      watcher.onEvent('cafehyna-dev', { type: 'ADDED', object });
    }
    await watcher.idle();
  };
  return { watcher, store, storm };
}

describe('watcher: snooze and mute', () => {
  it('a muted cause posts nothing for a further storm and does not list new workloads; unmuted, the next check brings the message in step', async () => {
    const sink = recordingSink();
    const { watcher, store, storm } = startWatcher(sink);
    await storm('defectdojo-7c9d');
    expect(sink.calls.map((call) => call.method)).toEqual(['post']);
    const { causeKey, messageId } = sink.calls[0]!.notice;

    await store.setSilence({ causeKey, kind: 'mute', by: 'slack:U0RITA', at: Date.now(), messageId });
    await storm('worker-5f6a', 20);
    await storm('cron-8b9c', 20);
    // Two more workloads broken by the muted cause: no post, no update.
    expect(sink.calls.map((call) => call.method)).toEqual(['post']);
    expect(watcher.stats.silenced).toBeGreaterThan(0);
    expect((await store.listOpenProblems({ causeKey })).length).toBe(3);
    expect((await store.getOpenMessage(causeKey))?.held).toBe(true);

    expect(await store.clearSilence(causeKey)).toBe(true);
    await storm('worker-5f6a');
    const updates = sink.calls.filter((call) => call.method === 'update');
    expect(updates).toHaveLength(1);
    expect(updates[0]!.notice.workloads.map((w) => w.workload)).toEqual(['Pod/defectdojo-7c9d', 'Pod/worker-5f6a', 'Pod/cron-8b9c']);
    expect(updates[0]!.notice.silence).toBeUndefined();
    expect((await store.getOpenMessage(causeKey))?.held).toBeUndefined();
  });

  it('a snoozed cause with no message yet posts none until the snooze ends, then posts at the next check', async () => {
    let now = 1_767_225_600_000;
    const sink = recordingSink();
    const { store, storm } = startWatcher(sink, { now: () => now });
    // Snoozed before it is ever seen (a snooze outlives the message it was pressed on: the cause recurs quietly).
    const causeKey = await (async () => {
      const probe = recordingSink();
      const { storm: probeStorm } = startWatcher(probe);
      await probeStorm('defectdojo-7c9d');
      return probe.calls[0]!.notice.causeKey;
    })();
    await store.setSilence({ causeKey, kind: 'snooze', until: now + 3_600_000, by: 'slack:U0RITA', at: now });
    await storm('defectdojo-7c9d', 30);
    expect(sink.calls).toEqual([]);
    expect(isSilenced(await store.getSilence(causeKey), now)).toBe(true);

    now += 3_600_000;
    expect(isSilenced(await store.getSilence(causeKey), now)).toBe(false);
    await storm('defectdojo-7c9d');
    expect(sink.calls.map((call) => call.method)).toEqual(['post']);
    expect(sink.calls[0]!.notice.causeKey).toBe(causeKey);
  });
});

describe('watcher: several destinations', () => {
  it('posts to each destination once, a failed one alone again (looked up first), and resolves every one in place naming who fixed it', async () => {
    const sink = recordingSink(['C0ROUTED', 'C0APPROVERS']);
    sink.failNext = 'C0APPROVERS';
    const applied: AccessRequest = {
      id: 'req-abc', kind: 'grant', status: 'applied', version: 4, requester: 'slack:U0RITA', justification: 'after a diagnosis', target: { cluster: 'cafehyna-dev', tier: 'dev', app: 'defectdojo', namespace: 'defectdojo' },
      approvalRequired: true, createdAt: new Date().toISOString(), updatedAt: new Date().toISOString(), expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
      decision: { by: 'slack:U0ABEL', at: new Date().toISOString() },
    };
    const requests: AccessRequest[] = [];
    const { watcher, store, storm } = startWatcher(sink, { fixedBy: fixedByRequests(async (query) => requests.filter((request) => (query.status as string[]).includes(request.status) && request.target.cluster === query.cluster)) });
    await storm('defectdojo-7c9d');
    // The routed channel got it; the approvers channel refused.
    expect(sink.calls.map((call) => [call.method, call.target])).toEqual([['post', 'C0ROUTED']]);
    const message = (await store.listMessages({ state: 'open' }))[0]!;
    expect(message).toMatchObject({ target: 'C0ROUTED', post: { state: 'sent' }, copies: [{ target: 'C0APPROVERS', post: { state: 'failed' } }] });

    // The next check (of the same workload) retries the approvers channel alone, looking it up first (it may have gone through).
    await storm('defectdojo-7c9d');
    expect(sink.calls.filter((call) => call.method !== 'update').map((call) => [call.method, call.target])).toEqual([['post', 'C0ROUTED'], ['find', 'C0APPROVERS'], ['post', 'C0APPROVERS']]);
    await storm('cron-8b9c', 10);
    expect(sink.calls.filter((call) => call.method === 'post')).toHaveLength(2);

    // The grant is applied, then the pods mount: both messages say so, naming the requester and the approver.
    requests.push({ ...applied, appliedAt: new Date().toISOString() });
    for (const name of PODS) {
      const ready = pod({ name, phase: 'Running' });
      watcher.onPod('cafehyna-dev', { type: 'MODIFIED', object: pod({ name }) });
      watcher.onPod('cafehyna-dev', { type: 'MODIFIED', object: ready });
    }
    await watcher.idle();
    const resolved = sink.calls.filter((call) => call.method === 'update' && call.notice.state === 'resolved');
    expect(resolved.map((call) => call.ref!.split('|')[0])).toEqual(['C0ROUTED', 'C0APPROVERS']);
    expect(resolved[0]!.notice.resolvedBy).toEqual({ kind: 'request', requestId: 'req-abc', requestKind: 'grant', requester: 'slack:U0RITA', approver: 'slack:U0ABEL' });
  });

  it('fixedByRequests: a request applied outside the interval, on another cluster, or a revoke fixes nothing', async () => {
    const base = { kind: 'grant', status: 'applied', version: 1, requester: 'slack:U0RITA', justification: 'x', approvalRequired: false, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', expiresAt: '2026-01-02T00:00:00.000Z', decision: { by: 'policy', at: '2026-01-01T00:00:00.000Z' } } as const;
    const at = (iso: string) => Date.parse(iso);
    const list = async () => [
      { ...base, id: 'req-before', target: { cluster: 'dev', tier: 'dev' as const }, appliedAt: '2026-01-01T00:00:00.000Z' },
      { ...base, id: 'req-other', target: { cluster: 'prd', tier: 'prd' as const }, appliedAt: '2026-01-01T01:00:00.000Z' },
      { ...base, id: 'req-revoke', kind: 'revoke' as const, target: { cluster: 'dev', tier: 'dev' as const }, appliedAt: '2026-01-01T01:00:00.000Z' },
      { ...base, id: 'req-self', target: { cluster: 'dev', tier: 'dev' as const, namespace: 'web' }, appliedAt: '2026-01-01T01:00:00.000Z' },
    ];
    const fixedBy = fixedByRequests(list);
    const query = { cluster: 'dev', namespace: 'web', finding: { id: 'D2' } as never, from: at('2026-01-01T00:30:00.000Z'), to: at('2026-01-01T02:00:00.000Z') };
    // Approved by the policy (no second person): the requester alone.
    expect(await fixedBy(query)).toEqual({ kind: 'request', requestId: 'req-self', requestKind: 'grant', requester: 'slack:U0RITA' });
    expect(await fixedBy({ ...query, to: at('2026-01-01T00:45:00.000Z') })).toEqual({ kind: 'outside' });
    // Recorded as applied a moment after the pods mounted (the change lands before its record): still the fix.
    expect(await fixedBy({ ...query, to: at('2026-01-01T00:59:50.000Z') })).toMatchObject({ kind: 'request', requestId: 'req-self' });
  });
});
