/**
 * `kvcsi requests approve|reject` outside the sandbox: the CLI holds no decision key, so it asks a deciding server
 * (the Backstage backend's `/api/kvcsi`, `KVCSI_SERVER_URL`) with the user's Entra ID access token for kvcsi's API
 * (`KVCSI_SERVER_SCOPE`, e.g. `api://kvcsi/.default`), from the credential that already calls Azure. The server
 * verifies the token, decides as the person it names, and signs the decision.
 */
import type { ActionResult } from '@kvcsi/core';
import { KVCSI_ERROR_CODES, KvcsiError, type KvcsiErrorCode } from '@kvcsi/core/errors';

export const SERVER_URL_ENV = 'KVCSI_SERVER_URL';
export const SERVER_SCOPE_ENV = 'KVCSI_SERVER_SCOPE';

export interface DecideThroughServerOptions {
  serverUrl: string;
  token: string;
  requestId: string;
  decision: 'approve' | 'reject';
  reason?: string;
  fetch?: typeof fetch;
  signal?: AbortSignal;
}

export async function decideThroughServer(options: DecideThroughServerOptions): Promise<ActionResult> {
  const url = `${options.serverUrl.replace(/\/+$/, '')}/decisions/${encodeURIComponent(options.requestId)}/${options.decision}`;
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(options.reason !== undefined ? { reason: options.reason } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    throw new KvcsiError('UNAVAILABLE', `the kvcsi server at ${options.serverUrl} could not be reached (${error instanceof Error ? error.message : 'unknown error'})`, { field: SERVER_URL_ENV, cause: error });
  }
  const body = await response.json().catch(() => undefined) as (ActionResult & { error?: { code?: string; message?: string } }) | undefined;
  if (!response.ok || body === undefined) {
    const code = (KVCSI_ERROR_CODES as readonly string[]).includes(body?.error?.code ?? '') ? body!.error!.code as KvcsiErrorCode : response.status === 401 ? 'UNAUTHENTICATED' : 'UNAVAILABLE';
    throw new KvcsiError(code, body?.error?.message ?? `the kvcsi server answered HTTP ${response.status}`);
  }
  return body;
}
