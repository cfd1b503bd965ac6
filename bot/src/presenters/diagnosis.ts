/**
 * A diagnosis as Block Kit: the most likely cause as a full card (title, severity, Reason / Evidence / Fix with
 * copyable commands, a button for its action), the other causes shorter, and what could not be checked.
 */
import { groupByCause, type DiagnosisReport, type Finding } from '@kvcsi/core';
import { actions, button, capBlocks, codeSection, context, divider, escapeMrkdwn, header, section, type Block, type SlackMessage } from '../blocks/kit.js';
import { SEVERITY_BADGE, code } from './common.js';

export const ACTION_IDS = {
  grantAccess: 'kvcsi_grant_access',
  createSecret: 'kvcsi_create_secret',
  recoverSecret: 'kvcsi_recover_secret',
  approve: 'kvcsi_approve',
  reject: 'kvcsi_reject',
  supplyValue: 'kvcsi_supply_value',
} as const;

/** What a "Grant access" button carries: where; the server re-plans and re-checks everything on click. */
export interface GrantButtonValue {
  cluster: string;
  app?: string;
  namespace?: string;
}

export interface CreateSecretButtonValue {
  cluster: string;
  name: string;
}

/** A "Recover the secret" button: the cluster (whose registry vault held it) and the deleted secret's name. */
export interface RecoverSecretButtonValue {
  cluster: string;
  name: string;
  app?: string;
}

/** The button for a recover-secret action: a request (approved where the tier needs it) recovers it as the clicker. */
export function recoverSecretButton(value: RecoverSecretButtonValue, text = 'Recover the secret'): ReturnType<typeof button> {
  return button({ actionId: ACTION_IDS.recoverSecret, text, value: JSON.stringify(value), style: 'primary' });
}

/** How many findings get a full card; the rest are one section each. */
const FULL_CARDS = 2;

function subjectOf(report: DiagnosisReport, cluster: string): string {
  const target = report.target;
  if (target.kind === 'pod') return `pod ${target.namespace}/${target.name} on ${cluster}`;
  if (target.kind === 'app') return `app ${target.app} on ${cluster}`;
  return 'pasted text';
}

function actionButton(finding: Finding, cluster: string, app: string | undefined, namespace: string | undefined): Block | undefined {
  const action = finding.action;
  if (!action) return undefined;
  if (action.kind === 'grant') {
    const value: GrantButtonValue = { cluster, ...(app ? { app } : {}), ...(namespace ? { namespace } : {}) };
    return actions(`finding-${finding.id}-action`, [button({ actionId: ACTION_IDS.grantAccess, text: 'Grant access', value: JSON.stringify(value), style: 'primary' })]);
  }
  if (action.kind === 'create-secret' && action.params.name) {
    const value: CreateSecretButtonValue = { cluster, name: action.params.name };
    return actions(`finding-${finding.id}-action`, [button({ actionId: ACTION_IDS.createSecret, text: 'Create the secret', value: JSON.stringify(value) })]);
  }
  if (action.kind === 'recover-secret' && action.params.name) {
    return actions(`finding-${finding.id}-action`, [recoverSecretButton({ cluster, name: action.params.name, ...(app ? { app } : {}) })]);
  }
  return undefined;
}

function fullCard(finding: Finding, first: boolean, cluster: string, app: string | undefined, namespace: string | undefined): Block[] {
  const blocks: Block[] = [];
  if (first) blocks.push(header(finding.title));
  else blocks.push(section(`*${escapeMrkdwn(finding.title)}*`));
  blocks.push(context(`${SEVERITY_BADGE[finding.severity]}`, `finding ${code(finding.id)} · ${finding.confidence}`));
  blocks.push(section(escapeMrkdwn(finding.summary)));
  blocks.push(section(`*Reason*\n${escapeMrkdwn(finding.cause)}`));
  if (finding.evidence.length > 0) blocks.push(codeSection('*Evidence*', finding.evidence).block);
  if (finding.fix.commands.length > 0) blocks.push(codeSection('*Fix*', finding.fix.commands).block);
  if (finding.fix.docs.length > 0) blocks.push(context(finding.fix.docs.slice(0, 3).map((url) => `<${url}|${new URL(url).hostname}>`).join(' · ')));
  const button = actionButton(finding, cluster, app, namespace);
  if (button) blocks.push(button);
  return blocks;
}

function shortCard(finding: Finding): Block[] {
  const fix = finding.fix.commands[0];
  return [
    section(`*${escapeMrkdwn(finding.title)}* · ${SEVERITY_BADGE[finding.severity]}\n${escapeMrkdwn(finding.summary)}`),
    ...(fix ? [codeSection('*Fix*', [fix]).block] : []),
  ];
}

export interface DiagnosisContext {
  cluster: string;
  /** The app, when known (diagnose --app); lets "Grant access" skip a lookup. */
  app?: string;
}

export function diagnosisMessage(report: DiagnosisReport, where: DiagnosisContext): SlackMessage {
  const subject = subjectOf(report, where.cluster);
  const namespace = report.target.kind === 'pod' ? report.target.namespace : report.target.kind === 'app' ? report.target.namespace : undefined;
  const problems = report.findings.filter((finding) => finding.severity !== 'info');
  const blocks: Block[] = [];
  if (problems.length === 0) {
    blocks.push(header(`Healthy: ${subject}`));
    blocks.push(section(`:white_check_mark: No problem found with the secrets of ${escapeMrkdwn(subject)}.`));
    for (const finding of report.findings) blocks.push(context(`${SEVERITY_BADGE[finding.severity]} ${escapeMrkdwn(finding.title)}`));
  } else {
    // One card per cause; the symptoms that follow from it (timeouts, Secret not synced, pod stuck) as one line under it.
    const groups = groupByCause(report.findings.filter((finding) => !finding.earlier));
    groups.forEach(({ cause, consequences }, index) => {
      if (index > 0) blocks.push(divider());
      blocks.push(...(index < FULL_CARDS ? fullCard(cause, index === 0, where.cluster, where.app, namespace) : shortCard(cause)));
      if (consequences.length > 0) blocks.push(context(`:arrow_right_hook: Consequences of this cause: ${consequences.map((consequence) => `${code(consequence.id)} ${escapeMrkdwn(consequence.title)}`).join(' · ')}`));
    });
    const earlier = report.findings.filter((finding) => finding.earlier);
    if (earlier.length > 0) blocks.push(context(`:clock3: Earlier, over now: ${earlier.map((finding) => escapeMrkdwn(finding.title)).join(' · ')}`));
    const causes = groups.filter(({ cause }) => cause.severity !== 'info').length;
    const folded = groups.reduce((sum, group) => sum + group.consequences.length, 0);
    blocks.push(context(`Diagnosis of ${escapeMrkdwn(subject)}: ${causes} cause${causes === 1 ? '' : 's'}${folded > 0 ? ` (${folded} consequence${folded === 1 ? '' : 's'} folded under ${causes === 1 ? 'it' : 'them'})` : ''}, most likely first.`));
  }
  if (report.unknowns.length > 0) {
    blocks.push(context(`:grey_question: Not checked: ${report.unknowns.slice(0, 5).map((unknown) => `${escapeMrkdwn(unknown.source)} (${escapeMrkdwn(unknown.reason)})`).join('; ')}`));
  }
  const first = report.findings[0];
  const text = problems.length === 0 ? `Healthy: ${subject}` : `${first?.title ?? 'Problems found'} (${subject})`;
  return { text, blocks: capBlocks(blocks, undefined, 'findings') };
}
