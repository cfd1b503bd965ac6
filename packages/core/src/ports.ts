/**
 * The interfaces the core needs from the world. Adapters (@kvcsi/kubernetes, @kvcsi/azure, @kvcsi/sandbox) implement
 * them; the core imports no SDK. Kubernetes objects are plain structural subsets of the API shapes, so an adapter can
 * pass client-node objects through as they are.
 *
 * Conventions for every adapter:
 * - every call takes one options object with an optional `signal` and honours it;
 * - `get…` returns `undefined` for a 404, everything else that fails throws a `KvcsiError`
 *   (FORBIDDEN, UNAUTHENTICATED, THROTTLED, UNAVAILABLE, TIMEOUT, ABORTED, …);
 * - no method returns a secret value: Kubernetes Secrets come back as key names, Key Vault secrets as properties.
 */
import type { Cluster } from './clusters/registry.js';

export interface CallOptions {
  signal?: AbortSignal;
}

// ---------------------------------------------------------------------------------------------------------------
// Kubernetes shapes (the fields kvcsi reads)

export interface KubeOwnerReference {
  kind: string;
  name: string;
  uid?: string;
  controller?: boolean;
}

export interface KubeObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** RFC 3339. */
  creationTimestamp?: string;
  generation?: number;
  resourceVersion?: string;
  ownerReferences?: KubeOwnerReference[];
}

export interface KubeCsiVolumeSource {
  driver: string;
  readOnly?: boolean;
  volumeAttributes?: Record<string, string>;
  nodePublishSecretRef?: { name?: string };
}

export interface KubeVolume {
  name: string;
  csi?: KubeCsiVolumeSource;
  secret?: { secretName?: string; optional?: boolean };
}

export interface KubeEnvVar {
  name: string;
  valueFrom?: { secretKeyRef?: { name?: string; key: string; optional?: boolean } };
}

export interface KubeContainer {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  env?: KubeEnvVar[];
  envFrom?: { secretRef?: { name?: string; optional?: boolean } }[];
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean; subPath?: string }[];
}

export interface KubeContainerState {
  waiting?: { reason?: string; message?: string };
  running?: { startedAt?: string };
  terminated?: { exitCode: number; reason?: string; message?: string };
}

export interface KubeContainerStatus {
  name: string;
  ready: boolean;
  restartCount: number;
  image?: string;
  started?: boolean;
  state?: KubeContainerState;
}

export interface KubePodCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface KubePod {
  metadata: KubeObjectMeta;
  spec: {
    nodeName?: string;
    serviceAccountName?: string;
    containers: KubeContainer[];
    initContainers?: KubeContainer[];
    volumes?: KubeVolume[];
  };
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    conditions?: KubePodCondition[];
    containerStatuses?: KubeContainerStatus[];
    initContainerStatuses?: KubeContainerStatus[];
    startTime?: string;
  };
}

/** core/v1 Event (the events.k8s.io/v1 fields an adapter may map onto it: `note` → message, `series.count` → count). */
export interface KubeEvent {
  metadata?: { name?: string; namespace?: string; creationTimestamp?: string };
  involvedObject: { kind?: string; name?: string; namespace?: string; uid?: string };
  reason?: string;
  message?: string;
  type?: string;
  count?: number;
  firstTimestamp?: string | null;
  lastTimestamp?: string | null;
  eventTime?: string | null;
  source?: { component?: string; host?: string };
  reportingComponent?: string;
}

export interface SecretProviderClassResource {
  metadata: KubeObjectMeta;
  spec: {
    provider?: string;
    parameters?: Record<string, string>;
    secretObjects?: {
      secretName?: string;
      type?: string;
      labels?: Record<string, string>;
      annotations?: Record<string, string>;
      data?: { objectName?: string; key?: string }[];
    }[];
  };
}

export interface SecretProviderClassPodStatusResource {
  metadata: KubeObjectMeta;
  status?: {
    podName?: string;
    secretProviderClassName?: string;
    mounted?: boolean;
    targetPath?: string;
    objects?: { id: string; version: string }[];
  };
}

