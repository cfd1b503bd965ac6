/** Grant plans, action outcomes and request cards (the approvals channel's card, updated in place). */
import type { AccessRequest, ActionResult, GrantPlan, GrantStep, SecretActionResult } from '@kvcsi/core';
import { actions, button, capBlocks, codeSection, context, divider, escapeMrkdwn, fields, header, section, type Block, type SlackMessage } from '../blocks/kit.js';
import { OUTCOME_BADGE, REQUEST_BADGE, code } from './common.js';
import { ACTION_IDS } from './diagnosis.js';

const CHANGE_MARK = { add: ':heavy_plus_sign:', remove: ':heavy_minus_sign:', none: ':heavy_equals_sign:' } as const;

function describeStep(step: GrantStep): string {
  if (step.kind === 'access-policy') {
    const permissions = Object.entries(step.change === 'none' ? step.permissions : step.delta)
      .filter(([, list]) => list && list.length > 0)
      .map(([kind, list]) => `${kind} ${list!.join(',')}`)
      .join('; ');
    return `${CHANGE_MARK[step.change]} access policy on ${code(step.vault)} for ${code(step.objectId)}: ${permissions || 'nothing'}`;
  }
  const where = step.secretName ? `secret ${code(step.secretName)} in ${code(step.vault)}` : `vault ${code(step.vault)}`;
  const covered = step.coveredBy ? ` (covered by ${code(step.coveredBy)})` : '';
  return `${CHANGE_MARK[step.change]} role *${escapeMrkdwn(step.roleName)}* on ${where} for ${code(step.principalObjectId)}${covered}`;
}

export function planBlocks(plan: GrantPlan): Block[] {
  const blocks: Block[] = [
    fields([
      ['App', plan.app],
      ['Cluster', `${plan.cluster} (${plan.tier})`],
      ['Changes', plan.changeCount === 0 ? 'none: already in place' : String(plan.changeCount)],
      ['Scope', plan.grantScope],
    ]),
  ];
  for (const vault of plan.vaults) {
    const identity = `${code(vault.identity.clientId)}${vault.identity.displayName ? ` (${escapeMrkdwn(vault.identity.displayName)})` : ''}`;
    const lines = vault.steps.map(describeStep);
    blocks.push(section(`*Vault* ${code(vault.vault.name)} · ${vault.vault.authModel === 'rbac' ? 'Azure RBAC' : 'access policies'}\n*Identity* ${identity}\n${lines.join('\n') || 'no steps'}`));
  }
  if (plan.warnings.length > 0) blocks.push(context(...plan.warnings.slice(0, 5).map((warning) => `:warning: ${escapeMrkdwn(warning)}`)));
  return blocks;
}

/** The answer to `grant`/`revoke`: the plan, and how the action ended (applied, waiting for approval, …). */
export function actionResultMessage(verb: 'grant' | 'revoke', result: ActionResult, options: { approvalsChannel?: string } = {}): SlackMessage {
  const { outcome, plan, request } = result;
  const title = plan ? `${verb === 'grant' ? 'Grant' : 'Revoke'}: ${plan.app} on ${plan.cluster}` : verb === 'grant' ? 'Grant' : 'Revoke';
  const blocks: Block[] = [header(title), section(`${OUTCOME_BADGE[outcome.status]} · ${escapeMrkdwn(outcome.message)}`)];
  if (request && outcome.status === 'pending') {
    const where = options.approvalsChannel ? ` in <#${options.approvalsChannel}>` : '';
    blocks.push(context(`Request ${code(request.id)} waits for an approver${where}. You will get a DM when it is decided.`));
  }
  if (plan) blocks.push(...planBlocks(plan));
  // The plan's card already carries its warnings; say only what the outcome adds.
  const newWarnings = outcome.warnings.filter((warning) => !plan?.warnings.includes(warning));
  if (newWarnings.length > 0) blocks.push(context(...newWarnings.slice(0, 5).map((warning) => `:warning: ${escapeMrkdwn(warning)}`)));
  if (outcome.error) blocks.push(section(`:x: ${code(outcome.error.code)} ${escapeMrkdwn(outcome.error.message)}`));
  if (outcome.correlationId) blocks.push(context(`Azure correlation id ${code(outcome.correlationId)}`));
  return { text: `${title}: ${outcome.message}`, blocks: capBlocks(blocks) };
}

/** The answer to a secret being written or requested: outcome, and what to paste into the SecretProviderClass. */
export function secretResultMessage(result: SecretActionResult, options: { approvalsChannel?: string } = {}): SlackMessage {
  const { outcome, request } = result;
  const title = `Secret ${result.secretName} in ${result.vault}`;
  const blocks: Block[] = [header(title), section(`${OUTCOME_BADGE[outcome.status]} · ${escapeMrkdwn(outcome.message)}`)];
  if (request && outcome.status === 'pending') {
    const where = options.approvalsChannel ? ` in <#${options.approvalsChannel}>` : '';
    blocks.push(context(`Request ${code(request.id)} waits for an approver${where}. You will get a DM when it is decided.`));
  }
  const recovered = request?.kind === 'secret-recover';
  if (result.secret) blocks.push(context(`${recovered ? 'Recovered' : 'Written'}: ${code(result.secret.name)}${result.secret.contentType ? ` · ${escapeMrkdwn(result.secret.contentType)}` : ''} (the value is never shown)`));
  // A recovered secret is the one the SecretProviderClass already names: no snippet to paste.
  if (recovered && outcome.status === 'applied') blocks.push(context('The pods that mount it get it on their next mount attempt (kubelet retries with back-off).'));
  if (!recovered && (outcome.status === 'applied' || outcome.status === 'unchanged')) {
    blocks.push(codeSection('*SecretProviderClass* `objects` entry', result.snippet.objectsEntry.split('\n')).block);
    blocks.push(codeSection('*secretObjects* data', result.snippet.secretObjectsLine.split('\n')).block);
  }
  if (outcome.error) blocks.push(section(`:x: ${code(outcome.error.code)} ${escapeMrkdwn(outcome.error.message)}`));
  return { text: `${title}: ${outcome.message}`, blocks };
}

