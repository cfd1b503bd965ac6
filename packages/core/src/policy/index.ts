export {
  policyConfigSchema, POLICY_ACTIONS, WRITE_ACTIONS, DEFAULT_REQUEST_TTL_IN_MS, DEFAULT_APPROVERS_GROUP, PRINCIPAL_PATTERN, AAD_GROUP_PATTERN, SANDBOX_POLICY,
} from './schema.js';
export type { PolicyAction, WriteAction, PolicyConfig, PolicyConfigInput } from './schema.js';
export { createPolicy } from './policy.js';
export type { Policy, PolicyDecision, ApprovalRule, PrincipalFacts } from './policy.js';
export { enforcePolicy } from './enforce.js';
export type { EnforcePolicyOptions } from './enforce.js';
