/**
 * Audit events: who did what, where, when, with what result. Append-only. There is deliberately no field for a
 * secret value, and `recordAudit` refuses any field whose content looks like one.
 */
import type { Tier } from '../clusters/schema.js';
import type { CallOptions } from '../ports.js';

export const AUDIT_OUTCOMES = ['succeeded', 'unchanged', 'denied', 'conflict', 'failed'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/** Where the action happened. */
export interface AuditWhere {
  app?: string;
  cluster?: string;
  tier?: Tier;
  vault?: string;
  /** ARM scope, e.g. a vault or secret resource id. */
  scope?: string;
  secretName?: string;
  namespace?: string;
}

/** A flat, printable record of state before or after: names, permissions, role ids. */
export type AuditState = Record<string, string | number | boolean | null | readonly string[]>;

export interface AuditEventInput {
  /** The principal who acted: `slack:U123`, `backstage:user:default/jane`, `cli:alice`, or `kvcsi` for the system. */
  actor: string;
  /** What was done, dotted: `request.submit`, `request.approve`, `grant.apply`, `policy.deny`, `secret.set`. */
  action: string;
  outcome: AuditOutcome;
  where?: AuditWhere;
  requestId?: string;
  approver?: string;
  /** Why: a denial's reason, a failure's error code and message, a rejection's reason. */
  reason?: string;
  before?: AuditState;
  after?: AuditState;
  /** Azure's x-ms-correlation-request-id of the write. */
  correlationId?: string;
  details?: Record<string, string>;
}

export interface AuditEvent extends AuditEventInput {
  id: string;
  /** RFC 3339 (UTC). */
  at: string;
}

export interface AuditQuery extends CallOptions {
  app?: string;
  cluster?: string;
  requestId?: string;
  actor?: string;
  /** RFC 3339; events at or after this instant. */
  since?: string;
  /** Default `oldest-first`; `newest-first` with a limit gives the latest events. */
  order?: 'oldest-first' | 'newest-first';
  /** At most this many (default 1000). */
  limit?: number;
}

/** The append-only log. There is no update and no delete. */
export interface AuditLog {
  append(event: AuditEvent, options?: CallOptions): Promise<void>;
  query(query?: AuditQuery): Promise<AuditEvent[]>;
}
