/**
 * The service worker's entry (worker_threads): builds the KvcsiService as `createBotService` does (the Azure and
 * Kubernetes SDKs, msw for the sandbox, the store) from the options in `workerData`, then answers the main
 * thread's calls, so that the bot's event loop only receives and acknowledges Slack's requests.
 */
import { isMainThread, parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { parseRegistryConfig } from '@kvcsi/core';
import { watchOutboundCalls } from '../ops/outbound-calls.js';
import { createBotService, type BotService } from '../wiring.js';
import { toWireError, type FromWorker, type ServiceWorkerOptions } from './protocol.js';
import { answerCalls } from './serve-calls.js';
import { lowerThisThreadPriority } from './thread-priority.js';

const DEFAULT_NICENESS = 10;

async function build(options: ServiceWorkerOptions): Promise<BotService> {
  const registry = parseRegistryConfig(options.registryText, options.registrySource);
  return createBotService({
    registry,
    slack: options.slack,
    ...(options.policy ? { policy: options.policy } : {}),
    ...(options.sandbox ? { sandbox: options.sandbox } : {}),
    ...(options.slackApiUrl ? { slackApiUrl: options.slackApiUrl } : {}),
    ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
    env: options.env ?? process.env,
  });
}

async function serveService(port: MessagePort, options: ServiceWorkerOptions): Promise<void> {
  lowerThisThreadPriority(options.niceness ?? DEFAULT_NICENESS);
  // The main thread's metrics count this thread's Azure and Kubernetes calls too.
  watchOutboundCalls((call) => port.postMessage({ type: 'outbound', ...call } satisfies FromWorker));
  let backend: BotService;
  try {
    backend = await build(options);
  } catch (error) {
    port.postMessage({ type: 'failed', error: toWireError(error) } satisfies FromWorker);
    return;
  }
  answerCalls(port, backend);
}

const options = (workerData as { kvcsiServiceWorker?: ServiceWorkerOptions } | undefined)?.kvcsiServiceWorker;
if (!isMainThread && parentPort && options) void serveService(parentPort, options);
