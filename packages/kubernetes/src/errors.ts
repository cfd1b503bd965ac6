import { KvcsiError, type KvcsiErrorCode } from '@kvcsi/core';
import { parseForbidden } from './forbidden.js';

export interface KubeCallContext {
  /** e.g. `get pod`. */
  operation: string;
  /** e.g. `external-dns/external-dns-7d…`. */
  target?: string;
  cluster: string;
}

interface KubeStatus {
  message?: string;
  reason?: string;
  code?: number;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'CERT_HAS_EXPIRED', 'DEPTH_ZERO_SELF_SIGNED_CERT']);

/** client-node's ApiException: `code`, a raw `body` (a JSON string), `headers`. Its `message` embeds both; never copy it. */
function isApiException(error: unknown): error is { code: number; body: unknown; headers: Record<string, string> } {
  return error instanceof Error && typeof (error as { code?: unknown }).code === 'number' && 'body' in error && 'headers' in error;
}

/** The API server's Status from an ApiException body (a JSON string in 1.x, sometimes already an object). */
export function parseStatus(body: unknown): KubeStatus | undefined {
  let value = body;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value) as unknown;
    } catch {
      return undefined;
    }
  }
  if (value === null || typeof value !== 'object') return undefined;
  const status = value as Record<string, unknown>;
  return {
    ...(typeof status['message'] === 'string' ? { message: status['message'] } : {}),
    ...(typeof status['reason'] === 'string' ? { reason: status['reason'] } : {}),
    ...(typeof status['code'] === 'number' ? { code: status['code'] } : {}),
  };
}

function codeForStatus(status: number, reason: string | undefined): KvcsiErrorCode {
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'FORBIDDEN';
  if (status === 404) return 'NOT_FOUND';
  if (status === 409) return reason === 'AlreadyExists' ? 'ALREADY_EXISTS' : 'CONFLICT';
  if (status === 429) return 'THROTTLED';
  if (status === 408 || status === 504 || reason === 'Timeout') return 'UNAVAILABLE';
  if (status >= 500) return 'UNAVAILABLE';
  if (status >= 400) return 'INVALID_INPUT';
  return 'INTERNAL';
}

const where = (context: KubeCallContext): string => `${context.operation}${context.target === undefined ? '' : ` ${context.target}`} on cluster ${context.cluster}`;

/** Any error out of client-node as a KvcsiError, with the Status message and no headers or raw body. */
export function toKvcsiError(error: unknown, context: KubeCallContext): KvcsiError {
  if (error instanceof KvcsiError) return error;
  if (isApiException(error)) {
    const status = parseStatus(error.body);
    const code = codeForStatus(error.code, status?.reason);
    const retryAfter = Number(error.headers['retry-after'] ?? error.headers['Retry-After']);
    const details: Record<string, unknown> = { operation: context.operation, cluster: context.cluster, status: error.code };
    if (status?.reason !== undefined) details['reason'] = status.reason;
    if (Number.isFinite(retryAfter)) details['retryAfterSeconds'] = retryAfter;
    const forbidden = error.code === 403 && status?.message !== undefined ? parseForbidden(status.message) : undefined;
    if (forbidden !== undefined) details['forbidden'] = forbidden;
    const text = status?.message ?? `the API server answered ${error.code}`;
    return new KvcsiError(code, `${where(context)}: ${error.code}${status?.reason === undefined ? '' : ` ${status.reason}`}: ${text}`, { details });
  }
  const name = error instanceof Error ? error.name : typeof error;
  if (name === 'AbortError') return new KvcsiError('ABORTED', `${where(context)}: aborted`, { details: { operation: context.operation, cluster: context.cluster } });
  const systemCode = (error as { code?: unknown } | undefined)?.code;
  const message = error instanceof Error ? error.message.split('\n')[0] ?? '' : String(error);
  // node-fetch wraps socket failures in a FetchError of type "system".
  if (name === 'FetchError' || (typeof systemCode === 'string' && NETWORK_CODES.has(systemCode))) {
    return new KvcsiError('UNAVAILABLE', `${where(context)}: the API server cannot be reached: ${message}`, {
      details: { operation: context.operation, cluster: context.cluster, ...(typeof systemCode === 'string' ? { networkCode: systemCode } : {}) },
    });
  }
  return new KvcsiError('INTERNAL', `${where(context)}: unexpected ${name}: ${message}`, { details: { operation: context.operation, cluster: context.cluster } });
}
