/**
 * The one error class of kvcsi. Adapters translate SDK errors into it; each front end maps `code` its own way
 * (the CLI to an exit code, the bot to a message, the Backstage backend to an HTTP status).
 */
export const KVCSI_ERROR_CODES = [
  /** Bad input from a person: a flag, a name, a request body. */
  'INVALID_INPUT',
  /** The configuration file is missing, unreadable or invalid. */
  'CONFIG_INVALID',
  /** A cluster, app, binding, secret or request that does not exist. */
  'NOT_FOUND',
  /** Something exists already and would be overwritten. */
  'ALREADY_EXISTS',
  /** Authentication failed (no or bad credentials, token exchange refused). */
  'UNAUTHENTICATED',
  /** Authenticated but not allowed (Key Vault 403, Kubernetes 403, kvcsi policy). */
  'FORBIDDEN',
  /** A compare-and-set lost: the state changed under us. */
  'CONFLICT',
  /** The remote service throttled us (429). */
  'THROTTLED',
  /** The remote service could not be reached or answered 5xx. */
  'UNAVAILABLE',
  /** The operation exceeded its time budget. */
  'TIMEOUT',
  /** The caller aborted through its AbortSignal. */
  'ABORTED',
  /** A bug: something that should not happen. */
  'INTERNAL',
] as const;

export type KvcsiErrorCode = (typeof KVCSI_ERROR_CODES)[number];

export interface KvcsiErrorOptions {
  /** The input field the error is about, e.g. `clusters[2].keyVault.name` or `--secret`. */
  field?: string;
  /** The rule that was broken, in words a person can act on. */
  rule?: string;
  /** Where: a file path and 1-based line, when the error comes from a file. */
  file?: string;
  line?: number;
  /** Extra structured detail, never secret values. */
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class KvcsiError extends Error {
  override readonly name = 'KvcsiError';
  readonly code: KvcsiErrorCode;
  readonly field?: string;
  readonly rule?: string;
  readonly file?: string;
  readonly line?: number;
  readonly details?: Record<string, unknown>;

  constructor(code: KvcsiErrorCode, message: string, options: KvcsiErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (options.field !== undefined) this.field = options.field;
    if (options.rule !== undefined) this.rule = options.rule;
    if (options.file !== undefined) this.file = options.file;
    if (options.line !== undefined) this.line = options.line;
    if (options.details !== undefined) this.details = options.details;
  }

  static is(value: unknown, code?: KvcsiErrorCode): value is KvcsiError {
    return value instanceof KvcsiError && (code === undefined || value.code === code);
  }

  /** A plain object safe to print as JSON (no stack, no cause). */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { code: this.code, message: this.message };
    for (const key of ['field', 'rule', 'file', 'line'] as const) {
      if (this[key] !== undefined) out[key] = this[key];
    }
    return out;
  }
}
