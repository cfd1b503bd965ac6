/**
 * `npm run bot` / `kvcsi-bot`: reads the settings (fail closed: see ops/settings.ts), builds the service, checks the
 * Slack token once (auth.test), starts Bolt with the operator's endpoints (/healthz, /readyz, /metrics), and on
 * SIGTERM stops taking work, finishes what is in flight within KVCSI_SHUTDOWN_DEADLINE_MS and exits 0.
 *
 * Flags: --config <file> (or KVCSI_CONFIG), --sandbox (or KVCSI_SANDBOX=1). Env: SLACK_BOT_TOKEN[_FILE],
 * SLACK_SIGNING_SECRET[_FILE] (HTTP), SLACK_APP_TOKEN[_FILE] (Socket Mode), KVCSI_SLACK_TRANSPORT (http|socket,
 * overrides slack.transport), SLACK_API_URL (another Web API base URL, apps.connections.open included), PORT (3000),
 * KVCSI_DATABASE_URL, KVCSI_REPLICAS, KVCSI_SANDBOX_URL, KVCSI_SANDBOX_STATE, LOG_LEVEL (debug|info|warn|error),
 * KVCSI_SHUTDOWN_DEADLINE_MS (25000), KVCSI_SERVICE_IN (`worker`, the default: the service runs in a worker thread;
 * `process`: on the bot's own event loop), KVCSI_WATCH_* (the watcher's Lease timings and settling time:
 * watch/lease-settings.ts).
 */
import { KvcsiError, createMemoryAuditLog, createMemoryProblemStore } from '@kvcsi/core';
import { createKnexProblemStore, createStore, storeOptionsFromUrl, type KvcsiStore } from '@kvcsi/store';
import { LogLevel } from '@slack/bolt';
import { createKvcsiBot, type KvcsiBot } from './app.js';
import { serviceEnvironment, startBotBackend } from './backend.js';
import type { SlackConfig } from './config.js';
import { SecretScrubber, createBotLogger } from './logger.js';
import { createWorkTracker } from './ops/drain.js';
import { createBotMetrics } from './ops/metrics.js';
import { watchOutboundCalls } from './ops/outbound-calls.js';
import { opsRoutes, type ReadinessCheck } from './ops/routes.js';
import { requiredSecretSource, secretSource, type SecretSource } from './ops/secret-files.js';
import { BOT_USAGE, loadBotSettings } from './ops/settings.js';
import { startMainWatch } from './watch/main-watch.js';

/** KVCSI_SLACK_TRANSPORT (http|socket) overrides `slack.transport`: `npm start -- --socket` runs the same config over Socket Mode. */
export function withTransportOverride(slack: SlackConfig, value: string | undefined): SlackConfig {
  if (value === undefined || value === '') return slack;
  if (value !== 'http' && value !== 'socket') throw new KvcsiError('CONFIG_INVALID', `KVCSI_SLACK_TRANSPORT must be http or socket, not ${JSON.stringify(value)}`, { field: 'KVCSI_SLACK_TRANSPORT' });
  return { ...slack, transport: value };
}

const LOG_LEVELS = { debug: LogLevel.DEBUG, info: LogLevel.INFO, warn: LogLevel.WARN, error: LogLevel.ERROR } as const;

/** auth.test once at start: a wrong token stops the bot here, with the setting named, rather than at the first command. */
async function checkSlackToken(bot: KvcsiBot, origin: string): Promise<void> {
  try {
    await bot.app.client.auth.test();
  } catch (error) {
    const slackError = (error as { data?: { error?: unknown } }).data?.error;
    const reason = typeof slackError === 'string' ? slackError : (error as { code?: unknown }).code ?? (error instanceof Error ? error.name : 'failed');
    throw new KvcsiError('CONFIG_INVALID', `${origin}: Slack refused the bot token at auth.test (${String(reason)})`, { field: 'SLACK_BOT_TOKEN' });
  }
}

