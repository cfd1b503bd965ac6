/**
 * The bot, running for real over HTTP, on the sandbox, with a fake Slack: what the tests and the bench drive.
 * Requests go over real HTTP to Bolt's HTTPReceiver, signed; Web API and response_url calls land in FakeSlack.
 */
import { EXAMPLE_CONFIG_PATH, parseRegistryConfig } from '@kvcsi/core';
import { LogLevel } from '@slack/bolt';
import { http, passthrough } from 'msw';
import { setupServer } from 'msw/node';
import { readFileSync } from 'node:fs';
import { createKvcsiBot, type KvcsiBot } from '../app.js';
import { SANDBOX_SLACK_CONFIG, parseSlackConfig, type SlackConfig, type SlackConfigInput } from '../config.js';
import { SecretScrubber, createBotLogger } from '../logger.js';
import { startBotBackend, type BotBackend, type ServiceLocation } from '../backend.js';
import type { WatchControlsOptions } from '../watch/controls.js';
import { FakeSlack, type RecordedCall } from './fake-slack.js';
import { buttonClickBody, sign, slashCommandBody, viewSubmissionBody, type ButtonClickInput, type ViewSubmissionInput } from './payloads.js';

export const HARNESS_SIGNING_SECRET = 'sandbox-only-signing-secret';
export const HARNESS_BOT_TOKEN = 'xoxb-sandbox-only';

export interface BotHarness {
  url: string;
  fake: FakeSlack;
  bot: KvcsiBot;
  /** `backend.sandbox` (the sandbox's state) is there when the service runs in this process. */
  backend: BotBackend;
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

export interface BotHarnessOptions {
  slack?: SlackConfigInput;
  logLevel?: LogLevel;
  /** A sandbox served by another process. */
  sandboxUrl?: string;
  /** `process` (default): the service and the sandbox share this event loop, and `backend.sandbox` is readable. `worker`: as the running bot. */
  serviceIn?: ServiceLocation;
  /** The watcher's Snooze / Mute buttons: its problem store and where the choices are audited. */
  watch?: WatchControlsOptions;
}

/** The fake Slack's msw handlers on this thread, for a service (and its msw) in a worker; localhost passes (the harness posts to the bot). */
function listenFakeSlack(fake: FakeSlack): { close(): void } {
  const server = setupServer(http.all(/^https?:\/\/(localhost|127\.0\.0\.1)(:\d+)?\//, () => passthrough()), ...fake.handlers);
  server.listen({ onUnhandledRequest: 'error' });
  return server;
}

export async function startBotHarness(options: BotHarnessOptions = {}): Promise<BotHarness> {
  const configText = readFileSync(EXAMPLE_CONFIG_PATH, 'utf8');
  const registry = parseRegistryConfig(configText, EXAMPLE_CONFIG_PATH);
  const config = parseSlackConfig(options.slack ?? SANDBOX_SLACK_CONFIG);
  const fake = new FakeSlack();
  const serviceIn = options.serviceIn ?? 'process';
  const logLines: string[] = [];
  const scrubber = new SecretScrubber();
  const logger = createBotLogger({ level: options.logLevel ?? LogLevel.INFO, scrubber, destination: { write: (line: string) => void logLines.push(line) } });
  const fakeSlackServer = serviceIn === 'worker' ? listenFakeSlack(fake) : undefined;
  const backend = await startBotBackend({
    serviceIn,
    registryText: configText,
    registrySource: EXAMPLE_CONFIG_PATH,
    slack: config,
    sandbox: options.sandboxUrl === undefined ? { stateFile: false } : { url: options.sandboxUrl },
    extraHandlers: fake.handlers,
    logger,
  }).catch((error: unknown) => {
    fakeSlackServer?.close();
    throw error;
  });
  const bot = createKvcsiBot({ service: backend.service, registry, config, botToken: HARNESS_BOT_TOKEN, signingSecret: HARNESS_SIGNING_SECRET, logger, scrubber, ...(options.watch ? { watch: options.watch } : {}) });
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
      fakeSlackServer?.close();
    },
  };
}
