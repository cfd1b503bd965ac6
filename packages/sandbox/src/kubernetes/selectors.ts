/**
 * Label and field selectors as the API server parses them. A bad selector is a 400 on the real server, so parsing
 * returns a reason instead of throwing.
 */
export type LabelRequirement =
  | { key: string; op: 'exists' | 'notexists' }
  | { key: string; op: 'in' | 'notin'; values: string[] };

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Splits on commas that are not inside parentheses (`a in (x,y),b`). */
function splitTopLevel(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of selector) {
    if (char === '(') depth += 1;
    if (char === ')') depth -= 1;
    if (char === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

export function parseLabelSelector(selector: string | undefined): Parsed<LabelRequirement[]> {
  if (selector === undefined || selector.trim() === '') return { ok: true, value: [] };
  const requirements: LabelRequirement[] = [];
  for (const part of splitTopLevel(selector)) {
    const setMatch = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(part);
    const eqMatch = /^([^!=\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(part);
    let requirement: LabelRequirement;
    if (setMatch) {
      const values = (setMatch[3] ?? '').split(',').map((v) => v.trim()).filter((v) => v !== '');
      requirement = { key: setMatch[1] ?? '', op: setMatch[2] === 'in' ? 'in' : 'notin', values };
    } else if (eqMatch) {
      requirement = { key: eqMatch[1] ?? '', op: eqMatch[2] === '!=' ? 'notin' : 'in', values: [eqMatch[3] ?? ''] };
    } else if (part.startsWith('!')) {
      requirement = { key: part.slice(1).trim(), op: 'notexists' };
    } else {
      requirement = { key: part, op: 'exists' };
    }
    if (!LABEL_KEY.test(requirement.key)) {
      return { ok: false, reason: `unable to parse requirement: invalid label key "${requirement.key}"` };
    }
    if ('values' in requirement && requirement.values.some((v) => !LABEL_VALUE.test(v))) {
      return { ok: false, reason: `unable to parse requirement: invalid label value in "${part}"` };
    }
    requirements.push(requirement);
  }
  return { ok: true, value: requirements };
}

export function matchesLabels(requirements: readonly LabelRequirement[], labels: Record<string, string> | undefined): boolean {
  const actual = labels ?? {};
  return requirements.every((r) => {
    const has = Object.hasOwn(actual, r.key);
    switch (r.op) {
      case 'exists':
        return has;
      case 'notexists':
        return !has;
      case 'in':
        return has && r.values.includes(actual[r.key] ?? '');
      case 'notin':
        return !has || !r.values.includes(actual[r.key] ?? '');
    }
  });
}

/** Parses `a=b,c!=d` and checks each field against what the resource supports, as the API server does. */
export function parseFieldSelector(selector: string | undefined, supportedFields: readonly string[]): Parsed<FieldRequirement[]> {
  if (selector === undefined || selector.trim() === '') return { ok: true, value: [] };
  const requirements: FieldRequirement[] = [];
  for (const part of splitTopLevel(selector)) {
    const match = /^([^!=\s]+)\s*(==|=|!=)\s*(.*)$/.exec(part);
    if (!match) return { ok: false, reason: `invalid selector: '${selector}'; can't understand '${part}'` };
    const field = match[1] ?? '';
    if (!supportedFields.includes(field)) return { ok: false, reason: `field label not supported: ${field}` };
    requirements.push({ field, op: match[2] === '!=' ? '!=' : '=', value: (match[3] ?? '').trim() });
  }
  return { ok: true, value: requirements };
}

/** Reads a dotted path; the API server renders non-strings (booleans) as their text and missing fields as ''. */
export function fieldValue(object: unknown, path: string): string {
  if (path === 'source') return fieldValue(object, 'source.component');
  let current: unknown = object;
  for (const segment of path.split('.')) {
    if (current === null || typeof current !== 'object') return '';
    current = (current as Record<string, unknown>)[segment];
  }
  if (current === undefined || current === null) return '';
  return typeof current === 'string' ? current : String(current);
}

export function matchesFields(requirements: readonly FieldRequirement[], object: unknown): boolean {
  return requirements.every((r) => (fieldValue(object, r.field) === r.value) === (r.op === '='));
}
