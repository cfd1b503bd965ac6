// Field-by-field comparison of a sandbox answer with an official example payload. Test support only.

export interface ShapeOptions {
  /** Dotted paths (`properties.hsmPoolResourceId`) the example carries that the sandbox may omit, each with its reason. */
  mayOmit?: Record<string, string>;
  /** Names of the fields the sandbox may add beyond the example (from the service's own schema), or undefined to allow any. */
  allowedExtra?: (path: string) => readonly string[] | undefined;
  /** Paths whose ID shape may differ from the example's, each with its reason (e.g. the example names another resource type). */
  idShapeMayDiffer?: Record<string, string>;
}

/** Maps whose keys are the user's own data (`tags`): their keys are values, not fields. */
const FREE_FORM = /(^|\.)tags$/;

const kind = (value: unknown): string => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);

/** The structural skeleton of an ID: ARM IDs keep their type segments, Key Vault IDs their collection and a version shape. */
export function idSkeleton(value: string): string | undefined {
  if (/^\/(subscriptions|providers)\//i.test(value)) {
    return value
      .split('/')
      .map((segment, index) => (index % 2 === 1 ? segment : '*'))
      .join('/');
  }
  const vault = /^https:\/\/[^./]+\.vault\.azure\.net\/(.*)$/.exec(value);
  if (vault !== null) {
    return (vault[1] ?? '')
      .replace(/\?.*$/, '')
      .split('/')
      .map((segment, index) => (index === 0 ? segment : /^[0-9a-f]{32}$/.test(segment) ? '<version>' : '*'))
      .join('/');
  }
  return undefined;
}

/** Differences between `example` and `actual`: missing fields, other types or nullability, other ID shapes, unknown extras. */
export function compareShape(example: unknown, actual: unknown, options: ShapeOptions = {}, path = ''): string[] {
  const at = path === '' ? '(root)' : path;
  if (kind(example) !== kind(actual)) return [`${at}: the example has ${kind(example)}, the sandbox ${kind(actual)}`];
  if (typeof example === 'string' && typeof actual === 'string') {
    const expected = idSkeleton(example);
    const got = idSkeleton(actual);
    if (expected !== undefined && expected !== got && options.idShapeMayDiffer?.[path] === undefined) return [`${at}: ID shape ${got ?? actual} differs from the example's ${expected}`];
    return [];
  }
  if (Array.isArray(example) && Array.isArray(actual)) {
    if (example.length === 0 || actual.length === 0) return [];
    return compareShape(example[0], actual[0], options, `${path}[]`);
  }
  if (kind(example) !== 'object' || FREE_FORM.test(path)) return [];
  const e = example as Record<string, unknown>;
  const a = actual as Record<string, unknown>;
  const out: string[] = [];
  for (const key of Object.keys(e)) {
    const child = path === '' ? key : `${path}.${key}`;
    if (!(key in a)) {
      const sameCase = Object.keys(a).find((k) => k.toLowerCase() === key.toLowerCase());
      if (sameCase !== undefined) out.push(`${child}: the sandbox spells it ${sameCase}`);
      else if (options.mayOmit?.[child] === undefined) out.push(`${child}: missing in the sandbox's answer`);
      continue;
    }
    out.push(...compareShape(e[key], a[key], options, child));
  }
  const allowed = options.allowedExtra?.(path);
  if (allowed !== undefined) {
    for (const key of Object.keys(a)) if (!(key in e) && !allowed.includes(key)) out.push(`${path === '' ? key : `${path}.${key}`}: not in the example nor in the service's schema`);
  }
  return out;
}
