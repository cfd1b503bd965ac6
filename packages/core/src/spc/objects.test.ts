import fc from 'fast-check';
import { parseDocument } from 'yaml';
import { parseObjectsParameter } from './objects.js';

/** What the provider would read: the YAML parser's view of `array`, each entry parsed as a string map. */
function reference(text: string): Record<string, string>[] | undefined {
  const doc = parseDocument(text, { schema: 'failsafe', uniqueKeys: true });
  if (doc.errors.length > 0) return undefined;
  const array = (doc.toJS() as { array?: unknown } | null)?.array;
  if (!Array.isArray(array) || !array.every((item) => typeof item === 'string')) return undefined;
  const entries = array.map((item: string) => {
    const entry = parseDocument(item, { schema: 'failsafe', uniqueKeys: true });
    const value = entry.toJS() as unknown;
    const isStringMap = value !== null && typeof value === 'object' && !Array.isArray(value) && Object.values(value).every((field) => typeof field === 'string');
    // A field holding a map or list cannot go into the provider's string fields: that is a problem too.
    return entry.errors.length > 0 || !isStringMap ? undefined : (value as Record<string, string>);
  });
  return entries.every((entry) => entry !== undefined) ? (entries as Record<string, string>[]) : undefined;
}

const token = fc.constantFrom('objectName', 'objectType', 'objectAlias', 'a', 'x1', 'secret', 'a.b/c-d', '"q"', "'s'", '#c', ' # c', ': ', '|', '-', '', ' ', '\t', 'é');
const line = fc.tuple(fc.constantFrom('', ' ', '  ', '    ', '     ', '\t'), fc.array(token, { maxLength: 4 })).map(([indent, parts]) => indent + parts.join(''));
const item = fc.tuple(fc.constantFrom('', '  ', '    '), fc.constantFrom('- |', '- |-', '- ', '-|'), fc.array(line, { minLength: 1, maxLength: 4 }));
const objectsText = fc.array(item, { maxLength: 3 }).map((items) => 'array:\n' + items.map(([indent, head, lines]) => `${indent}${head}\n${lines.join('\n')}\n`).join(''));

describe('parseObjectsParameter', () => {
  it('agrees with the YAML parser on every input the fast path could take', () => {
    fc.assert(
      fc.property(objectsText, (text) => {
        const expected = reference(text);
        const parsed = parseObjectsParameter(text, (inner) => inner);
        if (expected === undefined) {
          expect(parsed.problems.length).toBeGreaterThan(0);
        } else {
          expect(parsed.problems).toEqual([]);
          expect(parsed.entries.map((entry) => entry.values)).toEqual(expected);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('maps field lines through block literals', () => {
    const parsed = parseObjectsParameter('array:\n  - |\n    objectName: a\n    objectType: secret\n  - |\n    objectName: b\n', (inner) => inner + 100);
    expect(parsed.entries.map((entry) => [entry.line, ...entry.fields.map((field) => field.line)])).toEqual([[102, 103, 104], [105, 106]]);
  });
});
