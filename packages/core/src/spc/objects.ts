import { isMap, isScalar, isSeq, LineCounter, parseDocument, Scalar, type Node as YamlNode } from 'yaml';
import { lineOf, mapEntries, readValue, type ValueKind } from './yaml-nodes.js';

export interface ParsedField {
  key: string;
  value: string;
  kind: ValueKind;
  /** 1-based line in the file. */
  line: number;
}

/** One entry of `objects`, fields as written (unknown and misspelled keys included). */
export interface ParsedKeyVaultObject {
  index: number;
  line: number;
  fields: ParsedField[];
  /** Last value per key, as the provider would see it (before its TrimSpace). */
  values: Record<string, string>;
}

export interface ObjectsProblem {
  line: number;
  message: string;
}

export interface ParsedObjects {
  /** `array` = the documented YAML form, `json` = `{"array":[…]}`. */
  form: 'array' | 'json';
  line: number;
  entries: ParsedKeyVaultObject[];
  /** Everything that makes the provider fail to read `objects` (catalogue B5). */
  problems: ObjectsProblem[];
}

/** Maps a 1-based line inside a string to a 1-based line in the file. */
export type LineMapper = (innerLine: number) => number;

/** In a block literal (`|`) the string's lines are the file's lines after the indicator; other styles map to one line. */
export function lineMapperFor(node: unknown, lineCounter: LineCounter, outer: LineMapper, fallback: number): LineMapper {
  const start = lineOf(node, lineCounter, fallback);
  const type = (node as Scalar | undefined)?.type;
  if (isScalar(node) && (type === Scalar.BLOCK_LITERAL)) return (innerLine) => outer(start + innerLine);
  const line = outer(start);
  return () => line;
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

// failsafe: every scalar is a string, as when the provider unmarshals into string fields (yaml.v3).
const PARSE_OPTIONS = { schema: 'failsafe', uniqueKeys: true, prettyErrors: false } as const;

/**
 * Fast path for the common entry shape: `key: value` lines with plain, indicator-free values. For exactly
 * these lines the YAML parser would return the same strings; anything else (quotes, comments, empty values,
 * duplicate keys, odd spacing) returns undefined and goes through the full parser.
 */
const SIMPLE_ENTRY_LINE = /^([A-Za-z][A-Za-z0-9]*): ([A-Za-z0-9][A-Za-z0-9._/-]*)$/;

function parseSimpleEntry(text: string, index: number, entryLine: number, mapLine: LineMapper): ParsedKeyVaultObject | undefined {
  if (!text.endsWith('\n')) return undefined;
  const lines = text.slice(0, -1).split('\n');
  const entry: ParsedKeyVaultObject = { index, line: entryLine, fields: [], values: {} };
  for (let lineIndex = 0; lineIndex < lines.length; lineIndex++) {
    const match = SIMPLE_ENTRY_LINE.exec(lines[lineIndex]!);
    if (!match || match[1]! in entry.values) return undefined;
    entry.fields.push({ key: match[1]!, value: match[2]!, kind: 'string', line: mapLine(lineIndex + 1) });
    entry.values[match[1]!] = match[2]!;
  }
  return entry;
}

/**
 * Fast path for the documented `array:` shape: `- |` items at one indentation, their content lines all at one
 * deeper indentation, no blank lines. Returns each item's string and the 1-based line of its `- |`, exactly as
 * the YAML parser would; anything else returns undefined and goes through the full parser.
 */
function splitSimpleArray(text: string): { text: string; line: number }[] | undefined {
  if (!text.startsWith('array:\n') || !text.endsWith('\n')) return undefined;
  const lines = text.slice(0, -1).split('\n');
  const items: { lines: string[]; line: number }[] = [];
  let itemIndent = -1;
  let contentIndent = -1;
  for (let lineIndex = 1; lineIndex < lines.length; lineIndex++) {
    const line = lines[lineIndex]!;
    // Spaces only: YAML indentation never includes tabs.
    const indent = line.length - line.replace(/^ +/, '').length;
    if (line.slice(indent) === '- |' && (itemIndent === -1 || indent === itemIndent)) {
      itemIndent = indent;
      items.push({ lines: [], line: lineIndex + 1 });
      continue;
    }
    const current = items[items.length - 1];
    if (!current || indent <= itemIndent || indent === line.length || line[indent] === '\t') return undefined;
    if (contentIndent === -1) contentIndent = indent;
    if (indent !== contentIndent) return undefined;
    current.lines.push(line.slice(indent));
  }
  if (items.length === 0 || items.some((item) => item.lines.length === 0)) return undefined;
  return items.map((item) => ({ text: item.lines.join('\n') + '\n', line: item.line }));
}

function parseEntry(text: string, index: number, entryLine: number, mapLine: LineMapper, problems: ObjectsProblem[]): ParsedKeyVaultObject {
  const simple = parseSimpleEntry(text, index, entryLine, mapLine);
  if (simple) return simple;
  const entry: ParsedKeyVaultObject = { index, line: entryLine, fields: [], values: {} };
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { ...PARSE_OPTIONS, lineCounter });
  if (doc.errors.length > 0) {
    const error = doc.errors[0]!;
    problems.push({ line: mapLine(lineCounter.linePos(error.pos[0]).line), message: `entry ${index} is not valid YAML: ${firstLine(error.message)}` });
    return entry;
  }
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === '')) {
    problems.push({ line: entryLine, message: `entry ${index} is empty` });
    return entry;
  }
  if (!isMap(doc.contents)) {
    problems.push({ line: entryLine, message: `entry ${index} must be a map of fields (objectName, objectType, …)` });
    return entry;
  }
  for (const { key, value, line } of mapEntries(doc.contents, lineCounter, 1)) {
    const read = isScalar(value) ? { kind: 'string' as const, text: String(value.value ?? '') } : readValue(value);
    const field: ParsedField = { key, value: read.text, kind: read.kind, line: mapLine(line) };
    if (read.kind === 'map' || read.kind === 'list') {
      problems.push({ line: field.line, message: `entry ${index}: ${key} must be a single value, not a ${read.kind}` });
    }
    entry.fields.push(field);
    entry.values[key] = field.value;
  }
  return entry;
}

