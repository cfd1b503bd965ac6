import { KvcsiError, type CallOptions } from '@kvcsi/core';

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EHOSTUNREACH', 'ETIMEDOUT', 'EPIPE', '57P01', '57P03', '08000', '08001', '08003', '08006']);
const AUTH_CODES = new Set(['28P01', '28000']);
const UNIQUE_CODES = new Set(['23505', 'SQLITE_CONSTRAINT_PRIMARYKEY', 'SQLITE_CONSTRAINT_UNIQUE']);
const BUSY_CODES = new Set(['SQLITE_BUSY', 'SQLITE_LOCKED', '40001', '40P01', '55P03']);

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function isUniqueViolation(error: unknown): boolean {
  const code = codeOf(error);
  return code !== undefined && UNIQUE_CODES.has(code);
}

/**
 * A database error as a KvcsiError. The message names the operation and the driver's error code only: driver
 * messages quote SQL and connection details, which belong in the cause, not in front of a user.
 */
export function toStoreError(error: unknown, operation: string): KvcsiError {
  if (error instanceof KvcsiError) return error;
  const code = codeOf(error);
  const name = (error as { name?: unknown } | null)?.name;
  const what = `store: ${operation} failed${code ? ` (${code})` : ''}`;
  if (name === 'KnexTimeoutError') return new KvcsiError('TIMEOUT', `${what}: no database connection became free in time`, { cause: error });
  if (code && CONNECTION_CODES.has(code)) return new KvcsiError('UNAVAILABLE', `${what}: the database cannot be reached`, { cause: error });
  if (code && AUTH_CODES.has(code)) return new KvcsiError('UNAUTHENTICATED', `${what}: the database refused the credentials`, { cause: error });
  if (code && BUSY_CODES.has(code)) return new KvcsiError('UNAVAILABLE', `${what}: the database is busy; try again`, { cause: error });
  return new KvcsiError('INTERNAL', what, { cause: error });
}

export function throwIfAborted(signal: AbortSignal | undefined, operation: string): void {
  if (signal?.aborted) throw new KvcsiError('ABORTED', `store: ${operation} was aborted`);
}

/** Runs one store operation: refuses to start once aborted, and turns database errors into KvcsiErrors. */
export async function runStoreOperation<T>(operation: string, options: CallOptions, work: () => Promise<T>): Promise<T> {
  throwIfAborted(options.signal, operation);
  try {
    return await work();
  } catch (error) {
    throw toStoreError(error, operation);
  }
}
