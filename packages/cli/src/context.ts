import { loadRegistry, type ClusterRegistry } from '@kvcsi/core';
import { colorEnabled, createPaint, type CliIo, type Paint } from './io.js';

export type OutputFormat = 'text' | 'json';

/** Options every command accepts (declared on the root program). */
export interface GlobalOptions {
  config?: string;
  format: OutputFormat;
  color?: boolean;
}

/** What a command needs from the world; built lazily so `--help` never reads the configuration. */
export class CommandContext {
  private registryCache: ClusterRegistry | undefined;
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

  out(text: string): void {
    this.io.stdout.write(text);
  }

  json(value: unknown): void {
    this.io.stdout.write(JSON.stringify(value, null, 2) + '\n');
  }
}
