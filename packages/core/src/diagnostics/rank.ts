/**
 * Ranking by evidence: most likely cause first.
 *
 * - Errors before warnings before info, but a specific cause before any generic symptom ("timed out waiting for the
 *   condition" never outranks the 403 behind it, even when the cause is only a warning).
 * - What an event, log or paste reports now before what cluster facts predict.
 * - Fresher and more frequent evidence first; then what the facts confirm before what the text only suggests.
 *
 * Equal findings from several sources merge. Symptoms that follow from a cause are folded under it (`causedBy`).
 */
import type { Finding } from './finding.js';

const SEVERITY = { error: 300, warning: 200, info: 100 } as const;
const CONFIDENCE = { confirmed: 20, likely: 10, possible: 0 } as const;

/** 0–9: evidence seen in the last 5 minutes scores highest; unknown age is neutral. */
function recency(finding: Finding): number {
  const age = finding.ageInSeconds;
  if (age === undefined) return 5;
  if (age <= 5 * 60) return 9;
  if (age <= 30 * 60) return 6;
  if (age <= 2 * 3600) return 3;
  return 0;
}

export function score(finding: Finding): number {
  return SEVERITY[finding.severity] + (finding.generic ? 0 : 150) + (finding.observed ? 40 : 0) + CONFIDENCE[finding.confidence] + recency(finding);
}

function subjectKey(finding: Finding): string {
  return finding.subject ? `${finding.subject.kind}/${finding.subject.namespace ?? ''}/${finding.subject.name}` : '';
}

function youngest(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.min(a, b);
}

/** Findings with the same id, title and subject become one, keeping the strongest severity and all evidence. */
export function mergeFindings(findings: readonly Finding[]): Finding[] {
  const byKey = new Map<string, Finding>();
  for (const finding of findings) {
    const key = `${finding.id}\u0000${finding.title}\u0000${subjectKey(finding)}`;
    const existing = byKey.get(key);
    if (!existing) {
      byKey.set(key, { ...finding, evidence: [...finding.evidence] });
      continue;
    }
    const stronger = score(finding) > score(existing) ? finding : existing;
    const merged: Finding = {
      ...stronger,
      evidence: [...new Set([...existing.evidence, ...finding.evidence])],
      fix: { commands: [...new Set([...existing.fix.commands, ...finding.fix.commands])], docs: [...new Set([...existing.fix.docs, ...finding.fix.docs])] },
    };
    if (existing.observed || finding.observed) merged.observed = true;
    const age = youngest(existing.ageInSeconds, finding.ageInSeconds);
    if (age !== undefined) merged.ageInSeconds = age;
    const occurrences = (existing.occurrences ?? 0) + (finding.occurrences ?? 0);
    if (occurrences > 0) merged.occurrences = occurrences;
    byKey.set(key, merged);
  }
  return [...byKey.values()];
}

/** Most likely cause first; then more occurrences; stable for equal scores (analyzer order, i.e. catalogue order). */
export function rankFindings(findings: readonly Finding[]): Finding[] {
  return foldConsequences(
    mergeFindings(findings)
      .map((finding, index) => ({ finding, index }))
      .sort((a, b) => score(b.finding) - score(a.finding) || (b.finding.occurrences ?? 0) - (a.finding.occurrences ?? 0) || a.index - b.index)
      .map(({ finding }) => finding),
  );
}

/** A root cause: specific, not context, and an error (or a warning when nothing is an error). */
function isCause(finding: Finding): boolean {
  return !finding.generic && !finding.earlier && !finding.causedBy && finding.severity !== 'info';
}

function sameTarget(a: Finding, b: Finding): boolean {
  // Text without a pod (explain) has no subject: everything in it is about the same failure.
  return !a.subject || !b.subject || subjectKey(a) === subjectKey(b);
}

/**
 * Symptoms (generic findings: the mount timeout, "stuck in ContainerCreating", a Secret not synced because the volume
 * never mounted) become consequences of the first-ranked cause about the same pod. The order stays: causes, then
 * consequences, each consequence after its cause.
 */
export function foldConsequences(ranked: readonly Finding[]): Finding[] {
  const causes = ranked.filter(isCause);
  const consequences = new Map<Finding, Finding[]>();
  const rest: Finding[] = [];
  for (const finding of ranked) {
    if (!finding.generic || finding.causedBy) {
      if (!consequences.has(finding) && !rest.includes(finding)) rest.push(finding);
      continue;
    }
    const cause = causes.find((candidate) => candidate.severity === 'error' && sameTarget(candidate, finding)) ?? causes.find((candidate) => sameTarget(candidate, finding));
    if (!cause) {
      rest.push(finding);
      continue;
    }
    consequences.set(cause, [...(consequences.get(cause) ?? []), { ...finding, causedBy: cause.id }]);
  }
  return rest.flatMap((finding) => [finding, ...(consequences.get(finding) ?? [])]);
}

/** Findings grouped for display: each cause with the consequences folded under it (faces render these). */
export function groupByCause(findings: readonly Finding[]): { cause: Finding; consequences: Finding[] }[] {
  const groups: { cause: Finding; consequences: Finding[] }[] = [];
  for (const finding of findings) {
    const parent = finding.causedBy ? groups.find((group) => group.cause.id === finding.causedBy && !group.cause.causedBy) : undefined;
    if (parent) parent.consequences.push(finding);
    else groups.push({ cause: finding, consequences: [] });
  }
  return groups;
}
