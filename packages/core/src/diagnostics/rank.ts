/**
 * Ranking: most likely cause first. Errors before warnings before info; a cause before a symptom (the generic
 * "timed out waiting for the condition" never outranks the 403 behind it); what the facts confirm before what the text
 * only suggests. Equal findings from several sources merge.
 */
import type { Finding } from './finding.js';

const SEVERITY = { error: 300, warning: 200, info: 100 } as const;
const CONFIDENCE = { confirmed: 20, likely: 10, possible: 0 } as const;

export function score(finding: Finding): number {
  return SEVERITY[finding.severity] + (finding.generic ? 0 : 50) + CONFIDENCE[finding.confidence];
}

function subjectKey(finding: Finding): string {
  return finding.subject ? `${finding.subject.kind}/${finding.subject.namespace ?? ''}/${finding.subject.name}` : '';
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
    byKey.set(key, {
      ...stronger,
      evidence: [...new Set([...existing.evidence, ...finding.evidence])],
      fix: { commands: [...new Set([...existing.fix.commands, ...finding.fix.commands])], docs: [...new Set([...existing.fix.docs, ...finding.fix.docs])] },
    });
  }
  return [...byKey.values()];
}

/** Most likely cause first; stable for equal scores (analyzer order, i.e. catalogue order). */
export function rankFindings(findings: readonly Finding[]): Finding[] {
  return mergeFindings(findings)
    .map((finding, index) => ({ finding, index }))
    .sort((a, b) => score(b.finding) - score(a.finding) || a.index - b.index)
    .map(({ finding }) => finding);
}
