/**
 * The bot, running for real over HTTP, on the sandbox, with a fake Slack: what the tests and the bench drive.
 * Requests go over real HTTP to Bolt's HTTPReceiver, signed; Web API and response_url calls land in FakeSlack.
 */
import { EXAMPLE_CONFIG_PATH, parseRegistryConfig } from '@kvcsi/core';
import { LogLevel } from '@slack/bolt';
import { readFileSync } from 'node:fs';
import { createKvcsiBot, type KvcsiBot } from '../app.js';
import { SANDBOX_SLACK_CONFIG, parseSlackConfig, type SlackConfig, type SlackConfigInput } from '../config.js';
import { SecretScrubber, createBotLogger } from '../logger.js';
import { createBotService, type BotService } from '../wiring.js';
import { FakeSlack, type RecordedCall } from './fake-slack.js';
import { buttonClickBody, sign, slashCommandBody, viewSubmissionBody, type ButtonClickInput, type ViewSubmissionInput } from './payloads.js';

export const HARNESS_SIGNING_SECRET = 'sandbox-only-signing-secret';
export const HARNESS_BOT_TOKEN = 'xoxb-sandbox-only';

export interface BotHarness {
  url: string;
  fake: FakeSlack;
  bot: KvcsiBot;
  backend: BotService;
  config: SlackConfig;
  /** JSON log lines the bot wrote. */
  logLines: string[];
  post(body: string, headers?: Record<string, string>): Promise<Response>;
  command(text: string, options: { user: string; channel?: string }): Promise<{ status: number; ack: string; responseId: string; triggerId: string }>;
  click(input: Omit<ButtonClickInput, 'channelId'> & { channelId?: string }): Promise<{ status: number; responseId: string; triggerId: string }>;
  submit(input: ViewSubmissionInput): Promise<{ status: number; body: string }>;
  /** The answer that replaced "working…" (or was posted in the channel) for a response id. */
  finalResponse(responseId: string, timeoutInMs?: number): Promise<RecordedCall>;
  close(): Promise<void>;
}

export function isFinalResponse(call: RecordedCall): boolean {
  return call.method === 'response_url' && (call.args.replace_original === true || call.args.response_type === 'in_channel');
}

export async function startBotHarness(options: { slack?: SlackConfigInput; logLevel?: LogLevel; /** A sandbox served by another process. */ sandboxUrl?: string } = {}): Promise<BotHarness> {
  const registry = parseRegistryConfig(readFileSync(EXAMPLE_CONFIG_PATH, 'utf8'), EXAMPLE_CONFIG_PATH);
  const config = parseSlackConfig(options.slack ?? SANDBOX_SLACK_CONFIG);
  const fake = new FakeSlack();
  const backend = await createBotService({ registry, slack: config, sandbox: options.sandboxUrl === undefined ? { stateFile: false } : { url: options.sandboxUrl }, extraHandlers: fake.handlers });
  const logLines: string[] = [];
  const scrubber = new SecretScrubber();
  const logger = createBotLogger({ level: options.logLevel ?? LogLevel.INFO, scrubber, destination: { write: (line: string) => void logLines.push(line) } });
  const bot = createKvcsiBot({ service: backend.service, registry, config, botToken: HARNESS_BOT_TOKEN, signingSecret: HARNESS_SIGNING_SECRET, logger, scrubber });
  const { port } = await bot.start(0);
  const url = `http://127.0.0.1:${port}`;

  const post = (body: string, headers?: Record<string, string>): Promise<Response> =>
    fetch(`${url}/slack/events`, { method: 'POST', body, headers: headers ?? sign(HARNESS_SIGNING_SECRET, body).headers });

  return {
    url, fake, bot, backend, config, logLines, post,
    async command(text, { user, channel = 'C0SBXPRD' }) {
      const { body, responseId, triggerId } = slashCommandBody({ text, userId: user, channelId: channel });
      const response = await post(body);
      return { status: response.status, ack: await response.text(), responseId, triggerId };
    },
    async click(input) {
      const { body, responseId, triggerId } = buttonClickBody({ channelId: 'C0SBXPRD', ...input });
      const response = await post(body);
      await response.text();
      return { status: response.status, responseId, triggerId };
    },
    async submit(input) {
      const response = await post(viewSubmissionBody(input));
      return { status: response.status, body: await response.text() };
    },
    finalResponse: (responseId, timeoutInMs) => fake.waitFor((call) => call.responseId === responseId && isFinalResponse(call), timeoutInMs),
    async close() {
      await bot.stop();
      await backend.close();
    },
  };
}
