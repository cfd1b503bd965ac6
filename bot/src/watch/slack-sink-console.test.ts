/**
 * The watcher's Slack sink through the real console server over HTTP, its rate limits on (chat.postMessage: a bucket
 * of 3 per channel, one more a second): the WebClient as main-watch builds it (rejectRateLimitedCalls, so the pacer
 * does the waiting). The pacer at Slack's pace meets no 429; a pacer that sends too fast meets them and loses nothing;
 * a message is found again by its metadata.
 */
import { startConsoleServer, type ConsoleServer } from '@kvcsi/console';
import { ChannelPacer, finding, parseRegistryConfig, type ProblemNotice } from '@kvcsi/core';
import { webApi } from '@slack/bolt';
import { createSlackProblemSink, slackRetryAfterInMs } from './slack-sink.js';

const TOKEN = 'xoxb-test';
// Two alert channels made in the console (ids as the registry wants them: C and at least 8 capitals or digits).
const PRD = 'C0WATCHPRD1';
const DEV = 'C0WATCHBILL1';
const RITA = 'U0SBXREQ01';

const registry = parseRegistryConfig(JSON.stringify({
  tenantId: '11111111-1111-4111-8111-111111111111',
  clusters: [{ name: 'cafehyna-prd', tier: 'prd', keyVault: { name: 'kv-cafehyna-prd' }, identity: { clientId: '22222222-2222-4222-8222-222222222222' }, watch: { channel: PRD, routes: [{ namespace: 'billing', channel: DEV }] } }],
}), 'test.yaml');

const D2 = finding({
  id: 'D2', severity: 'error', title: 'The kubelet identity has no data-plane role on kv-cafehyna-prd',
  summary: 'the app cannot read its secret.', cause: '403 ForbiddenByRbac', evidence: ['MountVolume.SetUp failed … ForbiddenByRbac'],
  fix: { commands: ['az role assignment create --role "Key Vault Secrets User" …'] },
});
const notice = (n: number, namespace: string): ProblemNotice => ({
  messageId: `D2|${namespace}|app-${n}@1`, causeKey: `D2|${namespace}|app-${n}`, state: 'open', finding: D2, cluster: 'cafehyna-prd', namespace,
  workloads: [{ cluster: 'cafehyna-prd', namespace, workload: `Deployment/app-${n}`, since: 1_767_225_600_000 }], openedAt: 1_767_225_600_000,
});

let console_: ConsoleServer;
beforeAll(async () => {
  console_ = await startConsoleServer({ port: 0, botUrl: 'http://127.0.0.1:9', signingSecret: 'unused', botToken: TOKEN, rateLimit: {} });
  console_.workspace.addChannel({ id: PRD, name: 'alerts-prd' });
  console_.workspace.addChannel({ id: DEV, name: 'alerts-billing' });
});
afterAll(async () => {
  await console_.close();
});

const client = (): webApi.WebClient => new webApi.WebClient(TOKEN, { slackApiUrl: console_.apiUrl, rejectRateLimitedCalls: true, retryConfig: { retries: 2 }, logLevel: webApi.LogLevel.ERROR });
const posted = (channel: string, prefix: string): string[] => console_.workspace.visibleTo(RITA).filter((m) => m.channel === channel && m.text.includes(prefix)).map((m) => m.text);

describe('the Slack problem sink through the console', () => {
  it("at Slack's pace (one call a second per channel) posts and updates every message without a 429", async () => {
    const sink = createSlackProblemSink({ client: client(), registry });
    const refs = await Promise.all([1, 2, 3, 4, 5].map((n) => sink.post(notice(n, 'external-dns'), {})));
    await sink.update(refs[0]!, { ...notice(1, 'external-dns'), state: 'resolved', workloads: [], resolvedAt: 1_767_225_600_000 + 65_000 }, {});
    expect(new Set(refs).size).toBe(5);
    expect(posted(PRD, 'Deployment/app-').length + posted(PRD, 'Resolved after 1m 5s').length).toBe(5);
    expect(posted(PRD, 'Resolved after 1m 5s')).toHaveLength(1);
    expect(console_.rateLimits!.refusedIn(PRD)).toBe(0);
    expect(sink.pacer.queuedInMs).toHaveLength(6);

    // Another replica, after a failover, finds a message by its metadata (conversations.history) instead of reposting.
    const other = createSlackProblemSink({ client: client(), registry });
    expect(await other.find!(notice(2, 'external-dns'), {})).toBe(refs[1]);
    expect(await other.find!(notice(9, 'external-dns'), {})).toBeUndefined();
  });

  it('with a pacer that does not wait between calls, meets 429s, waits their Retry-After and still posts each message once', async () => {
    const pacer = new ChannelPacer({ intervalInMs: 0, retryAfterInMsOf: slackRetryAfterInMs });
    const sink = createSlackProblemSink({ client: client(), registry, pacer });
    const refs = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => sink.post(notice(n, 'billing'), {})));
    expect(new Set(refs).size).toBe(6);
    const texts = posted(DEV, 'Deployment/app-');
    expect(texts).toHaveLength(6);
    for (const n of [1, 2, 3, 4, 5, 6]) expect(texts.filter((text) => text.endsWith(`billing/Deployment/app-${n}`))).toHaveLength(1);
    expect(console_.rateLimits!.refusedIn(DEV, 'chat.postMessage')).toBeGreaterThanOrEqual(3);
    expect(console_.rateLimits!.refusedIn(PRD)).toBe(0);
  });
});
