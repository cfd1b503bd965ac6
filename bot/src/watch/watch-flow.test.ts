/**
 * The watcher in the bot's world, end to end: the sandbox's broken defectdojo (the kubelet identity has no role on the
 * prd vault) → one message in the routed channel with the Grant button → the requester clicks it → request card →
 * a second person approves → the role is applied, the pod mounts → the same message says "Resolved after …".
 */
import { readFileSync } from 'node:fs';
import { createMemoryProblemStore, EXAMPLE_CONFIG_PATH, parseRegistryConfig } from '@kvcsi/core';
import { createRuntime, type Runtime } from '@kvcsi/runtime';
import { webApi } from '@slack/bolt';
import { parse } from 'yaml';
import { SANDBOX_SLACK_USERS } from '../config.js';
import { ACTION_IDS } from '../presenters/diagnosis.js';
import type { RecordedCall } from '../testing/fake-slack.js';
import { startBotHarness, type BotHarness } from '../testing/harness.js';
import { startMainWatch } from './main-watch.js';
import { startBotWatch, type BotWatch } from './run.js';
import { createSlackProblemSink } from './slack-sink.js';

const { requester, approver } = SANDBOX_SLACK_USERS;
const APPROVALS = 'C0SBXAPPROVALS';
const WATCH_CHANNEL = 'C0SBXWATCH1';

let harness: BotHarness;
let runtime: Runtime;
let watch: BotWatch | undefined;

beforeAll(async () => {
  harness = await startBotHarness();
}, 60_000);
afterAll(async () => {
  await watch?.stop();
  await runtime?.close();
  await harness?.close();
});

type Json = Record<string, unknown>;
const buttonsOf = (call: RecordedCall): { action_id: string; value: string }[] =>
  ((call.args.blocks as Json[] | undefined) ?? []).filter((block) => block.type === 'actions').flatMap((block) => block.elements as { action_id: string; value: string }[]);

/** The example registry with a watch channel for cafehyna-prd's defectdojo namespace. */
function registryWithWatch(namespace = 'defectdojo', channel = WATCH_CHANNEL, options: { noInCluster?: boolean } = {}) {
  const config = parse(readFileSync(EXAMPLE_CONFIG_PATH, 'utf8')) as { clusters: Json[] };
  if (options.noInCluster) for (const cluster of config.clusters) delete cluster.inCluster;
  const prd = config.clusters.find((cluster) => cluster.name === 'cafehyna-prd')!;
  prd.watch = { channel, namespaces: [namespace] };
  return parseRegistryConfig(JSON.stringify(config), 'kvcsi.yaml');
}

