/** A watcher problem as a Slack message: the cause, the workloads it breaks, evidence, fix, and the Grant button. */
import type { ProblemNotice } from '@kvcsi/core';
import { actions, button, codeSection, context, escapeMrkdwn, header, section, type Block, type SlackMessage } from '../blocks/kit.js';
import { ACTION_IDS, type GrantButtonValue } from '../presenters/diagnosis.js';

/** Slack message metadata naming the watcher's message id, so a replica taking over finds a post instead of repeating it. */
export const WATCH_METADATA_EVENT = 'kvcsi_watch_problem';

/** `1h 2m 3s`. */
export function formatLasted(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const parts = [[Math.floor(total / 3600), 'h'], [Math.floor((total % 3600) / 60), 'm'], [total % 60, 's']] as const;
  const shown = parts.filter(([value]) => value > 0).map(([value, unit]) => `${value}${unit}`);
  return shown.length === 0 ? '0s' : shown.join(' ');
}

const MAX_WORKLOADS_SHOWN = 10;
const MAX_BUTTONS = 5;

export function problemMessage(notice: ProblemNotice): SlackMessage & { metadata: { event_type: string; event_payload: { messageId: string } } } {
  const { finding } = notice;
  const metadata = { event_type: WATCH_METADATA_EVENT, event_payload: { messageId: notice.messageId } };
  if (notice.state === 'resolved') {
    const lasted = formatLasted((notice.resolvedAt ?? notice.openedAt) - notice.openedAt);
    const text = `Resolved after ${lasted}: ${finding.id} ${finding.title}`;
    return { text, blocks: [section(`:white_check_mark: *Resolved after ${lasted}* — ${escapeMrkdwn(finding.title)} (${finding.id})`), context('The pods mount their secrets again.')], metadata };
  }
  const where = notice.workloads.slice(0, MAX_WORKLOADS_SHOWN).map((w) => `• \`${w.cluster}\` ${escapeMrkdwn(`${w.namespace}/${w.workload}`)} since <!date^${Math.floor(w.since / 1000)}^{time}|${new Date(w.since).toISOString()}>`);
  if (notice.workloads.length > MAX_WORKLOADS_SHOWN) where.push(`… and ${notice.workloads.length - MAX_WORKLOADS_SHOWN} more`);
  const blocks: Block[] = [
    header(`${finding.id}: ${finding.title}`),
    section(escapeMrkdwn(finding.summary)),
    section(`*${notice.workloads.length === 1 ? 'Workload' : `${notice.workloads.length} workloads`}*\n${where.join('\n')}`),
  ];
  if (finding.evidence.length > 0) blocks.push(codeSection('Evidence', finding.evidence.slice(0, 3)).block);
  if (finding.fix.commands.length > 0) blocks.push(codeSection('Fix', finding.fix.commands.slice(0, 3)).block);
  if (finding.action?.kind === 'grant') {
    // The same button as a diagnosis card: the click goes through the grant request and approval flow as the clicker.
    const seen = new Set<string>();
    const grants = notice.workloads.filter((w) => !seen.has(`${w.cluster}/${w.namespace}`) && seen.add(`${w.cluster}/${w.namespace}`)).slice(0, MAX_BUTTONS).map((w) => {
      const value: GrantButtonValue = { cluster: w.cluster, namespace: w.namespace };
      return button({ actionId: ACTION_IDS.grantAccess, text: seen.size > 1 ? `Grant ${w.namespace} on ${w.cluster}` : 'Grant access', value: JSON.stringify(value), style: 'primary' });
    });
    blocks.push(actions(`watch-${finding.id}-grant`, grants));
  }
  blocks.push(context(`kvcsi watch · open since <!date^${Math.floor(notice.openedAt / 1000)}^{date_short_pretty} {time}|${new Date(notice.openedAt).toISOString()}>`));
  return { text: `${finding.id}: ${finding.title} — ${notice.workloads.map((w) => `${w.namespace}/${w.workload}`).join(', ')}`, blocks, metadata };
}
