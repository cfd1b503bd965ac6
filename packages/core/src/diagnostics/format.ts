/** Text rendering that reads like a good incident note: the cause, the evidence, the fix; then what was not checked. */
import type { UnknownFact } from './facts.js';
import type { Finding } from './finding.js';

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

export function formatFinding(finding: Finding, index?: number): string {
  const number = index === undefined ? '' : `${index + 1}. `;
  const subject = finding.subject ? ` — ${finding.subject.kind} ${finding.subject.namespace ? `${finding.subject.namespace}/` : ''}${finding.subject.name}` : '';
  const lines = [`${number}[${finding.severity.toUpperCase()}] ${finding.id}: ${finding.title}${subject}`, indent(finding.summary, '   ')];
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

export function formatReport(report: { findings: readonly Finding[]; unknowns?: readonly UnknownFact[] }, options: FormatOptions = {}): string {
  const findings = options.all === false ? report.findings.filter((finding) => finding.severity === 'error') : report.findings;
  const parts: string[] = [];
  if (options.heading) parts.push(options.heading, '');
  const errors = findings.filter((finding) => finding.severity === 'error').length;
  if (findings.length === 0) parts.push('No problem found.');
  else parts.push(errors > 0 ? `Most likely cause first (${errors} error${errors === 1 ? '' : 's'}, ${findings.length} finding${findings.length === 1 ? '' : 's'}):` : `No error; ${findings.length} note${findings.length === 1 ? '' : 's'}:`, '');
  findings.forEach((finding, index) => parts.push(formatFinding(finding, index), ''));
  if (report.unknowns && report.unknowns.length > 0) {
    parts.push('Could not check:');
    for (const unknown of report.unknowns) parts.push(`  - ${unknown.source}: ${unknown.reason}`);
  }
  return `${parts.join('\n').trimEnd()}\n`;
}
