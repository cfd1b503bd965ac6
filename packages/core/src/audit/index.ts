export { AUDIT_OUTCOMES } from './event.js';
export type { AuditEvent, AuditEventInput, AuditLog, AuditOutcome, AuditQuery, AuditState, AuditWhere } from './event.js';
export { recordAudit, validateAuditEventInput } from './record.js';
export type { RecordAuditOptions } from './record.js';
export { findSecretLookingField, looksLikeSecretValue, isSecretLookingKey } from './secret-looking.js';
export { createMemoryAuditLog } from './memory.js';
export { toStoredInstant } from './instant.js';
