export { REQUEST_KINDS, REQUEST_STATUSES, FINAL_REQUEST_STATUSES, canTransition, isPastExpiry } from './model.js';
export type {
  AccessRequest, RequestKind, RequestStatus, RequestTarget, RequestDecision, RequestApplyClaim, RequestOutcome,
} from './model.js';
export type { RequestStore, RequestExpectation, ListRequestsOptions } from './ports.js';
export { validateRequestDraft, MIN_JUSTIFICATION_LENGTH, MAX_JUSTIFICATION_LENGTH } from './validate.js';
export type { RequestDraft } from './validate.js';
export { describeSettledRequest } from './describe.js';
export { createRequestService, DEFAULT_APPLY_CLAIM_TIMEOUT_IN_MS, MAX_DECISION_REASON_LENGTH, SYSTEM_ACTOR, POLICY_APPROVER } from './service.js';
export type {
  RequestService, RequestServiceOptions, SubmitRequestInput, DecideRequestInput, ExecutorResult, RequestExecutor, SecretWriter,
  ApplyOptions, ApplyResult, SupplySecretValueInput,
} from './service.js';
export { createMemoryRequestStore, assertValidTransition } from './memory.js';
export {
  createDecisionSigner, createDecisionVerifier, sandboxDecisionSigner, decisionKeysFromEnv, decisionPayload, DECISION_KEY_ENV, DECISION_PUBLIC_KEY_ENV,
} from './signing.js';
export type { DecisionSigner, DecisionVerifier, DecisionKeys } from './signing.js';
export { createEntraTokenVerifier } from './entra-token.js';
export type { EntraTokenVerifier, EntraTokenVerifierOptions } from './entra-token.js';
