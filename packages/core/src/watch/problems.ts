/**
 * Watcher state: problems (one per workload and root cause) and the messages that announce them (one per cause,
 * listing every workload it breaks). It lives in the store so a replica that takes over the watch knows what was
 * posted; every change is compare-and-set on `version`.
 */
import type { Finding } from '../diagnostics/finding.js';

export interface ProblemRow {
  /** (cluster, namespace, workload, root-cause finding id, subject). */
  key: string;
  causeKey: string;
  cluster: string;
  namespace: string;
  /** `Deployment/web`. */
  workload: string;
  /** The app its pod is labelled with (`app.kubernetes.io/name`), when it has the label; rows written before 0006 have none until rechecked. */
  app?: string;
  findingId: string;
  /** `Vault/kv-x`, `Pod/ns/name`, … (`-` when the finding names none). */
  subject: string;
  state: 'open' | 'resolved';
  openedAt: number;
  resolvedAt?: number;
  /** When the watcher last diagnosed this workload for it (a storm re-diagnoses at most once per recheck interval). */
  checkedAt: number;
  version: number;
}

/**
 * Where a message is: `pending` is written before it is sent, so a replica that takes over between the write and the
 * outcome looks the message up instead of posting again; `sent` holds the front end's reference (channel and ts).
 */
export type PostState = { state: 'pending'; since: number } | { state: 'sent'; ref: string } | { state: 'failed'; reason: string };

/** Who fixed a resolved problem: a kvcsi request applied while it was open, else a change made outside kvcsi. */
export type ResolvedBy =
  | { kind: 'request'; requestId: string; requestKind: string; requester: string; approver?: string }
  | { kind: 'outside' };

/** A further destination of a message (the approvers channel of a prd problem), posted once and updated with the first. */
export interface MessageCopy {
  target: string;
  post: PostState;
}

export interface MessageRow {
  id: string;
  causeKey: string;
  state: 'open' | 'resolved';
  /** The root-cause finding as diagnosed (redacted evidence, fix, action). */
  finding: Finding;
  /** Where it is routed: the first workload's cluster and namespace. */
  cluster: string;
  namespace: string;
  openedAt: number;
  resolvedAt?: number;
  post: PostState;
  /** The first destination (a Slack channel) when the sink names its destinations; `post` is its state. */
  target?: string;
  /** Further destinations, each tracked on its own so a failover posts only where nothing was sent. */
  copies?: MessageCopy[];
  /** An update was held back while the cause was snoozed or muted: the next check brings the message in step. */
  held?: boolean;
  /** Set when resolved, if the watcher could tell (see WatcherOptions.fixedBy). */
  resolvedBy?: ResolvedBy;
  version: number;
}

/**
 * A person's choice to quiet a cause, kept per cause (not per message), so every replica honours it and a muted cause
 * that recurs stays quiet: snoozed until a time, or muted until someone unmutes it. It changes what the watcher posts,
 * never who has access.
 */
export interface SilenceRow {
  causeKey: string;
  kind: 'snooze' | 'mute';
  /** A snooze's end (epoch ms). */
  until?: number;
  /** The principal who chose it (`slack:U0123`). */
  by: string;
  at: number;
  /** The message it was chosen on. */
  messageId?: string;
}

/** Whether a silence holds at `now`: a mute until it is lifted, a snooze until its end. */
export function isSilenced(silence: SilenceRow | undefined, now: number): silence is SilenceRow {
  if (silence === undefined) return false;
  return silence.kind === 'mute' || (silence.until !== undefined && silence.until > now);
}

export interface ProblemStore {
  /** Inserts the problem unless one with its key is open; `created` false returns the open one. */
  openProblem(row: Omit<ProblemRow, 'state' | 'version'>): Promise<{ created: boolean; row: ProblemRow }>;
  /** Compare-and-set on version; false when another writer got there first. */
  updateProblem(row: ProblemRow): Promise<boolean>;
  listOpenProblems(filter?: { cluster?: string; namespace?: string; workload?: string; causeKey?: string; app?: string }): Promise<ProblemRow[]>;
  /** Inserts the open message for a cause unless there is one; `created` false returns it. */
  openMessage(row: Omit<MessageRow, 'state' | 'version'>): Promise<{ created: boolean; row: MessageRow }>;
  updateMessage(row: MessageRow): Promise<boolean>;
  getOpenMessage(causeKey: string): Promise<MessageRow | undefined>;
  getMessage(id: string): Promise<MessageRow | undefined>;
  listMessages(filter?: { state?: 'open' | 'resolved' }): Promise<MessageRow[]>;
  getSilence(causeKey: string): Promise<SilenceRow | undefined>;
  /** Replaces the cause's silence (the latest choice wins). */
  setSilence(row: SilenceRow): Promise<void>;
  /** Lifts it; false when there was none. */
  clearSilence(causeKey: string): Promise<boolean>;
}

/** A process-local ProblemStore (the CLI's `kvcsi watch`, tests); the bot uses @kvcsi/store's. */
export function createMemoryProblemStore(): ProblemStore {
  const problems = new Map<string, ProblemRow>();
  const messages = new Map<string, MessageRow>();
  const silences = new Map<string, SilenceRow>();
  const copy = <T>(value: T): T => structuredClone(value);
  return {
    async openProblem(input) {
      const existing = problems.get(input.key);
      if (existing?.state === 'open') return { created: false, row: copy(existing) };
      const row: ProblemRow = { ...input, state: 'open', version: 1 };
      problems.set(row.key, row);
      return { created: true, row: copy(row) };
    },
    async updateProblem(row) {
      const current = problems.get(row.key);
      if (current === undefined || current.version !== row.version) return false;
      problems.set(row.key, { ...copy(row), version: row.version + 1 });
      return true;
    },
    async listOpenProblems(filter = {}) {
      return [...problems.values()]
        .filter((row) => row.state === 'open')
        .filter((row) => (filter.cluster === undefined || row.cluster === filter.cluster) && (filter.namespace === undefined || row.namespace === filter.namespace)
          && (filter.workload === undefined || row.workload === filter.workload) && (filter.causeKey === undefined || row.causeKey === filter.causeKey)
          && (filter.app === undefined || row.app === filter.app))
        .map(copy);
    },
    async openMessage(input) {
      const existing = [...messages.values()].find((row) => row.causeKey === input.causeKey && row.state === 'open');
      if (existing !== undefined) return { created: false, row: copy(existing) };
      const row: MessageRow = { ...copy(input), state: 'open', version: 1 };
      messages.set(row.id, row);
      return { created: true, row: copy(row) };
    },
    async updateMessage(row) {
      const current = messages.get(row.id);
      if (current === undefined || current.version !== row.version) return false;
      messages.set(row.id, { ...copy(row), version: row.version + 1 });
      return true;
    },
    async getOpenMessage(causeKey) {
      const found = [...messages.values()].find((row) => row.causeKey === causeKey && row.state === 'open');
      return found === undefined ? undefined : copy(found);
    },
    async getMessage(id) {
      const found = messages.get(id);
      return found === undefined ? undefined : copy(found);
    },
    async listMessages(filter = {}) {
      return [...messages.values()].filter((row) => filter.state === undefined || row.state === filter.state).map(copy);
    },
    async getSilence(causeKey) {
      const found = silences.get(causeKey);
      return found === undefined ? undefined : copy(found);
    },
    async setSilence(row) {
      silences.set(row.causeKey, copy(row));
    },
    async clearSilence(causeKey) {
      return silences.delete(causeKey);
    },
  };
}
