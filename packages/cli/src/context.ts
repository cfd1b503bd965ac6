import { loadRegistry, type ClusterRegistry } from '@kvcsi/core';
import type { Runtime } from '@kvcsi/runtime';
import { colorEnabled, createPaint, type CliIo, type Paint } from './io.js';
import { createCliRuntime, sandboxRequested } from './runtime.js';

export type OutputFormat = 'text' | 'json';

/** Options every command accepts (declared on the root program). */
export interface GlobalOptions {
  config?: string;
  format: OutputFormat;
  color?: boolean;
  /** Run against the embedded sandbox (also `KVCSI_SANDBOX=1`). */
  sandbox?: boolean;
}

/** What a command needs from the world; built lazily so `--help` never reads the configuration. */
export class CommandContext {
  private registryCache: ClusterRegistry | undefined;
  private runtimeCache: Runtime | undefined;
  readonly paint: Paint;

  constructor(
    readonly io: CliIo,
    readonly options: GlobalOptions,
  ) {
    this.paint = createPaint(colorEnabled(io, options.color));
  }

  get registry(): ClusterRegistry {
    this.registryCache ??= loadRegistry({ explicitPath: this.options.config, env: this.io.env, cwd: this.io.cwd });
    return this.registryCache;
  }

  get sandbox(): boolean {
    return sandboxRequested(this.io, this.options.sandbox);
  }

  /** Ports over Azure and the clusters (or the sandbox), built on first use and closed by `close()`. */
  get runtime(): Runtime {
    this.runtimeCache ??= createCliRuntime(this.io, this.registry, { sandbox: this.sandbox });
    return this.runtimeCache;
  }

  async close(): Promise<void> {
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
