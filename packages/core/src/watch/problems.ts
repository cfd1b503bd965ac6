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
  version: number;
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
}

/** A process-local ProblemStore (the CLI's `kvcsi watch`, tests); the bot uses @kvcsi/store's. */
export function createMemoryProblemStore(): ProblemStore {
  const problems = new Map<string, ProblemRow>();
  const messages = new Map<string, MessageRow>();
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
  };
}
