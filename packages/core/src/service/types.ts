/**
 * The one facade every front end (CLI, Slack bot, Backstage backend) calls. Front ends parse their input, name the
 * actor, call one method and render the result; everything else — registry lookups, policy, approvals, Azure and
 * Kubernetes calls, audit — happens behind it.
 *
 * Stability: front ends build against this file. It evolves by adding (new optional fields, new methods), never by
 * renaming or removing.
 *
 * Secret values go in (`createSecret`, `supplySecretValue`) and never come out: no result, error or audit event of
 * this service carries one.
 */
import type { AccessRequest, RequestKind, RequestStatus } from '../requests/model.js';
import type { AuditEvent } from '../audit/event.js';
import type { Tier } from '../clusters/schema.js';
import type { KvcsiErrorCode } from '../errors.js';
import type { DiagnosisReport } from '../diagnostics/report.js';
import type { AccessPolicyPermissions, SecretProperties, VaultAuthModel } from '../ports.js';
import type { KeyVaultObject } from '../spc/model.js';

/** Who is acting. `id` is the principal the policy knows: `slack:U123`, `backstage:user:default/jane`, `aad:jane@contoso.com`. */
export interface Actor {
  id: string;
  /** The Entra groups (`aad-group:<object id>`) the front end proved, e.g. from the CLI user's token; for `aad-group:` rules. */
  memberOf?: readonly string[];
  /** For messages only ("approved by Jane Doe"); never used for decisions. */
  displayName?: string;
}

/** Every call accepts an AbortSignal, and the reader the policy's `read` rules apply to. */
export interface ServiceCallOptions {
  signal?: AbortSignal;
  /**
   * Who reads. Front ends pass it on every read (bindings, diagnose, status, requests, audit): a tier the policy
   * denies `read` on is refused (one cluster, one request) or left out (lists). Writes name their actor anyway.
   */
  reader?: Actor;
}

// ---------------------------------------------------------------------------------------------------------------
// Clusters, bindings, diagnosis, status

export interface ClusterSummary {
  name: string;
  tier: Tier;
  keyVault: { name: string; subscriptionId?: string; resourceGroup?: string };
  /** `fixed` with the configured client id, or `discover` (the AKS kubelet identity, looked up when needed). */
  identity: { kind: 'fixed'; clientId: string; objectId?: string } | { kind: 'discover' };
  identityMode: 'vmManagedIdentity' | 'workloadIdentity';
  kubeContext: string;
  slackChannels: string[];
}

/** One object an app's SecretProviderClass mounts. */
export interface BindingObjectSummary {
  objectName: string;
  objectType: string;
  objectAlias?: string;
  objectVersion?: string;
  /** The file(s) it writes in the mount. */
  files: string[];
}

/** One SecretProviderClass of an app on one cluster: which vault, as whom, which objects. */
export interface AppBinding {
  app: string;
  cluster: string;
  namespace: string;
  /** The SecretProviderClass name. */
  name: string;
  /** `keyvaultName`; absent when the SPC does not name one (a finding for diagnose). */
  vault?: string;
  tenantId?: string;
  identity: {
    /** How the provider authenticates, as the SPC says. */
    mode: string;
    /** userAssignedIdentityID or clientID from the SPC, else the registry's fixed identity. */
    clientId?: string;
    source: 'spc' | 'registry' | 'none';
  };
  objects: BindingObjectSummary[];
  /** Kubernetes Secrets the driver syncs, with their keys. */
  secretObjects: { secretName: string; type?: string; keys: string[] }[];
  /** Problems reading the `objects` parameter. */
  problems: string[];
}

export interface ClusterBindings {
  cluster: string;
  tier: Tier;
  bindings: AppBinding[];
  /** Set when the cluster could not be read; `bindings` is then empty. */
  error?: ServiceErrorSummary;
}

export interface BindingsOptions extends ServiceCallOptions {
  /** All apps (every SecretProviderClass of provider azure) when absent. */
  app?: string;
  /** Every cluster of the registry when absent. */
  cluster?: string;
}

export interface BindingsResult {
  clusters: ClusterBindings[];
}

export interface DiagnosePodOptions extends ServiceCallOptions {
  cluster: string;
  namespace: string;
  pod: string;
}

export interface DiagnoseAppOptions extends ServiceCallOptions {
  cluster: string;
  app: string;
  namespace?: string;
}

