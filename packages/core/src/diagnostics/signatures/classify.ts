import { redact } from '../redact.js';
import { SIGNATURES, type Family, type Signature } from './catalogue.js';
import { extractFields, serviceOf, type MatchFields, type Service } from './fields.js';
import { splitRecords, type TextRecord } from './records.js';

export interface Match {
  /** Catalogue id (`A1`, `C4.2`, `D2`, …) or ours (`K…`). */
  id: string;
  family: Family;
  title: string;
  specificity: 1 | 2 | 3;
  /** A symptom only: the cause is elsewhere. */
  generic: boolean;
  fields: MatchFields;
  /** Where in the input: offsets of the matched text (or of the whole record for field-only hits). */
  span: { start: number; end: number };
  /** 1-based line of the record. */
  line: number;
  /** The record, un-escaped and redacted. */
  excerpt: string;
}

function hit(signature: Signature, record: TextRecord, fields: MatchFields): { start: number; end: number } | undefined {
  if (signature.requires && !signature.requires(fields)) return undefined;
  if (signature.unless?.some((pattern) => pattern.test(record.text))) return undefined;
  if (signature.innerCodes && fields.innerCode !== undefined && !signature.innerCodes.includes(fields.innerCode)) return undefined;
  for (const pattern of signature.patterns ?? []) {
    const match = pattern.exec(record.text);
    if (match) {
      const start = record.offsets[match.index] ?? record.start;
      // The offset of the first character after the match, so an un-escaped `\"` at the end maps back whole.
      const end = record.offsets[match.index + match[0].length] ?? record.end;
      return { start, end };
    }
  }
  if (signature.when?.(fields)) return { start: record.start, end: record.end };
  return undefined;
}

/**
 * Matches of one record, most specific first. `serviceHint` is the service the surrounding text is about, for a record
 * that does not name one (an SDK's "StatusCode: 429" on its own line after a blank line).
 */
export function classifyRecord(record: TextRecord, serviceHint?: Service): Match[] {
  const fields = extractFields(record.text);
  if (fields.service === undefined && serviceHint !== undefined) fields.service = serviceHint;
  const matches: Match[] = [];
  const excerpt = redact(record.text.trim());
  const toMatch = (signature: Signature, span: { start: number; end: number }): Match => ({
    id: signature.id,
    family: signature.family,
    title: signature.title,
    specificity: signature.specificity,
    generic: signature.specificity === 1,
    fields,
    span,
    line: record.line,
    excerpt,
  });
  for (const signature of SIGNATURES) {
    if (signature.fallback) continue;
    const span = hit(signature, record, fields);
    if (span) matches.push(toMatch(signature, span));
  }
  if (matches.length === 0) {
    for (const signature of SIGNATURES) {
      if (!signature.fallback) continue;
      const span = hit(signature, record, fields);
      if (span) {
        matches.push(toMatch(signature, span));
        break;
      }
    }
  }
  return matches.sort((a, b) => b.specificity - a.specificity);
}

/** Every catalogue signature found in a text (events, `kubectl describe` output, provider or driver logs). */
export function classifyText(text: string): Match[] {
  const records = splitRecords(text);
  const hint = records.length > 1 ? serviceOf(records.map((record) => record.text).join(' ')) : undefined;
  return records.flatMap((record) => classifyRecord(record, hint));
}
