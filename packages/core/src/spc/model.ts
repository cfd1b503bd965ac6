/**
 * The SecretProviderClass of the Secrets Store CSI Driver, provider `azure`, as kvcsi models it.
 * Source of truth for keys and values: docs/csi-failure-catalogue.md §1 (provider v1.8.x, driver v1.6.0).
 */

export const SPC_API_VERSION = 'secrets-store.csi.x-k8s.io/v1';
export const SPC_API_GROUP = 'secrets-store.csi.x-k8s.io';
export const SPC_KIND = 'SecretProviderClass';
export const SPC_PROVIDER = 'azure';
/** The CSI driver name a pod's `csi.driver` must use. */
export const CSI_DRIVER_NAME = 'secrets-store.csi.k8s.io';

/** Labels every rendered SecretProviderClass carries (the runbook's convention). */
export const APP_NAME_LABEL = 'app.kubernetes.io/name';
export const COMPONENT_LABEL = 'app.kubernetes.io/component';
export const COMPONENT_LABEL_VALUE = 'secrets';

/** `objectType`: exact, lower-case; anything else fails the mount (catalogue B6). */
export const OBJECT_TYPES = ['secret', 'key', 'cert'] as const;
export type ObjectType = (typeof OBJECT_TYPES)[number];

/** `objectFormat`, compared case-insensitively by the provider; only meaningful for `secret`. */
export const OBJECT_FORMATS = ['pem', 'pfx'] as const;
export type ObjectFormat = (typeof OBJECT_FORMATS)[number];

/** `objectEncoding`, compared case-insensitively; only allowed for `secret`. */
export const OBJECT_ENCODINGS = ['utf-8', 'base64', 'hex'] as const;
export type ObjectEncoding = (typeof OBJECT_ENCODINGS)[number];

/** Cloud names `azure.EnvironmentFromName` accepts (case-insensitive). Empty means AzurePublicCloud. */
export const CLOUD_NAMES = ['AzurePublicCloud', 'AzureUSGovernmentCloud', 'AzureChinaCloud', 'AzureGermanCloud', 'AzureStackCloud'] as const;

/** The identity-mode flags; at most one may be "true" (catalogue B4). */
export const IDENTITY_FLAG_KEYS = ['usePodIdentity', 'useVMManagedIdentity', 'useAzureTokenProxy'] as const;
export type IdentityFlagKey = (typeof IDENTITY_FLAG_KEYS)[number];

/** Parameters parsed with `strconv.ParseBool` by the provider. */
export const BOOLEAN_PARAMETER_KEYS: readonly string[] = IDENTITY_FLAG_KEYS;

/** Accepted by old providers (≤0.0.4) and silently ignored now. */
export const LEGACY_PARAMETER_KEYS = ['resourceGroup', 'subscriptionId'] as const;

/** Every `spec.parameters` key the azure provider reads (plus the legacy ones it ignores). */
export const AZURE_PARAMETER_KEYS = [
  'keyvaultName',
  'tenantId',
  'tenantID',
  'cloudName',
  'cloudEnvFileName',
  'usePodIdentity',
  'useVMManagedIdentity',
  'useAzureTokenProxy',
  'userAssignedIdentityID',
  'clientID',
  'objects',
  ...LEGACY_PARAMETER_KEYS,
] as const;
export type AzureParameterKey = (typeof AZURE_PARAMETER_KEYS)[number];

/** Every field of one entry of `objects` (provider `KeyVaultObject`). */
export const OBJECT_FIELDS = [
  'objectName',
  'objectType',
  'objectAlias',
  'objectVersion',
  'objectVersionHistory',
  'objectFormat',
  'objectEncoding',
  'filePermission',
] as const;
export type ObjectField = (typeof OBJECT_FIELDS)[number];

export const SECRET_OBJECT_FIELDS = ['secretName', 'type', 'labels', 'annotations', 'data'] as const;
export const SECRET_OBJECT_DATA_FIELDS = ['objectName', 'key'] as const;

/** The only keys a `kubernetes.io/tls` Secret may sync (driver `secretutil`). */
export const TLS_SECRET_TYPE = 'kubernetes.io/tls';
export const TLS_SECRET_KEYS = ['tls.crt', 'tls.key'] as const;

/** `spec.parameters` of provider azure. Values are strings on the wire; `objects` is held decoded on the model. */
export interface AzureParameters {
  keyvaultName?: string;
  /** The provider reads `tenantID` first, then `tenantId`. kvcsi renders `tenantId`. */
  tenantId?: string;
  tenantID?: string;
  cloudName?: string;
  /** Only for AzureStackCloud: sets AZURE_ENVIRONMENT_FILEPATH in the provider pod. */
  cloudEnvFileName?: string;
  usePodIdentity?: string;
  useVMManagedIdentity?: string;
  useAzureTokenProxy?: string;
  /** Client ID of the user-assigned identity on the node VMSS; used only with useVMManagedIdentity. */
  userAssignedIdentityID?: string;
  /** Workload identity (or identity binding) client ID. */
  clientID?: string;
  /** Legacy, ignored by current providers. */
  resourceGroup?: string;
  subscriptionId?: string;
}

/** One entry of `objects`. */
export interface KeyVaultObject {
  objectName: string;
  objectType: string;
  /** File name in the mount; defaults to objectName. May contain `/`, never `..` or a leading `/`. */
  objectAlias?: string;
  /** Empty or `latest` means the latest version. */
  objectVersion?: string;
  /** >1 writes `<file>/0`, `<file>/1`, … and needs `list` permission. */
  objectVersionHistory?: number;
  objectFormat?: string;
  objectEncoding?: string;
  /** Octal string, default 0644. Not validated by providers ≥1.3.0: an invalid value gives mode 0000. */
  filePermission?: string;
}

export interface SecretObjectData {
  /** A FILE name in the mount: the alias when set, else the object name. */
  objectName: string;
  /** Key in the Kubernetes Secret. */
  key: string;
}

/** A Kubernetes Secret the driver syncs from mounted files (only while a pod mounts the volume). */
export interface SecretObject {
  secretName: string;
  type: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  data: SecretObjectData[];
}

/** A SecretProviderClass for provider azure, with `objects` decoded. */
export interface AzureSecretProviderClass {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  parameters: AzureParameters;
  objects: KeyVaultObject[];
  secretObjects?: SecretObject[];
}

/** The file the provider writes for an object: the alias when set, else the name. */
export function objectFileName(object: Pick<KeyVaultObject, 'objectName' | 'objectAlias'>): string {
  return object.objectAlias !== undefined && object.objectAlias !== '' ? object.objectAlias : object.objectName;
}

/** Files the provider writes for an object: `<file>` or, with history >1, `<file>/0` … `<file>/<n-1>`. */
export function mountedFiles(object: Pick<KeyVaultObject, 'objectName' | 'objectAlias' | 'objectVersionHistory'>): string[] {
  const file = objectFileName(object);
  const history = object.objectVersionHistory ?? 0;
  if (history <= 1) return [file];
  return Array.from({ length: history }, (_, index) => `${file}/${index}`);
}
