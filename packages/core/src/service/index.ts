export type {
  Actor, ServiceCallOptions, ClusterSummary, BindingObjectSummary, AppBinding, ClusterBindings, BindingsOptions, BindingsResult,
  DiagnosePodOptions, DiagnoseAppOptions, StatusOptions, ClusterStatus, PlannedChange, AccessPolicyStep, RoleAssignmentStep, GrantStep,
  PlannedIdentity, ExcludedBinding, VaultGrantPlan, GrantPlan, ActionOutcome, ServiceErrorSummary, ActionResult, PlanGrantOptions, GrantOptions,
  RevokeOptions, CreateSecretOptions, SecretSnippet, SecretActionResult, RequestSecretOptions, RequestSecretResult,
  SupplySecretValueOptions, RecoverSecretOptions, ListRequestsQuery, ApproveOptions, RejectOptions, AuditQueryOptions, KvcsiService, ResumeApprovedOptions, CheckReadOptions,
} from './types.js';
export { createKvcsiService, toClusterSummary, parseSince, errorSummary, DEFAULT_RESUME_GRACE_IN_MS } from './create-service.js';
export type { KvcsiServiceOptions } from './create-service.js';
export { decideWithEntraToken, decisionErrorStatus, DECISIONS } from './decision-api.js';
export type { DecideWithEntraTokenInput, DecisionKind } from './decision-api.js';
export { partitionReadable } from './readable-clusters.js';
export type { ReadableClusters } from './readable-clusters.js';