export interface StatusOptions extends ServiceCallOptions {
  cluster: string;
}

/** A health summary of one cluster's plumbing: API server, CSI driver, vault, identity, open requests. */
export interface ClusterStatus {
  cluster: ClusterSummary;
  kubernetes: { reachable: boolean; csiDriverInstalled?: boolean; error?: ServiceErrorSummary };
  vault: {
    name: string;
    reachable: boolean;
    authModel?: VaultAuthModel;
    publicNetworkAccess?: 'Enabled' | 'Disabled';
    error?: ServiceErrorSummary;
  };
  identity: { clientId?: string; objectId?: string; displayName?: string; error?: ServiceErrorSummary };
  requests: { pending: number };
}

// ---------------------------------------------------------------------------------------------------------------
// Grant and revoke

/** `none`: already as asked (grant: present; revoke: absent). */
export type PlannedChange = 'add' | 'remove' | 'none';

/** One access-policy change on an access-policy vault. */
export interface AccessPolicyStep {
  kind: 'access-policy';
  vault: string;
  tenantId: string;
  objectId: string;
  /** What the identity should hold (grant) or what kvcsi would remove (revoke): `get,list` on secrets, `get` on certificates when used. */
  permissions: AccessPolicyPermissions;
  /** What the identity holds now. */
  present: AccessPolicyPermissions;
  /** The permissions this step adds or removes (empty when the change is `none`). */
  delta: AccessPolicyPermissions;
  change: PlannedChange;
  /** Revoke: other apps still read the vault as this identity, so nothing is removed. */
  keptFor?: string[];
}

/** One role assignment on an RBAC vault, at the vault or at one secret. */
export interface RoleAssignmentStep {
  kind: 'role-assignment';
  vault: string;
  /** ARM scope: the vault's id, or `<vault id>/secrets/<name>`. */
  scope: string;
  secretName?: string;
  roleDefinitionId: string;
  roleName: string;
  principalObjectId: string;
  /** The assignment that is there already (grant) or that revoke deletes. */
  existingAssignmentId?: string;
  /** Grant: a broader assignment (vault, resource group, subscription) that covers this scope already. */
  coveredBy?: string;
  change: PlannedChange;
  /** Revoke: other apps still read this scope as this identity, so the assignment stays. */
  keptFor?: string[];
}

export type GrantStep = AccessPolicyStep | RoleAssignmentStep;

/** The identity a binding authenticates as, resolved to its object id. */
export interface PlannedIdentity {
  clientId: string;
  objectId: string;
  displayName?: string;
  /**
   * Why kvcsi trusts it: the cluster's `registry` identity, the `discovered` AKS kubelet identity, or a `federated`
   * identity verified for the app (`spc` is no longer planned; kept for older plans).
   */
  source: 'spc' | 'registry' | 'discovered' | 'federated';
  /** For `federated`: the credential that ties the identity to the app's ServiceAccount on this cluster. */
  verifiedBy?: string;
}

/** A SecretProviderClass left out of a plan, and why (another vault, an identity not verified for the app). */
export interface ExcludedBinding {
  /** `<namespace>/<name>`. */
  secretProviderClass: string;
  reason: string;
}

/** Everything kvcsi would do on one vault for one identity. */
export interface VaultGrantPlan {
  vault: { name: string; id: string; authModel: VaultAuthModel; tenantId: string };
  identity: PlannedIdentity;
  /** `<namespace>/<name>` of the SecretProviderClasses this serves. */
  secretProviderClasses: string[];
  /** Object names the bindings mount (what a per-secret grant covers). */
  objects: { name: string; type: string }[];
  steps: GrantStep[];
}

export interface GrantPlan {
  action: 'grant' | 'revoke';
  app: string;
  cluster: string;
  /** The strictest tier of any cluster whose registry vault this plan touches (policy and approval use it). */
  tier: Tier;
  /** `vault` or `secret` (registry `grantScope`); only matters on RBAC vaults. */
  grantScope: 'vault' | 'secret';
  bindings: AppBinding[];
  vaults: VaultGrantPlan[];
  /** Steps whose change is not `none`. Zero means nothing to do. */
  changeCount: number;
  /** Things a person should know: RBAC propagation, objects missing in the vault, certificates… */
  warnings: string[];
  /** Live SPCs of the app that kvcsi does not plan for: findings, never grant steps. */
  excluded?: ExcludedBinding[];
  /** Revoke: the other apps that still need what this revoke would remove (the revoke is refused while any remain). */
  neededBy?: string[];
}

