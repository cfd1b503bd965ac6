import { isMap, isScalar, isSeq, parseDocument } from 'yaml';
import {
  ENCODING_ONLY_FOR_SECRET, FILE_NAME_DOT_DOT, FILE_NAME_EMPTY, FILE_NAME_NOT_RELATIVE, INVALID_OBJECT_TYPE, PFX_ONLY_FOR_SECRET,
  invalidObjectEncoding, invalidObjectFormat, objectEntryYamlFailed, objectFailed, objectsYamlFailed,
} from './messages.js';

/** One entry of the SPC `objects` parameter (provider `KeyVaultObject`), strings trimmed as the provider does. */
export interface KeyVaultObject {
  objectName: string;
  objectType: string;
  objectVersion: string;
  objectAlias: string;
  objectFormat: string;
  objectEncoding: string;
  objectVersionHistory: number;
}

export type ParsedObjects = { ok: true; objects: KeyVaultObject[] } | { ok: false; message: string };

function lineOf(text: string, offset: number): number {
  return text.slice(0, offset).split('\n').length;
}

const FIELDS = ['objectName', 'objectType', 'objectVersion', 'objectAlias', 'objectFormat', 'objectEncoding'] as const;

/**
 * Parses `objects` as the provider does: a YAML map with `array`, a list of strings, each string a YAML map.
 * Error texts follow yaml.v3 for the common mistakes in catalogue §1.5 (the line numbers are the sandbox's best guess).
 */
export function parseKeyVaultObjects(text: string): ParsedObjects {
  const document = parseDocument(text, { uniqueKeys: true });
  if (document.errors.length > 0) {
    const first = document.errors[0];
    const duplicate = first?.code === 'DUPLICATE_KEY';
    const line = first === undefined ? 1 : lineOf(text, first.pos[0]);
    return { ok: false, message: objectsYamlFailed(duplicate ? `yaml: unmarshal errors:\n  line ${line}: mapping key "array" already defined at line 1` : `yaml: line ${line}: mapping values are not allowed in this context`) };
  }
  const root = document.contents;
  if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) return { ok: true, objects: [] };
  if (isSeq(root)) return { ok: false, message: objectsYamlFailed('yaml: unmarshal errors:\n  line 1: cannot unmarshal !!seq into types.StringArray') };
  if (!isMap(root)) return { ok: false, message: objectsYamlFailed(`yaml: unmarshal errors:\n  line 1: cannot unmarshal !!str \`${String(text).trim().slice(0, 20)}\` into types.StringArray`) };
  const array: unknown = root.get('array', true);
  if (array === undefined || array === null || (isScalar(array) && (array.value === null || array.value === ''))) return { ok: true, objects: [] };
  if (!isSeq(array)) return { ok: false, message: objectsYamlFailed(`yaml: unmarshal errors:\n  line ${lineOf(text, (array as { range?: number[] } | null)?.range?.[0] ?? 0)}: cannot unmarshal !!map into []string`) };
  const entries: string[] = [];
  for (const item of array.items) {
    if (!isScalar(item) || typeof item.value !== 'string') {
      const kind = isMap(item) ? '!!map' : isSeq(item) ? '!!seq' : '!!int';
      const offset = (item as { range?: [number, number, number] } | null)?.range?.[0] ?? 0;
      return { ok: false, message: objectsYamlFailed(`yaml: unmarshal errors:\n  line ${lineOf(text, offset)}: cannot unmarshal ${kind} into string`) };
    }
    entries.push(item.value);
  }
  const objects: KeyVaultObject[] = [];
  for (const [index, entry] of entries.entries()) {
    if (/^\t/m.test(entry)) return { ok: false, message: objectEntryYamlFailed(index, `yaml: line ${lineOf(entry, entry.indexOf('\t'))}: found character that cannot start any token`) };
    const parsed = parseDocument(entry);
    if (parsed.errors.length > 0 || (parsed.contents !== null && !isMap(parsed.contents))) {
      const line = parsed.errors[0] === undefined ? 1 : lineOf(entry, parsed.errors[0].pos[0]);
      return { ok: false, message: objectEntryYamlFailed(index, `yaml: line ${line}: mapping values are not allowed in this context`) };
    }
    const raw = (parsed.toJS() ?? {}) as Record<string, unknown>;
    const text = (key: string): string => (raw[key] === undefined || raw[key] === null ? '' : String(raw[key]).trim());
    const history = raw.objectVersionHistory;
    if (history !== undefined && !Number.isInteger(Number(history))) {
      return { ok: false, message: objectEntryYamlFailed(index, `yaml: unmarshal errors:\n  line 1: cannot unmarshal !!str \`${String(history)}\` into int32`) };
    }
    const object = Object.fromEntries(FIELDS.map((f) => [f, text(f)])) as Omit<KeyVaultObject, 'objectVersionHistory'>;
    objects.push({ ...object, objectVersionHistory: Number(history ?? 0) });
  }
  return { ok: true, objects };
}

