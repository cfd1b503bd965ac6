/**
 * What the provider will actually see for one volume: the SPC's parameters with the pod's volumeAttributes copied
 * over them (catalogue §1.2), the identity mode it resolves to (§1.4), and the decoded `objects` (§1.5). Never throws:
 * a broken SPC is something to diagnose.
 */
import type { KubeCsiVolumeSource, SecretProviderClassResource } from '../ports.js';
import { parseObjectsParameter } from '../spc/objects.js';
import { OBJECT_FIELDS } from '../spc/model.js';

export type IdentityMode = 'podIdentity' | 'vmManagedIdentity' | 'tokenProxy' | 'workloadIdentity' | 'servicePrincipal' | 'conflict' | 'invalid';

export interface ObjectView {
  index: number;
  objectName: string;
  objectType: string;
  objectAlias?: string;
  objectVersion?: string;
  objectVersionHistory?: string;
  objectFormat?: string;
  objectEncoding?: string;
  filePermission?: string;
  /** Keys the provider does not know (misspelled, silently ignored), with the key meant when it is a near miss. */
  unknownKeys: { key: string; meant?: string }[];
  /** The file(s) it writes in the mount. */
  files: string[];
}

export interface SpcView {
  name: string;
  namespace?: string;
  provider?: string;
  /** Parameters as the provider receives them (trimmed), after volumeAttributes overrides. */
  parameters: Record<string, string>;
  /** volumeAttributes keys that override an SPC parameter of the same name. */
  overrides: { key: string; spcValue: string; volumeValue: string }[];
  vaultName?: string;
  tenantId?: string;
  identityMode: IdentityMode;
  /** userAssignedIdentityID (VM MI) or clientID (WI / binding): the client id the provider authenticates as. */
  identityClientId?: string;
  /** Flags whose value is not a Go ParseBool literal. */
  invalidFlags: { key: string; value: string }[];
  objects: ObjectView[];
  objectProblems: string[];
  secretObjects: NonNullable<SecretProviderClassResource['spec']['secretObjects']>;
}

const GO_BOOL_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const GO_BOOL_FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);
const FLAGS = ['usePodIdentity', 'useVMManagedIdentity', 'useAzureTokenProxy'] as const;
/** volumeAttributes keys kubelet and the driver use themselves; they are not overrides of provider parameters. */
const DRIVER_ATTRIBUTES = new Set(['secretProviderClass']);

function closestField(key: string): string | undefined {
  const lower = key.toLowerCase();
  return OBJECT_FIELDS.find((field) => field.toLowerCase() === lower || field.toLowerCase().replace(/^object/, '') === lower);
}

function fileNames(object: { objectName: string; objectAlias?: string; objectVersionHistory?: string }): string[] {
  const file = object.objectAlias ? object.objectAlias : object.objectName;
  const history = Number(object.objectVersionHistory ?? '0');
  if (!Number.isFinite(history) || history <= 1) return [file];
  return Array.from({ length: history }, (_, index) => `${file}/${index}`);
}

export function viewSecretProviderClass(spc: SecretProviderClassResource, csi?: KubeCsiVolumeSource): SpcView {
  const spcParameters = spc.spec.parameters ?? {};
  const parameters: Record<string, string> = {};
  for (const [key, value] of Object.entries(spcParameters)) parameters[key] = String(value).trim();
  const overrides: SpcView['overrides'] = [];
  for (const [key, value] of Object.entries(csi?.volumeAttributes ?? {})) {
    if (DRIVER_ATTRIBUTES.has(key) || key.startsWith('csi.storage.k8s.io/')) continue;
    if (key in spcParameters && String(spcParameters[key]).trim() !== value.trim()) {
      overrides.push({ key, spcValue: String(spcParameters[key]), volumeValue: value });
    }
    parameters[key] = value.trim();
  }

  const invalidFlags = FLAGS.filter((flag) => parameters[flag] !== undefined && parameters[flag] !== '' && !GO_BOOL_TRUE.has(parameters[flag]!) && !GO_BOOL_FALSE.has(parameters[flag]!)).map(
    (key) => ({ key, value: parameters[key]! }),
  );
  const enabled = FLAGS.filter((flag) => GO_BOOL_TRUE.has(parameters[flag] ?? ''));
  let identityMode: IdentityMode;
  if (invalidFlags.length > 0) identityMode = 'invalid';
  else if (enabled.length > 1) identityMode = 'conflict';
  else if (enabled[0] === 'usePodIdentity') identityMode = 'podIdentity';
  else if (enabled[0] === 'useVMManagedIdentity') identityMode = 'vmManagedIdentity';
  else if (enabled[0] === 'useAzureTokenProxy') identityMode = 'tokenProxy';
  else if (parameters.clientID) identityMode = 'workloadIdentity';
  else identityMode = 'servicePrincipal';
  const identityClientId =
    identityMode === 'vmManagedIdentity' ? parameters.userAssignedIdentityID || undefined : identityMode === 'workloadIdentity' || identityMode === 'tokenProxy' ? parameters.clientID || undefined : undefined;

  const objects: ObjectView[] = [];
  const objectProblems: string[] = [];
  if (parameters.objects !== undefined) {
    const parsed = parseObjectsParameter(parameters.objects, (line) => line);
    objectProblems.push(...parsed.problems.map((problem) => problem.message));
    for (const entry of parsed.entries) {
      const values: Record<string, string> = {};
      for (const [key, value] of Object.entries(entry.values)) values[key] = value.trim();
      const unknownKeys = Object.keys(values)
        .filter((key) => !(OBJECT_FIELDS as readonly string[]).includes(key))
        .map((key) => {
          const meant = closestField(key);
          return meant ? { key, meant } : { key };
        });
      const object: ObjectView = {
        index: entry.index,
        objectName: values.objectName ?? '',
        objectType: values.objectType ?? '',
        unknownKeys,
        files: [],
      };
      for (const field of ['objectAlias', 'objectVersion', 'objectVersionHistory', 'objectFormat', 'objectEncoding', 'filePermission'] as const) {
        if (values[field] !== undefined) object[field] = values[field];
      }
      object.files = fileNames(object);
      objects.push(object);
    }
  }

  const view: SpcView = {
    name: spc.metadata.name,
    parameters,
    overrides,
    identityMode,
    invalidFlags,
    objects,
    objectProblems,
    secretObjects: spc.spec.secretObjects ?? [],
  };
  if (spc.metadata.namespace !== undefined) view.namespace = spc.metadata.namespace;
  if (spc.spec.provider !== undefined) view.provider = spc.spec.provider;
  if (parameters.keyvaultName) view.vaultName = parameters.keyvaultName;
  const tenant = parameters.tenantID || parameters.tenantId;
  if (tenant) view.tenantId = tenant;
  if (identityClientId) view.identityClientId = identityClientId;
  return view;
}