export async function main(argv: readonly string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${BOT_USAGE}\n`);
    return;
  }
  const settings = loadBotSettings(argv, env);
  const slack = withTransportOverride(settings.slack, env.KVCSI_SLACK_TRANSPORT);
  const scrubber = new SecretScrubber();
  const logger = createBotLogger({ level: LOG_LEVELS[settings.logLevel], scrubber });
  const log = (level: 'info' | 'warn', message: string): void => logger[level](message);
  const secrets: SecretSource[] = [];
  const botToken = requiredSecretSource('SLACK_BOT_TOKEN', { env, log }, 'the bot cannot call Slack without it');
  secrets.push(botToken);
  const signingSecret = slack.transport === 'http' ? requiredSecretSource('SLACK_SIGNING_SECRET', { env, log }, 'the HTTP transport verifies every request with it') : undefined;
  const appToken = slack.transport === 'socket' ? requiredSecretSource('SLACK_APP_TOKEN', { env, log }, 'slack.transport is socket') : secretSource('SLACK_APP_TOKEN', { env, log });
  for (const source of [signingSecret, appToken]) if (source) secrets.push(source);

  const metrics = createBotMetrics();
  const stopWatchingCalls = watchOutboundCalls((call) => metrics.outboundCall(call));
  const stopWatchingAcks = metrics.watchAcks();
  const tracker = createWorkTracker({ onChange: (count) => metrics.inFlight.set(count) });

  // This thread's own connection to the store: request cards, and readiness. The service (in its worker) has its own.
  let store: KvcsiStore | undefined;
  if (settings.databaseUrl) store = await createStore({ ...storeOptionsFromUrl(settings.databaseUrl, env), ...(storeOptionsFromUrl(settings.databaseUrl, env).client === 'pg' ? { pool: { min: 0, max: 4 } } : {}) });

  const backend = await startBotBackend({
    serviceIn: settings.serviceIn,
    registryText: settings.registryText,
    registrySource: settings.registrySource,
    slack,
    ...(settings.policy ? { policy: settings.policy } : {}),
    ...(settings.sandbox ? { sandbox: settings.sandbox } : {}),
    ...(settings.databaseUrl ? { databaseUrl: settings.databaseUrl } : {}),
    ...(settings.slackApiUrl ? { slackApiUrl: settings.slackApiUrl } : {}),
    env: serviceEnvironment(env),
    logger,
    onOutboundCall: (call) => metrics.outboundCall(call),
    // Without its service the bot can only fail every command: stop, and let the orchestrator start a new one.
    onWorkerExit: (exitCode) => {
      logger.error({ exitCode }, 'the kvcsi service worker stopped; exiting');
      process.exit(1);
    },
  });

  const checks: ReadinessCheck[] = [
    { name: 'registry', check: async () => { if (settings.registry.list().length === 0) throw new Error('the registry lists no cluster'); } },
    { name: 'shutdown', check: async () => { if (tracker.draining) throw new Error('draining: stopping'); } },
  ];
  if (store) {
    const pinged = store;
    checks.push({ name: 'store', check: (signal) => pinged.ping({ signal }) });
  }
  // The watcher's problems, shared by its Snooze / Mute buttons (in the store for replicas); the choices are audited in
  // the store's audit log beside the service's events (in memory, this process's own, without a database).
  const watching = settings.registry.list().some((cluster) => cluster.watch !== undefined);
  const problems = store ? createKnexProblemStore(store.knex) : createMemoryProblemStore();
  const bot = createKvcsiBot({
    service: backend.service,
    registry: settings.registry,
    config: slack,
    botToken: () => botToken.value(),
    signingSecret: signingSecret ? () => signingSecret.value() : 'unused-in-socket-mode',
    ...(appToken ? { appToken: appToken.value() } : {}),
    ...(settings.slackApiUrl ? { slackApiUrl: settings.slackApiUrl } : {}),
    logger,
    scrubber,
    // Cards and the Slack replay cache live in the store, so every replica sees the same.
    ...(store ? { cards: store.cards, replays: store.replays } : {}),
    routes: opsRoutes({ checks, metrics: metrics.registry }),
    middleware: [tracker.middleware],
    observer: { command: metrics.command, approval: metrics.approval, cardUpdated: metrics.cardUpdated },
    ...(watching ? { watch: { problems, audit: store ?? createMemoryAuditLog() } } : {}),
  });
  // Over Socket Mode, ready also means connected to Slack (a replica between connections takes no envelopes).
  if (bot.socket) checks.push(bot.socket.readinessCheck);
  await checkSlackToken(bot, botToken.origin);
  const { port } = await bot.start(settings.port);
  logger.info({
    transport: slack.transport, port, sandbox: settings.sandbox !== undefined, serviceIn: settings.serviceIn, config: settings.registrySource,
    store: store?.client ?? 'memory', replicas: settings.replicas, replica: bot.approvals.replicaId,
  }, 'kvcsi bot started');
  // The watcher (issue 22), when the registry routes a cluster's problems to a channel.
  const watch = startMainWatch({
    registry: settings.registry, botToken: botToken.value(), ...(settings.slackApiUrl ? { slackApiUrl: settings.slackApiUrl } : {}), ...(store ? { store } : {}),
    replicas: settings.replicas, replicaId: bot.approvals.replicaId,
    ...(settings.sandbox ? { sandbox: { ...(settings.sandbox.url ? { url: settings.sandbox.url } : {}), ...(backend.sandbox ? { inProcess: backend.sandbox } : {}) } } : {}),
    // In a pod, the registry's inCluster cluster (where the Lease is) is reached with the pod's service account.
    inCluster: env.KUBERNETES_SERVICE_HOST !== undefined, env, settings: settings.watch, log,
    problems, approversChannel: slack.approvalsChannel, listRequests: (query) => backend.service.listRequests(query),
  });

  let stopping = false;
  const shutdown = async (why: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ why, inFlight: tracker.inFlight }, 'stopping: no new work; finishing what is in flight');
    const drained = tracker.drain(settings.shutdownDeadlineInMs);
    await bot.stop().catch((error: unknown) => logger.warn('stopping the Slack transport failed', error));
    await watch?.stop().catch((error: unknown) => logger.warn('stopping the watcher failed', error));
    const finished = await drained;
    if (!finished) logger.error({ inFlight: tracker.inFlight, deadlineInMs: settings.shutdownDeadlineInMs }, 'shutdown deadline passed with work in flight');
    await backend.close().catch((error: unknown) => logger.warn('closing the service failed', error));
    await store?.close().catch(() => undefined);
    for (const source of secrets) source.close();
    stopWatchingCalls();
    stopWatchingAcks();
    logger.info({ finished }, 'stopped');
    process.exit(finished ? 0 : 1);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  // Socket Mode's connection is opened with the app token: a rotated one takes a new process (the orchestrator's restart).
  if (slack.transport === 'socket') appToken?.onChange(() => void shutdown('SLACK_APP_TOKEN_FILE changed'));
}

if (require.main === module) {
  main().catch((error: unknown) => {
    // One line, naming the setting: what an operator reads in `kubectl logs` or a CrashLoopBackOff.
    const message = error instanceof KvcsiError ? `${error.code}: ${error.message.split('\n')[0]}` : error instanceof Error ? error.stack ?? error.message : String(error);
    process.stderr.write(`kvcsi bot: ${message}\n`);
    process.exit(1);
  });
}
