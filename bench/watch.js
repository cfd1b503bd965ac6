'use strict';
// The watcher under a storm: 5 clusters × 1,000 pods (10 workloads of 100 replicas each), 10,000 FailedMount events
// for the 50 workloads, sent through each cluster's watch in one burst. Reports the messages posted (target ≤ 50),
// the lag from a workload's first event to the watcher's decision (p95 target ≤ 5 s after the settling time), the time
// messages queued behind Slack's rate limits (reported apart), the 429s met, and peak memory.
//
// The cluster side is in-process (watches and reads answered from memory with 2 ms of latency per call) so the bench
// measures the watcher; the event texts are the sandbox's own (its kubelet and driver simulation), read once. The
// Slack side is real: the bot's sink (bot/dist/watch/slack-sink.js, its ChannelPacer) posts with @slack/web-api's
// WebClient over HTTP to the console server (console/dist), which enforces Slack's rate limits
// (KVCSI_CONSOLE_RATE_LIMIT, on by default) and counts the 429s it answers. Each cluster routes to its own channel.
const { createSandbox } = require('../packages/sandbox/dist/index.js');
const core = require('../packages/core/dist/index.js');
const { startConsoleServer } = require('../console/dist/index.js');
const { createSlackProblemSink } = require('../bot/dist/watch/slack-sink.js');
const { LogLevel, WebClient, WebClientEvent } = require('@slack/web-api');
const { setInterval, clearInterval, setTimeout } = require('node:timers');
const { percentile, median } = require('./stats.js');

const CLUSTERS = 5;
const WORKLOADS_PER_CLUSTER = 10;
const REPLICAS = 100;
const EVENTS = 10_000;
const SETTLE_IN_MS = 2_000;
const CALL_LATENCY_IN_MS = 2;
const BOT_TOKEN = 'xoxb-bench-watch';
/** The console channel each cluster's watcher messages go to. */
const channelOf = (i) => `C0BENCHW${String(i).padStart(3, '0')}`;

