import { isMap, isScalar, isSeq, type LineCounter, type Node as YamlNode, type Pair, type Scalar } from 'yaml';

/** What a YAML value is once Kubernetes (YAML 1.1 rules) has read it. */
export type ValueKind = 'string' | 'boolean' | 'number' | 'null' | 'map' | 'list';

export interface ScalarValue {
  kind: ValueKind;
  /** The text: the string itself for quoted and block scalars, the source text for plain ones. */
  text: string;
}

// YAML 1.1 resolution of plain scalars (go-yaml v2, which kubectl and the API machinery use).
const YAML11_BOOL = /^(y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const YAML11_NULL = /^(~|null|Null|NULL|)$/;
const YAML11_NUMBER = /^([-+]?(0b[01_]+|0[0-7_]+|(0|[1-9][0-9_]*)|0x[0-9a-fA-F_]+|[1-9][0-9_]*(:[0-5]?[0-9])+)|[-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+][0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$/;

/** Kind and text of a value node, read the way Kubernetes reads it. `undefined` node = empty value. */
export function readValue(node: unknown): ScalarValue {
  if (node === undefined || node === null) return { kind: 'null', text: '' };
  if (isMap(node)) return { kind: 'map', text: '' };
  if (isSeq(node)) return { kind: 'list', text: '' };
  if (!isScalar(node)) return { kind: 'string', text: '' };
  const scalar = node as Scalar;
  if (scalar.type === 'PLAIN') {
    const source = scalar.source ?? String(scalar.value ?? '');
    if (YAML11_NULL.test(source)) return { kind: 'null', text: '' };
    if (YAML11_BOOL.test(source)) return { kind: 'boolean', text: source };
    if (YAML11_NUMBER.test(source)) return { kind: 'number', text: source };
    return { kind: 'string', text: source };
  }
  return { kind: 'string', text: String(scalar.value ?? '') };
}

/** The text of a key node (keys are compared as written). */
export function keyText(pair: Pair): string {
  const key = pair.key as unknown;
  if (isScalar(key)) return (key as Scalar).source ?? String((key as Scalar).value);
  return String(key);
}

/** 1-based line of a node's start, or `fallback` when it has no range. */
export function lineOf(node: unknown, lineCounter: LineCounter, fallback: number): number {
  const range = (node as YamlNode | null | undefined)?.range;
  return range ? lineCounter.linePos(range[0]).line : fallback;
}

/** The pairs of a map node, each with its key text and the line of its key. */
export function mapEntries(node: unknown, lineCounter: LineCounter, fallback: number): { key: string; value: unknown; line: number }[] {
  if (!isMap(node)) return [];
  return node.items.map((pair) => ({ key: keyText(pair), value: pair.value ?? undefined, line: lineOf(pair.key, lineCounter, fallback) }));
}

/** A string-valued record from a map node (labels, annotations); non-string values are kept as text. */
export function readStringRecord(node: unknown): Record<string, string> | undefined {
  if (!isMap(node)) return undefined;
  const out: Record<string, string> = {};
  for (const pair of node.items) out[keyText(pair)] = readValue(pair.value).text;
  return out;
}
