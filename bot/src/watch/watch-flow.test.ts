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
function registryWithWatch() {
  const config = parse(readFileSync(EXAMPLE_CONFIG_PATH, 'utf8')) as { clusters: Json[] };
  const prd = config.clusters.find((cluster) => cluster.name === 'cafehyna-prd')!;
  prd.watch = { channel: WATCH_CHANNEL, namespaces: ['defectdojo'] };
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
});
