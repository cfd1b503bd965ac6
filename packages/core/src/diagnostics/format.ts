/**
 * Text rendering that reads like a good incident note: the cause, the evidence, the fix, and the consequences that
 * follow from that cause folded under it; then what happened earlier; then what was not checked.
 */
import type { UnknownFact } from './facts.js';
import type { Finding } from './finding.js';
import { groupByCause } from './rank.js';

export interface FormatOptions {
  /** A heading line, e.g. "Pod defectdojo/dd-0 on cafehyna-prd". */
  heading?: string;
  /** Show warnings and info too (default true). */
  all?: boolean;
}

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((line) => `${prefix}${line}`)
    .join('\n');
}

function subjectOf(finding: Finding): string {
  const subject = finding.subject ? ` — ${finding.subject.kind} ${finding.subject.namespace ? `${finding.subject.namespace}/` : ''}${finding.subject.name}` : '';
  const volume = finding.volume ? ` (volume ${finding.volume.name}${finding.volume.secretProviderClass ? `, SecretProviderClass ${finding.volume.secretProviderClass}` : ''})` : '';
  return `${subject}${volume}`;
}

export function formatFinding(finding: Finding, index?: number): string {
  const number = index === undefined ? '' : `${index + 1}. `;
  const lines = [`${number}[${finding.severity.toUpperCase()}] ${finding.id}: ${finding.title}${subjectOf(finding)}`, indent(finding.summary, '   ')];
  lines.push(`   Cause: ${finding.cause}`);
  if (finding.evidence.length > 0) {
    lines.push('   Evidence:');
    for (const line of finding.evidence) lines.push(indent(line, '     ').replace(/^ {5}/, '     - '));
  }
  if (finding.fix.commands.length > 0) {
    lines.push('   Fix:');
    for (const command of finding.fix.commands) lines.push(`     $ ${command}`);
  }
  if (finding.fix.docs.length > 0) lines.push(`   Docs: ${finding.fix.docs.join(' , ')}`);
  return lines.join('\n');
}

/** One line for a consequence under its cause. */
export function formatConsequence(finding: Finding): string {
  return `[${finding.severity.toUpperCase()}] ${finding.id}: ${finding.title}${subjectOf(finding)}`;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

export function formatReport(report: { findings: readonly Finding[]; unknowns?: readonly UnknownFact[] }, options: FormatOptions = {}): string {
  const shown = options.all === false ? report.findings.filter((finding) => finding.severity === 'error') : report.findings;
  const groups = groupByCause(shown.filter((finding) => !finding.earlier));
  const earlier = shown.filter((finding) => finding.earlier);
  const parts: string[] = [];
  if (options.heading) parts.push(options.heading, '');
  const causes = groups.filter((group) => group.cause.severity === 'error').length;
  const consequences = groups.reduce((sum, group) => sum + group.consequences.length, 0);
  if (groups.length === 0 && earlier.length === 0) parts.push('No problem found.');
  else if (causes > 0) parts.push(`Most likely cause first (${plural(causes, 'cause')}${consequences > 0 ? `, ${plural(consequences, 'consequence')} folded under ${causes === 1 ? 'it' : 'them'}` : ''}, ${plural(groups.length, 'finding')}):`, '');
  else if (groups.length > 0) parts.push(`No error; ${plural(groups.length, 'note')}:`, '');
  groups.forEach((group, index) => {
    parts.push(formatFinding(group.cause, index));
    if (group.consequences.length > 0) {
      parts.push('   Consequences (these follow from the cause above; fix it first):');
      for (const consequence of group.consequences) parts.push(`     - ${formatConsequence(consequence)}`, indent(consequence.summary, '       '));
    }
    parts.push('');
  });
  if (earlier.length > 0) {
    parts.push('Earlier (over now, context only):');
    for (const finding of earlier) parts.push(`  - ${formatConsequence(finding)}: ${finding.summary}`);
    parts.push('');
  }
  if (report.unknowns && report.unknowns.length > 0) {
    parts.push('Could not check:');
    for (const unknown of report.unknowns) parts.push(`  - ${unknown.source}: ${unknown.reason}`);
  }
  return `${parts.join('\n').trimEnd()}\n`;
}
