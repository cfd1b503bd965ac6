/**
 * Slack's rate limits in the console, driven over HTTP by raw requests and by @slack/web-api's WebClient (the bot's
 * client). The limiter runs on the test's clock: a WebClient that waits out a Retry-After advances it, so nothing here
 * depends on how fast the machine is.
 */
import { LogLevel, WebClient, WebClientEvent, type WebAPIRateLimitedError } from '@slack/web-api';
import { parseRateLimitSetting, SLACK_RATE_LIMITS, SlackRateLimits } from './rate-limits.js';
import { startConsoleServer, type ConsoleServer } from './server.js';

const TOKEN = 'xoxb-test';
const PRD = 'C0SBXPRD';
const DEV = 'C0SBXDEV';
const RITA = 'U0SBXREQ01';

let now = 1_767_225_600_000;
let limits: SlackRateLimits;
let console_: ConsoleServer;

beforeAll(async () => {
  limits = new SlackRateLimits({}, () => now);
  console_ = await startConsoleServer({ port: 0, botUrl: 'http://127.0.0.1:9', signingSecret: 'unused', botToken: TOKEN, rateLimit: limits });
});
afterAll(async () => {
  await console_.close();
});
beforeEach(() => {
  now += 60_000;
  limits.reset();
});

/** A raw Web API call, as web-api sends it (form-encoded, bearer token), with its HTTP status and Retry-After. */
async function post(method: string, args: Record<string, string>): Promise<{ status: number; retryAfter: string | null; body: Record<string, unknown> }> {
  const response = await fetch(`${console_.apiUrl}${method}`, { method: 'POST', body: new URLSearchParams(args), headers: { authorization: `Bearer ${TOKEN}` } });
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (await response.json()) as Record<string, unknown> };
}

function client(options: { rejectRateLimitedCalls: boolean }): WebClient {
  return new WebClient(TOKEN, { slackApiUrl: console_.apiUrl, logLevel: LogLevel.ERROR, ...options, retryConfig: { retries: 2, minTimeout: 0, maxTimeout: 0 } });
}

describe('chat.postMessage: about one message a second per channel, short bursts allowed', () => {
  it('answers a burst beyond the bucket with 429, Retry-After: 1 and {"ok":false,"error":"ratelimited"}, as Slack does', async () => {
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => post('chat.postMessage', { channel: PRD, text: `burst ${i}` })));
    expect(answers.filter((a) => a.status === 200 && a.body.ok === true)).toHaveLength(SLACK_RATE_LIMITS.postBurst);
    const refused = answers.filter((a) => a.status === 429);
    expect(refused).toHaveLength(6 - SLACK_RATE_LIMITS.postBurst);
    for (const answer of refused) expect(answer).toEqual({ status: 429, retryAfter: '1', body: { ok: false, error: 'ratelimited' } });
    // A refused message is not posted.
    expect(console_.workspace.visibleTo(RITA).filter((m) => m.channel === PRD && m.text.startsWith('burst '))).toHaveLength(SLACK_RATE_LIMITS.postBurst);

    // Half a second later half a message is back: still 429, still Retry-After 1 (Slack's header is whole seconds).
    now += 500;
    expect(await post('chat.postMessage', { channel: PRD, text: 'early' })).toMatchObject({ status: 429, retryAfter: '1' });
    now += 500;
    expect(await post('chat.postMessage', { channel: PRD, text: 'on time' })).toMatchObject({ status: 200, body: { ok: true, channel: PRD } });

    expect(limits.refusedIn(PRD, 'chat.postMessage')).toBe(4);
    const report = (await (await fetch(`${console_.url}/ui/rate-limits`)).json()) as Record<string, unknown>;
    expect(report).toMatchObject({ ok: true, enabled: true, total: 4, refused: { [PRD]: { 'chat.postMessage': 4 } }, settings: SLACK_RATE_LIMITS });
  });

  it('limits each channel on its own; a name counts as its channel, a user id as the DM it means', async () => {
    for (let i = 0; i < SLACK_RATE_LIMITS.postBurst; i++) expect((await post('chat.postMessage', { channel: PRD, text: `prd ${i}` })).status).toBe(200);
    expect((await post('chat.postMessage', { channel: PRD, text: 'one too many' })).status).toBe(429);
    // By id or by name, with or without # (chat.postMessage takes names): one channel, one bucket.
    for (const channel of [DEV, '#cafehyna-dev', 'cafehyna-dev']) expect(await post('chat.postMessage', { channel, text: `dev ${channel}` })).toMatchObject({ status: 200, body: { ok: true, channel: DEV } });
    expect((await post('chat.postMessage', { channel: '#cafehyna-dev', text: 'one too many' })).status).toBe(429);

    for (let i = 0; i < SLACK_RATE_LIMITS.postBurst; i++) expect((await post('chat.postMessage', { channel: i % 2 ? RITA : `D${RITA}`, text: `dm ${i}` })).status).toBe(200);
    expect((await post('chat.postMessage', { channel: RITA, text: 'one too many' })).status).toBe(429);
    expect(limits.snapshot().refused).toEqual({ [PRD]: { 'chat.postMessage': 1 }, [DEV]: { 'chat.postMessage': 1 }, [`D${RITA}`]: { 'chat.postMessage': 1 } });
    // Ephemeral messages and other methods are not limited here.
    for (let i = 0; i < 5; i++) expect((await post('chat.postEphemeral', { channel: PRD, user: RITA, text: `eph ${i}` })).status).toBe(200);
  });
});