describe('watch → Slack → grant → approval → resolved in place', () => {
  it('posts one message with the root cause and the Grant button; the approved grant resolves it in place', async () => {
    const registry = registryWithWatch();
    const sandbox = harness.backend.sandbox!;
    // The same sandbox the bot's service uses, through the real adapters (as wiring.ts builds them).
    runtime = createRuntime({ registry, credential: sandbox.credential, kubeconfig: sandbox.kubeconfig });
    const client = new webApi.WebClient('xoxb-test', { rejectRateLimitedCalls: true, retryConfig: { retries: 0 }, fetch: (input, init) => globalThis.fetch(input, init) });
    watch = startBotWatch({
      registry, clusterPort: (name) => runtime.clusterPort(name), vault: runtime.vault, problems: createMemoryProblemStore(),
      sink: createSlackProblemSink({ client, registry }), settleInMs: 100,
    });

    const posted = await harness.fake.waitFor((call) => call.method === 'chat.postMessage' && call.args.channel === WATCH_CHANNEL, 15_000);
    expect(String(posted.args.text)).toMatch(/^D2: /);
    const grant = buttonsOf(posted).find((button) => button.action_id === ACTION_IDS.grantAccess)!;
    expect(JSON.parse(grant.value)).toEqual({ cluster: 'cafehyna-prd', namespace: 'defectdojo' });

    // The Grant button goes through the same request and approval flow as /kvcsi grant.
    const click = await harness.click({ actionId: ACTION_IDS.grantAccess, value: grant.value, userId: requester, channelId: WATCH_CHANNEL, messageTs: String(posted.response!.ts) });
    expect(click.status).toBe(200);
    const card = await harness.fake.waitFor((call) => call.method === 'chat.postMessage' && call.args.channel === APPROVALS);
    const requestId = buttonsOf(card)[0]!.value;
    await harness.click({ actionId: ACTION_IDS.approve, value: requestId, userId: approver, channelId: APPROVALS, messageTs: String(card.response!.ts) });

    const resolved = await harness.fake.waitFor((call) => call.method === 'chat.update' && call.args.channel === WATCH_CHANNEL && String(call.args.text).startsWith('Resolved after'), 15_000);
    expect(resolved.args.ts).toBe(posted.response!.ts);
    expect(String(resolved.args.text)).toMatch(/^Resolved after \d+s: D2 /);
    // One message in the watch channel, ever.
    expect(harness.fake.of('chat.postMessage').filter((call) => call.args.channel === WATCH_CHANNEL)).toHaveLength(1);
    expect(harness.fake.problems).toEqual([]);
  }, 40_000);

  it('main.ts\'s startMainWatch: with the service on this thread it watches its sandbox and posts to the routed channel', async () => {
    const lines: string[] = [];
    const started = startMainWatch({
      registry: registryWithWatch('billing', 'C0SBXBILLING'), botToken: 'xoxb-test', replicas: 1, replicaId: 'bot-1',
      sandbox: { inProcess: harness.backend.sandbox! }, inCluster: false, env: {}, log: (level, message) => lines.push(`${level} ${message}`),
    });
    expect(started).toBeDefined();
    try {
      const posted = await harness.fake.waitFor((call) => call.method === 'chat.postMessage' && call.args.channel === 'C0SBXBILLING', 15_000);
      // billing-api: the vault firewall does not admit the cluster's egress address.
      expect(String(posted.args.text)).toMatch(/^D3: .*billing\/Deployment\/billing-api/);
      expect(lines).toContain('info watch: started for cafehyna-prd');
    } finally {
      await started?.stop();
    }
  }, 30_000);

  it('main.ts\'s startMainWatch says why it does not start (in-worker sandbox; several replicas without an inCluster cluster) and elects on the inCluster one', async () => {
    const lines: string[] = [];
    const log = (level: 'info' | 'warn', message: string) => lines.push(`${level} ${message}`);
    expect(startMainWatch({ registry: registryWithWatch(), botToken: 'x', replicas: 1, replicaId: 'r', sandbox: {}, inCluster: false, env: {}, log })).toBeUndefined();
    expect(lines.pop()).toMatch(/^warn watch: not started — in sandbox mode the watcher needs KVCSI_SANDBOX_URL/);
    const noHub = registryWithWatch('defectdojo', WATCH_CHANNEL, { noInCluster: true });
    expect(startMainWatch({ registry: noHub, botToken: 'x', replicas: 2, replicaId: 'r', sandbox: { inProcess: harness.backend.sandbox! }, inCluster: false, env: {}, log })).toBeUndefined();
    expect(lines.pop()).toMatch(/leader election needs the registry cluster kvcsi runs in \(inCluster: true\)/);
    // The example registry marks cafehyna-hub inCluster: the Lease goes there.
    const elected = startMainWatch({ registry: registryWithWatch(), botToken: 'x', replicas: 2, replicaId: 'r', sandbox: { inProcess: harness.backend.sandbox! }, inCluster: false, env: {}, log });
    await elected?.stop();
    expect(lines.pop()).toBe('info watch: started for cafehyna-prd (leader election on Lease kvcsi/kvcsi-watch)');
  });
});

