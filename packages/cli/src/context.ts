/* eslint-disable @typescript-eslint/no-require-imports -- what only some commands need is required on first use */
import type { Actor, KvcsiService, Policy } from '@kvcsi/core';
import { KvcsiError } from '@kvcsi/core/errors';
import type * as ClusterLoading from '@kvcsi/core/clusters/load';
import type { ClusterRegistry } from '@kvcsi/core/clusters';
import type { Runtime } from '@kvcsi/runtime';
import type * as ActorModule from './actor.js';
import { colorEnabled, createPaint, type CliIo, type Paint } from './io.js';
import { createCliRuntime, sandboxRequested } from './runtime.js';
import type * as ServiceModule from './service.js';
import type { CliService } from './service.js';

export type OutputFormat = 'text' | 'json';

/** Options every command accepts (declared on the root program). */
export interface GlobalOptions {
  config?: string;
  format: OutputFormat;
  color?: boolean;
  /** Run against the embedded sandbox (also `KVCSI_SANDBOX=1`). */
  sandbox?: boolean;
  /** Sandbox mode only: act as this scenario user (requester, approver, outsider). */
  as?: string;
  /** The command's overall deadline in seconds (`--timeout`, else KVCSI_TIMEOUT, else 15). */
  timeout?: string;
}

/** Long enough for a diagnosis over a slow link, short enough that CI and a person get an answer (issue 19: ≤ 20 s). */
export const DEFAULT_COMMAND_TIMEOUT_IN_SECONDS = 15;

/** `--timeout`/KVCSI_TIMEOUT in seconds, checked: a positive number of at most one hour. */
export function commandTimeoutInMs(flag: string | undefined, env: NodeJS.ProcessEnv): number {
  const raw = flag ?? env.KVCSI_TIMEOUT;
  if (raw === undefined || raw.trim() === '') return DEFAULT_COMMAND_TIMEOUT_IN_SECONDS * 1000;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3600) {
    throw new KvcsiError('INVALID_INPUT', `${flag === undefined ? 'KVCSI_TIMEOUT' : '--timeout'} ${JSON.stringify(raw)}: expected seconds, more than 0 and at most 3600`, {
      field: flag === undefined ? 'KVCSI_TIMEOUT' : '--timeout',
      rule: 'seconds, 0 < n ≤ 3600',
    });
  }
  return seconds * 1000;
}

/** What a command needs from the world; built lazily so `--help` never reads the configuration. */
export class CommandContext {
  private registryCache: ClusterRegistry | undefined;
  private runtimeCache: Runtime | undefined;
  private serviceCache: Promise<CliService> | undefined;
  private actorCache: Promise<Actor> | undefined;
  private readerCache: Promise<Actor | undefined> | undefined;
  private policyCache: Policy | undefined;
  readonly paint: Paint;
  /** No Azure or Kubernetes call outlives this moment (ms since the epoch): what runs out is reported as unchecked. */
  readonly notAfter: number;

  constructor(
    readonly io: CliIo,
    readonly options: GlobalOptions,
  ) {
    this.paint = createPaint(colorEnabled(io, options.color));
    this.notAfter = Date.now() + commandTimeoutInMs(options.timeout, io.env);
  }

  get registry(): ClusterRegistry {
    // The loader alone (not @kvcsi/core/clusters, whose schemas load zod), with the user's cache of validated files.
    const { loadRegistry, defaultCacheDir } = require('@kvcsi/core/clusters/load') as typeof ClusterLoading;
    this.registryCache ??= loadRegistry({ explicitPath: this.options.config, env: this.io.env, cwd: this.io.cwd, cacheDir: defaultCacheDir(this.io.env) });
    return this.registryCache;
  }

  get sandbox(): boolean {
    return sandboxRequested(this.io, this.options.sandbox);
  }

  /** Ports over Azure and the clusters (or the sandbox), built on first use and closed by `close()`. */
  get runtime(): Runtime {
    this.runtimeCache ??= createCliRuntime(this.io, this.registry, { sandbox: this.sandbox, notAfter: this.notAfter });
    return this.runtimeCache;
  }

  /** The KvcsiService over the runtime's ports and the store, built on first use and closed by `close()`. */
  get service(): Promise<KvcsiService> {
    const { createCliService } = require('./service.js') as typeof ServiceModule;
    this.serviceCache ??= createCliService({ io: this.io, registry: this.registry, runtime: this.runtime, sandbox: this.sandbox, policy: this.policy });
    return this.serviceCache.then((built) => built.service);
  }

  /** The policy (the config's `policy:`, the sandbox's, or KVCSI_POLICY's file), compiled on first use. */
  get policy(): Policy {
    const { loadCliPolicy } = require('./service.js') as typeof ServiceModule;
    this.policyCache ??= loadCliPolicy(this.io, this.sandbox, this.registry);
    return this.policyCache;
  }

  /** Who runs the command: the Entra user of the Azure credential (`aad:<upn>`), or in sandbox mode the `--as` user. */
  get actor(): Promise<Actor> {
    if (this.actorCache === undefined) {
      const sandbox = this.sandbox ? this.runtime.sandbox : undefined;
      const { resolveCliActor } = require('./actor.js') as typeof ActorModule;
      this.actorCache = resolveCliActor({
        ...(this.options.as !== undefined ? { as: this.options.as } : {}),
        ...(sandbox ? { sandbox } : { credential: this.runtime.vault }),
      });
    }
    return this.actorCache;
  }

  /**
   * The reader the policy's `read` rules apply to (issue 19): the `--as` user in sandbox mode; else, when the policy
   * denies reads to anyone, the signed-in user (an application credential is then refused: the rule may name a
   * person it stands in for). Without read denials reads are allowed to all, so nobody is resolved: no extra token
   * call, and CI with a service principal reads as before.
   */
  get reader(): Promise<Actor | undefined> {
    if (this.readerCache === undefined) {
      const { readsRestricted } = require('./service.js') as typeof ServiceModule;
      const restricted = this.options.as !== undefined || readsRestricted(this.policy);
      this.readerCache = restricted ? this.actor : Promise.resolve(undefined);
    }
    return this.readerCache;
  }

  /** `{ reader }` for a service read call, or nothing when reads are not restricted. */
  async readerOptions(): Promise<{ reader?: Actor }> {
    const reader = await this.reader;
    return reader === undefined ? {} : { reader };
  }

  async close(): Promise<void> {
    const service = this.serviceCache;
    this.serviceCache = undefined;
    if (service) await service.then((built) => built.close(), () => undefined);
    await this.runtimeCache?.close();
    this.runtimeCache = undefined;
  }

  out(text: string): void {
    this.io.stdout.write(text);
  }

  json(value: unknown): void {
    this.io.stdout.write(JSON.stringify(value, null, 2) + '\n');
  }
}
