/**
 * The approvals channel: one card per request, posted when it is made and updated in place (chat.update) at every
 * state change; buttons only while pending; the requester told by DM when it is decided. Where a card lives is
 * remembered here; a click on a card also tells us, so a restarted bot still updates the card that was clicked.
 */
import type { AccessRequest, KvcsiService } from '@kvcsi/core';
import type { Logger, webApi } from '@slack/bolt';
import { actions, button, context, section, type SlackMessage } from './blocks/kit.js';
import type { SlackConfig } from './config.js';
import { mention, slackUserOf } from './identity.js';
import { ACTION_IDS } from './presenters/diagnosis.js';
import { requestCard } from './presenters/requests.js';
import { REQUEST_BADGE, code } from './presenters/common.js';

export interface CardLocation {
  channel: string;
  ts: string;
}

export interface ApprovalDeskOptions {
  client: webApi.WebClient;
  config: SlackConfig;
  service: KvcsiService;
  logger: Logger;
}

export class ApprovalDesk {
  private readonly cards = new Map<string, CardLocation>();
  /** The last status each card showed, so an unchanged request does not cost a chat.update. */
  private readonly shown = new Map<string, AccessRequest['status']>();

  constructor(private readonly options: ApprovalDeskOptions) {}

  cardOf(request: AccessRequest): SlackMessage {
    return requestCard(request, { who: (principal) => mention(this.options.config, principal), withButtons: true });
  }

  locationOf(requestId: string): CardLocation | undefined {
    return this.cards.get(requestId);
  }

  /** Posts the card of a new request to the approvals channel. */
  async post(request: AccessRequest): Promise<void> {
    if (this.cards.has(request.id)) return this.refresh(request);
    const card = this.cardOf(request);
    const posted = await this.options.client.chat.postMessage({ channel: this.options.config.approvalsChannel, text: card.text, blocks: card.blocks });
    if (posted.channel && posted.ts) this.cards.set(request.id, { channel: posted.channel, ts: posted.ts });
    this.shown.set(request.id, request.status);
  }

  /** Brings the card up to date with the request (the clicked message too, when given). */
  async refresh(request: AccessRequest, clicked?: CardLocation): Promise<void> {
    if (clicked && !this.cards.has(request.id)) this.cards.set(request.id, clicked);
    const location = this.cards.get(request.id);
    if (!location) return;
    if (this.shown.get(request.id) === request.status && !clicked) return;
    const card = this.cardOf(request);
    await this.options.client.chat.update({ channel: location.channel, ts: location.ts, text: card.text, blocks: card.blocks });
    this.shown.set(request.id, request.status);
  }

  /** Tells the requester, by DM, how their request ended; an approved secret request gets the button to supply the value. */
  async tellRequester(request: AccessRequest): Promise<void> {
    const userId = slackUserOf(this.options.config, request.requester);
    if (!userId) return;
    const who = (principal: string): string => mention(this.options.config, principal);
    const by = request.decision ? ` by ${who(request.decision.by)}` : '';
    const what = `${code(request.id)} (${request.kind} ${request.target.app ?? request.target.secretName ?? ''} on ${request.target.cluster})`;
    const lines: Record<AccessRequest['status'], string> = {
      pending: `Your request ${what} is waiting for approval.`,
      approved: `Your request ${what} was approved${by}.`,
      applied: `Your request ${what} was approved${by} and applied.${request.outcome?.message ? ` ${request.outcome.message}` : ''}`,
      rejected: `Your request ${what} was rejected${by}${request.decision?.reason ? `: ${request.decision.reason}` : '.'}`,
      expired: `Your request ${what} expired without a decision. Ask again if it is still needed.`,
      failed: `Your request ${what} was approved${by}, but applying it failed: ${request.failureReason ?? 'unknown reason'}`,
    };
    const text = `${REQUEST_BADGE[request.status]} ${lines[request.status]}`;
    const blocks = [section(text)];
    const needsValue = request.status === 'approved' && (request.kind === 'secret-request' || request.kind === 'secret-create');
    if (needsValue) {
      blocks.push(actions(`supply-${request.id}`, [button({ actionId: ACTION_IDS.supplyValue, text: 'Supply the value', value: request.id, style: 'primary' })]));
      blocks.push(context('The value is typed into a form and goes straight to Key Vault.'));
    }
    await this.options.client.chat.postMessage({ channel: userId, text, blocks });
  }

  /** After any decision: update the card and tell the requester. Slack failures are logged, not thrown: the decision stands. */
  async announce(request: AccessRequest, clicked?: CardLocation): Promise<void> {
    const results = await Promise.allSettled([this.refresh(request, clicked), this.tellRequester(request)]);
    for (const result of results) if (result.status === 'rejected') this.options.logger.warn('approvals: could not update Slack', result.reason);
  }

  /** Re-reads every pending card's request; those that expired lose their buttons. */
  async sweep(): Promise<number> {
    let updated = 0;
    for (const [requestId] of this.cards) {
      if (this.shown.get(requestId) !== 'pending') continue;
      try {
        const request = await this.options.service.getRequest(requestId);
        if (request.status !== 'pending') {
          await this.refresh(request);
          if (request.status === 'expired') await this.tellRequester(request);
          updated++;
        }
      } catch (error) {
        this.options.logger.warn(`approvals: sweep of ${requestId} failed`, error);
      }
    }
    return updated;
  }
}
