/**
 * The deciding server's API for the CLI: `POST …/decisions/<request id>/approve|reject` with the user's Entra ID token
 * as a bearer token. The server verifies the token (createEntraTokenVerifier), decides as `aad:<upn>` with the token's
 * groups, and signs the decision with its own key — the CLI holds none. Framework-free: a front end (the Backstage
 * backend) passes the Authorization header, the route's id and decision, and the body's reason.
 */
import { KvcsiError, type KvcsiErrorCode } from '../errors.js';
import type { EntraTokenVerifier } from '../requests/entra-token.js';
import type { ActionResult, KvcsiService } from './types.js';

export const DECISIONS = ['approve', 'reject'] as const;
export type DecisionKind = (typeof DECISIONS)[number];

export interface DecideWithEntraTokenInput {
  /** The request's `Authorization` header: `Bearer <Entra ID access token>`. */
  authorization: string | undefined;
  requestId: string;
  decision: string;
  reason?: string;
  signal?: AbortSignal;
}

/** Verifies the bearer token, then approves or rejects as the person it names. */
export async function decideWithEntraToken(options: { service: KvcsiService; verifier: EntraTokenVerifier }, input: DecideWithEntraTokenInput): Promise<ActionResult> {
  const match = /^Bearer\s+(\S+)$/i.exec(input.authorization ?? '');
  if (!match) throw new KvcsiError('UNAUTHENTICATED', 'send the Entra ID access token as "Authorization: Bearer <token>"', { field: 'authorization' });
  if (!(DECISIONS as readonly string[]).includes(input.decision)) {
    throw new KvcsiError('INVALID_INPUT', `decision must be approve or reject, not "${input.decision}"`, { field: 'decision' });
  }
  const actor = await options.verifier.verify(match[1]!, input.signal ? { signal: input.signal } : {});
  const call = input.signal ? { signal: input.signal } : {};
  if (input.decision === 'approve') {
    return options.service.approve({ actor, requestId: input.requestId, ...(input.reason ? { reason: input.reason } : {}), ...call });
  }
  if (!input.reason) throw new KvcsiError('INVALID_INPUT', 'a rejection says why (reason)', { field: 'reason' });
  return options.service.reject({ actor, requestId: input.requestId, reason: input.reason, ...call });
}

const STATUS: Partial<Record<KvcsiErrorCode, number>> = {
  INVALID_INPUT: 400, UNAUTHENTICATED: 401, FORBIDDEN: 403, NOT_FOUND: 404, CONFLICT: 409, THROTTLED: 429, UNAVAILABLE: 503, TIMEOUT: 504,
};

/** The HTTP status a decision API answers a KvcsiError with. */
export function decisionErrorStatus(code: KvcsiErrorCode): number {
  return STATUS[code] ?? 500;
}
