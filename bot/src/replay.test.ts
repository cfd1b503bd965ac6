/** Issue 19: a signed slash command sent again inside Slack's 5-minute window ran again. */
import { SANDBOX_SLACK_USERS } from './config.js';
import { createMemoryReplayClaims, replayKeyOf } from './replay-guard.js';
import { HARNESS_SIGNING_SECRET, startBotHarness, type BotHarness } from './testing/harness.js';
import { sign, slashCommandBody } from './testing/payloads.js';

let harness: BotHarness;

beforeAll(async () => {
  harness = await startBotHarness();
}, 60_000);

afterAll(async () => {
  await harness?.close();
});

describe('Slack replays', () => {
  it('runs a signed slash command once, however often the same signed request is sent', async () => {
    const { body, responseId } = slashCommandBody({ text: 'clusters', userId: SANDBOX_SLACK_USERS.requester, channelId: 'C0SBXPRD' });
    const { headers } = sign(HARNESS_SIGNING_SECRET, body);
    expect((await harness.post(body, headers)).status).toBe(200);
    await harness.finalResponse(responseId);
    const answered = () => harness.fake.calls.filter((call) => call.responseId === responseId).length;
    const once = answered();
    expect(once).toBeGreaterThan(0);

    // The attacker's copy: byte for byte, valid signature, inside the window.
    const replays = await Promise.all([harness.post(body, headers), harness.post(body, headers)]);
    expect(replays.map((response) => response.status)).toEqual([200, 200]);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(answered()).toBe(once);

    // A new command (its own trigger id) still runs.
    const fresh = await harness.command('clusters', { user: SANDBOX_SLACK_USERS.requester });
    expect((await harness.finalResponse(fresh.responseId)).args.text).toMatch(/clusters/);
  });

  it('keys on the id Slack signs for each user action, and forgets it after the window', async () => {
    expect(replayKeyOf({ trigger_id: '123.456.abc' })).toBe('trigger:123.456.abc');
    expect(replayKeyOf({ type: 'event_callback', event_id: 'Ev0123' })).toBe('event:Ev0123');
    expect(replayKeyOf({ type: 'url_verification' })).toBeUndefined();
    const claims = createMemoryReplayClaims();
    expect(await claims.claim('trigger:x', { windowInMs: 1000, nowMs: 0 })).toBe(true);
    expect(await claims.claim('trigger:x', { windowInMs: 1000, nowMs: 999 })).toBe(false);
    expect(await claims.claim('trigger:x', { windowInMs: 1000, nowMs: 1001 })).toBe(true);
  });
});
