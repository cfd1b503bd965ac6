import { KvcsiError } from '@kvcsi/core';
import { scheduleDaemonSetPods } from './daemonsets.js';
import { deterministicSuffix, deterministicUid } from './ids.js';
import { RESOURCE_PLURALS, RESOURCES, apiVersionOf, qualifiedResourceName, resourceForKind } from './resources.js';
import type { ResourcePlural } from './resources.js';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from './selectors.js';
import type { EventObject, KubeObject } from './types.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchEvent {
  type: WatchEventType;
  object: KubeObject;
}

export interface ListOptions {
  /** Omit for all namespaces (or for cluster-scoped resources). */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export interface WatchOptions extends ListOptions {
  /** Replay changes after this version; omitted or '0' sends the current objects as ADDED first, as the API server does. */
  resourceVersion?: string;
}

export interface ListResult {
  items: KubeObject[];
  resourceVersion: string;
}

export interface LogReadOptions {
  tailLines?: number;
  sinceSeconds?: number;
}

export interface ContainerRef {
  namespace: string;
  pod: string;
  container: string;
}

const AGGREGATE_MAX_EVENTS = 10;
const AGGREGATE_INTERVAL_MS = 600_000;
const COMBINED_PREFIX = '(combined from similar events): ';

export interface RecordEventInput {
  involvedObject: KubeObject;
  reason: string;
  message: string;
  type: 'Normal' | 'Warning';
  component: string;
  host?: string;
}

interface LogLine {
  timeMs: number;
  line: string;
}

interface HistoryEntry {
  resourceVersion: number;
  plural: ResourcePlural;
  event: WatchEvent;
}

interface Watcher {
  plural: ResourcePlural;
  matches: (object: KubeObject) => boolean;
  listener: (event: WatchEvent) => void;
}

interface ClusterSnapshot {
  name: string;
  resourceVersion: number;
  objects: Partial<Record<ResourcePlural, KubeObject[]>>;
  logs: Record<string, LogLine[]>;
}

// Watch replay keeps this many changes; older resourceVersions get 410 Gone, as etcd compaction does.
const HISTORY_LIMIT = 2000;
const FIRST_RESOURCE_VERSION = 1000;

function clone<T>(value: T): T {
  return structuredClone(value);
}

function keyOf(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

function logKey(ref: ContainerRef): string {
  return `${ref.namespace}/${ref.pod}/${ref.container}`;
}

function isKubeObject(value: unknown): value is KubeObject {
  if (value === null || typeof value !== 'object') return false;
  const candidate = value as Partial<KubeObject>;
  return typeof candidate.apiVersion === 'string' && typeof candidate.kind === 'string'
    && typeof candidate.metadata === 'object' && candidate.metadata !== null && typeof candidate.metadata.name === 'string';
}

/**
 * The objects of one simulated cluster, with resourceVersions, selectors and watches as the API server keeps them.
 * Reads return copies, so callers cannot change the store behind its back.
 */
export class KubeClusterState {
  readonly name: string;
  private now: () => number;
  private resourceVersion = FIRST_RESOURCE_VERSION;
  private readonly objects = new Map<ResourcePlural, Map<string, KubeObject>>();
  private readonly logs = new Map<string, LogLine[]>();
  private readonly history: HistoryEntry[] = [];
  private readonly watchers = new Set<Watcher>();
  /** client-go's EventAggregator memory: distinct messages per (source, object, type, reason), not persisted. */
  private readonly eventAggregates = new Map<string, { messages: Set<string>; lastMs: number }>();
  /** What kubelet remembers between passes of the mount loop (backoff per volume); not persisted, like kubelet's memory. */
  readonly kubelet = new Map<string, unknown>();

  constructor(options: { name: string; now?: () => number }) {
    this.name = options.name;
    this.now = options.now ?? (() => Date.now());
    for (const plural of RESOURCE_PLURALS) this.objects.set(plural, new Map());
  }

  /** The sandbox's clock: timestamps and `sinceSeconds` use it, so tests can move time. */
  setClock(now: () => number): void {
    this.now = now;
  }

  nowMs(): number {
    return this.now();
  }

  get currentResourceVersion(): string {
    return String(this.resourceVersion);
  }

  get(plural: ResourcePlural, namespace: string | undefined, name: string): KubeObject | undefined {
    const found = this.bucket(plural).get(keyOf(this.namespaceFor(plural, namespace), name));
    return found === undefined ? undefined : clone(found);
  }

  list(plural: ResourcePlural, options: ListOptions = {}): ListResult {
    const matches = this.matcher(plural, options);
    const items = [...this.bucket(plural).values()].filter(matches).map(clone);
    items.sort((a, b) => keyOf(a.metadata.namespace, a.metadata.name).localeCompare(keyOf(b.metadata.namespace, b.metadata.name)));
    return { items, resourceVersion: this.currentResourceVersion };
  }

  /** Creates an object; `ALREADY_EXISTS` if it exists, `NOT_FOUND` if its namespace does not. */
  create(plural: ResourcePlural, object: KubeObject): KubeObject {
    const resource = RESOURCES[plural];
    const prepared = this.prepare(plural, object);
    const { namespace, name } = prepared.metadata;
    if (resource.namespaced && plural !== 'namespaces' && !this.bucket('namespaces').has(keyOf(undefined, namespace ?? ''))) {
      throw new KvcsiError('NOT_FOUND', `namespaces "${namespace ?? ''}" not found`, { details: { kind: 'namespaces', name: namespace } });
    }
    if (this.bucket(plural).has(keyOf(namespace, name))) {
      throw new KvcsiError('ALREADY_EXISTS', `${qualifiedResourceName(resource)} "${name}" already exists`, {
        details: { kind: plural, group: resource.group, name },
      });
    }
    return this.write(plural, prepared, 'ADDED');
  }

  /** Replaces an existing object; a stale `metadata.resourceVersion` is a `CONFLICT`, as optimistic concurrency requires. */
  update(plural: ResourcePlural, object: KubeObject): KubeObject {
    const resource = RESOURCES[plural];
    const prepared = this.prepare(plural, object);
    const existing = this.bucket(plural).get(keyOf(prepared.metadata.namespace, prepared.metadata.name));
    if (existing === undefined) {
      throw new KvcsiError('NOT_FOUND', `${qualifiedResourceName(resource)} "${prepared.metadata.name}" not found`, {
        details: { kind: plural, group: resource.group, name: prepared.metadata.name },
      });
    }
    const expected = object.metadata.resourceVersion;
    if (expected !== undefined && expected !== '' && expected !== existing.metadata.resourceVersion) {
      throw new KvcsiError('CONFLICT', `Operation cannot be fulfilled on ${qualifiedResourceName(resource)} "${prepared.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`, {
        details: { kind: plural, group: resource.group, name: prepared.metadata.name },
      });
    }
    prepared.metadata.uid = existing.metadata.uid;
    prepared.metadata.creationTimestamp = existing.metadata.creationTimestamp;
    return this.write(plural, prepared, 'MODIFIED');
  }

  /** Create or replace, for the simulation's own writes (the driver and kubelet do not race with themselves here). */
  upsert(plural: ResourcePlural, object: KubeObject): KubeObject {
    const exists = this.bucket(plural).has(keyOf(this.namespaceFor(plural, object.metadata.namespace), object.metadata.name));
    const withoutVersion = { ...object, metadata: { ...object.metadata, resourceVersion: undefined } } as KubeObject;
    delete withoutVersion.metadata.resourceVersion;
    return exists ? this.update(plural, withoutVersion) : this.create(plural, withoutVersion);
  }

  delete(plural: ResourcePlural, namespace: string | undefined, name: string): KubeObject | undefined {
    const key = keyOf(this.namespaceFor(plural, namespace), name);
    const existing = this.bucket(plural).get(key);
    if (existing === undefined) return undefined;
    this.bucket(plural).delete(key);
    this.resourceVersion += 1;
    const deleted = { ...existing, metadata: { ...existing.metadata, resourceVersion: this.currentResourceVersion } };
    this.publish(plural, { type: 'DELETED', object: deleted });
    return clone(deleted);
  }

  /**
   * Subscribes to changes. Throws `INVALID_INPUT` for a bad selector and `CONFLICT` (410 Gone on the wire) for a
   * resourceVersion older than the replay window. Returns the unsubscribe function.
   */
  watch(plural: ResourcePlural, options: WatchOptions, listener: (event: WatchEvent) => void): () => void {
    const matches = this.matcher(plural, options);
    const since = options.resourceVersion === undefined || options.resourceVersion === '' || options.resourceVersion === '0'
      ? undefined
      : Number(options.resourceVersion);
    if (since !== undefined) {
      // Changes after `floor` can be replayed; anything older was compacted away.
      const floor = this.history[0] === undefined ? this.resourceVersion : this.history[0].resourceVersion - 1;
      if (!Number.isFinite(since) || since < floor) {
        throw new KvcsiError('CONFLICT', `too old resource version: ${options.resourceVersion ?? ''} (${this.currentResourceVersion})`, {
          details: { reason: 'Expired' },
        });
      }
      for (const entry of this.history) {
        if (entry.plural === plural && entry.resourceVersion > since && matches(entry.event.object)) listener(clone(entry.event));
      }
    } else {
      for (const object of this.list(plural, options).items) listener({ type: 'ADDED', object });
    }
    const watcher: Watcher = { plural, matches, listener };
    this.watchers.add(watcher);
    return () => {
      this.watchers.delete(watcher);
    };
  }

  /**
   * Records an event as client-go's EventCorrelator does (tools/record/events_cache.go): the aggregator first — once
   * `defaultAggregateMaxEvents` (10) distinct messages share source, object, type and reason within
   * `defaultAggregateIntervalInSeconds` (600 s), the event becomes "(combined from similar events): <message>" keyed
   * on that group — then the deduplicator bumps `count` and `lastTimestamp` of an identical event.
   */
  recordEvent(input: RecordEventInput): EventObject {
    const { involvedObject } = input;
    const namespace = involvedObject.metadata.namespace ?? 'default';
    const nowMs = this.now();
    const nowIso = new Date(nowMs).toISOString();
    const groupKey = [input.component, input.host ?? '', involvedObject.kind, namespace, involvedObject.metadata.name, involvedObject.metadata.uid ?? '', input.type, input.reason].join('\u0000');
    const previous = this.eventAggregates.get(groupKey);
    const group = previous === undefined || nowMs - previous.lastMs > AGGREGATE_INTERVAL_MS ? { messages: new Set<string>(), lastMs: nowMs } : previous;
    group.messages.add(input.message);
    group.lastMs = nowMs;
    this.eventAggregates.set(groupKey, group);
    const combined = group.messages.size >= AGGREGATE_MAX_EVENTS;
    if (combined) group.messages.delete(group.messages.values().next().value ?? '');
    const message = combined ? `${COMBINED_PREFIX}${input.message}` : input.message;
    const sameEvent = (e: EventObject): boolean => e.involvedObject.uid === involvedObject.metadata.uid && e.involvedObject.name === involvedObject.metadata.name
      && e.reason === input.reason && e.source.component === input.component && e.type === input.type
      && (combined ? e.message.startsWith(COMBINED_PREFIX) : e.message === message);
    const same = this.list('events', { namespace }).items.map((e) => e as EventObject).find(sameEvent);
    if (same !== undefined) {
      return this.upsert('events', { ...same, message, count: same.count + 1, lastTimestamp: nowIso } as EventObject) as EventObject;
    }
    input = { ...input, message };
    // Kubelet names events <object>.<hex>; derived from the content and the version so repeats get distinct names.
    const suffix = deterministicUid(this.name, namespace, involvedObject.metadata.name, input.reason, input.message, this.currentResourceVersion)
      .replace(/-/g, '').slice(0, 16);
    const event: EventObject = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${involvedObject.metadata.name}.${suffix}`, namespace },
      involvedObject: {
        kind: involvedObject.kind,
        namespace,
        name: involvedObject.metadata.name,
        apiVersion: involvedObject.apiVersion,
        ...(involvedObject.metadata.uid === undefined ? {} : { uid: involvedObject.metadata.uid }),
        ...(involvedObject.metadata.resourceVersion === undefined ? {} : { resourceVersion: involvedObject.metadata.resourceVersion }),
      },
      reason: input.reason,
      message: input.message,
      source: { component: input.component, ...(input.host === undefined ? {} : { host: input.host }) },
      firstTimestamp: nowIso,
      lastTimestamp: nowIso,
      count: 1,
      type: input.type,
      eventTime: null,
      reportingComponent: input.component,
      reportingInstance: input.host ?? '',
    };
    return this.create('events', event) as EventObject;
  }

  appendLog(ref: ContainerRef, line: string, timeMs: number = this.now()): void {
    const key = logKey(ref);
    const lines = this.logs.get(key) ?? [];
    lines.push({ timeMs, line });
    this.logs.set(key, lines);
  }

  /** The container's log text, or undefined when the container never logged. */
  readLog(ref: ContainerRef, options: LogReadOptions = {}): string | undefined {
    const lines = this.logs.get(logKey(ref));
    if (lines === undefined) return undefined;
    let selected = lines;
    if (options.sinceSeconds !== undefined) {
      const cutoff = this.now() - options.sinceSeconds * 1000;
      selected = selected.filter((l) => l.timeMs >= cutoff);
    }
    if (options.tailLines !== undefined) selected = options.tailLines <= 0 ? [] : selected.slice(-options.tailLines);
    return selected.map((l) => `${l.line}\n`).join('');
  }

  snapshot(): unknown {
    const objects: Partial<Record<ResourcePlural, KubeObject[]>> = {};
    for (const plural of RESOURCE_PLURALS) {
      const items = [...this.bucket(plural).values()].map(clone);
      if (items.length > 0) objects[plural] = items;
    }
    const snapshot: ClusterSnapshot = {
      name: this.name,
      resourceVersion: this.resourceVersion,
      objects,
      logs: Object.fromEntries([...this.logs.entries()].map(([k, v]) => [k, clone(v)])),
    };
    return snapshot;
  }

  static restore(json: unknown, options: { now?: () => number } = {}): KubeClusterState {
    const snapshot = json as Partial<ClusterSnapshot>;
    if (snapshot === null || typeof snapshot !== 'object' || typeof snapshot.name !== 'string' || typeof snapshot.resourceVersion !== 'number') {
      throw new KvcsiError('CONFIG_INVALID', 'not a Kubernetes cluster snapshot: name and resourceVersion are required');
    }
    const state = new KubeClusterState({ name: snapshot.name, ...options });
    for (const [plural, items] of Object.entries(snapshot.objects ?? {})) {
      if (!RESOURCE_PLURALS.includes(plural as ResourcePlural)) {
        throw new KvcsiError('CONFIG_INVALID', `unknown resource "${plural}" in cluster snapshot ${snapshot.name}`);
      }
      for (const item of items ?? []) {
        if (!isKubeObject(item)) throw new KvcsiError('CONFIG_INVALID', `malformed ${plural} object in cluster snapshot ${snapshot.name}`);
        state.bucket(plural as ResourcePlural).set(keyOf(item.metadata.namespace, item.metadata.name), clone(item));
      }
    }
    for (const [key, lines] of Object.entries(snapshot.logs ?? {})) state.logs.set(key, clone(lines));
    state.resourceVersion = snapshot.resourceVersion;
    return state;
  }

  /**
   * Builds a cluster from multi-document manifests. Namespaces named by objects are created, and DaemonSets get one
   * Running pod per eligible node unless the manifests already hold that pod (so a scenario can break one).
   */
  static fromManifests(docs: unknown[], options: { name?: string; now?: () => number } = {}): KubeClusterState {
    const state = new KubeClusterState({ name: options.name ?? 'cluster', ...(options.now === undefined ? {} : { now: options.now }) });
    const manifests = docs.filter((d) => d !== null && d !== undefined);
    const located: { plural: ResourcePlural; object: KubeObject }[] = [];
    for (const [index, doc] of manifests.entries()) {
      if (!isKubeObject(doc)) {
        throw new KvcsiError('CONFIG_INVALID', `manifest #${index + 1} needs apiVersion, kind and metadata.name`, { field: `[${index}]` });
      }
      const resource = resourceForKind(doc.apiVersion, doc.kind);
      if (resource === undefined) {
        throw new KvcsiError('CONFIG_INVALID', `manifest #${index + 1}: the sandbox does not serve ${doc.apiVersion} ${doc.kind}`, {
          field: `[${index}]`,
        });
      }
      located.push({ plural: resource.plural as ResourcePlural, object: doc });
    }
    const namespaces = new Set(located.filter((l) => RESOURCES[l.plural].namespaced).map((l) => l.object.metadata.namespace ?? 'default'));
    for (const name of ['default', 'kube-system', ...namespaces]) {
      if (!located.some((l) => l.plural === 'namespaces' && l.object.metadata.name === name) && !state.bucket('namespaces').has(keyOf(undefined, name))) {
        state.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } });
      }
    }
    // Namespaces first, then everything else in file order.
    for (const { plural, object } of [...located.filter((l) => l.plural === 'namespaces'), ...located.filter((l) => l.plural !== 'namespaces')]) {
      state.create(plural, object);
    }
    for (const pod of scheduleDaemonSetPods(state.list('daemonsets').items, state.list('nodes').items, state.list('pods').items)) {
      state.create('pods', pod);
    }
    return state;
  }

  private bucket(plural: ResourcePlural): Map<string, KubeObject> {
    const bucket = this.objects.get(plural);
    if (bucket === undefined) throw new KvcsiError('INTERNAL', `no store for ${plural}`);
    return bucket;
  }

  private namespaceFor(plural: ResourcePlural, namespace: string | undefined): string | undefined {
    return RESOURCES[plural].namespaced ? (namespace ?? 'default') : undefined;
  }

  private matcher(plural: ResourcePlural, options: ListOptions): (object: KubeObject) => boolean {
    const labels = parseLabelSelector(options.labelSelector);
    if (!labels.ok) throw new KvcsiError('INVALID_INPUT', labels.reason, { field: 'labelSelector' });
    const fields = parseFieldSelector(options.fieldSelector, RESOURCES[plural].fieldLabels);
    if (!fields.ok) throw new KvcsiError('INVALID_INPUT', fields.reason, { field: 'fieldSelector' });
    const namespace = RESOURCES[plural].namespaced ? options.namespace : undefined;
    return (object) => (namespace === undefined || object.metadata.namespace === namespace)
      && matchesLabels(labels.value, object.metadata.labels) && matchesFields(fields.value, object);
  }

  /** Fills what the API server fills: apiVersion/kind, namespace, uid, creationTimestamp, generated names. */
  private prepare(plural: ResourcePlural, object: KubeObject): KubeObject {
    const resource = RESOURCES[plural];
    const prepared = clone(object);
    prepared.apiVersion = apiVersionOf(resource);
    prepared.kind = resource.kind;
    const metadata = prepared.metadata;
    if (resource.namespaced) metadata.namespace = metadata.namespace ?? 'default';
    else delete metadata.namespace;
    if ((metadata.name === undefined || metadata.name === '') && metadata.generateName !== undefined) {
      metadata.name = `${metadata.generateName}${deterministicSuffix(5, this.name, plural, metadata.generateName, this.currentResourceVersion)}`;
    }
    if (metadata.name === undefined || metadata.name === '') {
      throw new KvcsiError('INVALID_INPUT', `${resource.kind} "" is invalid: metadata.name: Required value: name or generateName is required`);
    }
    metadata.uid = metadata.uid ?? deterministicUid(this.name, plural, metadata.namespace ?? '', metadata.name);
    metadata.creationTimestamp = metadata.creationTimestamp ?? new Date(this.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    return prepared;
  }

  private write(plural: ResourcePlural, object: KubeObject, type: WatchEventType): KubeObject {
    this.resourceVersion += 1;
    object.metadata.resourceVersion = this.currentResourceVersion;
    this.bucket(plural).set(keyOf(object.metadata.namespace, object.metadata.name), object);
    this.publish(plural, { type, object });
    return clone(object);
  }

  private publish(plural: ResourcePlural, event: WatchEvent): void {
    this.history.push({ resourceVersion: this.resourceVersion, plural, event: clone(event) });
    if (this.history.length > HISTORY_LIMIT) this.history.splice(0, this.history.length - HISTORY_LIMIT);
    for (const watcher of [...this.watchers]) {
      if (watcher.plural === plural && watcher.matches(event.object)) watcher.listener(clone(event));
    }
  }
}
