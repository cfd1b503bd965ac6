/**
 * A watcher problem as a Slack message: the cause, the workloads it breaks, evidence, fix, the Grant button, and
 * Snooze / Mute (Unmute while silenced). Resolved, it says after how long and, when known, by whom.
 */
import type { ProblemNotice, ResolvedBy, SilenceRow } from '@kvcsi/core';
import { actions, button, codeSection, context, escapeMrkdwn, header, section, type Block, type SlackMessage } from '../blocks/kit.js';
import { ACTION_IDS, recoverSecretButton, type CreateSecretButtonValue, type GrantButtonValue } from '../presenters/diagnosis.js';

/** Slack message metadata naming the watcher's message id, so a replica taking over finds a post instead of repeating it. */
export const WATCH_METADATA_EVENT = 'kvcsi_watch_problem';

/** `1h 2m 3s`. */
export function formatLasted(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const parts = [[Math.floor(total / 3600), 'h'], [Math.floor((total % 3600) / 60), 'm'], [total % 60, 's']] as const;
  const shown = parts.filter(([value]) => value > 0).map(([value, unit]) => `${value}${unit}`);
  return shown.length === 0 ? '0s' : shown.join(' ');
}

/** The watch message's quieting buttons (see controls.ts); each carries `{ messageId }`. */
export const WATCH_ACTION_IDS = {
  snooze1h: 'kvcsi_watch_snooze_1h',
  snooze24h: 'kvcsi_watch_snooze_24h',
  mute: 'kvcsi_watch_mute',
  unmute: 'kvcsi_watch_unmute',
} as const;

export interface WatchButtonValue {
  messageId: string;
}

/** `<@U0123>` for a Slack principal, else the principal as code. */
export function principalMention(principal: string): string {
  return /^slack:[A-Z0-9]+$/.test(principal) ? `<@${principal.slice('slack:'.length)}>` : `\`${escapeMrkdwn(principal)}\``;
}

const slackDate = (ms: number, format = '{date_short_pretty} {time}'): string => `<!date^${Math.floor(ms / 1000)}^${format}|${new Date(ms).toISOString()}>`;

/** ", by <@U1> (grant req-x, approved by <@U2>)", ", by a change outside kvcsi", or nothing when unknown. */
export function resolvedByText(by: ResolvedBy | undefined): string {
  if (by === undefined) return '';
  if (by.kind === 'outside') return ', by a change outside kvcsi';
  return `, by ${principalMention(by.requester)} (${by.requestKind} ${by.requestId}${by.approver === undefined ? '' : `, approved by ${principalMention(by.approver)}`})`;
}

function silenceText(silence: SilenceRow): string {
  if (silence.kind === 'mute') return `:mute: Muted by ${principalMention(silence.by)} ${slackDate(silence.at)}: kvcsi posts nothing new for this cause and adds no workloads here until someone unmutes it.`;
  return `:zzz: Snoozed by ${principalMention(silence.by)} until ${slackDate(silence.until ?? silence.at)}: kvcsi posts nothing new for this cause and adds no workloads here until then.`;
}

function quietButtons(notice: ProblemNotice): Block {
  const value = JSON.stringify({ messageId: notice.messageId } satisfies WatchButtonValue);
  if (notice.silence !== undefined) {
    return actions('watch-quiet', [button({ actionId: WATCH_ACTION_IDS.unmute, text: notice.silence.kind === 'mute' ? 'Unmute' : 'End the snooze', value })]);
  }
  return actions('watch-quiet', [
    button({ actionId: WATCH_ACTION_IDS.snooze1h, text: 'Snooze 1 h', value }),
    button({ actionId: WATCH_ACTION_IDS.snooze24h, text: 'Snooze 24 h', value }),
    button({ actionId: WATCH_ACTION_IDS.mute, text: 'Mute', value, style: 'danger' }),
  ]);
}

const MAX_WORKLOADS_SHOWN = 10;
const MAX_BUTTONS = 5;

export function problemMessage(notice: ProblemNotice): SlackMessage & { metadata: { event_type: string; event_payload: { messageId: string } } } {
  const { finding } = notice;
  const metadata = { event_type: WATCH_METADATA_EVENT, event_payload: { messageId: notice.messageId } };
  if (notice.state === 'resolved') {
    const lasted = formatLasted((notice.resolvedAt ?? notice.openedAt) - notice.openedAt);
    const by = resolvedByText(notice.resolvedBy);
    const text = `Resolved after ${lasted}${by}: ${finding.id} ${finding.title}`;
    const blocks: Block[] = [section(`:white_check_mark: *Resolved after ${lasted}*${by} — ${escapeMrkdwn(finding.title)} (${finding.id})`), context('The pods mount their secrets again.')];
    // A mute outlives the message (a recurrence stays quiet): its Unmute button stays here, the last place it shows.
    if (notice.silence?.kind === 'mute') blocks.push(context(silenceText(notice.silence)), quietButtons(notice));
    return { text, blocks, metadata };
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
  const secretName = finding.action?.kind === 'create-secret' ? finding.action.params['name'] : undefined;
  if (secretName) {
    // The diagnosis card's button too: a modal takes the value, and the create goes through policy and approval.
    const clusters = [...new Set(notice.workloads.map((w) => w.cluster))].slice(0, MAX_BUTTONS);
    blocks.push(actions(`watch-${finding.id}-create`, clusters.map((cluster) => {
      const value: CreateSecretButtonValue = { cluster, name: secretName };
      return button({ actionId: ACTION_IDS.createSecret, text: clusters.length > 1 ? `Create the secret on ${cluster}` : 'Create the secret', value: JSON.stringify(value) });
    })));
  }
  const deletedName = finding.action?.kind === 'recover-secret' ? finding.action.params['name'] : undefined;
  if (deletedName) {
    // Recovering brings back the value the app had: no modal, the click asks for it (approved where the tier needs it).
    const clusters = [...new Set(notice.workloads.map((w) => w.cluster))].slice(0, MAX_BUTTONS);
    blocks.push(actions(`watch-${finding.id}-recover`, clusters.map((cluster) =>
      recoverSecretButton({ cluster, name: deletedName }, clusters.length > 1 ? `Recover the secret on ${cluster}` : 'Recover the secret'))));
  }
  if (notice.silence !== undefined) blocks.push(context(silenceText(notice.silence)));
  blocks.push(quietButtons(notice));
  blocks.push(context(`kvcsi watch · open since ${slackDate(notice.openedAt)}`));
  return { text: `${finding.id}: ${finding.title} — ${notice.workloads.map((w) => `${w.namespace}/${w.workload}`).join(', ')}`, blocks, metadata };
}
