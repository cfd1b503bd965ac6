import { editDistance } from '../../clusters/registry.js';
import { parameterValue, type ParsedParameter, type ParsedSecretProviderClass } from '../parse.js';

const PARSE_BOOL_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const PARSE_BOOL_FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** Go's strconv.ParseBool, which the provider uses for the identity flags (after TrimSpace). */
export function parseGoBool(value: string): boolean | undefined {
  const trimmed = value.trim();
  if (PARSE_BOOL_TRUE.has(trimmed)) return true;
  if (PARSE_BOOL_FALSE.has(trimmed)) return false;
  return undefined;
}

/** A parameter's trimmed value, or undefined when missing or blank (the provider trims values). */
export function parameterText(spc: ParsedSecretProviderClass, key: string): string | undefined {
  const parameter = parameterValue(spc, key);
  if (!parameter) return undefined;
  const trimmed = parameter.value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/** True when a flag parameter is set to a value ParseBool reads as true. */
export function flagEnabled(spc: ParsedSecretProviderClass, key: string): boolean {
  const parameter = parameterValue(spc, key);
  return parameter !== undefined && parseGoBool(parameter.value) === true;
}

/** The tenant parameter as the provider reads it: `tenantID` first, then `tenantId`. */
export function tenantParameter(spc: ParsedSecretProviderClass): ParsedParameter | undefined {
  const upper = parameterValue(spc, 'tenantID');
  if (upper && upper.value.trim() !== '') return upper;
  const lower = parameterValue(spc, 'tenantId');
  return lower && lower.value.trim() !== '' ? lower : undefined;
}

/** The closest known key: same spelling in another case, else within two edits. */
export function didYouMean(key: string, candidates: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  const sameCase = candidates.find((candidate) => candidate.toLowerCase() === lower);
  if (sameCase) return sameCase;
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance <= 2 && (!best || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
}

export function quote(value: string): string {
  return JSON.stringify(value);
}
