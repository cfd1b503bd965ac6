/**
 * The watcher: events and pod states from every cluster → a short settling time → one diagnosis of the workload →
 * problems keyed on (cluster, namespace, workload, root cause, subject) → one message per cause, updated in place as
 * workloads come and go and when the pods mount again. One cluster's watch failing never stops the others.
 */
import type { ClusterRegistry } from '../clusters/registry.js';
import { KvcsiError } from '../errors.js';
import { createLimiter } from '../diagnostics/gather.js';
import type { Finding } from '../diagnostics/finding.js';
import { diagnose, type DiagnosisReport } from '../diagnostics/report.js';
import { APP_NAME_LABEL } from '../spc/model.js';
import type { Clock, ClusterPort, KubeEvent, KubePod, VaultPort, WatchChange, WatchConnectionChange } from '../ports.js';
import { systemClock } from '../ports.js';
import { isSilenced, type MessageRow, type PostState, type ProblemRow, type ProblemStore, type ResolvedBy, type SilenceRow } from './problems.js';
import { isPodReady, isTriggerEvent, isWaitingOnConfig, readySinceMs, workloadOf } from './triggers.js';

export interface WorkloadOnMessage {
  cluster: string;
  namespace: string;
  /** `Deployment/web`. */
  workload: string;
  since: number;
}

/** What a front end shows: the cause, the workloads it breaks now, and whether it is over. */
export interface ProblemNotice {
  messageId: string;
  causeKey: string;
  state: 'open' | 'resolved';
  finding: Finding;
  /** Routing: the cluster and namespace of the first workload. */
  cluster: string;
  namespace: string;
  workloads: WorkloadOnMessage[];
  openedAt: number;
  resolvedAt?: number;
  /** Who fixed it, when resolved and known. */
  resolvedBy?: ResolvedBy;
  /** The snooze or mute in force, if any (the front end shows it, with a way to lift it). */
  silence?: SilenceRow;
}

export type WatchNote =
  | { kind: 'watch'; cluster: string; resource: 'events' | 'pods'; change: WatchConnectionChange }
  | { kind: 'unwatchable'; cluster: string; reason: string }
  | { kind: 'diagnosis-failed'; cluster: string; namespace: string; pod: string; reason: string };

/** Where messages go (Slack, a terminal). `post` returns the reference `update` takes (e.g. channel and ts). */
export interface ProblemSink {
  /**
   * Every destination of a new message (Slack channels: the routed one, then the approvers channel of a prd problem).
   * Asked once, when the message is recorded; each destination is posted once and tracked on its own. Without it, one.
   */
  targets?(notice: ProblemNotice): string[];
  post(notice: ProblemNotice, options: { signal?: AbortSignal; target?: string }): Promise<string>;
  update(ref: string, notice: ProblemNotice, options: { signal?: AbortSignal }): Promise<void>;
  /**
   * After a failover, a message recorded as pending may or may not have been sent: find it by its id (Slack message
   * metadata) rather than post again. Without `find`, the pending message is posted.
   */
  find?(notice: ProblemNotice, options: { signal?: AbortSignal; target?: string }): Promise<string | undefined>;
  note?(note: WatchNote): void;
}

export interface WatcherOptions {
  /** Clusters to watch (registry names). */
  clusters: string[];
  clusterPort(cluster: string): ClusterPort;
  vault?: VaultPort;
  registry?: ClusterRegistry;
  store: ProblemStore;
  sink: ProblemSink;
  clock?: Clock;
  /** Wait this long after the first event of a workload before diagnosing it. Default 10 s. */
  settleInMs?: number;
  /** A workload with an open problem is diagnosed again at most this often. Default 60 s. */
  recheckInMs?: number;
  /** Diagnoses at once across clusters. Default 4. */
  concurrency?: number;
  /** Namespaces to watch per cluster (undefined: all). */
  namespacesOf?(cluster: string): string[] | undefined;
  /** Per diagnosis. Default 20 s. */
  diagnoseTimeoutInMs?: number;
  /** Watch retry delays (see WatchOptions.backoff). */
  backoff?: { initialInMs?: number; maxInMs?: number };
  /**
   * Who fixed a cause, asked once when its message resolves (see `fixedByRequests`): a kvcsi request applied while it
   * was open, else a change outside kvcsi. Without it (or when it fails), the resolution names nobody.
   */
  fixedBy?(query: FixQuery): Promise<ResolvedBy | undefined>;
}

