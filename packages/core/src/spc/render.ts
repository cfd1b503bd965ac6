import type { Cluster } from '../clusters/registry.js';
import { KvcsiError } from '../errors.js';
import {
  APP_NAME_LABEL,
  COMPONENT_LABEL,
  COMPONENT_LABEL_VALUE,
  OBJECT_ENCODINGS,
  OBJECT_FORMATS,
  OBJECT_TYPES,
  TLS_SECRET_KEYS,
  TLS_SECRET_TYPE,
  mountedFiles,
  type AzureParameters,
  type AzureSecretProviderClass,
  type KeyVaultObject,
  type ObjectType,
  type SecretObject,
} from './model.js';
import {
  GUID_PATTERN,
  checkDnsLabel,
  checkDnsSubdomain,
  checkKeyVaultObjectName,
  checkLabelValue,
  checkMountedFilePath,
  checkObjectVersion,
  checkQualifiedName,
  checkSecretDataKey,
  checkSecretType,
} from './names.js';
import { stringifySecretProviderClass } from './serialize.js';

export type IdentityMode = 'vmManagedIdentity' | 'workloadIdentity';

/** One Key Vault object to mount. */
export interface BindingObject {
  /** Key Vault object name. */
  name: string;
  type: ObjectType;
  /** File name in the mount (default: the name). */
  alias?: string;
  version?: string;
  /** `pem` | `pfx`; only for type `secret`. */
  format?: string;
  /** `utf-8` | `base64` | `hex`; only for type `secret`. */
  encoding?: string;
}

/** What an app needs from a vault on one cluster: the input of the renderer. */
export interface BindingSpec {
  app: string;
  namespace: string;
  cluster: Cluster;
  objects: BindingObject[];
  secretObjects?: SecretObject[];
  /** Default: the cluster's identityMode. */
  identityMode?: IdentityMode;
  /** Default: `<app>-secrets`. */
  spcName?: string;
  /** The identity's client ID, required when the registry says `discover` (the caller discovers it). */
  identityClientId?: string;
}

export function defaultSpcName(app: string): string {
  return `${app}-secrets`;
}

function invalid(field: string, rule: string, value?: string): never {
  const shown = value === undefined ? '' : ` (${JSON.stringify(value)})`;
  throw new KvcsiError('INVALID_INPUT', `${field}${shown} ${rule}`, { field, rule });
}

function check(field: string, value: string, rule: string | undefined): void {
  if (rule !== undefined) invalid(field, rule, value);
}

function resolveClientId(spec: BindingSpec): string {
  const identity = spec.cluster.identity;
  const clientId = spec.identityClientId ?? (identity.kind === 'fixed' ? identity.clientId : undefined);
  if (clientId === undefined) {
    invalid('identityClientId', `is required: cluster "${spec.cluster.name}" has identity "discover"; look up its kubelet identity and pass its client ID`);
  }
  if (!GUID_PATTERN.test(clientId)) invalid('identityClientId', 'must be a GUID (the identity\'s client ID)', clientId);
  return clientId;
}

function toKeyVaultObject(object: BindingObject, index: number): KeyVaultObject {
  const field = `objects[${index}]`;
  check(`${field}.name`, object.name, checkKeyVaultObjectName(object.name));
  if (!(OBJECT_TYPES as readonly string[]).includes(object.type)) invalid(`${field}.type`, 'must be secret, key or cert', object.type);
  const out: KeyVaultObject = { objectName: object.name, objectType: object.type };
  if (object.alias !== undefined) {
    check(`${field}.alias`, object.alias, checkMountedFilePath(object.alias));
    out.objectAlias = object.alias;
  }
  if (object.version !== undefined && object.version !== '') {
    check(`${field}.version`, object.version, checkObjectVersion(object.version));
    out.objectVersion = object.version;
  }
  if (object.format !== undefined) {
    if (object.type !== 'secret') invalid(`${field}.format`, 'is only allowed for objects of type secret');
    if (!(OBJECT_FORMATS as readonly string[]).includes(object.format)) invalid(`${field}.format`, 'must be pem or pfx', object.format);
    out.objectFormat = object.format;
  }
  if (object.encoding !== undefined) {
    if (object.type !== 'secret') invalid(`${field}.encoding`, 'is only allowed for objects of type secret');
    if (!(OBJECT_ENCODINGS as readonly string[]).includes(object.encoding)) invalid(`${field}.encoding`, 'must be utf-8, base64 or hex', object.encoding);
    out.objectEncoding = object.encoding;
  }
  return out;
}

