/**
 * The approvals channel: one card per request, posted when it is made and updated in place (chat.update) at every
 * state change; buttons only while pending; the requester told by DM when it is decided.
 *
 * Where a card lives and what it shows is kept in the store (`RequestCardStore`), not in this process: any replica
 * brings any card up to date — after a decision it made itself at once, and in its sweep for decisions made
 * elsewhere (another replica, the CLI, Backstage) and for expiry. One replica updates a card at a time: it claims the
 * card with a compare-and-set on the version the card shows; a claim lapses if the replica dies holding it.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { AccessRequest, KvcsiService } from '@kvcsi/core';
import type { RequestCard, RequestCardStore } from '@kvcsi/store';
import type { Logger, webApi } from '@slack/bolt';
import { actions, button, context, escapeMrkdwn, section, type SlackMessage } from './blocks/kit.js';
import { createMemoryRequestCardStore } from './cards/memory-card-store.js';
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
  /** Shared by the replicas (the store's `cards`); this process's memory when absent. */
  cards?: RequestCardStore;
  /** Who claims cards; default host, pid and a random suffix. */
  replicaId?: string;
  /** How long a claim holds before another replica may take the card over; default 30 s. */
  claimLeaseInMs?: number;
  /** How many cards one sweep handles at most; default 100. */
  sweepBatch?: number;
  now?: () => number;
  /** Each card update this desk made (for metrics). */
  onCardUpdated?: (status: AccessRequest['status']) => void;
}

/** Slack errors that no retry will fix: the card is gone. */
const GONE = new Set(['message_not_found', 'channel_not_found', 'is_archived', 'cant_update_message']);

/**
 * The statuses the requester hears about. A grant, revoke or recover is applied at once after approval, so "approved"
 * is not news for it; a secret request's approval is (the requester supplies the value next).
 */
function isNewsFor(request: AccessRequest): boolean {
  const forAccess = request.kind === 'grant' || request.kind === 'revoke' || request.kind === 'secret-recover';
  switch (request.status) {
    case 'rejected':
    case 'expired':
    case 'failed':
      return true;
    case 'applied':
      return forAccess;
    case 'approved':
      return !forAccess;
    default:
      return false;
  }
}

function slackErrorOf(error: unknown): string | undefined {
  const data = (error as { data?: { error?: unknown } } | null)?.data;
  return typeof data?.error === 'string' ? data.error : undefined;
}

export class ApprovalDesk {
  private readonly cards: RequestCardStore;
  readonly replicaId: string;
  private readonly leaseInMs: number;
  private readonly now: () => number;
  private sweeping: Promise<number> | undefined;

  constructor(private readonly options: ApprovalDeskOptions) {
    this.cards = options.cards ?? createMemoryRequestCardStore();
    this.replicaId = options.replicaId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.leaseInMs = options.claimLeaseInMs ?? 30_000;
    this.now = options.now ?? Date.now;
  }

  cardOf(request: AccessRequest): SlackMessage {
    return requestCard(request, { who: (principal) => mention(this.options.config, principal), withButtons: true });
  }

  async locationOf(requestId: string): Promise<CardLocation | undefined> {
    const card = await this.cards.getCard(requestId);
    return card ? { channel: card.channel, ts: card.ts } : undefined;
  }

  /** Posts the card of a new request to the approvals channel, once. */
  async post(request: AccessRequest): Promise<void> {
    if (await this.cards.getCard(request.id)) return this.refresh(request);
    const card = this.cardOf(request);
    const posted = await this.options.client.chat.postMessage({ channel: this.options.config.approvalsChannel, text: card.text, blocks: card.blocks });
    if (!posted.channel || !posted.ts) return;
    await this.cards.saveCard({ requestId: request.id, channel: posted.channel, ts: posted.ts, shownVersion: request.version, shownStatus: request.status });
  }

  /**
   * Brings the request's card up to date (a clicked card is remembered first, when the store did not know it: a card
   * posted before the store kept cards). Does nothing when another replica is updating it right now.
   */
  async refresh(request: AccessRequest, clicked?: CardLocation): Promise<void> {
    if (clicked) await this.cards.saveCard({ requestId: request.id, channel: clicked.channel, ts: clicked.ts, shownVersion: 0, shownStatus: 'pending' });
    await this.sync(request.id);
  }

  /** After a decision this process made: the card is updated and the requester told (once, whichever replica does it). */
  async announce(request: AccessRequest, clicked?: CardLocation): Promise<void> {
    try {
      if (clicked) await this.cards.saveCard({ requestId: request.id, channel: clicked.channel, ts: clicked.ts, shownVersion: 0, shownStatus: 'pending' });
      const card = await this.cards.getCard(request.id);
      // A request without a card (made from the CLI or Backstage, decided here): only the DM is owed.
      if (!card) {
        if (isNewsFor(request)) await this.tellRequester(request);
        return;
      }
      await this.sync(request.id);
    } catch (error) {
      this.options.logger.warn('approvals: could not update Slack', error);
    }
  }

