/**
 * The facts a diagnosis works from. Every fact is either known or unknown-with-a-reason: a source that failed
 * (403 from the API server, a timeout, a 429 storm) is recorded, never thrown, so the report still comes and says
 * what could not be checked.
 */
import type { Cluster } from '../clusters/registry.js';
import type { KvcsiErrorCode } from '../errors.js';
import type {
  CsiDriverResource,
  DeletedSecretInfo,
  IdentityAccess,
  KubeCsiVolumeSource,
  KubeEvent,
  KubePod,
  ResolvedIdentity,
  SecretMetadata,
  SecretProperties,
  SecretProviderClassPodStatusResource,
  SecretProviderClassResource,
  VaultProperties,
  VaultRef,
} from '../ports.js';

export type Fact<T> = { status: 'known'; value: T } | { status: 'unknown'; reason: string; code?: KvcsiErrorCode };

export function known<T>(value: T): Fact<T> {
  return { status: 'known', value };
}

export function unknown<T = never>(reason: string, code?: KvcsiErrorCode): Fact<T> {
  return code === undefined ? { status: 'unknown', reason } : { status: 'unknown', reason, code };
}

/** The value of a known fact, else `undefined`. */
export function valueOf<T>(fact: Fact<T> | undefined): T | undefined {
  return fact?.status === 'known' ? fact.value : undefined;
}

export function isKnown<T>(fact: Fact<T> | undefined): fact is { status: 'known'; value: T } {
  return fact?.status === 'known';
}

/** A source that could not be read, for the report's "could not check" list. */
export interface UnknownFact {
  /** What was being read, e.g. `pod events`, `vault kv-x properties`. */
  source: string;
  reason: string;
  code?: KvcsiErrorCode;
}

export interface PodTarget {
  kind: 'pod';
  cluster?: string;
  namespace: string;
  name: string;
}

export interface AppTarget {
  kind: 'app';
  cluster?: string;
  app: string;
  /** Limit to one namespace; all namespaces when absent. */
  namespace?: string;
  /** Defaults to `app.kubernetes.io/name=<app>`. */
  labelSelector?: string;
}

export type DiagnosisTarget = PodTarget | AppTarget;

/** A log read from a driver or provider container on the pod's node. */
export interface LogText {
  component: 'provider' | 'driver';
  pod: string;
  namespace: string;
  container: string;
  text: string;
}

/** Pasted text (`kvcsi explain`), or any text a front end adds. */
export interface TextInput {
  label: string;
  text: string;
}

/** One CSI volume of the pod that uses the secrets-store driver, and the SecretProviderClass it names. */
export interface VolumeFacts {
  name: string;
  csi: KubeCsiVolumeSource;
  /** `volumeAttributes.secretProviderClass`. */
  spcName?: string;
  /** `null`: the SPC does not exist in the pod's namespace. */
  spc: Fact<SecretProviderClassResource | null>;
  /** The nodePublishSecretRef Secret (metadata and key names), when the volume has one. */
  nodePublishSecret?: Fact<SecretMetadata | null>;
  /** Containers (and init containers) that mount the volume; empty: none does. Absent when unknown. */
  mountedBy?: string[];
}

/** How an SPC authenticates, and with which client id. */
export type IdentityRole = 'registry' | 'vmManagedIdentity' | 'workloadIdentity' | 'discovered';

export interface IdentityFacts {
  clientId: string;
  /** Where this client id comes from. */
  role: IdentityRole;
  /** `null`: no principal with this client id exists in the tenant. */
  resolved: Fact<ResolvedIdentity | null>;
}

export interface VaultFacts {
  ref: VaultRef;
  /** `null`: no such vault (or not visible to kvcsi). */
  properties: Fact<VaultProperties | null>;
  /** Secret names and properties, never values. */
  secrets: Fact<SecretProperties[]>;
  /** What each identity (by object id) holds on the vault. */
  access: Record<string, Fact<IdentityAccess>>;
  /**
   * SPC secrets the vault does not list, looked up among its deleted secrets (by lower-case name): `null` when not
   * there either. Read only for names the listing lacks.
   */
  deleted?: Record<string, Fact<DeletedSecretInfo | null>>;
}

/** Everything known about one pod (or, for `explain`, only texts). */
export interface PodFacts {
  target: { cluster?: string; namespace?: string; name?: string };
  cluster?: Cluster;
  /** `null`: no such pod. */
  pod: Fact<KubePod | null>;
  events: Fact<KubeEvent[]>;
  volumes: VolumeFacts[];
  podStatuses: Fact<SecretProviderClassPodStatusResource[]>;
  csiDriver: Fact<CsiDriverResource | null>;
  driverPods: Fact<KubePod[]>;
  providerPods: Fact<KubePod[]>;
  logs: Fact<LogText[]>;
  /** Secrets the SPCs sync (`secretObjects[].secretName`) and Secrets the pod's env references. `null`: absent. */
  secrets: Record<string, Fact<SecretMetadata | null>>;
  identities: IdentityFacts[];
  /** By lower-case vault name. */
  vaults: Record<string, VaultFacts>;
  texts: TextInput[];
  /** When the facts were gathered (epoch ms), to judge "changed since". */
  collectedAtMs: number;
}

/** An app on a cluster: its CSI pods, and its SecretProviderClasses that no pod mounts. */
export interface AppFacts {
  target: AppTarget;
  pods: PodFacts[];
  /** The app's SPCs (by label), with the names of pods that mount each. */
  secretProviderClasses: Fact<{ spc: SecretProviderClassResource; mountedBy: string[] }[]>;
  /** App SPCs' synced Secrets, by name. */
  secrets: Record<string, Fact<SecretMetadata | null>>;
}

/** Facts with nothing collected: the starting point for `explain` and for tests. */
export function emptyPodFacts(overrides: Partial<PodFacts> = {}): PodFacts {
  const notCollected = unknown<never>('not collected');
  return {
    target: {},
    pod: notCollected,
    events: notCollected,
    volumes: [],
    podStatuses: notCollected,
    csiDriver: notCollected,
    driverPods: notCollected,
    providerPods: notCollected,
    logs: notCollected,
    secrets: {},
    identities: [],
    vaults: {},
    texts: [],
    collectedAtMs: 0,
    ...overrides,
  };
}
