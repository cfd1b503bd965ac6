import { z } from 'zod';
import { TIERS } from '../clusters/schema.js';
import { KvcsiError } from '../errors.js';
import { randomId, type IdGenerator } from '../ids.js';
import { systemClock, type CallOptions, type Clock } from '../ports.js';
import { AUDIT_OUTCOMES, type AuditEvent, type AuditEventInput, type AuditLog } from './event.js';
import { findSecretLookingField } from './secret-looking.js';

const text = z.string().min(1).max(2000);
const stateValue = z.union([z.string().max(2000), z.number(), z.boolean(), z.null(), z.array(z.string().max(2000)).max(200)]);

/** Strict: an unknown field (a `value`, say) is refused rather than stored. */
const auditEventInputSchema = z.strictObject({
  actor: text,
  action: z.string().regex(/^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*$/, 'must be dotted lower-case words, e.g. request.approve'),
  outcome: z.enum(AUDIT_OUTCOMES),
  where: z.strictObject({
    app: text.optional(),
    cluster: text.optional(),
    tier: z.enum(TIERS).optional(),
    vault: text.optional(),
    scope: text.optional(),
    secretName: text.optional(),
    namespace: text.optional(),
  }).optional(),
  requestId: text.optional(),
  approver: text.optional(),
  reason: text.optional(),
  before: z.record(z.string(), stateValue).optional(),
  after: z.record(z.string(), stateValue).optional(),
  correlationId: text.optional(),
  details: z.record(z.string(), z.string().max(2000)).optional(),
});

export interface RecordAuditOptions extends CallOptions {
  clock?: Clock;
  generateId?: IdGenerator;
}

/** Checks an audit event input: its shape, and that no field looks like a secret. Throws INVALID_INPUT naming the field. */
export function validateAuditEventInput(input: AuditEventInput): AuditEventInput {
  const parsed = auditEventInputSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue ? issue.path.map(String).join('.') || (issue.code === 'unrecognized_keys' ? issue.keys.join(',') : '') : '';
    // The message names the field and the rule; zod's messages never echo the input value.
    throw new KvcsiError('INVALID_INPUT', `audit event refused: ${field ? `${field}: ` : ''}${issue?.message ?? 'invalid'}`, {
      field: field || undefined,
      rule: 'audit events carry names, ids and outcomes only',
    });
  }
  const secretField = findSecretLookingField(parsed.data);
  if (secretField !== undefined) {
    throw new KvcsiError('INVALID_INPUT', `audit event refused: field ${secretField} looks like a secret value`, {
      field: secretField,
      rule: 'secret values are never audited',
    });
  }
  return parsed.data as AuditEventInput;
}

/** Validates, stamps (id, time) and appends one audit event. Returns the event as stored. */
export async function recordAudit(log: AuditLog, input: AuditEventInput, options: RecordAuditOptions = {}): Promise<AuditEvent> {
  const clean = validateAuditEventInput(input);
  const event: AuditEvent = {
    id: (options.generateId ?? (() => randomId('aud', 12)))(),
    at: new Date((options.clock ?? systemClock).now()).toISOString(),
    ...clean,
  };
  await log.append(event, options.signal ? { signal: options.signal } : {});
  return event;
}