/** How an action ended, as far as this call could take it. */
export interface ActionOutcome {
  /**
   * - `planned`: a dry run; nothing was requested or changed;
   * - `pending`: a request waits for approval;
   * - `approved`: approved, and the next step is the requester's (e.g. supply a secret value);
   * - `applied`: done, something changed;
   * - `unchanged`: done, everything was in place already;
   * - `rejected`, `expired`, `failed`: ended without effect.
   */
  status: 'planned' | 'pending' | 'approved' | 'applied' | 'unchanged' | 'rejected' | 'expired' | 'failed';
  /** One sentence for a person. */
  message: string;
  warnings: string[];
  /** Set after an apply that read back its change. */
  verified?: boolean;
  /** Azure's correlation id of the write, when known. */
  correlationId?: string;
  error?: ServiceErrorSummary;
}

export interface ServiceErrorSummary {
  code: KvcsiErrorCode;
  message: string;
}

/** What every acting method returns: the request it made or moved (if any), the plan, how it ended. */
export interface ActionResult {
  request?: AccessRequest;
  plan?: GrantPlan;
  outcome: ActionOutcome;
}

export interface PlanGrantOptions extends ServiceCallOptions {
  actor: Actor;
  app: string;
  cluster: string;
}

export interface GrantOptions extends PlanGrantOptions {
  /** Plan only: no request, no change. */
  dryRun?: boolean;
  /** Why; defaults to a sentence naming the app and cluster when the front end offers no field. */
  justification?: string;
}

export type RevokeOptions = GrantOptions;

// ---------------------------------------------------------------------------------------------------------------
// Secrets

export interface CreateSecretOptions extends ServiceCallOptions {
  actor: Actor;
  /** Key Vault secret name: 1–127 letters, digits and dashes. */
  name: string;
  /** The cluster whose vault receives the secret. */
  cluster: string;
  /** Tags the secret `app=<app>` and names the snippet's SecretProviderClass. */
  app?: string;
  /** The value: from a prompt, stdin, a Slack modal or a form body. Never logged, returned, audited or stored. */
  value: string;
  contentType?: string;
  /** Write a new version when the secret exists already (otherwise ALREADY_EXISTS). */
  newVersion?: boolean;
  /** Required where the tier needs an approval; defaults to a sentence naming the secret. */
  justification?: string;
}

/** What to paste into the app's SecretProviderClass so the new secret is mounted (and synced). */
export interface SecretSnippet {
  /** The `objects` entry, as the KeyVaultObject and as YAML for the `array:` list. */
  object: KeyVaultObject;
  objectsEntry: string;
  /** The `secretObjects[].data` line: `- objectName: <file>\n  key: <key>` */
  secretObjectsLine: string;
}

export interface SecretActionResult extends ActionResult {
  vault: string;
  secretName: string;
  /** Properties of the written version (never its value), when written. */
  secret?: SecretProperties;
  snippet: SecretSnippet;
}

export interface RequestSecretOptions extends ServiceCallOptions {
  actor: Actor;
  name: string;
  app: string;
  /** One request per distinct vault of these clusters. */
  clusters: string[];
  justification: string;
  /** What the secret is for, shown to approvers. Never the value. */
  description?: string;
  contentType?: string;
}

export interface RequestSecretResult {
  results: SecretActionResult[];
}

export interface RecoverSecretOptions extends ServiceCallOptions {
  actor: Actor;
  /** The deleted secret's name in the cluster's vault. */
  name: string;
  /** The cluster whose vault held the secret. */
  cluster: string;
  /** The app that mounts it, when known: shown to approvers. */
  app?: string;
  /** Required where the tier needs an approval; defaults to a sentence naming the secret and when it was deleted. */
  justification?: string;
}

