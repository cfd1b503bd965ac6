/**
 * Slack's secrets from files (SLACK_BOT_TOKEN_FILE, SLACK_SIGNING_SECRET_FILE, SLACK_APP_TOKEN_FILE), re-read when
 * they change, else from the variable itself. Files let a deploy mount them from Key Vault through the CSI driver,
 * whose rotation replaces the file behind a symlink: the file is re-read by path every few seconds (a few bytes),
 * which follows such a swap — a watch on the old inode would not, and a stat-based watch can miss a change made
 * within its first poll. A value is never logged; a file that becomes empty or unreadable keeps the last good value
 * (and says so).
 */
import { readFileSync } from 'node:fs';
import { KvcsiError } from '@kvcsi/core';

export interface SecretSource {
  /** The setting's name (SLACK_BOT_TOKEN). */
  readonly name: string;
  /** Where it came from: `SLACK_BOT_TOKEN_FILE=/mnt/secrets/slack-bot-token` or `SLACK_BOT_TOKEN`. */
  readonly origin: string;
  /** The current value. */
  value(): string;
  /** Calls `listener` after each change of the value (a rotation). */
  onChange(listener: () => void): () => void;
  close(): void;
}

export interface SecretSourceOptions {
  env: NodeJS.ProcessEnv;
  /** How often the file is read again; default 2 s. */
  pollIntervalInMs?: number;
  /** Told about rotations and unreadable files (never the value). */
  log?: (level: 'info' | 'warn', message: string) => void;
}

function readSecretFile(file: string, field: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new KvcsiError('CONFIG_INVALID', `${field}: cannot read ${file} (${code === 'ENOENT' ? 'no such file' : code ?? 'unreadable'})`, { field });
  }
  // A file written by `echo` ends with a newline that is not part of the secret.
  const value = text.replace(/\r?\n$/, '');
  if (value.trim() === '') throw new KvcsiError('CONFIG_INVALID', `${field}: ${file} is empty`, { field });
  return value;
}

/** The secret `name`: from `${name}_FILE` when set (watched), else `${name}`; undefined when neither is set. */
export function secretSource(name: string, options: SecretSourceOptions): SecretSource | undefined {
  const fileField = `${name}_FILE`;
  const file = options.env[fileField] || undefined;
  if (file === undefined) {
    const value = options.env[name];
    if (!value) return undefined;
    return { name, origin: name, value: () => value, onChange: () => () => undefined, close: () => undefined };
  }
  if (options.env[name]) throw new KvcsiError('CONFIG_INVALID', `${name} and ${fileField} are both set; keep one`, { field: fileField });
  let current = readSecretFile(file, fileField);
  const listeners = new Set<() => void>();
  const check = (): void => {
    let next: string;
    try {
      next = readSecretFile(file, fileField);
    } catch (error) {
      options.log?.('warn', `${(error as Error).message}; keeping the value read before`);
      return;
    }
    if (next === current) return;
    current = next;
    options.log?.('info', `${fileField}: ${name} changed; using the new value`);
    for (const listener of listeners) listener();
  };
  const timer = setInterval(check, options.pollIntervalInMs ?? 2_000);
  timer.unref();
  return {
    name,
    origin: `${fileField}=${file}`,
    value: () => current,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: () => clearInterval(timer),
  };
}

/** Like `secretSource`, but a missing setting is an error naming both ways to give it. */
export function requiredSecretSource(name: string, options: SecretSourceOptions, why: string): SecretSource {
  const source = secretSource(name, options);
  if (!source) throw new KvcsiError('CONFIG_INVALID', `${name}: is not set (nor ${name}_FILE); ${why}`, { field: name });
  return source;
}
