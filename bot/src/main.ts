/**
 * `npm run bot`: reads the environment and the configuration, builds the service and starts Bolt.
 *
 * Env: SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET (HTTP), SLACK_APP_TOKEN (Socket Mode), KVCSI_SLACK_TRANSPORT (http|socket,
 * overrides slack.transport), SLACK_API_URL (another Web API base URL, apps.connections.open included), PORT (default
 * 3000), KVCSI_CONFIG (registry + policy + slack sections), KVCSI_SANDBOX=1 (run over the
 * embedded sandbox), KVCSI_SANDBOX_URL (a sandbox served by `npm run sandbox`), KVCSI_SANDBOX_STATE, KVCSI_DATABASE_URL, LOG_LEVEL (debug|info|warn|error),
 * KVCSI_SERVICE_IN (`worker`, the default: the service runs in a worker thread; `process`: on the bot's own event loop).
 */
import { readFileSync } from 'node:fs';
import { KvcsiError, parseRegistryConfig, resolveConfigPath, type PolicyConfigInput } from '@kvcsi/core';
import { LogLevel } from '@slack/bolt';
import { parse as parseYaml, stringify } from 'yaml';
import { createKvcsiBot } from './app.js';
import { SANDBOX_SLACK_CONFIG, parseSlackConfig, splitConfigText, type SlackConfig } from './config.js';
import { SecretScrubber, createBotLogger } from './logger.js';
import { serviceEnvironment, startBotBackend, type ServiceLocation } from './backend.js';

function flag(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new KvcsiError('CONFIG_INVALID', `${name} is not set`, { field: name });
  return value;
}

function logLevelOf(value: string | undefined): LogLevel {
  const levels: Record<string, LogLevel> = { debug: LogLevel.DEBUG, info: LogLevel.INFO, warn: LogLevel.WARN, error: LogLevel.ERROR };
  return levels[(value ?? 'info').toLowerCase()] ?? LogLevel.INFO;
}

/** The configuration file split in three: registry (for the core's parser), policy, slack. */
export function loadBotConfiguration(env: NodeJS.ProcessEnv, sandbox: boolean): { registryText: string; source: string; policy?: PolicyConfigInput; slack: SlackConfig } {
  const { path: source } = resolveConfigPath({ env });
  const text = readFileSync(source, 'utf8');
  let slack: SlackConfig;
  let rest: Record<string, unknown>;
  try {
    ({ slack, rest } = splitConfigText(text, source));
  } catch (error) {
    // The shipped example has no slack: section; sandbox mode brings its own.
    if (!sandbox || !KvcsiError.is(error, 'CONFIG_INVALID') || error.field !== 'slack') throw error;
    slack = parseSlackConfig(SANDBOX_SLACK_CONFIG, 'sandbox defaults');
    rest = splitConfigRest(text);
  }
  const { policy, ...registry } = rest;
  return { registryText: stringify(registry), source, ...(policy === undefined ? {} : { policy: policy as PolicyConfigInput }), slack };
}

function splitConfigRest(text: string): Record<string, unknown> {
  return (parseYaml(text) ?? {}) as Record<string, unknown>;
}

/** KVCSI_SLACK_TRANSPORT (http|socket) overrides `slack.transport`: `npm start -- --socket` runs the same config over Socket Mode. */
export function withTransportOverride(slack: SlackConfig, value: string | undefined): SlackConfig {
  if (value === undefined || value === '') return slack;
  if (value !== 'http' && value !== 'socket') throw new KvcsiError('CONFIG_INVALID', `KVCSI_SLACK_TRANSPORT must be http or socket, not ${JSON.stringify(value)}`, { field: 'KVCSI_SLACK_TRANSPORT' });
  return { ...slack, transport: value };
}

function serviceLocationOf(value: string | undefined): ServiceLocation {
  if (value === undefined || value === '' || value === 'worker') return 'worker';
  if (value === 'process') return 'process';
  throw new KvcsiError('CONFIG_INVALID', `KVCSI_SERVICE_IN must be worker or process, not ${JSON.stringify(value)}`, { field: 'KVCSI_SERVICE_IN' });
}

export async function main(env: NodeJS.ProcessEnv = process.env, options: { serviceIn?: ServiceLocation } = {}): Promise<void> {
  const scrubber = new SecretScrubber();
  const logger = createBotLogger({ level: logLevelOf(env.LOG_LEVEL), scrubber });
  const sandboxUrl = env.KVCSI_SANDBOX_URL || undefined;
  const sandbox = flag(env.KVCSI_SANDBOX) || sandboxUrl !== undefined;
  const configuration = loadBotConfiguration(env, sandbox);
  configuration.slack = withTransportOverride(configuration.slack, env.KVCSI_SLACK_TRANSPORT);
  const registry = parseRegistryConfig(configuration.registryText, configuration.source);
  const serviceIn = options.serviceIn ?? serviceLocationOf(env.KVCSI_SERVICE_IN);
  const backend = await startBotBackend({
    serviceIn,
    registryText: configuration.registryText,
    registrySource: configuration.source,
    slack: configuration.slack,
    ...(configuration.policy ? { policy: configuration.policy } : {}),
    ...(sandbox
      ? { sandbox: sandboxUrl !== undefined ? { url: sandboxUrl } : env.KVCSI_SANDBOX_STATE ? { stateFile: env.KVCSI_SANDBOX_STATE } : { stateFile: false } }
      : {}),
    ...(env.KVCSI_DATABASE_URL ? { databaseUrl: env.KVCSI_DATABASE_URL } : {}),
    ...(env.SLACK_API_URL ? { slackApiUrl: env.SLACK_API_URL } : {}),
    env: serviceEnvironment(env),
    logger,
    // Without its service the bot can only fail every command: stop, and let the orchestrator start a new one.
    onWorkerExit: (exitCode) => {
      logger.error({ exitCode }, 'the kvcsi service worker stopped; exiting');
      process.exit(1);
    },
  });
  const bot = createKvcsiBot({
    service: backend.service,
    registry,
    config: configuration.slack,
    botToken: required(env, 'SLACK_BOT_TOKEN'),
    signingSecret: configuration.slack.transport === 'http' ? required(env, 'SLACK_SIGNING_SECRET') : env.SLACK_SIGNING_SECRET ?? 'unused-in-socket-mode',
    ...(env.SLACK_APP_TOKEN ? { appToken: env.SLACK_APP_TOKEN } : {}),
    ...(env.SLACK_API_URL ? { slackApiUrl: env.SLACK_API_URL } : {}),
    logger,
    scrubber,
  });
  const { port } = await bot.start(Number(env.PORT ?? 3000));
  logger.info({ transport: configuration.slack.transport, port, sandbox, serviceIn, config: configuration.source }, 'kvcsi bot started');
  const shutdown = (signal: string): void => {
    logger.info(`${signal}: stopping`);
    void bot.stop().then(() => backend.close()).finally(() => process.exit(0));
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

if (require.main === module) {
  main().catch((error: unknown) => {
    const message = error instanceof KvcsiError ? `${error.code}: ${error.message}` : error instanceof Error ? error.stack ?? error.message : String(error);
    process.stderr.write(`kvcsi bot: ${message}\n`);
    process.exit(1);
  });
}