export interface SupplySecretValueOptions extends ServiceCallOptions {
  actor: Actor;
  requestId: string;
  value: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Requests and audit

export interface ListRequestsQuery extends ServiceCallOptions {
  status?: RequestStatus | RequestStatus[];
  kind?: RequestKind;
  requester?: string;
  app?: string;
  cluster?: string;
  limit?: number;
}

export interface ApproveOptions extends ServiceCallOptions {
  actor: Actor;
  requestId: string;
  reason?: string;
}

export interface RejectOptions extends ServiceCallOptions {
  actor: Actor;
  requestId: string;
  reason: string;
}

export interface AuditQueryOptions extends ServiceCallOptions {
  app?: string;
  cluster?: string;
  requestId?: string;
  actor?: string;
  /** RFC 3339 or a date; or a duration back from now: `30m`, `24h`, `7d`. */
  since?: string;
  /** Newest events, at most this many (default 100), returned oldest first. */
  limit?: number;
}

export interface KvcsiService {
  listClusters(options?: ServiceCallOptions): Promise<ClusterSummary[]>;
  /**
   * Whether the reader may read the cluster (the policy's `read` rules for its tier), for callers that serve reads
   * from elsewhere (the Backstage index). Throws FORBIDDEN, audited as a denial; NOT_FOUND for an unknown cluster.
   */
  checkRead(options: CheckReadOptions): Promise<void>;
  /** The apps' SecretProviderClasses per cluster (labelled `app.kubernetes.io/name=<app>` when `app` is given). */
  bindings(options?: BindingsOptions): Promise<BindingsResult>;
  diagnosePod(options: DiagnosePodOptions): Promise<DiagnosisReport>;
  diagnoseApp(options: DiagnoseAppOptions): Promise<DiagnosisReport>;
  status(options: StatusOptions): Promise<ClusterStatus>;

  /** What `grant` would do, with what is already in place. Changes nothing, requests nothing, checks `read` only. */
  planGrant(options: PlanGrantOptions): Promise<GrantPlan>;
  /**
   * Plans, then (unless dry run) submits a request through policy: applied at once where the policy needs no
   * approval, else left pending for an approver. Idempotent: a second grant changes nothing.
   */
  grant(options: GrantOptions): Promise<ActionResult>;
  planRevoke(options: PlanGrantOptions): Promise<GrantPlan>;
  /** Symmetric to grant; removes only what kvcsi would have granted. */
  revoke(options: RevokeOptions): Promise<ActionResult>;

  /** Writes a new secret (or version) straight to the cluster's vault, or, where approval is needed, opens a request without the value. */
  createSecret(options: CreateSecretOptions): Promise<SecretActionResult>;
  /** Self-service: asks for a secret to exist; after approval the requester supplies the value. */
  requestSecret(options: RequestSecretOptions): Promise<RequestSecretResult>;
  /** The requester's value for an approved secret request, written straight to Key Vault. */
  supplySecretValue(options: SupplySecretValueOptions): Promise<SecretActionResult>;
  /**
   * Brings back a soft-deleted secret (all its versions, so the app's old value, which nobody types): recovered at once
   * where the policy needs no approval, else a `secret-recover` request applied when approved. Refuses a live secret
   * (ALREADY_EXISTS) and a name with nothing to recover (NOT_FOUND) before anything is requested.
   */
  recoverSecret(options: RecoverSecretOptions): Promise<SecretActionResult>;

  listRequests(options?: ListRequestsQuery): Promise<AccessRequest[]>;
  /** Throws NOT_FOUND. */
  getRequest(id: string, options?: ServiceCallOptions): Promise<AccessRequest>;
  /** Approves; grant, revoke and recover requests are then applied at once (exactly once, however many approve together). */
  approve(options: ApproveOptions): Promise<ActionResult>;
  /** Rejects (an approver), or withdraws (the requester). */
  reject(options: RejectOptions): Promise<ActionResult>;
  /**
   * Applies approved grants, revokes and recovers that nobody is applying: the process that approved one died before it could
   * (or mid-apply, once its claim lapsed). Safe on every replica at once (the apply claim is compare-and-set).
   */
  resumeApproved(options?: ResumeApprovedOptions): Promise<ActionResult[]>;
  audit(options?: AuditQueryOptions): Promise<AuditEvent[]>;
}

export interface CheckReadOptions extends ServiceCallOptions {
  cluster: string;
}

export interface ResumeApprovedOptions extends ServiceCallOptions {
  /** Leave a request alone this long after its approval: the approving process is applying it. Default 30 s. */
  graceInMs?: number;
}