/** FailedMount texts as the sandbox's kubelet writes them: a 403 from the RBAC vault (D2) and a missing SPC (A3). */
function sandboxTexts() {
  const sandbox = createSandbox({ scenario: 'default', autoSave: false });
  const text = (cluster, namespace) => sandbox.state.kubernetes[cluster].list('events', { namespace }).items.find((e) => e.reason === 'FailedMount').message;
  return { forbidden: text('cafehyna-prd', 'defectdojo'), spcMissing: text('cafehyna-hub', 'monitoring') };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function fakeCluster(name, texts) {
  const pods = new Map();
  const events = new Map();
  let eventListener;
  for (let w = 0; w < WORKLOADS_PER_CLUSTER; w++) {
    const app = `app-${w}`;
    const namespace = `ns-${w}`;
    for (let r = 0; r < REPLICAS; r++) {
      const podName = `${app}-7d9f8c6b5d-${String(r).padStart(5, '0')}`;
      pods.set(`${namespace}/${podName}`, {
        metadata: { name: podName, namespace, uid: `${name}-${w}-${r}`, labels: { 'app.kubernetes.io/name': app, 'pod-template-hash': '7d9f8c6b5d' }, ownerReferences: [{ kind: 'ReplicaSet', name: `${app}-7d9f8c6b5d`, controller: true }] },
        spec: { nodeName: 'node-1', containers: [{ name: app, volumeMounts: [{ name: 'secrets-store', mountPath: '/mnt/secrets' }] }], volumes: [{ name: 'secrets-store', csi: { driver: 'secrets-store.csi.k8s.io', readOnly: true, volumeAttributes: { secretProviderClass: `${app}-spc` } } }] },
        status: { phase: 'Pending', containerStatuses: [{ name: app, ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }] },
      });
    }
  }
  const textFor = (namespace) => (Number(namespace.slice(3)) % 2 === 0 ? texts.forbidden : texts.spcMissing);
  const slow = async (value) => {
    await sleep(CALL_LATENCY_IN_MS);
    return value;
  };
  const port = {
    getPod: ({ namespace, name: pod }) => slow(pods.get(`${namespace}/${pod}`)),
    listPods: () => slow([...pods.values()]),
    listPodEvents: ({ namespace, podName }) => slow(events.get(`${namespace}/${podName}`) ?? []),
    getSecretProviderClass: () => slow(undefined),
    listSecretProviderClasses: () => slow([]),
    listSecretProviderClassPodStatuses: () => slow([]),
    getCsiDriver: () => slow(undefined),
    listDriverPods: () => slow([]),
    listProviderPods: () => slow([]),
    listNodes: () => slow([]),
    readContainerLog: () => slow(''),
    getSecretMetadata: () => slow(undefined),
    async watchPods({ signal, onChange }) {
      for (const pod of pods.values()) onChange({ type: 'ADDED', object: pod });
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    },
    async watchEvents({ signal, onChange }) {
      eventListener = onChange;
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    },
  };
  /** One FailedMount for a pod: the event is stored (what a diagnosis lists) and sent on the watch. */
  const emit = (index) => {
    const w = index % WORKLOADS_PER_CLUSTER;
    const r = Math.floor(index / WORKLOADS_PER_CLUSTER) % REPLICAS;
    const namespace = `ns-${w}`;
    const podName = `app-${w}-7d9f8c6b5d-${String(r).padStart(5, '0')}`;
    const now = new Date().toISOString();
    const event = { metadata: { name: `${podName}.${index}`, namespace, creationTimestamp: now }, involvedObject: { kind: 'Pod', name: podName, namespace, uid: pods.get(`${namespace}/${podName}`).metadata.uid }, reason: 'FailedMount', type: 'Warning', message: textFor(namespace), count: 1, firstTimestamp: now, lastTimestamp: now, source: { component: 'kubelet' } };
    const list = events.get(`${namespace}/${podName}`) ?? [];
    list.push(event);
    if (list.length > 5) list.shift();
    events.set(`${namespace}/${podName}`, list);
    eventListener?.({ type: 'ADDED', object: event });
  };
  return { name, port, emit, ready: () => eventListener !== undefined };
}

/** Peak RSS and heap, sampled every 50 ms. */
function memoryPeaks() {
  const peak = { rss: 0, heapUsed: 0 };
  const sample = () => {
    const { rss, heapUsed } = process.memoryUsage();
    peak.rss = Math.max(peak.rss, rss);
    peak.heapUsed = Math.max(peak.heapUsed, heapUsed);
  };
  sample();
  const timer = setInterval(sample, 50);
  return { peak, stop: () => { sample(); clearInterval(timer); } };
}

function registryOf(clusters) {
  return core.parseRegistryConfig(JSON.stringify({
    tenantId: '11111111-1111-4111-8111-111111111111',
    clusters: clusters.map((cluster, i) => ({ name: cluster.name, tier: 'dev', keyVault: { name: `kv-bench-${i}` }, identity: { clientId: '22222222-2222-4222-8222-222222222222' }, watch: { channel: channelOf(i) } })),
  }), 'bench-watch.yaml');
}

async function main() {
  const texts = sandboxTexts();
  const clusters = Array.from({ length: CLUSTERS }, (_, i) => fakeCluster(`cluster-${i}`, texts));
  const slack = await startConsoleServer({ port: 0, botUrl: 'http://127.0.0.1:9', signingSecret: 'unused', botToken: BOT_TOKEN });
  clusters.forEach((cluster, i) => slack.workspace.addChannel({ id: channelOf(i), name: `watch-${cluster.name}` }));
  const client = new WebClient(BOT_TOKEN, { slackApiUrl: slack.apiUrl, rejectRateLimitedCalls: true, retryConfig: { retries: 2 }, logLevel: LogLevel.ERROR });
  let rateLimitedSeen = 0;
  client.on(WebClientEvent.RATE_LIMITED, () => rateLimitedSeen++);
  const sink = createSlackProblemSink({ client, registry: registryOf(clusters) });
  const { pacer } = sink;
  const messagesIn = () => clusters.reduce((sum, _, i) => sum + slack.workspace.visibleTo('U0SBXREQ01').filter((m) => m.channel === channelOf(i)).length, 0);
  const watcher = new core.Watcher({
    clusters: clusters.map((c) => c.name),
    clusterPort: (name) => clusters.find((c) => c.name === name).port,
    store: core.createMemoryProblemStore(),
    sink,
    settleInMs: SETTLE_IN_MS,
    concurrency: 8,
  });
  const controller = new globalThis.AbortController();
  const running = watcher.run(controller.signal);
  while (!clusters.every((c) => c.ready())) await sleep(5);
  global.gc?.();
  const heapBeforeInMb = process.memoryUsage().heapUsed / 1e6;
  const memory = memoryPeaks();
  const started = Date.now();
  // The storm: 10,000 events round robin over the clusters, in bursts of 500 every 50 ms (~10,000 events/s).
  for (let i = 0; i < EVENTS; i++) {
    clusters[i % CLUSTERS].emit(Math.floor(i / CLUSTERS));
    if (i % 500 === 499) await sleep(50);
  }
  const stormInMs = Date.now() - started;
  await sleep(SETTLE_IN_MS + 50);
  await watcher.idle();
  const decidedInMs = Date.now() - started;
  // idle() waits for every message to be in step; this only guards against a sink call still on its way.
  while (pacer.queuedInMs.length < watcher.stats.messagesPosted + watcher.stats.messagesUpdated) await sleep(20);
  const inStepInMs = Date.now() - started;
  memory.stop();
  const heapAfterInMb = process.memoryUsage().heapUsed / 1e6;
  controller.abort();
  await running;
  const posted = messagesIn();
  const updated = watcher.stats.messagesUpdated;
  const refused = slack.rateLimits?.snapshot();
  await slack.close();

  const lags = watcher.stats.decisionLagsInMs;
  const afterSettle = lags.map((lag) => Math.max(0, lag - SETTLE_IN_MS));
  console.log(`storm: ${EVENTS} FailedMount events for ${CLUSTERS * WORKLOADS_PER_CLUSTER} workloads (${CLUSTERS} clusters × ${CLUSTERS > 0 ? WORKLOADS_PER_CLUSTER * REPLICAS : 0} pods) sent in ${stormInMs} ms`);
  const queued = pacer.queuedInMs;
  const queuedTotalInMs = queued.reduce((sum, ms) => sum + ms, 0);
  const summary = {
    bench: 'watch',
    events: EVENTS, clusters: CLUSTERS, pods: CLUSTERS * WORKLOADS_PER_CLUSTER * REPLICAS, workloads: CLUSTERS * WORKLOADS_PER_CLUSTER,
    messagesPosted: posted, messagesUpdated: updated, problemsOpened: watcher.stats.problemsOpened, diagnoses: watcher.stats.diagnoses,
    decisionLagAfterSettleInMs: { p50: median(afterSettle), p95: percentile(afterSettle, 95), max: Math.max(...afterSettle) },
    queuedBehindRateLimitsInMs: { calls: queued.length, total: queuedTotalInMs, p50: median(queued), p95: percentile(queued, 95), max: Math.max(...queued) },
    rateLimit: refused ? `${refused.settings.postsPerSecond}/s per channel, bursts of ${refused.settings.postBurst}; chat.update ${refused.settings.updatesPerMinute}/min` : 'off',
    http429: { answeredByConsole: refused?.total ?? 0, seenByWebClient: rateLimitedSeen, byChannel: refused?.refused ?? {} },
    decidedInMs, inStepInMs,
    memoryInMb: { peakRss: Math.round(memory.peak.rss / 1e5) / 10, peakHeap: Math.round(memory.peak.heapUsed / 1e5) / 10, heapBefore: Math.round(heapBeforeInMb * 10) / 10, heapAfter: Math.round(heapAfterInMb * 10) / 10 },
  };
  console.log(`messages posted: ${posted} (target ≤ ${CLUSTERS * WORKLOADS_PER_CLUSTER}), updated: ${updated}; problems opened: ${watcher.stats.problemsOpened}; diagnoses: ${watcher.stats.diagnoses}; triggers coalesced: ${watcher.stats.coalesced}`);
  console.log(`decision lag after the ${SETTLE_IN_MS} ms settling time: median ${median(afterSettle).toFixed(0)} ms, p95 ${percentile(afterSettle, 95).toFixed(0)} ms (target ≤ 5000), max ${Math.max(...afterSettle).toFixed(0)} ms; decisions done ${decidedInMs} ms, every message in step ${inStepInMs} ms after the first event`);
  console.log(`queued behind Slack's rate limits (console: ${summary.rateLimit}), ${queued.length} calls: total ${queuedTotalInMs.toFixed(0)} ms, median ${median(queued).toFixed(0)} ms, p95 ${percentile(queued, 95).toFixed(0)} ms, max ${Math.max(...queued).toFixed(0)} ms`);
  console.log(`429s: ${summary.http429.answeredByConsole} answered by the console, ${rateLimitedSeen} seen by the WebClient`);
  console.log(`memory: peak RSS ${summary.memoryInMb.peakRss} MB, peak heap ${summary.memoryInMb.peakHeap} MB; heap ${heapBeforeInMb.toFixed(1)} MB before the storm, ${heapAfterInMb.toFixed(1)} MB after (${summary.pods} pods cached, the console in the same process)`);
  console.log(`summary: ${JSON.stringify(summary)}`);
  // Every message the watcher posted reached the console once: none lost to a 429, none doubled by a retry.
  const ok = posted <= CLUSTERS * WORKLOADS_PER_CLUSTER && posted === watcher.stats.messagesPosted && percentile(afterSettle, 95) <= 5000;
  if (!ok) process.exitCode = 1;
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
