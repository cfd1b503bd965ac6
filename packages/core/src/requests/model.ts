/**
 * The request model: what someone asked kvcsi to do, who decided, and how it ended. A request never carries a secret
 * value — a self-service secret request names the secret; its value travels later, straight to an executor.
 */
import type { Tier } from '../clusters/schema.js';

export const REQUEST_KINDS = ['grant', 'revoke', 'secret-create', 'secret-request', 'secret-recover'] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];

/**
 * pending → approved | rejected | expired; approved → applied | failed. `applied`, `failed`, `rejected` and `expired`
 * are final.
 */
export const REQUEST_STATUSES = ['pending', 'approved', 'rejected', 'expired', 'applied', 'failed'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

export const FINAL_REQUEST_STATUSES: readonly RequestStatus[] = ['rejected', 'expired', 'applied', 'failed'];

const TRANSITIONS: Readonly<Record<RequestStatus, readonly RequestStatus[]>> = {
  pending: ['approved', 'rejected', 'expired'],
  approved: ['applied', 'failed'],
  rejected: [],
  expired: [],
  applied: [],
  failed: [],
};

export function canTransition(from: RequestStatus, to: RequestStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Where the request acts. Names only; never a value. */
export interface RequestTarget {
  cluster: string;
  tier: Tier;
  app?: string;
  vault?: string;
  /** An ARM scope (vault or secret) for grants, when planned. */
  scope?: string;
  /** The Key Vault secret name for `secret-create`, `secret-request` and `secret-recover`. */
  secretName?: string;
  namespace?: string;
}

export interface RequestDecision {
  by: string;
  /** RFC 3339 (UTC). */
  at: string;
  reason?: string;
  /** A person's decision: the deciding server's Ed25519 signature (base64) over the decided request (see signing.ts). */
  signature?: string;
}

export interface RequestApplyClaim {
  by: string;
  at: string;
}

export interface RequestOutcome {
  /** False when the target already was as asked (an idempotent no-op). */
  changed: boolean;
  message?: string;
  /** The Azure correlation id (x-ms-correlation-request-id) of the write, when there was one. */
  correlationId?: string;
}

export interface AccessRequest {
  /** Opaque and short enough to type: `req-` and 10 characters. */
  id: string;
  kind: RequestKind;
  status: RequestStatus;
  /** Bumped by every transition; the compare-and-set token. */
  version: number;
  /** The principal who asked, e.g. `slack:U123`, `backstage:user:default/jane`, `cli:alice`. */
  requester: string;
  justification: string;
  target: RequestTarget;
  /** Plan details to show approvers (role, permissions…). Plain strings, checked for secret-looking content. */
  details?: Record<string, string>;
  /** Whether the policy demanded a second person's approval; false means approved on submission. */
  approvalRequired: boolean;
  /** The group whose member must approve, when the policy names one. */
  approverGroup?: string;
  /**
   * The tier whose approval rule decides, when stricter than the target's: a request that overwrites a secret another
   * app uses is escalated to `prd` approval even on dev.
   */
  approvalTier?: Tier;
  createdAt: string;
  updatedAt: string;
  /** A pending request past this instant is expired. */
  expiresAt: string;
  /** Set when approved (by a person, or `policy` when no approval was required) or rejected. */
  decision?: RequestDecision;
  /** Set while an apply is in flight, so that concurrent appliers apply exactly once. */
  applyClaim?: RequestApplyClaim;
  appliedAt?: string;
  outcome?: RequestOutcome;
  /** Why the apply failed: a KvcsiError code and message, never a raw upstream text. */
  failureReason?: string;
}

/** Whether a pending request has passed its expiry at `nowInMs`. */
export function isPastExpiry(request: Pick<AccessRequest, 'status' | 'expiresAt'>, nowInMs: number): boolean {
  return request.status === 'pending' && Date.parse(request.expiresAt) <= nowInMs;
}

export function toIsoTime(epochInMs: number): string {
  return new Date(epochInMs).toISOString();
}
