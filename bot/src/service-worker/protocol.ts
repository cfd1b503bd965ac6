/**
 * What the main thread and the service worker say to each other. Everything here crosses `postMessage`, so it is
 * plain data: method names, arguments without their AbortSignals, results, and errors flattened to the fields a
 * KvcsiError has (no stack, no cause: those may carry anything).
 */
import { KVCSI_ERROR_CODES, KvcsiError, type KvcsiErrorCode, type KvcsiService, type PolicyConfigInput } from '@kvcsi/core';
import type { SlackConfig } from '../config.js';

export type ServiceMethod = keyof KvcsiService;

// A Record over every method: a method added to KvcsiService fails to compile here until the proxy knows it.
const METHODS: Record<ServiceMethod, true> = {
  listClusters: true, checkRead: true, bindings: true, diagnosePod: true, diagnoseApp: true, status: true,
  planGrant: true, grant: true, planRevoke: true, revoke: true,
  createSecret: true, requestSecret: true, supplySecretValue: true, recoverSecret: true,
  listRequests: true, getRequest: true, approve: true, reject: true, resumeApproved: true, audit: true,
};
export const SERVICE_METHODS = Object.keys(METHODS) as ServiceMethod[];

export function isServiceMethod(name: unknown): name is ServiceMethod {
  return typeof name === 'string' && Object.hasOwn(METHODS, name);
}

/** Everything the worker needs to build the service as `createBotService` does, as data. */
export interface ServiceWorkerOptions {
  /** The registry part of the configuration (YAML), parsed again in the worker, and where it came from. */
  registryText: string;
  registrySource: string;
  slack: SlackConfig;
  policy?: PolicyConfigInput;
  sandbox?: { stateFile?: string | false; scenario?: string; url?: string };
  /** SLACK_API_URL: let through the sandbox's interception in the worker (the worker itself never calls Slack). */
  slackApiUrl?: string;
  databaseUrl?: string;
  /**
   * The worker thread's niceness (0–19; Linux): how readily it yields a core to the bot's thread, which must
   * acknowledge Slack within 3 s. Default 10; 0 leaves it as the process.
   */
  niceness?: number;
  /** The worker's environment (Azure and Kubernetes credentials, database settings); Slack tokens are left out. */
  env?: Record<string, string>;
}

export interface WireError {
  code: KvcsiErrorCode;
  message: string;
  field?: string;
  rule?: string;
  file?: string;
  line?: number;
  details?: Record<string, unknown>;
}

export type ToWorker =
  | { type: 'call'; id: number; method: ServiceMethod; args: unknown[]; /** Indexes of arguments that carried an AbortSignal. */ signalAt: number[] }
  | { type: 'abort'; id: number }
  | { type: 'close' };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'failed'; error: WireError }
  | { type: 'result'; id: number; value: unknown }
  | { type: 'error'; id: number; error: WireError }
  | { type: 'log'; level: 'warn' | 'error'; message: string; fields: Record<string, unknown> }
  /** An HTTP call the worker made (Azure, Kubernetes): host and status only, for the metrics. */
  | { type: 'outbound'; host: string; status: string; durationInMs: number }
  | { type: 'closed' };

type Scrub = (text: string) => string;

function scrubDeep(value: unknown, scrub: Scrub, depth = 0): unknown {
  if (typeof value === 'string') return scrub(value);
  if (value === null || typeof value !== 'object' || depth > 8) return typeof value === 'object' && value !== null ? '[…]' : value;
  if (Array.isArray(value)) return value.map((item) => scrubDeep(item, scrub, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) out[key] = scrubDeep(item, scrub, depth + 1);
  return out;
}

/**
 * An error as data. A KvcsiError keeps its code, message, field, rule, file, line and details; anything else is a
 * bug whose text may carry anything, so only its class name travels. `scrub` cuts the secret values of the call
 * out of every string, in case a message quoted one.
 */
export function toWireError(error: unknown, scrub: Scrub = (text) => text): WireError {
  if (!(error instanceof KvcsiError)) {
    const name = error instanceof Error ? error.name : typeof error;
    return { code: 'INTERNAL', message: `unexpected ${name} in the kvcsi service` };
  }
  const wire: WireError = { code: error.code, message: scrub(error.message) };
  if (error.field !== undefined) wire.field = scrub(error.field);
  if (error.rule !== undefined) wire.rule = scrub(error.rule);
  if (error.file !== undefined) wire.file = error.file;
  if (error.line !== undefined) wire.line = error.line;
  if (error.details !== undefined) {
    // Details are data we wrote, but structured clone refuses functions and the like: keep what survives JSON.
    try {
      wire.details = scrubDeep(JSON.parse(JSON.stringify(error.details)), scrub) as Record<string, unknown>;
    } catch {
      wire.details = { note: 'details could not be serialised' };
    }
  }
  return wire;
}

/** The KvcsiError again, on the main thread (its stack is the proxy's, so it holds nothing from the worker). */
export function fromWireError(wire: WireError): KvcsiError {
  const code: KvcsiErrorCode = (KVCSI_ERROR_CODES as readonly string[]).includes(wire.code) ? wire.code : 'INTERNAL';
  return new KvcsiError(code, wire.message, {
    ...(wire.field !== undefined ? { field: wire.field } : {}),
    ...(wire.rule !== undefined ? { rule: wire.rule } : {}),
    ...(wire.file !== undefined ? { file: wire.file } : {}),
    ...(wire.line !== undefined ? { line: wire.line } : {}),
    ...(wire.details !== undefined ? { details: wire.details } : {}),
  });
}

/** The secret values in a call's arguments (createSecret's and supplySecretValue's `value`): to be scrubbed from what comes back. */
export function secretValuesOf(method: ServiceMethod, args: readonly unknown[]): string[] {
  if (method !== 'createSecret' && method !== 'supplySecretValue') return [];
  const value = (args[0] as { value?: unknown } | undefined)?.value;
  return typeof value === 'string' ? [value] : [];
}
