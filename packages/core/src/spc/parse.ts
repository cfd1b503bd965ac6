import { isMap, isSeq, LineCounter, parseAllDocuments } from 'yaml';
import { SPC_KIND, type AzureParameters, type AzureSecretProviderClass, type KeyVaultObject, type SecretObject } from './model.js';
import { lineMapperFor, parseObjectsParameter, type ParsedObjects } from './objects.js';
import { lineOf, mapEntries, readStringRecord, readValue, type ValueKind } from './yaml-nodes.js';

export interface LocatedValue {
  value: string;
  kind: ValueKind;
  line: number;
}

export interface ParsedParameter extends LocatedValue {
  key: string;
}

export interface ParsedSecretObjectData {
  index: number;
  line: number;
  /** Keys as written, with their lines. */
  fields: ParsedParameter[];
  objectName?: LocatedValue;
  key?: LocatedValue;
}

export interface ParsedSecretObject {
  index: number;
  line: number;
  fields: ParsedParameter[];
  secretName?: LocatedValue;
  type?: LocatedValue;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** undefined when `data` is missing; [] when empty. */
  data?: ParsedSecretObjectData[];
  /** `data` given but not a list. */
  dataNotAList?: boolean;
}

/** One SecretProviderClass document of a file, every value with its 1-based file line. */
export interface ParsedSecretProviderClass {
  file: string;
  /** 0-based index of the document in the file. */
  documentIndex: number;
  /** Line of the document's first key. */
  line: number;
  apiVersion?: LocatedValue;
  name?: LocatedValue;
  namespace?: LocatedValue;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  metadataLine: number;
  specLine: number;
  provider?: LocatedValue;
  /** Line of `parameters:`; undefined when missing. */
  parametersLine?: number;
  parameters: ParsedParameter[];
  objects?: ParsedObjects;
  secretObjectsLine?: number;
  secretObjects: ParsedSecretObject[];
}

export interface FileProblem {
  line: number;
  message: string;
}

export interface ParsedFile {
  file: string;
  documents: ParsedSecretProviderClass[];
  /** YAML syntax errors of the file itself (only reported for files that mention SecretProviderClass). */
  problems: FileProblem[];
}

function located(value: unknown, lineCounter: LineCounter, fallback: number): LocatedValue {
  const read = readValue(value);
  return { value: read.text, kind: read.kind, line: lineOf(value, lineCounter, fallback) };
}

function entriesByKey(entries: { key: string; value: unknown; line: number }[]): Map<string, { value: unknown; line: number }> {
  return new Map(entries.map((entry) => [entry.key, entry]));
}

function parseSecretObjects(node: unknown, lineCounter: LineCounter, fallback: number): ParsedSecretObject[] {
  if (!isSeq(node)) return [];
  return node.items.map((item, index) => {
    const line = lineOf(item, lineCounter, fallback);
    const entries = mapEntries(item, lineCounter, line);
    const byKey = entriesByKey(entries);
    const parsed: ParsedSecretObject = {
      index,
      line,
      fields: entries.map((entry) => ({ key: entry.key, ...located(entry.value, lineCounter, entry.line), line: entry.line })),
    };
    const secretName = byKey.get('secretName');
    const type = byKey.get('type');
    if (secretName) parsed.secretName = { ...located(secretName.value, lineCounter, secretName.line), line: secretName.line };
    if (type) parsed.type = { ...located(type.value, lineCounter, type.line), line: type.line };
    const labels = readStringRecord(byKey.get('labels')?.value);
    const annotations = readStringRecord(byKey.get('annotations')?.value);
    if (labels) parsed.labels = labels;
    if (annotations) parsed.annotations = annotations;
    const data = byKey.get('data');
    if (data) {
      if (isSeq(data.value)) {
        parsed.data = data.value.items.map((dataItem, dataIndex) => {
          const dataLine = lineOf(dataItem, lineCounter, data.line);
          const dataEntries = mapEntries(dataItem, lineCounter, dataLine);
          const fields = dataEntries.map((entry) => ({ key: entry.key, ...located(entry.value, lineCounter, entry.line), line: entry.line }));
          const out: ParsedSecretObjectData = { index: dataIndex, line: dataLine, fields };
          const objectName = fields.find((field) => field.key === 'objectName');
          const key = fields.find((field) => field.key === 'key');
          if (objectName) out.objectName = objectName;
          if (key) out.key = key;
          return out;
        });
      } else if (readValue(data.value).kind === 'null') {
        parsed.data = [];
      } else {
        parsed.dataNotAList = true;
      }
    }
    return parsed;
  });
}

function isSecretProviderClassDocument(contents: unknown): boolean {
  if (!isMap(contents)) return false;
  const kind = contents.items.find((pair) => readValue(pair.key).text === 'kind');
  return kind !== undefined && readValue(kind.value).text === SPC_KIND;
}

/**
 * Parses every SecretProviderClass document of a (multi-document) YAML file. Other documents are skipped.
 * Malformed `objects` YAML is recorded in `objects.problems`, never thrown.
 */