  /** Tells the requester, by DM, how their request ended; an approved secret request gets the button to supply the value. */
  async tellRequester(request: AccessRequest): Promise<void> {
    const userId = slackUserOf(this.options.config, request.requester);
    if (!userId) return;
    const who = (principal: string): string => mention(this.options.config, principal);
    const by = request.decision ? ` by ${who(request.decision.by)}` : '';
    // Reasons and messages are free text (an approver's, an upstream's): escaped, so `<!channel>` or a disguised link
    // in a rejection reason reaches the requester as text (issue 19).
    const what = `${code(request.id)} (${request.kind} ${escapeMrkdwn(request.target.app ?? request.target.secretName ?? '')} on ${escapeMrkdwn(request.target.cluster)})`;
    const lines: Record<AccessRequest['status'], string> = {
      pending: `Your request ${what} is waiting for approval.`,
      approved: `Your request ${what} was approved${by}.`,
      applied: `Your request ${what} was approved${by} and applied.${request.outcome?.message ? ` ${escapeMrkdwn(request.outcome.message)}` : ''}`,
      rejected: `Your request ${what} was rejected${by}${request.decision?.reason ? `: ${escapeMrkdwn(request.decision.reason)}` : '.'}`,
      expired: `Your request ${what} expired without a decision. Ask again if it is still needed.`,
      failed: `Your request ${what} was approved${by}, but applying it failed: ${escapeMrkdwn(request.failureReason ?? 'unknown reason')}`,
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

  /**
   * The cards whose request moved on — decided, applied or expired, here or elsewhere — or whose pending request is
   * past its expiry; each brought up to date by exactly one replica. Safe on every replica at once. Returns how many
   * cards this call updated. A sweep still running is joined, not doubled.
   */
  sweep(): Promise<number> {
    this.sweeping ??= this.sweepOnce().finally(() => {
      this.sweeping = undefined;
    });
    return this.sweeping;
  }

  /** Resolves when no sweep is running (shutdown waits for the one in progress). */
  async settled(): Promise<void> {
    await this.sweeping?.catch(() => undefined);
  }

  private async sweepOnce(): Promise<number> {
    // A grant approved by a replica that died before applying it is applied here, by whichever replica sweeps first;
    // its card then moves on below like any other.
    await this.options.service.resumeApproved().catch((error: unknown) => this.options.logger.warn('approvals: resuming approved requests failed', error));
    const due = await this.cards.cardsToUpdate({ now: new Date(this.now()).toISOString(), limit: this.options.sweepBatch ?? 100 });
    let updated = 0;
    for (const card of due) {
      try {
        if (await this.sync(card.requestId, card)) updated++;
      } catch (error) {
        this.options.logger.warn(`approvals: sweep of ${card.requestId} failed`, error);
      }
    }
    return updated;
  }

  /**
   * One card brought up to the request's current version: claim (compare-and-set), chat.update, the DM when it is
   * news, then record what the card shows. Reading the request expires it when its time is up. True when this call
   * updated the card.
   */
  private async sync(requestId: string, known?: RequestCard): Promise<boolean> {
    const card = known ?? (await this.cards.getCard(requestId));
    if (!card) return false;
    const request = await this.options.service.getRequest(requestId);
    if (request.version <= card.shownVersion) return false;
    const now = this.now();
    const claimed = await this.cards.claimCard(requestId, {
      shownVersion: card.shownVersion, by: this.replicaId, now: new Date(now).toISOString(), until: new Date(now + this.leaseInMs).toISOString(),
    });
    if (!claimed) return false;
    try {
      const message = this.cardOf(request);
      await this.options.client.chat.update({ channel: card.channel, ts: card.ts, text: message.text, blocks: message.blocks });
    } catch (error) {
      const slackError = slackErrorOf(error);
      if (!slackError || !GONE.has(slackError)) {
        // Another replica (or the next sweep) tries again.
        await this.cards.releaseCard(requestId, this.replicaId);
        throw error;
      }
      this.options.logger.warn(`approvals: the card of ${requestId} is gone (${slackError}); it is no longer updated`);
    }
    let toldStatus: string | undefined;
    if (isNewsFor(request) && card.toldStatus !== request.status) {
      try {
        await this.tellRequester(request);
        toldStatus = request.status;
      } catch (error) {
        // Not retried: a DM that failed once (user gone, DMs closed) would otherwise be tried at every sweep.
        this.options.logger.warn(`approvals: could not tell the requester of ${requestId}`, error);
      }
    }
    const completed = await this.cards.completeCard(requestId, {
      by: this.replicaId, shownVersion: request.version, shownStatus: request.status, ...(toldStatus !== undefined ? { toldStatus } : {}),
    });
    if (completed) this.options.onCardUpdated?.(request.status);
    return completed;
  }
}