export interface CsiDriverResource {
  metadata: KubeObjectMeta;
  spec: {
    attachRequired?: boolean;
    podInfoOnMount?: boolean;
    requiresRepublish?: boolean;
    volumeLifecycleModes?: string[];
    tokenRequests?: { audience: string; expirationSeconds?: number }[];
  };
}

export interface KubeNode {
  metadata: KubeObjectMeta;
  spec?: { unschedulable?: boolean; taints?: { key: string; value?: string; effect: string }[] };
  status?: {
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    nodeInfo?: { kubeletVersion?: string; operatingSystem?: string; architecture?: string; osImage?: string };
  };
}

/** A Kubernetes Secret without its data: only the key names ever leave the adapter. */
export interface SecretMetadata {
  metadata: KubeObjectMeta;
  type?: string;
  keys: string[];
}

export interface ListPodsOptions extends CallOptions {
  namespace?: string;
  labelSelector?: string;
}

export interface ReadContainerLogOptions extends CallOptions {
  namespace: string;
  pod: string;
  container: string;
  tailLines?: number;
  sinceSeconds?: number;
}

export type WatchChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchChange<T> {
  type: WatchChangeType;
  object: T;
}

/** A long watch's connection: `lost` when its stream fails (once, until it is back), `restored` when it is open again. */
export interface WatchConnectionChange {
  state: 'lost' | 'restored';
  /** Why it was lost (an error message, never a token). */
  reason?: string;
  /** Failed attempts so far (0 on restored). */
  attempt: number;
}

/**
 * A list-then-watch that runs until `signal` aborts: the current objects come as ADDED, then changes. It resumes from
 * the last resourceVersion after a disconnect (with backoff), and relists after 410 Gone (objects come again as ADDED).
 */
export interface WatchOptions<T> extends CallOptions {
  /** Omit for every namespace. */
  namespace?: string;
  onChange(change: WatchChange<T>): void;
  onConnection?(change: WatchConnectionChange): void;
  /** Retry delays after a failure: `initialInMs` doubled up to `maxInMs` (defaults 500 and 30000). */
  backoff?: { initialInMs?: number; maxInMs?: number };
}

/** coordination.k8s.io/v1 Lease: what leader election reads and writes. Times are RFC 3339 (MicroTime). */
export interface KubeLease {
  metadata: KubeObjectMeta;
  spec?: {
    holderIdentity?: string | null;
    leaseDurationSeconds?: number;
    acquireTime?: string | null;
    renewTime?: string | null;
    leaseTransitions?: number;
  };
}

/** One cluster, reached through its kube context (or in-cluster config). */
export interface ClusterPort {
  getPod(options: CallOptions & { namespace: string; name: string }): Promise<KubePod | undefined>;
  listPods(options: ListPodsOptions): Promise<KubePod[]>;
  /** Every event whose involved object is the pod, oldest first — not only the latest. */
  listPodEvents(options: CallOptions & { namespace: string; podName: string; podUid?: string }): Promise<KubeEvent[]>;
  getSecretProviderClass(options: CallOptions & { namespace: string; name: string }): Promise<SecretProviderClassResource | undefined>;
  listSecretProviderClasses(options: CallOptions & { namespace?: string; labelSelector?: string }): Promise<SecretProviderClassResource[]>;
  listSecretProviderClassPodStatuses(options: CallOptions & { namespace: string; podName?: string }): Promise<SecretProviderClassPodStatusResource[]>;
  /** The CSIDriver object; `name` defaults to `secrets-store.csi.k8s.io`. */
  getCsiDriver(options: CallOptions & { name?: string }): Promise<CsiDriverResource | undefined>;
  /** Pods of the secrets-store CSI driver DaemonSet on a node, or on every node without `nodeName` (any namespace). */
  listDriverPods(options: CallOptions & { nodeName?: string }): Promise<KubePod[]>;
  /** Pods of the Azure provider DaemonSet (chart or AKS add-on) on a node, or on every node without `nodeName`. */
  listProviderPods(options: CallOptions & { nodeName?: string }): Promise<KubePod[]>;
  /** The cluster's nodes (for `status`: which node lacks the driver or the provider). */
  listNodes(options: CallOptions): Promise<KubeNode[]>;
  readContainerLog(options: ReadContainerLogOptions): Promise<string>;
  /** Metadata and key names only; `undefined` when the Secret does not exist. */
  getSecretMetadata(options: CallOptions & { namespace: string; name: string }): Promise<SecretMetadata | undefined>;
  /** Core/v1 Events (the watcher's triggers). Resolves when `signal` aborts. Optional: a port without it cannot be watched. */
  watchEvents?(options: WatchOptions<KubeEvent>): Promise<void>;
  /** Pods (waiting reasons, readiness). Resolves when `signal` aborts. */
  watchPods?(options: WatchOptions<KubePod>): Promise<void>;
  /** Leases for leader election (the hub cluster): `undefined` when absent. */
  getLease?(options: CallOptions & { namespace: string; name: string }): Promise<KubeLease | undefined>;
  /** Creates the lease; ALREADY_EXISTS when another replica created it first. */
  createLease?(options: CallOptions & { lease: KubeLease }): Promise<KubeLease>;
  /** Replaces it if its resourceVersion is still the one read; CONFLICT otherwise. */
  replaceLease?(options: CallOptions & { lease: KubeLease }): Promise<KubeLease>;
}

