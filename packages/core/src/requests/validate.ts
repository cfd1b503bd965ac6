import { TIERS } from '../clusters/schema.js';
import { findSecretLookingField } from '../audit/secret-looking.js';
import { KvcsiError } from '../errors.js';
import { REQUEST_KINDS, type RequestKind, type RequestTarget } from './model.js';

export const MIN_JUSTIFICATION_LENGTH = 5;
export const MAX_JUSTIFICATION_LENGTH = 1000;

export interface RequestDraft {
  kind: RequestKind;
  target: RequestTarget;
  justification: string;
  details?: Record<string, string>;
}

function invalid(field: string, message: string, rule?: string): KvcsiError {
  return new KvcsiError('INVALID_INPUT', message, { field, ...(rule !== undefined ? { rule } : {}) });
}

/** Checks a new request: known kind, a justification, a target that fits the kind, nothing that looks like a secret. */
export function validateRequestDraft(draft: RequestDraft): RequestDraft {
  if (!(REQUEST_KINDS as readonly string[]).includes(draft.kind)) {
    throw invalid('kind', `unknown request kind "${String(draft.kind)}"; expected one of ${REQUEST_KINDS.join(', ')}`);
  }
  const justification = typeof draft.justification === 'string' ? draft.justification.trim() : '';
  if (justification.length < MIN_JUSTIFICATION_LENGTH) {
    throw invalid('justification', `a justification is required (at least ${MIN_JUSTIFICATION_LENGTH} characters): say why this is needed`);
  }
  if (justification.length > MAX_JUSTIFICATION_LENGTH) {
    throw invalid('justification', `the justification is longer than ${MAX_JUSTIFICATION_LENGTH} characters`);
  }
  const target = draft.target;
  if (!target?.cluster) throw invalid('target.cluster', 'a request needs a cluster');
  if (!(TIERS as readonly string[]).includes(target.tier)) throw invalid('target.tier', `unknown tier "${String(target.tier)}"`);
  if ((draft.kind === 'grant' || draft.kind === 'revoke') && !target.app && !target.scope) {
    throw invalid('target.app', `a ${draft.kind} request names an app (or a scope)`);
  }
  if ((draft.kind === 'secret-create' || draft.kind === 'secret-request' || draft.kind === 'secret-recover') && !target.secretName) {
    throw invalid('target.secretName', `a ${draft.kind} request names the secret (its value comes later, never with the request)`);
  }
  const secretField = findSecretLookingField({ justification, target, details: draft.details ?? {} });
  if (secretField !== undefined) {
    throw invalid(secretField, `${secretField} looks like a secret value; requests never carry values`, 'secret values are supplied only after approval, straight to Key Vault');
  }
  return { ...draft, justification };
}