const KIND_TITLE: Readonly<Record<AccessRequest['kind'], string>> = {
  grant: 'Access request',
  revoke: 'Revoke request',
  'secret-create': 'Secret creation',
  'secret-request': 'Secret request',
  'secret-recover': 'Secret recovery',
};

export interface RequestCardOptions {
  /** Renders a principal: `<@U123>` for Slack users. */
  who: (principal: string) => string;
  /** Whether to show Approve / Reject (only while pending, and only where approvers look). */
  withButtons: boolean;
}

function decisionLine(request: AccessRequest, who: (principal: string) => string): string | undefined {
  const decision = request.decision;
  switch (request.status) {
    case 'pending':
      return `Expires ${request.expiresAt}`;
    case 'approved':
      return decision ? `Approved by ${who(decision.by)} at ${decision.at}` : 'Approved';
    case 'applied':
      return `${decision ? `Approved by ${who(decision.by)}` : 'Approved'}; applied ${request.appliedAt ?? ''}${request.outcome?.message ? ` · ${escapeMrkdwn(request.outcome.message)}` : ''}`;
    case 'rejected':
      return `${decision ? `Rejected by ${who(decision.by)} at ${decision.at}` : 'Rejected'}${decision?.reason ? `: ${escapeMrkdwn(decision.reason)}` : ''}`;
    case 'expired':
      return `Expired at ${request.expiresAt} without a decision`;
    case 'failed':
      return `${decision ? `Approved by ${who(decision.by)}; ` : ''}the change failed: ${escapeMrkdwn(request.failureReason ?? 'unknown reason')}`;
  }
}

/** The request card: what is asked, by whom, why, its state, and Approve / Reject while pending. */
export function requestCard(request: AccessRequest, options: RequestCardOptions): SlackMessage {
  const target = request.target;
  const pairs: [string, string][] = [
    ['Requested by', options.who(request.requester)],
    ['Status', REQUEST_BADGE[request.status]],
    ['Cluster', `${target.cluster} (${target.tier})`],
  ];
  if (target.app) pairs.push(['App', target.app]);
  if (target.vault) pairs.push(['Vault', target.vault]);
  if (target.secretName) pairs.push(['Secret', target.secretName]);
  if (request.approverGroup) pairs.push(['Approvers', request.approverGroup]);
  const title = `${KIND_TITLE[request.kind]} ${request.id}`;
  const blocks: Block[] = [header(title), fields(pairs), section(`*Justification*\n${escapeMrkdwn(request.justification)}`)];
  const details = Object.entries(request.details ?? {});
  if (details.length > 0) blocks.push(section(details.slice(0, 10).map(([key, value]) => `*${escapeMrkdwn(key)}*: ${escapeMrkdwn(value)}`).join('\n')));
  const decision = decisionLine(request, options.who);
  if (decision) blocks.push(context(decision));
  if (options.withButtons && request.status === 'pending') {
    blocks.push(divider());
    blocks.push(
      actions(`request-${request.id}`, [
        button({ actionId: ACTION_IDS.approve, text: 'Approve', value: request.id, style: 'primary' }),
        button({ actionId: ACTION_IDS.reject, text: 'Reject', value: request.id, style: 'danger' }),
      ]),
    );
  }
  const text = `${title} for ${target.app ?? target.secretName ?? target.cluster} on ${target.cluster}: ${request.status}`;
  return { text, blocks };
}

/** One line per request, for `/kvcsi requests`. */
export function requestListMessage(requests: readonly AccessRequest[], who: (principal: string) => string): SlackMessage {
  if (requests.length === 0) return { text: 'No open requests.', blocks: [section(':zero: No open requests.')] };
  const lines = requests.map((request) => {
    const target = request.target;
    return `${REQUEST_BADGE[request.status]} ${code(request.id)} ${KIND_TITLE[request.kind].toLowerCase()} · ${escapeMrkdwn(target.app ?? target.secretName ?? '')} on ${escapeMrkdwn(target.cluster)} · by ${who(request.requester)}`;
  });
  const blocks: Block[] = [header(`Requests (${requests.length})`)];
  for (let start = 0; start < lines.length; start += 12) blocks.push(section(lines.slice(start, start + 12).join('\n')));
  blocks.push(context('`/kvcsi requests <id>` shows one request.'));
  return { text: `${requests.length} request(s)`, blocks: capBlocks(blocks, undefined, 'requests') };
}