export function parseSecretProviderClassFile(text: string, file: string): ParsedFile {
  const lineCounter = new LineCounter();
  const result: ParsedFile = { file, documents: [], problems: [] };
  const documents = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  // An empty stream (only comments or nothing) has no documents and nothing to report.
  if ('empty' in documents) return result;
  const mentionsKind = text.includes(SPC_KIND);

  documents.forEach((doc, documentIndex) => {
    if (doc.errors.length > 0) {
      const error = doc.errors[0]!;
      // YAML errors can hide a document's kind: report them for files that mention SecretProviderClass.
      if (mentionsKind) {
        result.problems.push({ line: lineCounter.linePos(error.pos[0]).line, message: `invalid YAML: ${error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}` });
      }
      return;
    }
    if (!isSecretProviderClassDocument(doc.contents)) return;
    const root = doc.contents;
    const line = lineOf(root, lineCounter, 1);
    const top = entriesByKey(mapEntries(root, lineCounter, line));
    const metadata = top.get('metadata');
    const spec = top.get('spec');
    const parsed: ParsedSecretProviderClass = {
      file,
      documentIndex,
      line,
      metadataLine: metadata?.line ?? line,
      specLine: spec?.line ?? line,
      parameters: [],
      secretObjects: [],
    };
    const apiVersion = top.get('apiVersion');
    if (apiVersion) parsed.apiVersion = { ...located(apiVersion.value, lineCounter, apiVersion.line), line: apiVersion.line };

    const metadataEntries = entriesByKey(mapEntries(metadata?.value, lineCounter, parsed.metadataLine));
    for (const key of ['name', 'namespace'] as const) {
      const entry = metadataEntries.get(key);
      if (entry) parsed[key] = { ...located(entry.value, lineCounter, entry.line), line: entry.line };
    }
    const labels = readStringRecord(metadataEntries.get('labels')?.value);
    const annotations = readStringRecord(metadataEntries.get('annotations')?.value);
    if (labels) parsed.labels = labels;
    if (annotations) parsed.annotations = annotations;

    const specEntries = entriesByKey(mapEntries(spec?.value, lineCounter, parsed.specLine));
    const provider = specEntries.get('provider');
    if (provider) parsed.provider = { ...located(provider.value, lineCounter, provider.line), line: provider.line };
    const parameters = specEntries.get('parameters');
    if (parameters) {
      parsed.parametersLine = parameters.line;
      for (const entry of mapEntries(parameters.value, lineCounter, parameters.line)) {
        const value = located(entry.value, lineCounter, entry.line);
        parsed.parameters.push({ key: entry.key, ...value, line: entry.line });
        if (entry.key === 'objects' && value.kind === 'string') {
          const mapLine = lineMapperFor(entry.value, lineCounter, (inner) => inner, entry.line);
          parsed.objects = parseObjectsParameter(value.value, mapLine);
        }
      }
    }
    const secretObjects = specEntries.get('secretObjects');
    if (secretObjects) {
      parsed.secretObjectsLine = secretObjects.line;
      parsed.secretObjects = parseSecretObjects(secretObjects.value, lineCounter, secretObjects.line);
    }
    result.documents.push(parsed);
  });
  return result;
}

/** The parameter as the provider reads it (values are TrimSpace'd by the provider; here kept as written). */
export function parameterValue(spc: ParsedSecretProviderClass, key: string): ParsedParameter | undefined {
  let found: ParsedParameter | undefined;
  for (const parameter of spc.parameters) if (parameter.key === key) found = parameter;
  return found;
}

const MODEL_PARAMETER_KEYS: readonly (keyof AzureParameters)[] = [
  'keyvaultName', 'tenantId', 'tenantID', 'cloudName', 'cloudEnvFileName', 'usePodIdentity', 'useVMManagedIdentity',
  'useAzureTokenProxy', 'userAssignedIdentityID', 'clientID', 'resourceGroup', 'subscriptionId',
];

/** The typed model of a parsed document (unknown keys dropped, values as written). */
export function toSecretProviderClassModel(spc: ParsedSecretProviderClass): AzureSecretProviderClass {
  const parameters: AzureParameters = {};
  for (const key of MODEL_PARAMETER_KEYS) {
    const parameter = parameterValue(spc, key);
    if (parameter) parameters[key] = parameter.value;
  }
  const objects: KeyVaultObject[] = (spc.objects?.entries ?? []).map((entry) => {
    const values = entry.values;
    const object: KeyVaultObject = { objectName: values.objectName ?? '', objectType: values.objectType ?? '' };
    for (const key of ['objectAlias', 'objectVersion', 'objectFormat', 'objectEncoding', 'filePermission'] as const) {
      if (values[key] !== undefined) object[key] = values[key];
    }
    if (values.objectVersionHistory !== undefined && /^[-+]?\d+$/.test(values.objectVersionHistory.trim())) {
      object.objectVersionHistory = Number(values.objectVersionHistory.trim());
    }
    return object;
  });
  const model: AzureSecretProviderClass = { name: spc.name?.value ?? '', parameters, objects };
  if (spc.namespace) model.namespace = spc.namespace.value;
  if (spc.labels) model.labels = spc.labels;
  if (spc.annotations) model.annotations = spc.annotations;
  if (spc.secretObjects.length > 0) {
    model.secretObjects = spc.secretObjects.map((secretObject): SecretObject => {
      const out: SecretObject = {
        secretName: secretObject.secretName?.value ?? '',
        type: secretObject.type?.value ?? '',
        data: (secretObject.data ?? []).map((item) => ({ objectName: item.objectName?.value ?? '', key: item.key?.value ?? '' })),
      };
      if (secretObject.labels) out.labels = secretObject.labels;
      if (secretObject.annotations) out.annotations = secretObject.annotations;
      return out;
    });
  }
  return model;
}