/** Parses the YAML-in-a-string `objects` parameter the way the provider does, keeping file line numbers. */
export function parseObjectsParameter(text: string, mapLine: LineMapper): ParsedObjects {
  const form = text.trimStart().startsWith('{') ? 'json' : 'array';
  const result: ParsedObjects = { form, line: mapLine(1), entries: [], problems: [] };
  const problems = result.problems;
  if (text.trim() === '') {
    problems.push({ line: result.line, message: 'objects is empty' });
    return result;
  }
  const simpleItems = splitSimpleArray(text);
  if (simpleItems) {
    simpleItems.forEach((item, index) => {
      const itemLine = mapLine(item.line);
      const entryMapper: LineMapper = (innerLine) => mapLine(item.line + innerLine);
      result.entries.push(parseEntry(item.text, index, itemLine, entryMapper, problems));
    });
    return result;
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { ...PARSE_OPTIONS, lineCounter });
  if (doc.errors.length > 0) {
    const error = doc.errors[0]!;
    problems.push({ line: mapLine(lineCounter.linePos(error.pos[0]).line), message: `objects is not valid YAML: ${firstLine(error.message)}` });
    return result;
  }
  const top: unknown = doc.contents;
  if (isSeq(top)) {
    problems.push({ line: result.line, message: 'objects is a list; the azure provider expects a map with the key "array:" holding a list of strings' });
    return result;
  }
  if (!isMap(top)) {
    problems.push({ line: result.line, message: 'objects must be a map with the key "array:"' });
    return result;
  }
  const arrayPair = top.items.find((pair) => isScalar(pair.key) && pair.key.value === 'array');
  if (!arrayPair) {
    problems.push({ line: result.line, message: 'objects has no "array:" key' });
    return result;
  }
  const array = arrayPair.value as YamlNode | null;
  const arrayLine = mapLine(lineOf(arrayPair.key, lineCounter, 1));
  if (!isSeq(array) || array.items.length === 0) {
    const empty = array === null || (isScalar(array) && array.value === '') || (isSeq(array) && array.items.length === 0);
    problems.push({
      line: arrayLine,
      message: empty ? 'objects.array is empty: nothing is mounted and the driver fails with "missing object versions"' : 'objects.array must be a list of strings',
    });
    return result;
  }
  array.items.forEach((item, index) => {
    const itemLine = mapLine(lineOf(item, lineCounter, 1));
    if (!isScalar(item)) {
      problems.push({
        line: itemLine,
        message: `entry ${index} is a ${isMap(item) ? 'map' : 'list'}, not a string (the provider fails with "cannot unmarshal !!map into string")`,
      });
      return;
    }
    const entryMapper = lineMapperFor(item, lineCounter, mapLine, 1);
    result.entries.push(parseEntry(String(item.value ?? ''), index, itemLine, entryMapper, problems));
  });
  return result;
}