/** What `fixedBy` is asked: where the message's problem was, and while when. */
export interface FixQuery {
  cluster: string;
  namespace: string;
  finding: Finding;
  from: number;
  to: number;
}

export interface WatcherStats {
  /** Pod and event changes received from the watches. */
  changes: number;
  triggers: number;
  /** Triggers folded into a pending or recently checked workload. */
  coalesced: number;
  diagnoses: number;
  problemsOpened: number;
  problemsResolved: number;
  messagesPosted: number;
  messagesUpdated: number;
  /** Posts and updates held back because the cause was snoozed or muted. */
  silenced: number;
  /** First trigger → decision (problem opened, joined, or dismissed), in ms, settling time included. */
  decisionLagsInMs: number[];
}

interface Pending {
  cluster: string;
  namespace: string;
  workload: string;
  pod: string;
  firstAt: number;
  timer: ReturnType<typeof setTimeout>;
}

/** Events are cluster-wide names; pods are tracked per cluster as `namespace/name`. */
const podKey = (namespace: string, name: string): string => `${namespace}/${name}`;
const workloadKey = (cluster: string, namespace: string, workload: string): string => `${cluster}|${namespace}|${workload}`;

/** The finding's subject; a pod stands for its workload (already in the key), so replicas are one problem. */
function subjectOf(finding: Finding): string {
  const subject = finding.subject;
  if (subject === undefined) return '-';
  if (subject.kind === 'Pod') return 'Pod';
  return [subject.kind, subject.namespace, subject.name].filter((part) => part !== undefined && part !== '').join('/');
}

/**
 * A cause is shared when its subject is outside the workload (a vault, a vault and identity to grant): one message
 * lists every workload it breaks. A pod-level subject stays with its workload's cluster and namespace.
 */
