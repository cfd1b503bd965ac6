/**
 * Request cards in this process's memory: for a bot without a database (tests, a quick local run). One process only:
 * it cannot see versions, so it lists every card that still shows an open request and lets the desk compare.
 */
import type { ClaimCardInput, CompleteCardInput, NewRequestCard, RequestCard, RequestCardStore } from '@kvcsi/store';

const OPEN_STATUSES = new Set(['pending', 'approved']);

export function createMemoryRequestCardStore(): RequestCardStore {
  const cards = new Map<string, RequestCard>();
  const lapsed = (card: RequestCard, now: string): boolean => card.claimedUntil === undefined || card.claimedUntil < now;
  return {
    async saveCard(card: NewRequestCard) {
      if (cards.has(card.requestId)) return false;
      cards.set(card.requestId, { ...card });
      return true;
    },
    async getCard(requestId) {
      const card = cards.get(requestId);
      return card ? { ...card } : undefined;
    },
    async cardsToUpdate({ now, limit = 100 }) {
      return [...cards.values()].filter((card) => OPEN_STATUSES.has(card.shownStatus) && lapsed(card, now)).slice(0, limit).map((card) => ({ ...card }));
    },
    async claimCard(requestId, input: ClaimCardInput) {
      const card = cards.get(requestId);
      if (!card || card.shownVersion !== input.shownVersion || !lapsed(card, input.now)) return false;
      card.claimedBy = input.by;
      card.claimedUntil = input.until;
      return true;
    },
    async completeCard(requestId, input: CompleteCardInput) {
      const card = cards.get(requestId);
      if (!card || card.claimedBy !== input.by) return false;
      card.shownVersion = input.shownVersion;
      card.shownStatus = input.shownStatus;
      if (input.toldStatus !== undefined) card.toldStatus = input.toldStatus;
      delete card.claimedBy;
      delete card.claimedUntil;
      return true;
    },
    async releaseCard(requestId, by) {
      const card = cards.get(requestId);
      if (!card || card.claimedBy !== by) return;
      delete card.claimedBy;
      delete card.claimedUntil;
    },
  };
}