function checkRecord(field: string, record: Record<string, string> | undefined, checkValue: ((value: string) => string | undefined) | undefined): void {
  for (const [key, value] of Object.entries(record ?? {})) {
    check(`${field}.${key}`, key, checkQualifiedName(key));
    if (checkValue) check(`${field}.${key}`, value, checkValue(value));
  }
}

function checkSecretObjects(secretObjects: readonly SecretObject[], files: ReadonlySet<string>): void {
  const names = new Set<string>();
  secretObjects.forEach((secretObject, index) => {
    const field = `secretObjects[${index}]`;
    check(`${field}.secretName`, secretObject.secretName, checkDnsSubdomain(secretObject.secretName));
    if (names.has(secretObject.secretName)) invalid(`${field}.secretName`, 'must be unique in the SecretProviderClass', secretObject.secretName);
    names.add(secretObject.secretName);
    check(`${field}.type`, secretObject.type, checkSecretType(secretObject.type));
    checkRecord(`${field}.labels`, secretObject.labels, checkLabelValue);
    checkRecord(`${field}.annotations`, secretObject.annotations, undefined);
    if (secretObject.data.length === 0) invalid(`${field}.data`, 'must list at least one file to sync');
    const keys = new Set<string>();
    secretObject.data.forEach((item, itemIndex) => {
      const itemField = `${field}.data[${itemIndex}]`;
      if (!files.has(item.objectName)) invalid(`${itemField}.objectName`, 'must be the file name of a mounted object (its alias when set)', item.objectName);
      check(`${itemField}.key`, item.key, checkSecretDataKey(item.key));
      if (keys.has(item.key)) invalid(`${itemField}.key`, 'must be unique in the Secret', item.key);
      keys.add(item.key);
    });
    if (secretObject.type === TLS_SECRET_TYPE) {
      const sorted = [...keys].sort();
      if (sorted.join(',') !== [...TLS_SECRET_KEYS].sort().join(',')) invalid(`${field}.data`, 'of a kubernetes.io/tls Secret must have exactly the keys tls.crt and tls.key');
    }
  });
}

/** Validates a binding spec and builds the SecretProviderClass model. Throws INVALID_INPUT naming the field and rule. */
export function buildSecretProviderClass(spec: BindingSpec): AzureSecretProviderClass {
  check('app', spec.app, checkDnsLabel(spec.app));
  check('namespace', spec.namespace, checkDnsLabel(spec.namespace));
  const name = spec.spcName ?? defaultSpcName(spec.app);
  check('spcName', name, checkDnsSubdomain(name));
  if (spec.objects.length === 0) invalid('objects', 'must list at least one Key Vault object');

  const objects = spec.objects.map(toKeyVaultObject);
  const files = new Set<string>();
  objects.forEach((object, index) => {
    for (const file of mountedFiles(object)) {
      if (files.has(file)) invalid(`objects[${index}]`, `writes the file "${file}" that another object writes too; give one of them an alias`);
      files.add(file);
    }
  });
  const secretObjects = spec.secretObjects ?? [];
  checkSecretObjects(secretObjects, files);

  const clientId = resolveClientId(spec);
  const mode = spec.identityMode ?? spec.cluster.identityMode;
  const identity: AzureParameters =
    mode === 'workloadIdentity'
      ? { usePodIdentity: 'false', useVMManagedIdentity: 'false', clientID: clientId }
      : { usePodIdentity: 'false', useVMManagedIdentity: 'true', userAssignedIdentityID: clientId };

  const model: AzureSecretProviderClass = {
    name,
    namespace: spec.namespace,
    labels: { [APP_NAME_LABEL]: spec.app, [COMPONENT_LABEL]: COMPONENT_LABEL_VALUE },
    parameters: { ...identity, keyvaultName: spec.cluster.keyVault.name, cloudName: spec.cluster.cloud, tenantId: spec.cluster.tenantId },
    objects,
  };
  if (secretObjects.length > 0) {
    model.secretObjects = secretObjects.map((secretObject) => ({
      ...secretObject,
      data: secretObject.data.map((item) => ({ objectName: item.objectName, key: item.key })),
    }));
  }
  return model;
}

/** Renders the SecretProviderClass YAML for a binding spec. Byte-stable: the same spec gives the same bytes. */
export function renderSecretProviderClass(spec: BindingSpec): string {
  return stringifySecretProviderClass(buildSecretProviderClass(spec));
}
