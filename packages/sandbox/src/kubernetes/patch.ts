import { KvcsiError } from '@kvcsi/core';

/** The patch content types the API server accepts (client-node 1.x sends json-patch unless told otherwise). */
export const PATCH_CONTENT_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
] as const;

export type PatchContentType = (typeof PATCH_CONTENT_TYPES)[number];

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** RFC 7386: objects merge, `null` deletes, everything else replaces. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return structuredClone(patch);
  const result: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

/**
 * Strategic merge as far as the sandbox needs it: a merge patch, minus `$patch`/`$retainKeys` directives. Lists are
 * replaced (the real server merges some lists by key, e.g. containers by name; Secrets and SPC fields have none).
 */
export function applyStrategicMergePatch(target: unknown, patch: unknown): unknown {
  const strip = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(strip);
    if (!isPlainObject(value)) return value;
    return Object.fromEntries(Object.entries(value).filter(([k]) => !k.startsWith('$')).map(([k, v]) => [k, strip(v)]));
  };
  return applyMergePatch(target, strip(patch));
}

function unescapePointer(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

function invalid(message: string): KvcsiError {
  return new KvcsiError('INVALID_INPUT', message);
}

function parsePointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw invalid(`invalid JSON pointer "${path}"`);
  return path.slice(1).split('/').map(unescapePointer);
}

function getAt(document: unknown, segments: string[]): unknown {
  let current = document;
  for (const segment of segments) {
    if (Array.isArray(current)) current = current[Number(segment)];
    else if (isPlainObject(current)) current = current[segment];
    else return undefined;
  }
  return current;
}

function parentOf(document: unknown, segments: string[], path: string): { parent: Record<string, unknown> | unknown[]; key: string } {
  const parent = getAt(document, segments.slice(0, -1));
  const key = segments[segments.length - 1];
  if (key === undefined || (!Array.isArray(parent) && !isPlainObject(parent))) {
    throw invalid(`jsonpatch: the path "${path}" does not exist`);
  }
  return { parent, key };
}

interface JsonPatchOperation {
  op: string;
  path: string;
  from?: string;
  value?: unknown;
}

/** RFC 6902, with the API server's error texts for missing paths and failed tests. */
export function applyJsonPatch(target: unknown, operations: unknown): unknown {
  if (!Array.isArray(operations)) throw invalid('json patch must be an array of operations');
  let document = structuredClone(target);
  const remove = (path: string): unknown => {
    const { parent, key } = parentOf(document, parsePointer(path), path);
    if (Array.isArray(parent)) {
      const index = Number(key);
      if (!(index >= 0 && index < parent.length)) throw invalid(`jsonpatch remove operation does not apply: doc is missing path: "${path}"`);
      return parent.splice(index, 1)[0];
    }
    if (!Object.hasOwn(parent, key)) throw invalid(`jsonpatch remove operation does not apply: doc is missing path: "${path}"`);
    const value = parent[key];
    delete parent[key];
    return value;
  };
  const add = (path: string, value: unknown, replace: boolean): void => {
    const segments = parsePointer(path);
    if (segments.length === 0) {
      document = structuredClone(value);
      return;
    }
    const { parent, key } = parentOf(document, segments, path);
    if (Array.isArray(parent)) {
      const index = key === '-' ? parent.length : Number(key);
      if (!(index >= 0 && index <= parent.length)) throw invalid(`jsonpatch add operation does not apply: doc is missing path: "${path}"`);
      if (replace) parent[index] = structuredClone(value);
      else parent.splice(index, 0, structuredClone(value));
      return;
    }
    if (replace && !Object.hasOwn(parent, key)) throw invalid(`jsonpatch replace operation does not apply: doc is missing key: ${path}`);
    parent[key] = structuredClone(value);
  };
  for (const raw of operations as JsonPatchOperation[]) {
    switch (raw.op) {
      case 'add':
        add(raw.path, raw.value, false);
        break;
      case 'replace':
        add(raw.path, raw.value, true);
        break;
      case 'remove':
        remove(raw.path);
        break;
      case 'move':
      case 'copy': {
        const from = raw.from ?? '';
        const value = raw.op === 'move' ? remove(from) : structuredClone(getAt(document, parsePointer(from)));
        add(raw.path, value, false);
        break;
      }
      case 'test':
        if (JSON.stringify(getAt(document, parsePointer(raw.path))) !== JSON.stringify(raw.value)) {
          throw invalid(`the server rejected our request due to an error in our request`);
        }
        break;
      default:
        throw invalid(`Unexpected kind: ${String(raw.op)}`);
    }
  }
  return document;
}

export function applyPatch(contentType: PatchContentType, target: unknown, patch: unknown): unknown {
  switch (contentType) {
    case 'application/json-patch+json':
      return applyJsonPatch(target, patch);
    case 'application/merge-patch+json':
      return applyMergePatch(target, patch);
    case 'application/strategic-merge-patch+json':
    case 'application/apply-patch+yaml':
      return applyStrategicMergePatch(target, patch);
  }
}