describe('chat.update: Tier 3, 50 a minute for the workspace', () => {
  it('refuses the 51st update in a burst whatever the channel, with Retry-After 2', async () => {
    const prd = await post('chat.postMessage', { channel: PRD, text: 'card' });
    const dev = await post('chat.postMessage', { channel: DEV, text: 'card' });
    for (let i = 0; i < SLACK_RATE_LIMITS.updateBurst; i++) expect((await post('chat.update', { channel: PRD, ts: String(prd.body.ts), text: `v${i}` })).status).toBe(200);
    expect(await post('chat.update', { channel: DEV, ts: String(dev.body.ts), text: 'late' })).toEqual({ status: 429, retryAfter: '2', body: { ok: false, error: 'ratelimited' } });
    expect(console_.workspace.messageAt(DEV, String(dev.body.ts)).text).toBe('card');
    now += 1_200;
    expect(await post('chat.update', { channel: DEV, ts: String(dev.body.ts), text: 'now' })).toMatchObject({ status: 200, body: { ok: true } });
    expect(limits.refusedIn(DEV, 'chat.update')).toBe(1);
  });
});

describe("@slack/web-api's WebClient against the limits", () => {
  it('with rejectRateLimitedCalls, a 429 is the rate-limited error with its Retry-After', async () => {
    const web = client({ rejectRateLimitedCalls: true });
    for (let i = 0; i < SLACK_RATE_LIMITS.postBurst; i++) await web.chat.postMessage({ channel: PRD, text: `ok ${i}` });
    const error = (await web.chat.postMessage({ channel: PRD, text: 'refused' }).catch((e: unknown) => e)) as WebAPIRateLimitedError;
    expect(error).toMatchObject({ code: 'slack_webapi_rate_limited_error', retryAfter: 1 });
    expect(limits.refusedIn(PRD)).toBe(1);
  });

  it('without it, the client waits Retry-After and the message is posted once', async () => {
    const web = client({ rejectRateLimitedCalls: false });
    const waits: number[] = [];
    // The client sleeps the Retry-After for real; the console's clock moves on as far.
    web.on(WebClientEvent.RATE_LIMITED, (retryAfterInSeconds: number) => {
      waits.push(retryAfterInSeconds);
      now += retryAfterInSeconds * 1000;
    });
    for (let i = 0; i < SLACK_RATE_LIMITS.postBurst; i++) await web.chat.postMessage({ channel: DEV, text: `ok ${i}` });
    const answer = await web.chat.postMessage({ channel: DEV, text: 'after the wait' });
    expect(answer).toMatchObject({ ok: true, channel: DEV });
    expect(waits).toEqual([1]);
    expect(limits.refusedIn(DEV, 'chat.postMessage')).toBe(1);
    expect(console_.workspace.visibleTo(RITA).filter((m) => m.text === 'after the wait')).toHaveLength(1);
  });
});

describe('settings', () => {
  it('reads KVCSI_CONSOLE_RATE_LIMIT: on by default, off, or messages per second per channel', () => {
    expect(parseRateLimitSetting(undefined)).toEqual(SLACK_RATE_LIMITS);
    expect(parseRateLimitSetting('on')).toEqual(SLACK_RATE_LIMITS);
    expect(parseRateLimitSetting(' OFF ')).toBe('off');
    expect(parseRateLimitSetting('20')).toEqual({ ...SLACK_RATE_LIMITS, postsPerSecond: 20 });
    expect(() => parseRateLimitSetting('fast')).toThrow(/KVCSI_CONSOLE_RATE_LIMIT=fast: expected off, on, or messages per second/);
    expect(() => parseRateLimitSetting('0')).toThrow(/KVCSI_CONSOLE_RATE_LIMIT/);
  });

  it('a console started with the limits off posts every message of a burst, and says so', async () => {
    const unlimited = await startConsoleServer({ port: 0, botUrl: 'http://127.0.0.1:9', signingSecret: 'unused', botToken: TOKEN, rateLimit: 'off' });
    try {
      const statuses = await Promise.all(Array.from({ length: 10 }, async (_, i) => (await fetch(`${unlimited.apiUrl}chat.postMessage`, { method: 'POST', body: new URLSearchParams({ channel: PRD, text: `${i}` }), headers: { authorization: `Bearer ${TOKEN}` } })).status));
      expect(statuses).toEqual(Array.from({ length: 10 }, () => 200));
      expect(unlimited.rateLimits).toBeUndefined();
      expect(await (await fetch(`${unlimited.url}/ui/rate-limits`)).json()).toEqual({ ok: true, enabled: false });
    } finally {
      await unlimited.close();
    }
  });
});
