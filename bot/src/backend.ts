/**
 * Where the KvcsiService runs: in a worker thread (the default for the running bot, so that the SDK pipelines, msw
 * and JSON parsing do not delay Slack's acknowledgements) or in this process (tests that look into the sandbox's
 * state). Both give the bot the same KvcsiService.
 */
import { parseRegistryConfig, type KvcsiService } from '@kvcsi/core';
import type { SandboxMode } from '@kvcsi/runtime';
import type { Worker } from 'node:worker_threads';
import type { Logger } from '@slack/bolt';
import type { RequestHandler } from 'msw';
import type { ServiceWorkerOptions } from './service-worker/protocol.js';
import { startServiceWorker } from './service-worker/service-proxy.js';
import { createBotService } from './wiring.js';

export type ServiceLocation = 'worker' | 'process';

export interface BotBackendOptions extends ServiceWorkerOptions {
  serviceIn: ServiceLocation;
  /** In-process only: extra msw handlers beside the sandbox's (a fake Slack). In a worker, the caller installs them itself. */
  extraHandlers?: RequestHandler[];
  /** The worker's log lines (already scrubbed). */
  logger?: Pick<Logger, 'warn' | 'error'>;
  /** The worker stopped on its own (a crash). */
  onWorkerExit?: (exitCode: number) => void;
  /** Worker only: each HTTP call the worker made (in process, the caller's own watch sees them). */
  onOutboundCall?: (call: { host: string; status: string; durationInMs: number }) => void;
}

export interface BotBackend {
  service: KvcsiService;
  serviceIn: ServiceLocation;
  /** The service's thread, when it runs in a worker (for its event-loop utilisation, say). */
  worker?: Worker;
  /** The embedded sandbox, when the service runs in this process over one. */
  sandbox?: SandboxMode;
  close(): Promise<void>;
}

/** The environment without Slack's tokens and signing secret: the service never talks to Slack. */
export function serviceEnvironment(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined && !/^SLACK_/.test(name)) out[name] = value;
  return out;
}

export async function startBotBackend(options: BotBackendOptions): Promise<BotBackend> {
  const { serviceIn, extraHandlers, logger, onWorkerExit, onOutboundCall, ...serviceOptions } = options;
  if (serviceIn === 'worker') {
    const handle = await startServiceWorker({
      ...serviceOptions, ...(logger ? { logger } : {}), ...(onWorkerExit ? { onExit: onWorkerExit } : {}), ...(onOutboundCall ? { onOutboundCall } : {}),
    });
    return { service: handle.service, serviceIn, worker: handle.worker, close: () => handle.close() };
  }
  const backend = await createBotService({
    registry: parseRegistryConfig(serviceOptions.registryText, serviceOptions.registrySource),
    slack: serviceOptions.slack,
    ...(serviceOptions.policy ? { policy: serviceOptions.policy } : {}),
    ...(serviceOptions.sandbox ? { sandbox: serviceOptions.sandbox } : {}),
    ...(serviceOptions.slackApiUrl ? { slackApiUrl: serviceOptions.slackApiUrl } : {}),
    ...(serviceOptions.databaseUrl ? { databaseUrl: serviceOptions.databaseUrl } : {}),
    ...(extraHandlers ? { extraHandlers } : {}),
    ...(serviceOptions.env ? { env: serviceOptions.env } : {}),
  });
  return { service: backend.service, serviceIn, ...(backend.sandbox ? { sandbox: backend.sandbox } : {}), close: () => backend.close() };
}
