import { readFileSync } from 'node:fs';
import { EXAMPLE_CONFIG_PATH, parseRegistryConfig } from '@kvcsi/core';
import { LogLevel } from '@slack/bolt';
import { createKvcsiBot } from './app.js';
import { SANDBOX_SLACK_USERS } from './config.js';
import { createBotLogger } from './logger.js';
import { HARNESS_SIGNING_SECRET, startBotHarness, type BotHarness } from './testing/harness.js';
import { sign, slashCommandBody } from './testing/payloads.js';

const { requester } = SANDBOX_SLACK_USERS;
let harness: BotHarness;

beforeAll(async () => {
  harness = await startBotHarness();
});

afterAll(async () => {
  await harness?.close();
});

afterEach(() => {
  expect(harness.fake.problems).toEqual([]);
});

describe('HTTP receiver', () => {
  it('answers GET /healthz', async () => {
    const response = await fetch(`${harness.url}/healthz`);
    expect(response.status).toBe(200);
  });

  it('refuses a bad signature and a stale timestamp with 401', async () => {
    const { body } = slashCommandBody({ text: 'clusters', userId: requester, channelId: 'C0SBXPRD' });
    const good = sign(HARNESS_SIGNING_SECRET, body);
    const badSignature = await harness.post(body, { ...good.headers, 'x-slack-signature': `v0=${'0'.repeat(64)}` });
    expect(badSignature.status).toBe(401);
    const stale = sign(HARNESS_SIGNING_SECRET, body, Math.floor(Date.now() / 1000) - 301);
    expect((await harness.post(body, stale.headers)).status).toBe(401);
    const wrongSecret = sign('another-secret', body);
    expect((await harness.post(body, wrongSecret.headers)).status).toBe(401);
  });

  it('acknowledges a command with working… in the ack, then replaces it with the answer', async () => {
    const sent = await harness.command('clusters', { user: requester });
    expect(sent.status).toBe(200);
    expect(JSON.parse(sent.ack)).toMatchObject({ response_type: 'ephemeral', text: expect.stringMatching(/Working on/) });
    const final = await harness.finalResponse(sent.responseId);
    expect(final.args.replace_original).toBe(true);
    expect(final.args.response_type).toBe('ephemeral');
    expect(final.args.text).toMatch(/5 clusters: cafehyna-dev/);
  });
});

describe('logging', () => {
  it('keeps the logger at the level it was made with (Bolt would reset it to INFO)', () => {
    const logger = createBotLogger({ level: LogLevel.WARN, destination: { write: () => undefined } });
    const registry = parseRegistryConfig(readFileSync(EXAMPLE_CONFIG_PATH, 'utf8'), EXAMPLE_CONFIG_PATH);
    createKvcsiBot({ service: harness.backend.service, registry, config: harness.config, botToken: 'xoxb-x', signingSecret: 's', logger, tokenVerification: false });
    expect(logger.getLevel()).toBe(LogLevel.WARN);
  });
});