// ---------------------------------------------------------------------------------------------------------------
// Azure

export type VaultAuthModel = 'rbac' | 'accessPolicy';

/** The vault as kvcsi knows it: its name, plus subscription and resource group when the registry has them. */
export interface VaultRef {
  name: string;
  subscriptionId?: string;
  resourceGroup?: string;
}

export interface AccessPolicyPermissions {
  secrets?: string[];
  keys?: string[];
  certificates?: string[];
}

export interface VaultAccessPolicy {
  tenantId: string;
  objectId: string;
  /** Set for a compound identity ("authorized application"); Key Vault then demands the OBO flow (catalogue D5). */
  applicationId?: string;
  permissions: AccessPolicyPermissions;
}

export interface VaultNetworkRules {
  defaultAction: 'Allow' | 'Deny';
  /** `AzureServices` or `None`. */
  bypass?: string;
  ipRules: string[];
  virtualNetworkRules: string[];
}

export interface VaultProperties {
  name: string;
  /** ARM resource id: `/subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.KeyVault/vaults/<name>`. */
  id: string;
  vaultUri?: string;
  tenantId: string;
  location?: string;
  authModel: VaultAuthModel;
  publicNetworkAccess: 'Enabled' | 'Disabled';
  networkRules?: VaultNetworkRules;
  privateEndpointCount?: number;
  accessPolicies: VaultAccessPolicy[];
  softDeleteEnabled?: boolean;
}

export interface ResolvedIdentity {
  clientId: string;
  /** The service principal object id: what access policies and role assignments name. */
  objectId: string;
  displayName?: string;
  /** ARM id of the managed identity, when known. */
  resourceId?: string;
}

/** A federated identity credential of a user-assigned managed identity (ARM `federatedIdentityCredentials`). */
export interface FederatedCredential {
  name: string;
  /** The token issuer it trusts, e.g. an AKS cluster's OIDC issuer URL. */
  issuer: string;
  /** `system:serviceaccount:<namespace>:<service account>` for a Kubernetes workload. */
  subject: string;
  audiences: string[];
}

/** A Key Vault secret's properties. Never its value. */
export interface SecretProperties {
  name: string;
  enabled?: boolean;
  contentType?: string;
  /** True for the secret that backs a certificate. */
  managed?: boolean;
  tags?: Record<string, string>;
  createdOn?: string;
  updatedOn?: string;
  expiresOn?: string;
  version?: string;
}

/** A soft-deleted secret, as Key Vault lists it under `deletedsecrets` (names and dates, never a value). */
export interface DeletedSecretInfo {
  name: string;
  /** RFC 3339. */
  deletedOn?: string;
  /** RFC 3339: after this Key Vault purges it and it cannot be recovered. */
  scheduledPurgeOn?: string;
  recoveryId?: string;
}

export interface SecretPropertiesPage {
  items: SecretProperties[];
  /** Absent on the last page. */
  continuationToken?: string;
}

export interface RoleAssignmentInfo {
  id?: string;
  scope: string;
  roleDefinitionId: string;
  roleName?: string;
  principalId: string;
  principalType?: string;
  /** The role definition's data actions, when the adapter resolved them (e.g. `Microsoft.KeyVault/vaults/secrets/getSecret/action`). */
  dataActions?: string[];
  notDataActions?: string[];
}

