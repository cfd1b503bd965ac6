import { KvcsiError } from '../errors.js';
import { collectAppFacts, collectFacts } from './collector.js';
import { valueOf } from './facts.js';
import { withDeadline } from '../deadline.js';
import { createLimiter } from './gather.js';
import { OBJECT_ID, VAULT, clusterState, event, fakeCluster, fakeVault, pod, registry, runningPod, vaultState, type CallLog } from './fakes.test.fixtures.js';

const target = { kind: 'pod' as const, cluster: 'cafehyna-dev', namespace: 'defectdojo', name: 'defectdojo-7c9d' };
const newLog = (): CallLog => ({ calls: [], maxInFlight: 0 });

describe('collectFacts', () => {
  it('gathers pod, events, SPC, SPCPS, CSIDriver, node pods, logs, vault, identity and access within 15 calls', async () => {
    const log = newLog();
    const state = clusterState({
      events: [event('FailedMount', 'first'), event('FailedMount', 'second')],
      logs: { 'csi-secrets-store-provider-azure-xyz': 'E1 other-pod failed\nE2 "failed to process mount request" err="failed to get objectType:secret, objectName:db-password, objectVersion:: x"' },
    });
    const { facts, unknowns, calls } = await collectFacts(target, { cluster: fakeCluster(state, {}, log), vault: fakeVault(vaultState(), {}, log), registry: registry() });
    expect(unknowns).toEqual([]);
    expect(valueOf(facts.pod)?.metadata.name).toBe('defectdojo-7c9d');
    expect(valueOf(facts.events)).toHaveLength(2);
    expect(valueOf(facts.volumes[0]!.spc)?.metadata.name).toBe('defectdojo-spc');
    expect(valueOf(facts.csiDriver)?.metadata.name).toBe('secrets-store.csi.k8s.io');
    expect(valueOf(facts.providerPods)).toHaveLength(1);
    const providerLog = valueOf(facts.logs)?.find((entry) => entry.component === 'provider');
    expect(providerLog?.text).toContain('objectName:db-password');
    expect(providerLog?.text).not.toContain('other-pod');
    expect(valueOf(facts.identities[0]!.resolved)?.objectId).toBe(OBJECT_ID);
    const vault = facts.vaults[VAULT.toLowerCase()]!;
    expect(valueOf(vault.properties)?.authModel).toBe('accessPolicy');
    expect(valueOf(vault.secrets)?.map((secret) => secret.name)).toEqual(['db-password', 'api-key']);
    expect(valueOf(vault.access[OBJECT_ID])?.accessPolicy?.secrets).toEqual(['get', 'list']);
    expect(calls).toBe(log.calls.length);
    expect(calls).toBeLessThanOrEqual(15);
  });

  it('starts what does not depend on the pod before the pod answers', async () => {
    const log = newLog();
    await collectFacts(target, { cluster: fakeCluster(clusterState(), { delayInMs: 2 }, log), vault: fakeVault(vaultState(), { delayInMs: 2 }, log), registry: registry() });
    const firstWave = log.calls.slice(0, log.calls.indexOf('getSecretProviderClass'));
    expect(firstWave).toEqual(expect.arrayContaining(['getPod', 'listPodEvents', 'listSecretProviderClassPodStatuses', 'getCsiDriver', 'getVaultProperties', 'listSecretProperties', 'resolveIdentity']));
  });

  it('turns a failing source into an unknown fact with its reason, and keeps the rest', async () => {
    const forbidden = new KvcsiError('FORBIDDEN', 'events is forbidden: User "kvcsi" cannot list resource "events"');
    const { facts, unknowns } = await collectFacts(target, { cluster: fakeCluster(clusterState(), { fail: { listPodEvents: forbidden, readContainerLog: new Error('socket hang up') } }), vault: fakeVault(vaultState()), registry: registry() });
    expect(facts.events).toEqual({ status: 'unknown', reason: expect.stringContaining('FORBIDDEN: events is forbidden'), code: 'FORBIDDEN' });
    expect(facts.logs.status).toBe('unknown');
    expect(valueOf(facts.pod)).not.toBeNull();
    expect(unknowns.map((u) => u.source)).toEqual(expect.arrayContaining(['events of pod defectdojo/defectdojo-7c9d']));
  });

  it('gives up on a source that never answers after its timeout', async () => {
    const { facts, unknowns } = await collectFacts(target, {
      cluster: fakeCluster(clusterState(), { hang: ['listPodEvents'] }),
      vault: fakeVault(vaultState(), { hang: ['checkAccess'] }),
      registry: registry(),
      timeoutsInMs: 20,
    });
    expect(facts.events).toMatchObject({ status: 'unknown', code: 'TIMEOUT' });
    expect(unknowns.find((u) => u.source.startsWith('access of'))?.code).toBe('TIMEOUT');
  });

  it('keeps at most `concurrency` calls in flight', async () => {
    const log = newLog();
    await collectFacts(target, { cluster: fakeCluster(clusterState(), { delayInMs: 1 }, log), vault: fakeVault(vaultState(), { delayInMs: 1 }, log), registry: registry(), concurrency: 2 });
    expect(log.maxInFlight).toBeLessThanOrEqual(2);
    expect(log.calls.length).toBeGreaterThan(8);
  });

  it('reports a missing pod as a known null, not an error', async () => {
    const { facts } = await collectFacts({ ...target, name: 'nope' }, { cluster: fakeCluster(clusterState()), registry: registry() });
    expect(facts.pod).toEqual({ status: 'known', value: null });
  });

  it('without a vault port, vault facts are unknown with the reason', async () => {
    const { facts } = await collectFacts(target, { cluster: fakeCluster(clusterState()), registry: registry() });
    expect(facts.vaults[VAULT.toLowerCase()]?.properties).toEqual({ status: 'unknown', reason: 'no Azure access configured' });
  });

  it('rejects with ABORTED when the caller aborts', async () => {
    const controller = new AbortController();
    const promise = collectFacts(target, { cluster: fakeCluster(clusterState(), { hang: ['listPodEvents'] }), registry: registry(), signal: controller.signal });
    controller.abort();
    await expect(promise).rejects.toMatchObject({ code: 'ABORTED' });
  });
});

describe('collectAppFacts', () => {
  it('collects every CSI pod of the app and marks SPCs no pod mounts', async () => {
    const other = pod({ name: 'defectdojo-worker', noCsi: true });
    const state = clusterState({ pods: [runningPod(), other] });
    const { facts } = await collectAppFacts({ kind: 'app', cluster: 'cafehyna-dev', app: 'defectdojo' }, { cluster: fakeCluster(state), vault: fakeVault(vaultState()), registry: registry() });
    expect(facts.pods.map((p) => p.target.name)).toEqual(['defectdojo-7c9d']);
    expect(valueOf(facts.secretProviderClasses)?.map((entry) => entry.mountedBy)).toEqual([['defectdojo-7c9d']]);
  });
});

describe('gather helpers', () => {
  it('withDeadline passes an AbortSignal that fires on timeout', async () => {
    let seen: AbortSignal | undefined;
    await expect(withDeadline((signal) => { seen = signal; return new Promise(() => undefined); }, { timeoutInMs: 5, what: 'x' })).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(seen?.aborted).toBe(true);
  });

  it('createLimiter runs tasks in order of arrival within the limit', async () => {
    const limit = createLimiter(1);
    const order: number[] = [];
    await Promise.all([1, 2, 3].map((n) => limit(async () => { order.push(n); await Promise.resolve(); })));
    expect(order).toEqual([1, 2, 3]);
  });
});