/** The provider's `validate()` per object (catalogue B6–B8), already wrapped with the object prefix. */
export function validateKeyVaultObject(object: KeyVaultObject): string | undefined {
  const fail = (cause: string): string => objectFailed(object, cause);
  if (object.objectAlias !== '') {
    if (object.objectAlias.startsWith('/')) return fail(FILE_NAME_NOT_RELATIVE);
    if (object.objectAlias.split('/').includes('..')) return fail(FILE_NAME_DOT_DOT);
  } else if (object.objectName === '') {
    return fail(FILE_NAME_EMPTY);
  }
  const format = object.objectFormat.toLowerCase();
  if (format !== '' && format !== 'pem' && format !== 'pfx') return fail(invalidObjectFormat(object.objectFormat));
  // The provider compares "pfx" case-sensitively here (catalogue B7).
  if (object.objectFormat === 'pfx' && object.objectType !== 'secret') return fail(PFX_ONLY_FOR_SECRET);
  const encoding = object.objectEncoding.toLowerCase();
  if (encoding !== '' && object.objectType !== 'secret') return fail(ENCODING_ONLY_FOR_SECRET);
  if (encoding !== '' && encoding !== 'utf-8' && encoding !== 'base64' && encoding !== 'hex') return fail(invalidObjectEncoding(object.objectEncoding));
  if (!['secret', 'key', 'cert'].includes(object.objectType)) return fail(INVALID_OBJECT_TYPE);
  return undefined;
}

/** The mounted file name: the alias, else the object name. */
export function fileNameOf(object: KeyVaultObject): string {
  return object.objectAlias !== '' ? object.objectAlias : object.objectName;
}

/** Go's decoding errors for objectEncoding (returned unwrapped by the provider, catalogue E). */
export function decodeContent(value: string, encoding: string): { ok: true; content: Buffer } | { ok: false; message: string } {
  const e = encoding.toLowerCase();
  if (e === 'base64') {
    const bad = value.search(/[^A-Za-z0-9+/=]/);
    if (bad >= 0 || value.length % 4 !== 0) return { ok: false, message: `illegal base64 data at input byte ${bad >= 0 ? bad : value.length - (value.length % 4)}` };
    return { ok: true, content: Buffer.from(value, 'base64') };
  }
  if (e === 'hex') {
    const bad = value.search(/[^0-9a-fA-F]/);
    if (bad >= 0) return { ok: false, message: `encoding/hex: invalid byte: U+${(value.codePointAt(bad) ?? 0).toString(16).toUpperCase().padStart(4, '0')} ${JSON.stringify(value[bad])}` };
    if (value.length % 2 !== 0) return { ok: false, message: 'encoding/hex: odd length hex string' };
    return { ok: true, content: Buffer.from(value, 'hex') };
  }
  return { ok: true, content: Buffer.from(value, 'utf8') };
}
