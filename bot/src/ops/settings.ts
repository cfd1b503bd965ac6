/**
 * What the bot needs to start, from its flags and environment, checked before anything starts. Fails closed: a
 * server reads only the registry it is given (`--config` / KVCSI_CONFIG), needs a store, and never falls back to the
 * example registry, the sandbox or built-in Slack settings unless sandbox mode is asked for explicitly
 * (`--sandbox` / KVCSI_SANDBOX=1, which `npm start` passes). Every refusal is a KvcsiError CONFIG_INVALID whose
 * message is one line naming the setting.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { EXAMPLE_CONFIG_PATH, KvcsiError, parseRegistryConfig, type ClusterRegistry, type PolicyConfigInput } from '@kvcsi/core';
import { storeOptionsFromUrl } from '@kvcsi/store';
import { parse as parseYaml, stringify } from 'yaml';
import type { ServiceLocation } from '../backend.js';
import { SANDBOX_SLACK_CONFIG, parseSlackConfig, splitConfigText, type SlackConfig } from '../config.js';
import { loadWatchSettings, type WatchSettings } from '../watch/lease-settings.js';

export type LogLevelName = 'debug' | 'info' | 'warn' | 'error';

export interface BotSettings {
  /** The registry part of the configuration (YAML, for the service worker) and where it came from. */
  registryText: string;
  registrySource: string;
  registry: ClusterRegistry;
  policy?: PolicyConfigInput;
  slack: SlackConfig;
  /** Sandbox mode, asked for explicitly; `url` is a sandbox served by another process. */
  sandbox?: { url?: string; stateFile?: string | false };
  /** KVCSI_DATABASE_URL; absent only in sandbox mode (requests then live in memory). */
  databaseUrl?: string;
  /** KVCSI_REPLICAS (default 1): more than one needs PostgreSQL. */
  replicas: number;
  port: number;
  serviceIn: ServiceLocation;
  logLevel: LogLevelName;
  /** SIGTERM: how long in-flight commands and applies may take before the process exits anyway. */
  shutdownDeadlineInMs: number;
  slackApiUrl?: string;
  /** The watcher's Lease timings and settling time (KVCSI_WATCH_*). */
  watch: WatchSettings;
}

export const BOT_USAGE = `Usage: kvcsi-bot [--config <kvcsi.yaml>] [--sandbox]

  --config <file>   the kvcsi configuration (registry, policy, slack); or KVCSI_CONFIG. Required unless --sandbox.
  --sandbox         run over the sandbox (simulated Azure and AKS); or KVCSI_SANDBOX=1. Development only.

Environment: SLACK_BOT_TOKEN or SLACK_BOT_TOKEN_FILE, SLACK_SIGNING_SECRET or SLACK_SIGNING_SECRET_FILE (HTTP),
SLACK_APP_TOKEN or SLACK_APP_TOKEN_FILE (Socket Mode), KVCSI_DATABASE_URL (postgres://… or sqlite:<path>; required
unless --sandbox), KVCSI_REPLICAS (more than 1 needs PostgreSQL), PORT (3000), LOG_LEVEL (info),
KVCSI_SHUTDOWN_DEADLINE_MS (25000), KVCSI_SERVICE_IN (worker|process), SLACK_API_URL, KVCSI_SANDBOX_URL.
The watcher: KVCSI_WATCH_LEASE_NAMESPACE (kvcsi), KVCSI_WATCH_LEASE_DURATION_SECONDS (15),
KVCSI_WATCH_RENEW_DEADLINE_SECONDS (10), KVCSI_WATCH_RETRY_PERIOD_SECONDS (2), KVCSI_WATCH_SETTLE_MS (10000).`;

function invalid(field: string, message: string): KvcsiError {
  return new KvcsiError('CONFIG_INVALID', `${field}: ${message}`, { field });
}

export function isTrue(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, range: { min: number; max: number }): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < range.min || value > range.max) throw invalid(name, `must be a whole number from ${range.min} to ${range.max}, not ${JSON.stringify(raw)}`);
  return value;
}

function logLevelOf(raw: string | undefined): LogLevelName {
  const value = (raw ?? 'info').toLowerCase();
  if (value === 'debug' || value === 'info' || value === 'warn' || value === 'error') return value;
  throw invalid('LOG_LEVEL', `must be debug, info, warn or error, not ${JSON.stringify(raw)}`);
}

function serviceLocationOf(value: string | undefined): ServiceLocation {
  if (value === undefined || value === '' || value === 'worker') return 'worker';
  if (value === 'process') return 'process';
  throw invalid('KVCSI_SERVICE_IN', `must be worker or process, not ${JSON.stringify(value)}`);
}