/** What an identity holds on a vault: access-policy permissions, or role assignments at the vault scope or above/below. */
export interface IdentityAccess {
  objectId: string;
  authModel: VaultAuthModel;
  /** Access-policy vaults: the identity's policy, if any. */
  accessPolicy?: AccessPolicyPermissions;
  /** RBAC vaults: assignments at the vault, its parents, or one of its secrets. */
  roleAssignments: RoleAssignmentInfo[];
}

export interface SetSecretOptions extends CallOptions {
  contentType?: string;
  tags?: Record<string, string>;
}

export interface UpdateAccessPolicyOptions extends CallOptions {
  operation: 'add' | 'replace' | 'remove';
  policy: VaultAccessPolicy;
}

export interface CreateRoleAssignmentOptions extends CallOptions {
  scope: string;
  /** Full id or GUID of the role definition (Key Vault Secrets User: 4633458b-17de-408a-b874-0445c86b69e6). */
  roleDefinitionId: string;
  principalObjectId: string;
  principalType: 'ServicePrincipal' | 'User' | 'Group';
  description?: string;
}

/** Key Vault, ARM and Entra ID. Write-only for secret values: there is no method that reads one. */
export interface VaultPort {
  getVaultProperties(vault: VaultRef, options?: CallOptions): Promise<VaultProperties | undefined>;
  /** Client id → service principal object id; `undefined` when no such principal exists in the tenant. */
  resolveIdentity(options: CallOptions & { clientId: string; tenantId?: string }): Promise<ResolvedIdentity | undefined>;
  /** The AKS kubelet identity of a cluster marked `identity: { discover: true }`. */
  discoverKubeletIdentity(cluster: Cluster, options?: CallOptions): Promise<ResolvedIdentity>;
  /**
   * The federated credentials of the user-assigned managed identity with this client id, read from ARM; `undefined`
   * when no such identity is found. Grant planning trusts an SPC's workload identity only through these.
   */
  listFederatedCredentials?(options: CallOptions & { clientId: string }): Promise<FederatedCredential[] | undefined>;
  /** The cluster's OIDC issuer URL as ARM reports it (AKS `oidcIssuerProfile.issuerURL`); `undefined` when it has none. */
  getClusterOidcIssuer?(cluster: Cluster, options?: CallOptions): Promise<string | undefined>;
  /** One page of secret properties (names, enabled, content type); never values. */
  listSecretProperties(vault: VaultRef, options?: CallOptions & { continuationToken?: string; maxPageSize?: number }): Promise<SecretPropertiesPage>;
  /** What the identity holds on the vault (or on one secret). */
  checkAccess(vault: VaultRef, options: CallOptions & { objectId: string; secretName?: string }): Promise<IdentityAccess>;
  setSecret(vault: VaultRef, name: string, value: string, options?: SetSecretOptions): Promise<SecretProperties>;
  /**
   * The soft-deleted secret of this name (case-insensitive), found by listing the vault's deleted secrets (`secrets/list`,
   * no `get`); `undefined` when there is none.
   */
  findDeletedSecret?(vault: VaultRef, name: string, options?: CallOptions): Promise<DeletedSecretInfo | undefined>;
  /** Recovers a soft-deleted secret (`secrets/recover`) and waits until it is live again; no value is read. */
  recoverDeletedSecret?(vault: VaultRef, name: string, options?: CallOptions): Promise<SecretProperties>;
  updateAccessPolicy(vault: VaultRef, options: UpdateAccessPolicyOptions): Promise<void>;
  listRoleAssignments(options: CallOptions & { scope: string; principalObjectId?: string }): Promise<RoleAssignmentInfo[]>;
  createRoleAssignment(options: CreateRoleAssignmentOptions): Promise<RoleAssignmentInfo>;
}

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

// ---------------------------------------------------------------------------------------------------------------
// State: requests and audit (implemented by @kvcsi/store; in-memory versions in requests/memory.ts, audit/memory.ts)

export type { RequestStore, RequestExpectation, ListRequestsOptions } from './requests/ports.js';
export type { AuditLog, AuditEvent, AuditQuery } from './audit/event.js';
