/** The watcher's Slack sink through the real WebClient against the fake Slack (limit-checked), with a 429 on the way. */
import { finding, parseRegistryConfig, type ProblemNotice } from '@kvcsi/core';
import { webApi } from '@slack/bolt';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { ACTION_IDS } from '../presenters/diagnosis.js';
import { FakeSlack } from '../testing/fake-slack.js';
import { problemMessage, WATCH_ACTION_IDS } from './presenter.js';
import { createSlackProblemSink } from './slack-sink.js';

const fake = new FakeSlack();
const server = setupServer(...fake.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const registry = parseRegistryConfig(JSON.stringify({
  tenantId: '11111111-1111-4111-8111-111111111111',
  clusters: [{ name: 'cafehyna-prd', tier: 'prd', keyVault: { name: 'kv-cafehyna-prd' }, identity: { clientId: '22222222-2222-4222-8222-222222222222' }, watch: { channel: 'C0PLATFORM1', routes: [{ namespace: 'billing', channel: 'C0BILLING01' }] } }],
}), 'test.yaml');

// fetch resolved per call, so msw's patched fetch is the one used (as app.ts does).
const client = new webApi.WebClient('xoxb-test', { slackApiUrl: 'https://slack.com/api/', rejectRateLimitedCalls: true, retryConfig: { retries: 0 }, fetch: (input, init) => globalThis.fetch(input, init) });

const D2 = finding({
  id: 'D2', severity: 'error', title: 'The kubelet identity has no data-plane role on kv-cafehyna-prd',
  summary: 'external-dns cannot read cloudflare-api-token.', cause: '403 ForbiddenByRbac', evidence: ['MountVolume.SetUp failed … ForbiddenByRbac'],
  fix: { commands: ['az role assignment create --role "Key Vault Secrets User" …'] }, action: { kind: 'grant', params: { vault: 'kv-cafehyna-prd', objectId: 'x', objectType: 'ServicePrincipal' } },
});
const notice = (overrides: Partial<ProblemNotice> = {}): ProblemNotice => ({
  messageId: 'D2|Pod|grant@1', causeKey: 'D2|Pod|grant', state: 'open', finding: D2, cluster: 'cafehyna-prd', namespace: 'external-dns',
  workloads: [{ cluster: 'cafehyna-prd', namespace: 'external-dns', workload: 'Deployment/external-dns', since: 1_767_225_600_000 }], openedAt: 1_767_225_600_000, ...overrides,
});

describe('Slack problem sink', () => {
  it('posts to the routed channel once a 429 Retry-After has passed, with the grant button and metadata; updates in place as resolved', async () => {
    server.use(http.post('https://slack.com/api/chat.postMessage', () => HttpResponse.json({ ok: false, error: 'ratelimited' }, { status: 429, headers: { 'Retry-After': '1' } }), { once: true }));
    const sink = createSlackProblemSink({ client, registry });
    const started = Date.now();
    const ref = await sink.post(notice(), {});
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(sink.pacer.queuedInMs[0]).toBeGreaterThanOrEqual(950);
    const posts = fake.of('chat.postMessage');
    expect(posts).toHaveLength(1);
    expect(posts[0]!.args).toMatchObject({ channel: 'C0PLATFORM1', metadata: { event_type: 'kvcsi_watch_problem', event_payload: { messageId: 'D2|Pod|grant@1' } } });
    const blocks = posts[0]!.args.blocks as { type: string; elements?: { action_id: string; value: string }[] }[];
    const grant = blocks.find((block) => block.type === 'actions')!.elements![0]!;
    expect(grant).toMatchObject({ action_id: ACTION_IDS.grantAccess });
    expect(JSON.parse(grant.value)).toEqual({ cluster: 'cafehyna-prd', namespace: 'external-dns' });
    expect(ref).toBe(`C0PLATFORM1|${String(posts[0]!.response!.ts)}`);

    await sink.update(ref, notice({ state: 'resolved', workloads: [], resolvedAt: 1_767_225_600_000 + 125_000 }), {});
    const updates = fake.of('chat.update');
    expect(updates).toHaveLength(1);
    expect(updates[0]!.args).toMatchObject({ channel: 'C0PLATFORM1', ts: posts[0]!.response!.ts, text: expect.stringMatching(/^Resolved after 2m 5s: D2 /) });
    // The update waited for the channel's one-second slot.
    expect(updates[0]!.at - posts[0]!.at).toBeGreaterThanOrEqual(800);
    expect(fake.problems).toEqual([]);
  });

  it('routes by namespace, and finds a message posted before a failover by its metadata', async () => {
    const sink = createSlackProblemSink({ client, registry });
    const billing = notice({ messageId: 'D3@2', namespace: 'billing', workloads: [{ cluster: 'cafehyna-prd', namespace: 'billing', workload: 'Deployment/billing-api', since: 1 }] });
    server.use(http.post('https://slack.com/api/conversations.history', () => HttpResponse.json({
      ok: true, messages: [{ ts: '1.1' }, { ts: '1.2', metadata: { event_type: 'kvcsi_watch_problem', event_payload: { messageId: 'D3@2' } } }],
    })));
    expect(await sink.find!(billing, {})).toBe('C0BILLING01|1.2');
    expect(await sink.find!({ ...billing, messageId: 'other' }, {})).toBeUndefined();
  });
});

describe('Slack problem sink: the approvers channel, the resolution and the quieting buttons', () => {
  const withApprovers = parseRegistryConfig(JSON.stringify({
    tenantId: '11111111-1111-4111-8111-111111111111',
    clusters: [{ name: 'cafehyna-prd', tier: 'prd', keyVault: { name: 'kv-cafehyna-prd' }, identity: { clientId: '22222222-2222-4222-8222-222222222222' }, watch: { channel: 'C0PLATFORM1', approvers: true } }],
  }), 'test.yaml');

  it('names the approvers channel as a second destination of a prd problem, posts there, and finds it there after a failover', async () => {
    const sink = createSlackProblemSink({ client, registry: withApprovers, approversChannel: 'C0APPROVALS1' });
    expect(sink.targets!(notice())).toEqual(['C0PLATFORM1', 'C0APPROVALS1']);
    // Without the bot's approvers channel, `approvers: true` has nowhere to go.
    expect(createSlackProblemSink({ client, registry: withApprovers }).targets!(notice())).toEqual(['C0PLATFORM1']);
    const ref = await sink.post(notice({ messageId: 'D2@9' }), { target: 'C0APPROVALS1' });
    expect(ref).toMatch(/^C0APPROVALS1\|/);
    expect(fake.of('chat.postMessage').at(-1)!.args).toMatchObject({ channel: 'C0APPROVALS1', metadata: { event_payload: { messageId: 'D2@9' } } });
    server.use(http.post('https://slack.com/api/conversations.history', async ({ request }) => {
      const channel = new URLSearchParams(await request.text()).get('channel');
      return HttpResponse.json({ ok: true, messages: channel === 'C0APPROVALS1' ? [{ ts: '7.1', metadata: { event_type: 'kvcsi_watch_problem', event_payload: { messageId: 'D2@9' } } }] : [] });
    }));
    expect(await sink.find!(notice({ messageId: 'D2@9' }), { target: 'C0APPROVALS1' })).toBe('C0APPROVALS1|7.1');
    expect(await sink.find!(notice({ messageId: 'D2@9' }), {})).toBeUndefined();
  });

  it('renders Snooze / Mute on an open problem, Unmute while muted (kept on the resolved message), and who fixed it', () => {
    const open = problemMessage(notice());
    const buttons = (message: { blocks: unknown[] }) => (message.blocks as { type: string; elements?: { action_id: string; value: string }[] }[]).filter((block) => block.type === 'actions').flatMap((block) => block.elements!.map((element) => element.action_id));
    expect(buttons(open)).toEqual([ACTION_IDS.grantAccess, WATCH_ACTION_IDS.snooze1h, WATCH_ACTION_IDS.snooze24h, WATCH_ACTION_IDS.mute]);
    const mute = { causeKey: 'D2|Pod|grant', kind: 'mute' as const, by: 'slack:U0ABEL', at: 1_767_225_600_000 };
    const muted = problemMessage(notice({ silence: mute }));
    expect(buttons(muted)).toEqual([ACTION_IDS.grantAccess, WATCH_ACTION_IDS.unmute]);
    expect(JSON.stringify(muted.blocks)).toContain('Muted by <@U0ABEL>');
    const resolved = { state: 'resolved' as const, workloads: [], resolvedAt: 1_767_225_600_000 + 65_000 };
    const byRequest = problemMessage(notice({ ...resolved, silence: mute, resolvedBy: { kind: 'request', requestId: 'req-abc', requestKind: 'grant', requester: 'slack:U0RITA', approver: 'slack:U0ABEL' } }));
    expect(byRequest.text).toBe(`Resolved after 1m 5s, by <@U0RITA> (grant req-abc, approved by <@U0ABEL>): D2 ${D2.title}`);
    expect(buttons(byRequest)).toEqual([WATCH_ACTION_IDS.unmute]);
    expect(problemMessage(notice({ ...resolved, resolvedBy: { kind: 'outside' } })).text).toBe(`Resolved after 1m 5s, by a change outside kvcsi: D2 ${D2.title}`);
    expect(buttons(problemMessage(notice(resolved)))).toEqual([]);
  });

  it('carries the diagnosis card\'s Create the secret button when the fix is a kvcsi secret create, one per cluster of a shared cause', () => {
    const missing = finding({
      id: 'B3', severity: 'error', title: 'Secret db-password is not in kv-cafehyna-prd', summary: 'The mount asks for a secret the vault does not hold.', cause: '404 SecretNotFound',
      fix: { commands: ['kvcsi secret create db-password -c cafehyna-prd'] }, action: { kind: 'create-secret', params: { vault: 'kv-cafehyna-prd', name: 'db-password' } },
    });
    const elements = (message: { blocks: unknown[] }) => (message.blocks as { type: string; elements?: { action_id: string; value: string; text: { text: string } }[] }[])
      .filter((block) => block.type === 'actions').flatMap((block) => block.elements!).filter((element) => element.action_id === ACTION_IDS.createSecret);
    const one = elements(problemMessage(notice({ finding: missing })));
    expect(one.map((element) => [element.text.text, JSON.parse(element.value)])).toEqual([['Create the secret', { cluster: 'cafehyna-prd', name: 'db-password' }]]);
    const shared = elements(problemMessage(notice({
      finding: missing,
      workloads: [
        { cluster: 'cafehyna-prd', namespace: 'billing', workload: 'Deployment/api', since: 1 },
        { cluster: 'cafehyna-hub', namespace: 'billing', workload: 'Deployment/api', since: 2 },
        { cluster: 'cafehyna-prd', namespace: 'web', workload: 'Deployment/web', since: 3 },
      ],
    })));
    expect(shared.map((element) => JSON.parse(element.value).cluster)).toEqual(['cafehyna-prd', 'cafehyna-hub']);
    expect(shared[1]!.text.text).toBe('Create the secret on cafehyna-hub');
    // The grant finding carries no create button, and a resolved message no buttons of either kind.
    expect(elements(problemMessage(notice()))).toEqual([]);
    expect(elements(problemMessage(notice({ finding: missing, state: 'resolved', workloads: [], resolvedAt: 2 })))).toEqual([]);
  });
});
