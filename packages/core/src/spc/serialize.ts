import { Document, Scalar, visit, type ToStringOptions } from 'yaml';
import { SPC_API_VERSION, SPC_KIND, SPC_PROVIDER, type AzureParameters, type AzureSecretProviderClass, type KeyVaultObject, type SecretObject } from './model.js';

/**
 * YAML 1.1 quoting: kubectl reads manifests as YAML 1.1, where unquoted `yes`, `on` or `0644` are not strings.
 * lineWidth 0: no folding, so a value is never split over lines.
 */
const DOCUMENT_OPTIONS = { version: '1.1' } as const;
const TO_STRING_OPTIONS: ToStringOptions = { lineWidth: 0, minContentWidth: 0, indentSeq: true };

/** Fixed field orders: the same model always gives the same bytes. */
const PARAMETER_ORDER: readonly (keyof AzureParameters)[] = [
  'usePodIdentity',
  'useVMManagedIdentity',
  'useAzureTokenProxy',
  'userAssignedIdentityID',
  'clientID',
  'keyvaultName',
  'cloudName',
  'cloudEnvFileName',
  'resourceGroup',
  'subscriptionId',
  'tenantID',
  'tenantId',
];
const OBJECT_ORDER: readonly (keyof KeyVaultObject)[] = [
  'objectName',
  'objectType',
  'objectAlias',
  'objectVersion',
  'objectVersionHistory',
  'objectFormat',
  'objectEncoding',
  'filePermission',
];

function sortedRecord(record: Record<string, string> | undefined): Record<string, string> | undefined {
  if (record === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const key of Object.keys(record).sort()) out[key] = record[key]!;
  return out;
}

function pick<T extends object>(source: T, order: readonly (keyof T)[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of order) {
    if (source[key] !== undefined) out[key as string] = source[key];
  }
  return out;
}

function blockLiteral(doc: Document, text: string): Scalar {
  const node = doc.createNode(text) as Scalar;
  // The yaml stringifier falls back to a quoted style by itself when a block literal cannot hold the text.
  node.type = Scalar.BLOCK_LITERAL;
  return node;
}

/**
 * Multi-line values other than `objects` are written double-quoted: the yaml stringifier writes a block scalar whose
 * first line holds only spaces without an indentation indicator, and the reader then drops those spaces.
 */
function quoteMultilineScalars(doc: Document, keep?: Scalar): void {
  visit(doc, {
    Scalar(_key, node) {
      if (node !== keep && typeof node.value === 'string' && node.value.includes('\n')) node.type = Scalar.QUOTE_DOUBLE;
    },
  });
}

/** One `objects` entry as its own small YAML document (a string inside the `array` list). */
export function stringifyKeyVaultObject(object: KeyVaultObject): string {
  const doc = new Document(pick(object, OBJECT_ORDER), DOCUMENT_OPTIONS);
  quoteMultilineScalars(doc);
  return doc.toString(TO_STRING_OPTIONS);
}

/** The `objects` parameter: `array:` with one block string per object, as the provider expects. */
export function stringifyObjects(objects: readonly KeyVaultObject[]): string {
  const doc = new Document({ array: [] as unknown[] }, DOCUMENT_OPTIONS);
  const array = objects.map((object) => blockLiteral(doc, stringifyKeyVaultObject(object)));
  doc.set('array', doc.createNode(array));
  return doc.toString(TO_STRING_OPTIONS);
}

function secretObjectNode(secretObject: SecretObject): Record<string, unknown> {
  const out: Record<string, unknown> = { secretName: secretObject.secretName, type: secretObject.type };
  const labels = sortedRecord(secretObject.labels);
  const annotations = sortedRecord(secretObject.annotations);
  if (labels) out.labels = labels;
  if (annotations) out.annotations = annotations;
  out.data = secretObject.data.map((item) => ({ objectName: item.objectName, key: item.key }));
  return out;
}

/** The SecretProviderClass manifest as a plain object, keys in a fixed order (`objects` kept as a string). */
export function toManifest(spc: AzureSecretProviderClass): Record<string, unknown> {
  const metadata: Record<string, unknown> = { name: spc.name };
  if (spc.namespace !== undefined) metadata.namespace = spc.namespace;
  const labels = sortedRecord(spc.labels);
  const annotations = sortedRecord(spc.annotations);
  if (labels) metadata.labels = labels;
  if (annotations) metadata.annotations = annotations;
  const parameters: Record<string, unknown> = { ...pick(spc.parameters, PARAMETER_ORDER), objects: stringifyObjects(spc.objects) };
  const spec: Record<string, unknown> = { provider: SPC_PROVIDER, parameters };
  if (spc.secretObjects !== undefined && spc.secretObjects.length > 0) spec.secretObjects = spc.secretObjects.map(secretObjectNode);
  return { apiVersion: SPC_API_VERSION, kind: SPC_KIND, metadata, spec };
}

/** The manifest as YAML. Every value goes through the YAML stringifier: no input can add a key. */
export function stringifySecretProviderClass(spc: AzureSecretProviderClass): string {
  const manifest = toManifest(spc);
  const doc = new Document(manifest, DOCUMENT_OPTIONS);
  const objectsText = (manifest.spec as { parameters: { objects: string } }).parameters.objects;
  const objectsNode = blockLiteral(doc, objectsText);
  doc.setIn(['spec', 'parameters', 'objects'], objectsNode);
  quoteMultilineScalars(doc, objectsNode);
  return doc.toString(TO_STRING_OPTIONS);
}
