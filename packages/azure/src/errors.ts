import { isRestError } from '@azure/core-rest-pipeline';
import { KvcsiError, type KvcsiErrorCode } from '@kvcsi/core';

/** What an adapter call was doing, for the message; `sensitive` strings are cut out of anything we keep. */
export interface AzureCallContext {
  /** e.g. `get vault properties`. */
  operation: string;
  /** e.g. the vault or scope. */
  target?: string;
  /** Values that must never appear in a message (the secret value of a `setSecret`). */
  sensitive?: readonly string[];
  /** The error body the pipeline saw, when the SDK's error lost it (paged calls of keyvault-secrets 4.11). */
  serviceError?: { code?: string; innerCode?: string; message?: string };
}

const IDENTITY_ERROR_NAMES = new Set(['AuthenticationError', 'AuthenticationRequiredError', 'CredentialUnavailableError', 'AggregateAuthenticationError']);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'REQUEST_SEND_ERROR']);

/** Cuts tokens, JWTs and the caller's sensitive strings out of a service message. */
export function scrub(text: string, sensitive: readonly string[] = []): string {
  let out = text;
  for (const value of sensitive) if (value.length > 0) out = out.split(value).join('<redacted>');
  return out
    .replace(/\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, '<redacted>')
    .replace(/\b(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi, '$1<redacted>')
    .replace(/\b(access_token|client_secret|client_assertion|refresh_token)(["']?\s*[:=]\s*["']?)[^"'&\s,}]+/gi, '$1$2<redacted>');
}

function codeForStatus(status: number, serviceCode: string | undefined): KvcsiErrorCode {
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'FORBIDDEN';
  if (status === 404) return 'NOT_FOUND';
  if (status === 409) return serviceCode === 'RoleAssignmentExists' || /AlreadyExists/i.test(serviceCode ?? '') ? 'ALREADY_EXISTS' : 'CONFLICT';
  if (status === 429) return 'THROTTLED';
  if (status === 408 || status >= 500) return 'UNAVAILABLE';
  if (status >= 400) return 'INVALID_INPUT';
  return 'INTERNAL';
}

/** Key Vault nests the reason: `{ error: { code: 'Forbidden', innerError: { code: 'ForbiddenByRbac' } } }`. */
function innerCodeOf(details: unknown): string | undefined {
  const error = (details as { error?: { innerError?: { code?: unknown }; innererror?: { code?: unknown } } } | undefined)?.error;
  const inner = error?.innerError?.code ?? error?.innererror?.code;
  return typeof inner === 'string' ? inner : undefined;
}

function retryAfterSecondsOf(headers: { get(name: string): string | undefined } | undefined): number | undefined {
  const raw = headers?.get('retry-after');
  if (raw === undefined) return undefined;
  const seconds = Number(raw);
  return Number.isFinite(seconds) ? seconds : undefined;
}

function prefix(context: AzureCallContext): string {
  return context.target === undefined ? context.operation : `${context.operation} (${context.target})`;
}

/**
 * Any error out of the Azure SDKs as a KvcsiError. The SDK error is not kept as `cause`: a RestError carries the
 * request, whose body may hold a secret value. What a caller needs is copied into `details`.
 */
export function toKvcsiError(error: unknown, context: AzureCallContext): KvcsiError {
  if (error instanceof KvcsiError) return error;
  const sensitive = context.sensitive ?? [];
  const rawMessage = error instanceof Error ? error.message : String(error);
  const message = scrub(rawMessage, sensitive).split('\n')[0]?.trim() ?? '';
  const name = error instanceof Error ? error.name : typeof error;

  if (isRestError(error)) {
    const status = error.statusCode;
    if (status === undefined) {
      return new KvcsiError('UNAVAILABLE', `${prefix(context)}: could not reach the service: ${message}`, {
        details: { operation: context.operation, sdkCode: error.code },
      });
    }
    const serviceCode = error.code ?? context.serviceError?.code;
    const innerCode = innerCodeOf(error.details) ?? context.serviceError?.innerCode;
    const serviceMessage = error.details === undefined && context.serviceError?.message !== undefined ? scrub(context.serviceError.message, sensitive).split('\n')[0]?.trim() ?? message : message;
    const code = codeForStatus(status, serviceCode);
    const reason = [serviceCode, innerCode].filter((c) => c !== undefined).join('/');
    const details: Record<string, unknown> = { operation: context.operation, status };
    if (serviceCode !== undefined) details['serviceCode'] = serviceCode;
    if (innerCode !== undefined) details['innerCode'] = innerCode;
    const retryAfterSeconds = retryAfterSecondsOf(error.response?.headers);
    if (retryAfterSeconds !== undefined) details['retryAfterSeconds'] = retryAfterSeconds;
    const requestId = error.response?.headers.get('x-ms-request-id');
    if (requestId !== undefined) details['requestId'] = requestId;
    return new KvcsiError(code, `${prefix(context)}: ${status}${reason === '' ? '' : ` ${reason}`}: ${serviceMessage}`, { details });
  }

  if (IDENTITY_ERROR_NAMES.has(name)) {
    const status = (error as { statusCode?: unknown }).statusCode;
    const aadsts = /AADSTS(\d+)/.exec(rawMessage)?.[1];
    const code: KvcsiErrorCode = status === 429 ? 'THROTTLED' : typeof status === 'number' && status >= 500 ? 'UNAVAILABLE' : 'UNAUTHENTICATED';
    return new KvcsiError(code, `${prefix(context)}: could not get a token (${name}): ${message}`, {
      details: { operation: context.operation, credentialError: name, ...(aadsts === undefined ? {} : { aadsts: `AADSTS${aadsts}` }) },
    });
  }

  if (name === 'AbortError') {
    return new KvcsiError('ABORTED', `${prefix(context)}: aborted`, { details: { operation: context.operation } });
  }

  const systemCode = (error as { code?: unknown } | undefined)?.code;
  if (typeof systemCode === 'string' && NETWORK_CODES.has(systemCode)) {
    return new KvcsiError('UNAVAILABLE', `${prefix(context)}: could not reach the service: ${message}`, { details: { operation: context.operation, sdkCode: systemCode } });
  }
  return new KvcsiError('INTERNAL', `${prefix(context)}: unexpected ${name}: ${message}`, { details: { operation: context.operation } });
}
