/**
 * The KvcsiService for one CLI invocation: the runtime's ports (Azure and Kubernetes, or the sandbox), the store
 * (SQLite file, or PostgreSQL by KVCSI_DATABASE_URL) and the policy.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createKvcsiService, createPolicy, decisionKeysFromEnv, KvcsiError, SANDBOX_POLICY, type ClusterRegistry, type KvcsiService, type Policy, type PolicyConfigInput } from '@kvcsi/core';
import type { Runtime } from '@kvcsi/runtime';
import type { KvcsiStore, StoreOptions } from '@kvcsi/store';
import { loadStore } from './load-on-first-use.js';
import type { CliIo } from './io.js';
import { sandboxStateFile } from './runtime.js';

/** Where the CLI keeps requests and audit when KVCSI_DATABASE_URL is not set. */
export const DEFAULT_DATABASE_FILE = '.kvcsi/kvcsi.db';

export interface CliService {
  service: KvcsiService;
  store: KvcsiStore;
  close(): Promise<void>;
}

/** KVCSI_DATABASE_URL (postgres://…, sqlite:<path>, a path); else `.kvcsi/kvcsi.db` (in sandbox mode: beside the sandbox state). */
export function cliStoreOptions(io: CliIo, sandbox: boolean): StoreOptions {
  const url = io.env.KVCSI_DATABASE_URL;
  if (url !== undefined && url.trim() !== '') {
    const options = loadStore().storeOptionsFromUrl(url, io.env);
    return options.client === 'sqlite' ? { ...options, filename: path.resolve(io.cwd, options.filename) } : options;
  }
  const filename = sandbox ? path.join(path.dirname(sandboxStateFile(io)), 'kvcsi.db') : path.resolve(io.cwd, DEFAULT_DATABASE_FILE);
  return { client: 'sqlite', filename };
}

/** The config's `policy:` section; else the sandbox's policy in sandbox mode; else the JSON file KVCSI_POLICY names; else none (every write denied). */
export function cliPolicy(io: CliIo, sandbox: boolean, registry?: ClusterRegistry): PolicyConfigInput {
  // The configuration file's `policy:` section wins: one file describes clusters and who may act on them.
  if (registry?.policy !== undefined) return registry.policy;
  if (sandbox) return SANDBOX_POLICY;
  const file = io.env.KVCSI_POLICY;
  if (file === undefined || file === '') return {};
  try {
    return JSON.parse(readFileSync(path.resolve(io.cwd, file), 'utf8')) as PolicyConfigInput;
  } catch (error) {
    throw new KvcsiError('CONFIG_INVALID', `cannot read the policy file ${file} (KVCSI_POLICY): ${(error as Error).message}`, { field: 'KVCSI_POLICY', file });
  }
}

/** The CLI's policy, read and compiled once per command (the reader check and the service share it). */
export function loadCliPolicy(io: CliIo, sandbox: boolean, registry: ClusterRegistry): Policy {
  return createPolicy(cliPolicy(io, sandbox, registry));
}

/** Whether the policy denies `read` to anyone: only then must the CLI tell who reads. */
export function readsRestricted(policy: Policy): boolean {
  return policy.config.rules.some((rule) => rule.effect === 'deny' && rule.actions.includes('read'));
}

export async function createCliService(options: { io: CliIo; registry: ClusterRegistry; runtime: Runtime; sandbox: boolean; policy: Policy }): Promise<CliService> {
  const { io, registry, runtime, sandbox, policy } = options;
  // Sandbox mode opens only a store the sandbox created, so its well-known users and key never touch a live store.
  const store = await loadStore().createStore({ ...cliStoreOptions(io, sandbox), mode: sandbox ? 'sandbox' : 'live' });
  const service = createKvcsiService({
    registry,
    clusterPort: (name) => runtime.clusterPort(name),
    vault: runtime.vault,
    requests: store,
    audit: store,
    policy,
    // Outside the sandbox the CLI only verifies decisions (KVCSI_DECISION_PUBLIC_KEY); servers make and sign them.
    decisions: decisionKeysFromEnv(io.env, { sandbox, server: false }),
  });
  return { service, store, close: () => store.close() };
}