export function causeKeyOf(finding: Finding, where: { cluster: string; namespace: string; workload: string }): string {
  const params = { ...(finding.action?.params ?? {}) };
  // One access policy (get,list on the whole vault) fixes every secret: the secret's name does not split the cause.
  if (finding.action?.kind === 'grant' && params['authModel'] === 'accessPolicy') delete params['objectName'];
  // A pod named in the action (restart-pod) belongs to the workload, already in the scope.
  delete params['pod'];
  const action = finding.action === undefined ? '' : `|${finding.action.kind}:${Object.entries(params).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`).join(',')}`;
  const shared = finding.subject?.kind === 'Vault' || finding.action?.kind === 'grant';
  const scope = shared ? '' : `|${where.cluster}|${where.namespace}|${where.workload}`;
  return `${finding.id}|${subjectOf(finding)}${action}${scope}`;
}

/** The root cause: the first error that is neither a consequence of another finding nor history. */
export function rootCauseOf(report: DiagnosisReport): Finding | undefined {
  return report.findings.find((finding) => finding.severity === 'error' && finding.causedBy === undefined && finding.earlier !== true);
}

export class Watcher {
  readonly stats: WatcherStats = { changes: 0, triggers: 0, coalesced: 0, diagnoses: 0, problemsOpened: 0, problemsResolved: 0, messagesPosted: 0, messagesUpdated: 0, silenced: 0, decisionLagsInMs: [] };
  private readonly clock: Clock;
  private readonly settleInMs: number;
  private readonly recheckInMs: number;
  private readonly pods = new Map<string, Map<string, KubePod>>();
  private readonly pending = new Map<string, Pending>();
  /** Workloads checked recently: key → when. Bounded by the workloads seen, pruned on each check. */
  private readonly checkedAt = new Map<string, number>();
  private readonly limit: <T>(task: () => Promise<T>) => Promise<T>;
  private readonly causeChains = new Map<string, Promise<void>>();
  private readonly queuedSyncs = new Map<string, Promise<void>>();
  /** Pending message rows this watcher wrote and has not tried to send yet. */
  private readonly recordedHere = new Set<string>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private signal: AbortSignal = new AbortController().signal;

  constructor(private readonly options: WatcherOptions) {
    this.clock = options.clock ?? systemClock;
    this.settleInMs = options.settleInMs ?? 10_000;
    this.recheckInMs = options.recheckInMs ?? 60_000;
    this.limit = createLimiter(options.concurrency ?? 4);
  }

  /** Watches every cluster until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    this.signal = signal;
    signal.addEventListener('abort', () => {
      for (const entry of this.pending.values()) clearTimeout(entry.timer);
      this.pending.clear();
    }, { once: true });
    // A term that follows a failover first settles the messages the previous leader recorded but may not have sent.
    try {
      for (const message of await this.options.store.listMessages({ state: 'open' })) {
        if (destinationsOf(message).some((destination) => destination.post.state !== 'sent')) this.track(this.syncMessage(message.causeKey, message.finding, message));
      }
    } catch {
      // The store is unreachable: the next change of each cause syncs its message.
    }
    await Promise.all(this.options.clusters.map((cluster) => this.watchCluster(cluster, signal)));
    await this.idle();
  }

  /** Resolves when no diagnosis is pending or running and every message is in step (tests, benches, shutdown). */
  async idle(): Promise<void> {
    for (;;) {
      if (this.pending.size === 0 && this.inFlight.size === 0) return;
      await Promise.allSettled([...this.inFlight]);
      if (this.inFlight.size === 0 && this.pending.size > 0) await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  private async watchCluster(cluster: string, signal: AbortSignal): Promise<void> {
    const port = this.options.clusterPort(cluster);
    if (port.watchEvents === undefined || port.watchPods === undefined) {
      this.options.sink.note?.({ kind: 'unwatchable', cluster, reason: 'its ClusterPort cannot watch' });
      return;
    }
    const namespaces = this.options.namespacesOf?.(cluster) ?? [undefined];
    const note = (resource: 'events' | 'pods') => (change: WatchConnectionChange) => this.options.sink.note?.({ kind: 'watch', cluster, resource, change });
    // Each watch catches its own failures (the port retries), so one cluster never rejects the others' Promise.all.
    await Promise.all(namespaces.flatMap((namespace) => [
      port.watchPods!({ signal, ...(this.options.backoff === undefined ? {} : { backoff: this.options.backoff }), ...(namespace === undefined ? {} : { namespace }), onChange: (change) => this.onPod(cluster, change), onConnection: note('pods') }).catch(() => undefined),
      port.watchEvents!({ signal, ...(this.options.backoff === undefined ? {} : { backoff: this.options.backoff }), ...(namespace === undefined ? {} : { namespace }), onChange: (change) => this.onEvent(cluster, change), onConnection: note('events') }).catch(() => undefined),
    ]));
  }

  private podsOf(cluster: string): Map<string, KubePod> {
    let map = this.pods.get(cluster);
    if (map === undefined) this.pods.set(cluster, (map = new Map()));
    return map;
  }

  /** Feeds one event (exposed for the bench, which drives the watcher without HTTP). */
  onEvent(cluster: string, change: WatchChange<KubeEvent>): void {
    this.stats.changes += 1;
    if (change.type === 'DELETED' || !isTriggerEvent(change.object)) return;
    const { namespace, name } = change.object.involvedObject;
    if (namespace === undefined || name === undefined) return;
    const pod = this.podsOf(cluster).get(podKey(namespace, name));
    if (pod !== undefined && isPodReady(pod)) return;
    this.trigger(cluster, namespace, name, pod);
  }

  onPod(cluster: string, change: WatchChange<KubePod>): void {
    this.stats.changes += 1;
    const pod = change.object;
    const namespace = pod.metadata.namespace ?? '';
    const pods = this.podsOf(cluster);
    if (change.type === 'DELETED') {
      pods.delete(podKey(namespace, pod.metadata.name));
      return;
    }
    const previous = pods.get(podKey(namespace, pod.metadata.name));
    pods.set(podKey(namespace, pod.metadata.name), pod);
    if (isWaitingOnConfig(pod)) this.trigger(cluster, namespace, pod.metadata.name, pod);
    else if (isPodReady(pod)) {
      // Seen going from not ready to ready: its mounts work now, whatever the cluster's clock says.
      const becameReady = previous !== undefined && !isPodReady(previous);
      this.track(this.resolveIfMounted(cluster, namespace, pod, becameReady));
    }
  }

  private trigger(cluster: string, namespace: string, podName: string, pod: KubePod | undefined): void {
    this.stats.triggers += 1;
    const workload = pod === undefined ? `Pod/${podName}` : (({ kind, name }) => `${kind}/${name}`)(workloadOf(pod));
    const key = workloadKey(cluster, namespace, workload);
    const existing = this.pending.get(key);
    if (existing !== undefined) {
      existing.pod = podName;
      this.stats.coalesced += 1;
      return;
    }
    const last = this.checkedAt.get(key);
    if (last !== undefined && this.clock.now() - last < this.recheckInMs) {
      this.stats.coalesced += 1;
      return;
    }
    const entry: Pending = { cluster, namespace, workload, pod: podName, firstAt: this.clock.now(), timer: setTimeout(() => {
      this.pending.delete(key);
      this.track(this.limit(() => this.check(entry)));
    }, this.settleInMs) };
    this.pending.set(key, entry);
  }

  private track(work: Promise<unknown>): void {
    const settled = work.catch(() => undefined).finally(() => this.inFlight.delete(settled));
    this.inFlight.add(settled);
  }

  /** Diagnoses one pod of the workload and opens (or joins) the problem of its root cause. */
  private async check(entry: Pending): Promise<void> {
    if (this.signal.aborted) return;
    const key = workloadKey(entry.cluster, entry.namespace, entry.workload);
    const now = this.clock.now();
    this.checkedAt.set(key, now);
    for (const [other, at] of this.checkedAt) if (now - at >= this.recheckInMs) this.checkedAt.delete(other);
    const port = this.options.clusterPort(entry.cluster);
    const cached = this.podsOf(entry.cluster).get(podKey(entry.namespace, entry.pod));
    if (cached !== undefined && isPodReady(cached)) return this.decided(entry);
    let report: DiagnosisReport;
    try {
      this.stats.diagnoses += 1;
      report = await diagnose({ kind: 'pod', cluster: entry.cluster, namespace: entry.namespace, name: entry.pod }, {
        cluster: port,
        ...(this.options.vault === undefined ? {} : { vault: this.options.vault }),
        ...(this.options.registry === undefined ? {} : { registry: this.options.registry }),
        signal: AbortSignal.any([this.signal, AbortSignal.timeout(this.options.diagnoseTimeoutInMs ?? 20_000)]),
        clock: this.clock,
      });
    } catch (error) {
      // The pod went away before its settling time ended (a rollout replaced it): its replacement reports for itself.
      if (KvcsiError.is(error, 'NOT_FOUND')) return this.decided(entry);
      this.options.sink.note?.({ kind: 'diagnosis-failed', cluster: entry.cluster, namespace: entry.namespace, pod: entry.pod, reason: error instanceof Error ? error.message : String(error) });
      return this.decided(entry);
    }
    const root = rootCauseOf(report);
    this.decided(entry);
    if (root === undefined) return;
    // The workload of a pod first seen through an event, now that the diagnosis read it.
    let workload = entry.workload;
    const pod = this.podsOf(entry.cluster).get(podKey(entry.namespace, entry.pod));
    if (pod !== undefined) workload = (({ kind, name }) => `${kind}/${name}`)(workloadOf(pod));
    // The app the pod is labelled with: how the Backstage plugin finds an entity's problems.
    const app = pod?.metadata.labels?.[APP_NAME_LABEL] || undefined;
    const where = { cluster: entry.cluster, namespace: entry.namespace, workload };
    const causeKey = causeKeyOf(root, where);
    const subject = subjectOf(root);
    const opened = await this.options.store.openProblem({
      key: `${entry.cluster}|${entry.namespace}|${workload}|${root.id}|${subject}`,
      causeKey, cluster: entry.cluster, namespace: entry.namespace, workload, ...(app === undefined ? {} : { app }), findingId: root.id, subject, openedAt: now, checkedAt: now,
    });
    if (!opened.created) {
      // A row opened before problems had an app (or before the pod was seen) gets it now.
      await this.options.store.updateProblem({ ...opened.row, checkedAt: now, ...(opened.row.app === undefined && app !== undefined ? { app } : {}) });
      // A message never posted (the cause was snoozed or muted, or the post failed) or held back by a silence catches
      // up here, at most once per recheck interval per workload; while the silence holds, the sync does nothing.
      const message = await this.options.store.getOpenMessage(causeKey);
      if (message === undefined || message.held === true || destinationsOf(message).some((destination) => destination.post.state === 'failed')) this.track(this.syncMessage(causeKey, root, where));
      return;
    }
    this.stats.problemsOpened += 1;
    // Not awaited here: posting waits for Slack's pacing, and must not hold a diagnosis slot while it does.
    this.track(this.syncMessage(causeKey, root, where));
  }

  private decided(entry: Pending): void {
    this.stats.decisionLagsInMs.push(this.clock.now() - entry.firstAt);
    // Bounded: the bench and long runs keep the last 10,000 lags.
    if (this.stats.decisionLagsInMs.length > 10_000) this.stats.decisionLagsInMs.splice(0, this.stats.decisionLagsInMs.length - 10_000);
  }

  /** A pod of a workload with open problems is ready after they opened: its mounts work, the problems are over. */
  private async resolveIfMounted(cluster: string, namespace: string, pod: KubePod, becameReady: boolean): Promise<void> {
    const workload = (({ kind, name }) => `${kind}/${name}`)(workloadOf(pod));
    const open = await this.options.store.listOpenProblems({ cluster, namespace, workload });
    if (open.length === 0) return;
    const readySince = readySinceMs(pod) ?? this.clock.now();
    const now = this.clock.now();
    for (const listed of open) {
      // Compare-and-set: a diagnosis that started before the pod mounted may bump the row (checkedAt) meanwhile. Read
      // it again and retry, or the problem would stay open with its pod healthy and nothing left to trigger a check.
      let problem: ProblemRow | undefined = listed;
      let resolved = false;
      for (let attempt = 0; attempt < 5 && problem !== undefined && !resolved; attempt++) {
        if (!becameReady && readySince < problem.openedAt - this.settleInMs) break;
        resolved = await this.options.store.updateProblem({ ...problem, state: 'resolved', resolvedAt: now });
        if (!resolved) problem = (await this.options.store.listOpenProblems({ cluster, namespace, workload })).find((row) => row.key === listed.key);
      }
      if (!resolved || problem === undefined) continue;
      this.stats.problemsResolved += 1;
      this.checkedAt.delete(workloadKey(cluster, namespace, workload));
      const message = await this.options.store.getOpenMessage(problem.causeKey);
      if (message !== undefined) await this.syncMessage(problem.causeKey, message.finding, problem);
    }
  }

  /** Brings the cause's message in step with its open problems; serialised per cause in this process. */
  private syncMessage(causeKey: string, finding: Finding, where: { cluster: string; namespace: string }): Promise<void> {
    // A sync already queued for this cause reads the store when it runs: it carries this change too (one update for
    // a burst of workloads, not one per workload behind Slack's pacing).
    const queued = this.queuedSyncs.get(causeKey);
    if (queued !== undefined) return queued;
    const previous = this.causeChains.get(causeKey) ?? Promise.resolve();
    const run = (): Promise<void> => {
      this.queuedSyncs.delete(causeKey);
      return this.syncMessageNow(causeKey, finding, where);
    };
    const next = previous.then(run, run);
    this.queuedSyncs.set(causeKey, next);
    const tail = next.catch(() => undefined);
    this.causeChains.set(causeKey, tail);
    void tail.then(() => {
      if (this.causeChains.get(causeKey) === tail) this.causeChains.delete(causeKey);
    });
    return next;
  }

  private async syncMessageNow(causeKey: string, finding: Finding, where: { cluster: string; namespace: string }): Promise<void> {
    const { store, sink } = this.options;
    const options = { signal: this.signal };
    const open = await store.listOpenProblems({ causeKey });
    const silence = await store.getSilence(causeKey);
    const silenced = isSilenced(silence, this.clock.now()) ? silence : undefined;
    let message = await store.getOpenMessage(causeKey);
    if (message === undefined) {
      if (open.length === 0) return;
      // Snoozed or muted: nothing is posted for the cause. Its problems are still tracked, and the first check of one
      // of its workloads after the silence ends posts the message.
      if (silenced !== undefined) {
        this.stats.silenced += 1;
        return;
      }
      const now = this.clock.now();
      const pending: PostState = { state: 'pending', since: now };
      const draft = { id: `${causeKey}@${now}`, causeKey, finding, cluster: where.cluster, namespace: where.namespace, openedAt: now, post: pending };
      const targets = sink.targets?.(problemNoticeOf({ ...draft, state: 'open', version: 0 }, open)) ?? [];
      const created = await store.openMessage({
        ...draft,
        ...(targets[0] === undefined ? {} : { target: targets[0] }),
        ...(targets.length > 1 ? { copies: targets.slice(1).map((target) => ({ target, post: pending })) } : {}),
      });
      message = created.row;
      if (created.created) this.recordedHere.add(message.id);
    }
    const notice = problemNoticeOf(message, open, silenced);
    // Each destination is recorded before it is sent. Recorded by this watcher just now: certainly not sent yet.
    // Recorded by another (a leader that died between the record and the outcome): it may have been sent, so look it
    // up before posting. A destination recorded as sent is never posted again.
    const mine = this.recordedHere.delete(message.id);
    let posted = false;
    for (const [index, destination] of destinationsOf(message).entries()) {
      if (destination.post.state === 'sent') continue;
      const target = destination.target === undefined ? {} : { target: destination.target };
      const found = mine ? undefined : await sink.find?.(notice, { ...options, ...target });
      let ref: string;
      try {
        ref = found ?? (await sink.post(notice, { ...options, ...target }));
      } catch (error) {
        await store.updateMessage(withPost(message, index, { state: 'failed', reason: error instanceof Error ? error.message : String(error) }));
        throw error;
      }
      if (found === undefined) this.stats.messagesPosted += 1;
      message = withPost(message, index, { state: 'sent', ref });
      if (!(await store.updateMessage(message))) return;
      message = { ...message, version: message.version + 1 };
      posted = true;
    }
    if (posted && open.length > 0) return;
    const refs = sentRefsOf(message);
    if (refs.length === 0) return;
    if (open.length === 0) {
      // The cause is over: the message says so in place, in every channel, even while snoozed or muted (good news is
      // not noise, and it closes the message). A mute stays on the cause, shown with its Unmute button.
      const resolvedAt = this.clock.now();
      const resolvedBy = await this.options.fixedBy?.({ cluster: message.cluster, namespace: message.namespace, finding: message.finding, from: message.openedAt, to: resolvedAt }).catch(() => undefined);
      const { held: _held, ...rest } = message;
      const resolved: MessageRow = { ...rest, state: 'resolved', resolvedAt, ...(resolvedBy === undefined ? {} : { resolvedBy }) };
      if (!(await store.updateMessage(resolved))) return;
      for (const ref of refs) await sink.update(ref, problemNoticeOf(resolved, [], silenced), options);
      this.stats.messagesUpdated += 1;
      return;
    }
    if (silenced !== undefined) {
      // Snoozed or muted: the message keeps the workloads it listed; the first check after the silence brings it in step.
      this.stats.silenced += 1;
      if (message.held !== true) await store.updateMessage({ ...message, held: true });
      return;
    }
    if (message.held === true) {
      const { held: _held, ...rest } = message;
      if (!(await store.updateMessage(rest))) return;
    }
    for (const ref of refs) await sink.update(ref, notice, options);
    this.stats.messagesUpdated += 1;
  }
}

/** A message's destinations in order: the first (`post`, `target`), then its copies. */
function destinationsOf(message: MessageRow): { target?: string; post: PostState }[] {
  return [{ ...(message.target === undefined ? {} : { target: message.target }), post: message.post }, ...(message.copies ?? [])];
}

/** The front end's references of a message, in every channel it was sent to (the watcher's updates; a button's re-render). */
export function sentRefsOf(message: MessageRow): string[] {
  return destinationsOf(message).flatMap((destination) => (destination.post.state === 'sent' ? [destination.post.ref] : []));
}

function withPost(message: MessageRow, index: number, post: PostState): MessageRow {
  if (index === 0) return { ...message, post };
  return { ...message, copies: (message.copies ?? []).map((copy, at) => (at === index - 1 ? { ...copy, post } : copy)) };
}

/** What a front end shows for a message, its open problems and the silence in force (the watcher; a button that re-renders it). */
export function problemNoticeOf(message: MessageRow, open: ProblemRow[], silence?: SilenceRow): ProblemNotice {
  return {
    messageId: message.id, causeKey: message.causeKey, state: message.state, finding: message.finding, cluster: message.cluster, namespace: message.namespace,
    workloads: open.map((row) => ({ cluster: row.cluster, namespace: row.namespace, workload: row.workload, since: row.openedAt })).sort((a, b) => a.since - b.since),
    openedAt: message.openedAt,
    ...(message.resolvedAt === undefined ? {} : { resolvedAt: message.resolvedAt }),
    ...(message.resolvedBy === undefined ? {} : { resolvedBy: message.resolvedBy }),
    ...(silence === undefined ? {} : { silence }),
  };
}
