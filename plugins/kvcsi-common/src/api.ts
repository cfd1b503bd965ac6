/**
 * The JSON contract of the kvcsi backend plugin (`/api/kvcsi`). Plain data only: the frontend renders it, the backend
 * builds it from @kvcsi/core's results. Secret values never appear in any of these types.
 */

/** Where a failure happened: a cluster's Kubernetes API, a vault's secret listing, an identity's access check. */
export type SourceKind = 'kubernetes' | 'vault' | 'access' | 'pod-status';

/** One source that could not be read. The rest of the answer is still served. */
export interface SourceError {
  /** The registry cluster the failing source belongs to (for a vault: a cluster that uses it). */
  cluster: string;
  source: SourceKind;
  /** `cluster/<name>`, `vault/<name>`, `access/<vault>/<client id>`… */
  name: string;
  /** A KvcsiError code: UNAVAILABLE, FORBIDDEN, TIMEOUT, … */
  code: string;
  message: string;
  /** When the source was last read successfully (RFC 3339), if ever: data older than this is served as is. */
  lastSuccessAt?: string;
}

/** `granted`: the identity can read the object; `denied`: it cannot; `unknown`: not (yet) checked or check failed. */
export type ObjectAccess = 'granted' | 'denied' | 'unknown';

export interface ObjectStatus {
  /** Whether the vault has the object; null when the vault could not be listed. */
  exists: boolean | null;
  access: ObjectAccess;
  /** Whether the driver syncs it to `syncedTo` now (the SPC declares it and a pod mounts the SPC); null when not synced by design. */
  synced: boolean | null;
  /** Pods that mount the SecretProviderClass (`<pod>`), from SecretProviderClassPodStatuses. */
  mountedBy: string[];
}

export interface BindingObject {
  objectName: string;
  objectType: string;
  alias?: string;
  version?: string;
  /** `<secret>/<key>` of the Kubernetes Secret the driver syncs it to, when the SPC says so. */
  syncedTo?: string;
  status: ObjectStatus;
}

/** A diagnosis finding, as the backend forwards it. */
export interface FindingDto {
  id: string;
  severity: 'error' | 'warning' | 'info';
  title: string;
  summary: string;
  evidence: string[];
  cause: string;
  fix: { commands: string[]; docs: string[] };
  action?: { kind: string; params: Record<string, string> };
  confidence: string;
  subject?: { kind: string; namespace?: string; name: string };
  /** A consequence of the finding with this id (shown under it). */
  causedBy?: string;
  /** Over now; context only. */
  earlier?: boolean;
}

/** One SecretProviderClass of the app on one cluster. */
export interface BindingItem {
  cluster: string;
  tier: string;
  namespace: string;
  spc: string;
  vault?: string;
  identity: { mode: string; clientId?: string; source: 'spc' | 'registry' | 'none' };
  objects: BindingObject[];
  /** Problems seen in the index, without a live diagnosis: unreadable `objects`, no vault, missing objects, no access. */
  findings: FindingDto[];
}

export interface BindingsResponse {
  entityRef: string;
  /** The app the entity names; null when it names none (see `missingAnnotation`). */
  app: string | null;
  /** Which annotation named the app. */
  annotation?: string;
  /** The clusters looked at (all, or those `kvcsi.io/clusters` names). */
  clusters: string[];
  items: BindingItem[];
  errors: SourceError[];
  /** Set when the entity names no app: which annotation to add. */
  missingAnnotation?: { annotations: string[]; message: string };
  /** When the index that answered was last refreshed (RFC 3339), oldest source first; absent before the first refresh. */
  indexedAt?: string;
}

/** `POST /requests` body. */
export interface CreateSecretRequestBody {
  entityRef: string;
  /** The Key Vault secret name. */
  name: string;
  clusters: string[];
  justification: string;
  description?: string;
  contentType?: string;
}

/** A secret request as the API shows it. */
export interface SecretRequestDto {
  id: string;
  kind: string;
  status: 'pending' | 'approved' | 'rejected' | 'expired' | 'applied' | 'failed';
  requester: string;
  justification: string;
  app?: string;
  cluster: string;
  tier: string;
  vault?: string;
  secretName?: string;
  approvalRequired: boolean;
  approverGroup?: string;
  createdAt: string;
  updatedAt: string;
  expiresAt: string;
  decision?: { by: string; at: string; reason?: string };
  /** What happened once applied (never the value). */
  outcome?: { changed: boolean; message?: string };
  failureReason?: string;
}

/** One sentence per request made or moved, and the request. */
export interface RequestActionResponse {
  request?: SecretRequestDto;
  status: string;
  message: string;
  warnings: string[];
  vault: string;
  secretName: string;
  /** The written version (after `POST /requests/:id/value`); never the value. */
  version?: string;
  /** What to paste into the app's SecretProviderClass. */
  snippet?: { objectsEntry: string; secretObjectsLine: string };
}

export interface CreateSecretRequestResponse {
  results: RequestActionResponse[];
}

export interface ListRequestsResponse {
  items: SecretRequestDto[];
}

/** `POST /requests/:id/value` body. The value goes straight to Key Vault; no response carries it. */
export interface SetSecretValueBody {
  entityRef: string;
  value: string;
}

/** `POST /diagnose` body. */
export interface DiagnoseBody {
  entityRef: string;
  cluster: string;
  /** A pod of the app (`<namespace>/<name>` or `<name>` with `namespace`); the app's SPCs when absent. */
  pod?: string;
  namespace?: string;
}

export interface DiagnoseResponse {
  entityRef: string;
  app: string;
  cluster: string;
  findings: FindingDto[];
  /** What could not be checked, and why. */
  unknowns: { source: string; reason: string; code?: string }[];
}

/**
 * One open problem the kvcsi watcher keeps for the app: a workload whose CSI mount (or synced Secret) fails, with its
 * root cause, since `openedAt`. Resolved problems are not listed.
 */
export interface OpenProblemDto {
  cluster: string;
  namespace: string;
  /** `Deployment/web`. */
  workload: string;
  /** The root-cause finding's catalogue id (`D2`). */
  findingId: string;
  /** The finding's title; `finding <id>` while the watcher has not recorded its message yet. */
  title: string;
  /** The root cause as the watcher diagnosed it (summary, fix), when its message is recorded. */
  finding?: FindingDto;
  /** When the problem started (RFC 3339). */
  openedAt: string;
}

/** `GET /problems?entityRef=…`: the app's open problems, oldest first. */
export interface ProblemsResponse {
  entityRef: string;
  /** The app the entity names; null when it names none (see `missingAnnotation`). */
  app: string | null;
  items: OpenProblemDto[];
  /** Clusters left out: the kvcsi policy does not let the reader read them, or the registry does not list them. */
  errors: SourceError[];
  /** Why the list is empty whatever the clusters say (no store shared with the watcher). */
  note?: string;
  missingAnnotation?: { annotations: string[]; message: string };
}