function readConfigFile(file: string, field: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw invalid(field, `cannot read ${file} (${code === 'ENOENT' ? 'no such file' : code ?? 'unreadable'})`);
  }
}

/** The configuration file split in three: registry (for the core's parser), policy, slack. */
function splitConfiguration(text: string, source: string, sandbox: boolean): { registryText: string; policy?: PolicyConfigInput; slack: SlackConfig } {
  let slack: SlackConfig;
  let rest: Record<string, unknown>;
  try {
    ({ slack, rest } = splitConfigText(text, source));
  } catch (error) {
    // The shipped example has no slack: section; sandbox mode, and only sandbox mode, brings its own.
    if (!sandbox || !KvcsiError.is(error, 'CONFIG_INVALID') || error.field !== 'slack') throw error;
    slack = parseSlackConfig(SANDBOX_SLACK_CONFIG, 'sandbox defaults');
    rest = (parseYaml(text) ?? {}) as Record<string, unknown>;
  }
  const { policy, ...registry } = rest;
  return { registryText: stringify(registry), slack, ...(policy === undefined ? {} : { policy: policy as PolicyConfigInput }) };
}

/** Reads and checks every setting; throws CONFIG_INVALID (one line, naming the setting) at the first bad one. */
export function loadBotSettings(argv: readonly string[], env: NodeJS.ProcessEnv, cwd: string = process.cwd()): BotSettings {
  let values: { config?: string; sandbox?: boolean };
  try {
    ({ values } = parseArgs({ args: [...argv], options: { config: { type: 'string' }, sandbox: { type: 'boolean' } }, strict: true }));
  } catch (error) {
    throw new KvcsiError('CONFIG_INVALID', `${(error as Error).message.split('\n')[0]} (kvcsi-bot --help)`, { field: 'argv' });
  }
  const sandbox = values.sandbox === true || isTrue(env.KVCSI_SANDBOX);
  const sandboxUrl = env.KVCSI_SANDBOX_URL || undefined;
  if (sandboxUrl !== undefined && !sandbox) throw invalid('KVCSI_SANDBOX_URL', 'is set but sandbox mode is not; add --sandbox or KVCSI_SANDBOX=1, or unset it');

  const explicit = values.config ?? (env.KVCSI_CONFIG || undefined);
  const field = values.config !== undefined ? '--config' : 'KVCSI_CONFIG';
  if (explicit === undefined && !sandbox) throw invalid('KVCSI_CONFIG', 'is not set; the bot needs its configuration (registry, policy, slack): --config <file> or KVCSI_CONFIG=<file>');
  const registrySource = explicit !== undefined ? path.resolve(cwd, explicit) : EXAMPLE_CONFIG_PATH;
  const text = readConfigFile(registrySource, field);
  const { registryText, slack, policy } = splitConfiguration(text, registrySource, sandbox);
  const registry = parseRegistryConfig(registryText, registrySource);

  const databaseUrl = env.KVCSI_DATABASE_URL?.trim() || undefined;
  if (databaseUrl === undefined && !sandbox) {
    throw invalid('KVCSI_DATABASE_URL', 'is not set; requests, audit and cards need a store: postgres://… (required for more than one replica) or sqlite:<path>');
  }
  const replicas = integer(env, 'KVCSI_REPLICAS', 1, { min: 1, max: 1000 });
  const client = databaseUrl === undefined ? 'memory' : storeOptionsFromUrl(databaseUrl, env).client;
  if (replicas > 1 && client !== 'pg') {
    throw invalid('KVCSI_REPLICAS', `is ${replicas}, and more than one replica needs PostgreSQL (KVCSI_DATABASE_URL=postgres://…), not ${client === 'memory' ? 'memory' : 'SQLite'}`);
  }

  const stateFile = env.KVCSI_SANDBOX_STATE || undefined;
  return {
    registryText, registrySource, registry, slack, ...(policy ? { policy } : {}),
    ...(sandbox ? { sandbox: sandboxUrl !== undefined ? { url: sandboxUrl } : { stateFile: stateFile ?? false } } : {}),
    ...(databaseUrl !== undefined ? { databaseUrl } : {}),
    replicas,
    port: integer(env, 'PORT', 3000, { min: 0, max: 65535 }),
    serviceIn: serviceLocationOf(env.KVCSI_SERVICE_IN),
    logLevel: logLevelOf(env.LOG_LEVEL),
    shutdownDeadlineInMs: integer(env, 'KVCSI_SHUTDOWN_DEADLINE_MS', 25_000, { min: 0, max: 600_000 }),
    ...(env.SLACK_API_URL ? { slackApiUrl: env.SLACK_API_URL } : {}),
    watch: loadWatchSettings(env),
  };
}
