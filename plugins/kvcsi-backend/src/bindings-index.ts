/**
 * The in-memory index `GET /bindings` answers from: every SecretProviderClass of every cluster (one list per
 * cluster) with the lint rules' findings on it, the pods mounting them (one SecretProviderClassPodStatus list and one
 * pod list per namespace that has SPCs: which pods mount each class, and which of them cannot start), the secret
 * names of every vault they use (list-properties pages, never values) and, per vault and identity, whether that
 * identity may read secrets. Refreshed in the background, and for one app after a request of it is applied
 * (`refreshApp`); a source that fails keeps its last good data (stale-while-revalidate) and reports its error beside it.
 */
import { createHash } from 'node:crypto';
import {
  KvcsiError, SPC_API_VERSION, SPC_KIND, lintText, toAppBinding, type AppBinding, type CallOptions, type Clock, type ClusterPort,
  type ClusterRegistry, type IdentityAccess, type KubePod, type LintSeverity, type SecretProviderClassResource, type VaultPort, type VaultRef,
} from '@kvcsi/core';

/** Secrets User, Secrets Officer, Administrator: the built-in roles whose data actions include getSecret. */
const SECRET_READER_ROLE_IDS = new Set([
  '4633458b-17de-408a-b874-0445c86b69e6',
  'b86a8fe4-44ce-4948-aee5-eccb2c155cd7',
  '00482a5a-887f-4fb3-b363-3b7fe8e74483',
]);
const GET_SECRET_ACTION = 'microsoft.keyvault/vaults/secrets/getsecret/action';
/** Key Vault's page size for secret listings: the target is ⌈secrets / 25⌉ calls per vault. */
export const SECRET_PAGE_SIZE = 25;

export interface SourceFailure {
  code: string;
  message: string;
  /** Epoch ms of the failed attempt. */
  at: number;
}

/** One source's last good data, when it was read, and its latest failure if the last attempt failed. */
export interface SourceState<T> {
  data?: T;
  refreshedAt?: number;
  error?: SourceFailure;
}

/** A lint rule's finding on a SecretProviderClass read from the cluster (no file, so no line). */
export interface IndexedLintFinding {
  rule: string;
  severity: LintSeverity;
  message: string;
  fix: string;
}

export interface IndexedBinding {
  binding: AppBinding;
  /** `objectName` or alias (the file) → `<secret>/<key>` targets, from `spec.secretObjects`. */
  syncedTo: Map<string, string[]>;
  /** What `kvcsi lint` says about this SecretProviderClass, as the API server holds it. */
  lint: IndexedLintFinding[];
}

export interface ClusterIndex {
  bindings: IndexedBinding[];
}

/** `<namespace>/<spc>` → pods that mount it. */
export type MountIndex = Map<string, string[]>;

/** A pod that declares a CSI volume of a SecretProviderClass and whose containers do not all run. */
export interface StuckPod {
  name: string;
  phase?: string;
  /** The first waiting container's reason (ContainerCreating, CreateContainerConfigError, CrashLoopBackOff, …). */
  reason: string;
  container?: string;
  /** kubelet's message for that reason (e.g. `secret "x" not found`); never a Secret's data. */
  message?: string;
  /** Epoch ms of the pod's start (status.startTime), when known. */
  startedAt?: number;
}

/** `<namespace>/<spc>` → pods declaring it that are not running. */
export type PodStateIndex = Map<string, StuckPod[]>;

export interface VaultIndex {
  /** Lower-cased secret names (certificates appear too, through their backing secret). */
  names: Set<string>;
  pages: number;
  /**
   * Lower-cased names of indexed SPC objects the listing lacks but the vault holds soft-deleted (recoverable). Looked
   * up only for such names, and only where the vault port can (`findDeletedSecret`).
   */
  deleted: Set<string>;
}

export interface AccessIndex {
  /** Reads every secret of the vault (an access policy with get, or a reader role at the vault or above). */
  vaultWide: boolean;
  /** Lower-cased names of secrets a reader role is assigned on. */
  secrets: Set<string>;
}

export interface IndexSnapshot {
  clusters: Map<string, SourceState<ClusterIndex>>;
  mounts: Map<string, SourceState<MountIndex>>;
  /** Per cluster, from one pod list per namespace with SPCs (skipped with `skipMounts`). */
  pods: Map<string, SourceState<PodStateIndex>>;
  vaults: Map<string, SourceState<VaultIndex>>;
  /** Key `<vault>|<clientId>` (both lower-cased). */
  access: Map<string, SourceState<AccessIndex>>;
  /** Epoch ms of the end of the last refresh; undefined before the first one. */
  refreshedAt?: number;
}

export interface RefreshStats {
  wallInMs: number;
  clusters: number;
  spcs: number;
  vaults: number;
  secrets: number;
  failures: number;
}

export interface BindingsIndexOptions {
  registry: ClusterRegistry;
  clusterPort(clusterName: string): ClusterPort;
  vault: Pick<VaultPort, 'listSecretProperties' | 'resolveIdentity' | 'getVaultProperties' | 'checkAccess' | 'findDeletedSecret'>;
  clock?: Clock;
  /** Sources read at once (clusters, namespaces, vault listings, access checks); default 8. */
  concurrency?: number;
  /** Skip the pod-status and pod lists (mountedBy, synced and pod state unknown): one call per cluster only. Default false. */
  skipMounts?: boolean;
  onSourceError?(source: string, error: SourceFailure): void;
}

export interface BindingsIndex {
  snapshot(): IndexSnapshot;
  /** Refreshes every source; concurrent callers share one refresh. */
  refresh(options?: CallOptions): Promise<RefreshStats>;
  /** Resolves once the index has been refreshed at least once (starting a refresh if none ran). */
  ready(options?: CallOptions): Promise<void>;
  /**
   * Re-reads what an applied request of `app` changes: the listings of the vaults its SecretProviderClasses name and
   * its identities' access to them. A targeted refresh: no SPC list, nothing of other vaults or identities.
   */
  refreshApp(app: string, options?: CallOptions): Promise<RefreshStats>;
  /** The oldest refresh (epoch ms) among the vault and access sources `app` depends on; undefined if none was read. */
  appIndexedAt(app: string): number | undefined;
}

export const accessKey = (vault: string, clientId: string) => `${vault.toLowerCase()}|${clientId.toLowerCase()}`;
export const mountKey = (namespace: string, spc: string) => `${namespace}/${spc}`;

function failureOf(error: unknown, now: number): SourceFailure {
  if (KvcsiError.is(error)) return { code: error.code, message: error.message, at: now };
  return { code: 'INTERNAL', message: `unexpected ${error instanceof Error ? error.name : typeof error}`, at: now };
}

/** Runs tasks with at most `limit` in flight. */
async function eachLimited<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await task(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * The lint rules of `kvcsi lint`, run on the SecretProviderClass as the API server returned it. JSON is YAML, so the
 * resource goes through the same parser and rules as a file; lines mean nothing here and are dropped.
 */
export function lintResource(spc: SecretProviderClassResource, cluster: string): IndexedLintFinding[] {
  const file = `${cluster}/${spc.metadata.namespace ?? 'default'}/${spc.metadata.name ?? ''}`;
  return lintText(lintDocument(spc), file).map(({ rule, severity, message, fix }) => ({ rule, severity, message, fix }));
}

function lintDocument(spc: SecretProviderClassResource): string {
  return JSON.stringify({ apiVersion: SPC_API_VERSION, kind: SPC_KIND, metadata: { name: spc.metadata.name, namespace: spc.metadata.namespace }, spec: spc.spec });
}

/** Classes linted between two yields to the event loop: parsing costs ≈ 0.5 ms a class, and requests must not wait seconds. */
const LINT_BATCH = 100;

/**
 * Lints one cluster's classes, reusing the last refresh's result for a class whose spec did not change (most of them:
 * the YAML parse is the index's largest CPU cost). Returns the findings and the cache for the next refresh.
 */
async function lintClasses(
  spcs: readonly SecretProviderClassResource[], cluster: string, previous: ReadonlyMap<string, LintCacheEntry> | undefined,
): Promise<{ lint: IndexedLintFinding[][]; cache: Map<string, LintCacheEntry> }> {
  const cache = new Map<string, LintCacheEntry>();
  const lint: IndexedLintFinding[][] = [];
  for (let i = 0; i < spcs.length; i++) {
    if (i > 0 && i % LINT_BATCH === 0) await new Promise((resolve) => setImmediate(resolve));
    const spc = spcs[i]!;
    const key = mountKey(spc.metadata.namespace ?? 'default', spc.metadata.name ?? '');
    // A digest, not the text: the cache stays a few bytes per class.
    const fingerprint = createHash('sha256').update(lintDocument(spc)).digest('base64');
    const known = previous?.get(key);
    const findings = known?.fingerprint === fingerprint ? known.lint : lintResource(spc, cluster);
    cache.set(key, { fingerprint, lint: findings });
    lint.push(findings);
  }
  return { lint, cache };
}

interface LintCacheEntry {
  /** Digest of the document linted: a class is linted again only when it changes. */
  fingerprint: string;
  lint: IndexedLintFinding[];
}

/** The SecretProviderClasses a pod declares as CSI volumes of the secrets-store driver. */
function spcsOfPod(pod: KubePod): string[] {
  return (pod.spec.volumes ?? [])
    .filter((volume) => volume.csi?.driver === 'secrets-store.csi.k8s.io')
    .map((volume) => volume.csi?.volumeAttributes?.secretProviderClass ?? '')
    .filter((name) => name !== '');
}

/** The pod's state when a container does not run: the first waiting (or crash-looping) container, else the phase. */
export function stuckPodOf(pod: KubePod): StuckPod | undefined {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded') return undefined;
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  const waiting = statuses.find((status) => status.state?.waiting !== undefined);
  const startedAt = pod.status?.startTime !== undefined ? Date.parse(pod.status.startTime) : Number.NaN;
  const base = { name: pod.metadata.name ?? '', ...(phase !== undefined ? { phase } : {}), ...(Number.isFinite(startedAt) ? { startedAt } : {}) };
  if (waiting !== undefined) {
    const { reason, message } = waiting.state!.waiting!;
    return { ...base, reason: reason ?? 'Waiting', container: waiting.name, ...(message ? { message } : {}) };
  }
  if (phase === 'Running' || statuses.length > 0 && statuses.every((status) => status.state?.running !== undefined)) return undefined;
  if (phase === 'Pending' || phase === 'Failed' || phase === 'Unknown') return { ...base, reason: pod.status?.reason ?? phase, ...(pod.status?.message ? { message: pod.status.message } : {}) };
  return undefined;
}

function syncTargets(spc: SecretProviderClassResource): Map<string, string[]> {
  const targets = new Map<string, string[]>();
  for (const secretObject of spc.spec.secretObjects ?? []) {
    for (const item of secretObject.data ?? []) {
      if (!item.objectName || !secretObject.secretName) continue;
      const list = targets.get(item.objectName) ?? [];
      list.push(`${secretObject.secretName}/${item.key ?? ''}`);
      targets.set(item.objectName, list);
    }
  }
  return targets;
}

export function summarizeAccess(access: IdentityAccess, vaultId: string | undefined): AccessIndex {
  if (access.authModel === 'accessPolicy') {
    const secrets = (access.accessPolicy?.secrets ?? []).map((permission) => permission.toLowerCase());
    return { vaultWide: secrets.includes('get') || secrets.includes('all'), secrets: new Set() };
  }
  const result: AccessIndex = { vaultWide: false, secrets: new Set() };
  for (const assignment of access.roleAssignments) {
    if (assignment.principalId.toLowerCase() !== access.objectId.toLowerCase()) continue;
    const roleId = (assignment.roleDefinitionId.split('/').pop() ?? '').toLowerCase();
    const reads = SECRET_READER_ROLE_IDS.has(roleId)
      || (assignment.dataActions ?? []).some((action) => action === '*' || action.toLowerCase() === GET_SECRET_ACTION);
    if (!reads) continue;
    const secretScope = /\/secrets\/([^/]+)\/?$/i.exec(assignment.scope);
    if (secretScope && (vaultId === undefined || assignment.scope.toLowerCase().startsWith(vaultId.toLowerCase()))) {
      result.secrets.add(secretScope[1]!.toLowerCase());
    } else {
      result.vaultWide = true;
    }
  }
  return result;
}

export function createBindingsIndex(options: BindingsIndexOptions): BindingsIndex {
  const { registry, vault } = options;
  const now = () => (options.clock ?? { now: Date.now }).now();
  const concurrency = options.concurrency ?? 8;
  const state: IndexSnapshot = { clusters: new Map(), mounts: new Map(), pods: new Map(), vaults: new Map(), access: new Map() };
  let inFlight: Promise<RefreshStats> | undefined;
  /** Per cluster, each class's last lint result (see lintClasses). */
  const lintCache = new Map<string, Map<string, LintCacheEntry>>();
  /** Concurrent callers for one app share its targeted refresh. */
  const appRefreshes = new Map<string, Promise<RefreshStats>>();

  /** Keeps the old data on failure: that is what "stale while revalidate" serves. */
  const settle = async <T>(map: Map<string, SourceState<T>>, key: string, source: string, read: () => Promise<T>): Promise<boolean> => {
    const previous = map.get(key) ?? {};
    try {
      const data = await read();
      map.set(key, { data, refreshedAt: now() });
      return true;
    } catch (error) {
      const failure = failureOf(error, now());
      map.set(key, { ...previous, error: failure });
      options.onSourceError?.(source, failure);
      return false;
    }
  };

  const vaultRef = (name: string): VaultRef => registry.findByVault(name)[0]?.keyVault ?? { name };

  type IdentityKey = { vault: string; clientId: string; tenantId?: string };

  /** The vaults and (vault, identity) pairs the indexed bindings that `include` accepts depend on. */
  const sourcesOf = (include: (binding: AppBinding) => boolean) => {
    const vaults = new Map<string, string>();
    const identities = new Map<string, IdentityKey>();
    // Per vault (lower-cased), the objects these bindings name in it: looked up among its deleted secrets when missing.
    const objectsByVault = new Map<string, Map<string, string>>();
    for (const clusterState of state.clusters.values()) {
      for (const { binding } of clusterState.data?.bindings ?? []) {
        if (binding.vault === undefined || !include(binding)) continue;
        vaults.set(binding.vault.toLowerCase(), binding.vault);
        const wanted = objectsByVault.get(binding.vault.toLowerCase()) ?? new Map<string, string>();
        for (const object of binding.objects) if (object.objectType !== 'key') wanted.set(object.objectName.toLowerCase(), object.objectName);
        objectsByVault.set(binding.vault.toLowerCase(), wanted);
        if (binding.identity.clientId !== undefined) {
          identities.set(accessKey(binding.vault, binding.identity.clientId), {
            vault: binding.vault, clientId: binding.identity.clientId, ...(binding.tenantId ? { tenantId: binding.tenantId } : {}),
          });
        }
      }
    }
    return { vaults, identities, objectsByVault };
  };

  /** The wanted names the listing lacks that the vault holds soft-deleted; none without `findDeletedSecret`. */
  const deletedAmong = async (vaultName: string, names: Set<string>, wanted: Map<string, string> | undefined, call: CallOptions): Promise<Set<string>> => {
    const deleted = new Set<string>();
    const find = vault.findDeletedSecret?.bind(vault);
    if (!find || !wanted) return deleted;
    const missing = [...wanted.entries()].filter(([key]) => !names.has(key));
    await eachLimited(missing, concurrency, async ([key, objectName]) => {
      if (await find(vaultRef(vaultName), objectName, call)) deleted.add(key);
    });
    return deleted;
  };

  /** Secret listings (pages of 25, never values) and access checks: one vault lookup per vault, one identity lookup and one check per pair. */
  const readVaultsAndAccess = async (vaultNames: Map<string, string>, identities: Map<string, IdentityKey>, objectsByVault: Map<string, Map<string, string>>, call: CallOptions) => {
    let failures = 0;
    let secrets = 0;
    await eachLimited([...vaultNames.entries()], concurrency, async ([key, name]) => {
      const ok = await settle(state.vaults, key, `vault/${name}`, async () => {
        const names = new Set<string>();
        let pages = 0;
        let continuationToken: string | undefined;
        do {
          const page = await vault.listSecretProperties(vaultRef(name), {
            maxPageSize: SECRET_PAGE_SIZE, ...(continuationToken ? { continuationToken } : {}), ...call,
          });
          pages += 1;
          for (const item of page.items) names.add(item.name.toLowerCase());
          continuationToken = page.continuationToken;
        } while (continuationToken);
        secrets += names.size;
        return { names, pages, deleted: await deletedAmong(name, names, objectsByVault.get(key), call) };
      });
      if (!ok) failures += 1;
    });

    const vaultIds = new Map<string, Promise<string | undefined>>();
    const vaultIdOf = (name: string) => {
      let id = vaultIds.get(name.toLowerCase());
      if (!id) {
        id = vault.getVaultProperties(vaultRef(name), call).then((properties) => properties?.id);
        vaultIds.set(name.toLowerCase(), id);
      }
      return id;
    };
    const objectIds = new Map<string, Promise<string | undefined>>();
    await eachLimited([...identities.entries()], concurrency, async ([key, identity]) => {
      const ok = await settle(state.access, key, `access/${identity.vault}/${identity.clientId}`, async () => {
        let objectId = objectIds.get(identity.clientId.toLowerCase());
        if (!objectId) {
          objectId = vault.resolveIdentity({ clientId: identity.clientId, ...(identity.tenantId ? { tenantId: identity.tenantId } : {}), ...call })
            .then((resolved) => resolved?.objectId);
          objectIds.set(identity.clientId.toLowerCase(), objectId);
        }
        const principal = await objectId;
        if (principal === undefined) throw new KvcsiError('NOT_FOUND', `no service principal has client id ${identity.clientId}`);
        const [vaultId, access] = await Promise.all([
          vaultIdOf(identity.vault),
          vault.checkAccess(vaultRef(identity.vault), { objectId: principal, ...call }),
        ]);
        return summarizeAccess(access, vaultId);
      });
      if (!ok) failures += 1;
    });
    return { failures, secrets };
  };

  const run = async (call: CallOptions): Promise<RefreshStats> => {
    const startedHr = process.hrtime.bigint();
    let failures = 0;
    const clusters = registry.list();

    await eachLimited(clusters, concurrency, async (cluster) => {
      const ok = await settle(state.clusters, cluster.name, `cluster/${cluster.name}`, async () => {
        const spcs = (await options.clusterPort(cluster.name).listSecretProviderClasses({ ...call }))
          .filter((spc) => (spc.spec.provider ?? 'azure') === 'azure');
        const { lint, cache } = await lintClasses(spcs, cluster.name, lintCache.get(cluster.name));
        lintCache.set(cluster.name, cache);
        return {
          bindings: spcs.map((spc, i) => ({ binding: toAppBinding(spc, cluster), syncedTo: syncTargets(spc), lint: lint[i]! })),
        };
      });
      if (!ok) failures += 1;
    });

    if (!options.skipMounts) {
      const namespaceJobs: { cluster: string; namespace: string }[] = [];
      for (const cluster of clusters) {
        const namespaces = new Set(state.clusters.get(cluster.name)?.data?.bindings.map((entry) => entry.binding.namespace) ?? []);
        for (const namespace of namespaces) namespaceJobs.push({ cluster: cluster.name, namespace });
      }
      const perCluster = new Map<string, MountIndex>();
      const failedClusters = new Map<string, unknown>();
      const podsPerCluster = new Map<string, PodStateIndex>();
      const failedPodLists = new Map<string, unknown>();
      const readMounts = async (cluster: string, namespace: string) => {
        try {
          const statuses = await options.clusterPort(cluster).listSecretProviderClassPodStatuses({ namespace, ...call });
          const mounts = perCluster.get(cluster) ?? new Map<string, string[]>();
          for (const status of statuses) {
            const spc = status.status?.secretProviderClassName;
            const pod = status.status?.podName;
            if (!spc || !pod || status.status?.mounted === false) continue;
            const key = mountKey(namespace, spc);
            mounts.set(key, [...(mounts.get(key) ?? []), pod]);
          }
          perCluster.set(cluster, mounts);
        } catch (error) {
          failedClusters.set(cluster, error);
        }
      };
      // A pod whose mount fails has no SecretProviderClassPodStatus, and one whose container cannot start (a synced
      // Secret missing) has one that says mounted: only the pods' own state tells either apart from a healthy pod.
      const readPods = async (cluster: string, namespace: string) => {
        try {
          const pods = await options.clusterPort(cluster).listPods({ namespace, ...call });
          const stuck = podsPerCluster.get(cluster) ?? new Map<string, StuckPod[]>();
          for (const pod of pods) {
            const spcs = spcsOfPod(pod);
            const state = spcs.length > 0 ? stuckPodOf(pod) : undefined;
            if (state === undefined) continue;
            for (const spc of new Set(spcs)) {
              const key = mountKey(namespace, spc);
              stuck.set(key, [...(stuck.get(key) ?? []), state]);
            }
          }
          podsPerCluster.set(cluster, stuck);
        } catch (error) {
          failedPodLists.set(cluster, error);
        }
      };
      await eachLimited(namespaceJobs, concurrency, async ({ cluster, namespace }) => {
        await Promise.all([readMounts(cluster, namespace), readPods(cluster, namespace)]);
      });
      for (const cluster of new Set(namespaceJobs.map((job) => job.cluster))) {
        const ok = await settle(state.mounts, cluster, `pod-status/${cluster}`, async () => {
          if (failedClusters.has(cluster)) throw failedClusters.get(cluster);
          return perCluster.get(cluster) ?? new Map();
        });
        const podsOk = await settle(state.pods, cluster, `pods/${cluster}`, async () => {
          if (failedPodLists.has(cluster)) throw failedPodLists.get(cluster);
          return podsPerCluster.get(cluster) ?? new Map();
        });
        if (!ok) failures += 1;
        if (!podsOk) failures += 1;
      }
    }

    // Vaults: every vault an SPC names, plus each cluster's own.
    const vaultNames = new Map<string, string>();
    for (const cluster of clusters) vaultNames.set(cluster.keyVault.name.toLowerCase(), cluster.keyVault.name);
    const { vaults: bindingVaults, identities, objectsByVault } = sourcesOf(() => true);
    for (const [key, name] of bindingVaults) vaultNames.set(key, name);
    const read = await readVaultsAndAccess(vaultNames, identities, objectsByVault, call);
    failures += read.failures;
    const { secrets } = read;

    state.refreshedAt = now();
    const spcs = [...state.clusters.values()].reduce((sum, entry) => sum + (entry.data?.bindings.length ?? 0), 0);
    return {
      wallInMs: Number(process.hrtime.bigint() - startedHr) / 1e6,
      clusters: clusters.length, spcs, vaults: vaultNames.size, secrets, failures,
    };
  };

  const index: BindingsIndex = {
    snapshot: () => state,
    refresh(call = {}) {
      if (!inFlight) {
        inFlight = run(call).finally(() => {
          inFlight = undefined;
        });
      }
      return inFlight;
    },
    async ready(call = {}) {
      if (state.refreshedAt !== undefined) return;
      await index.refresh(call);
    },
    refreshApp(app, call = {}) {
      let running = appRefreshes.get(app);
      if (!running) {
        running = (async () => {
          const startedHr = process.hrtime.bigint();
          const { vaults, identities } = sourcesOf((binding) => binding.app === app);
          // A vault's deleted names are for every app that reads it, not only this one.
          const { objectsByVault } = sourcesOf(() => true);
          const { failures, secrets } = await readVaultsAndAccess(vaults, identities, objectsByVault, call);
          return { wallInMs: Number(process.hrtime.bigint() - startedHr) / 1e6, clusters: 0, spcs: 0, vaults: vaults.size, secrets, failures };
        })().finally(() => appRefreshes.delete(app));
        appRefreshes.set(app, running);
      }
      return running;
    },
    appIndexedAt(app) {
      const { vaults, identities } = sourcesOf((binding) => binding.app === app);
      const times = [
        ...[...vaults.keys()].map((key) => state.vaults.get(key)?.refreshedAt),
        ...[...identities.keys()].map((key) => state.access.get(key)?.refreshedAt),
      ];
      if (times.length === 0 || times.some((at) => at === undefined)) return undefined;
      return Math.min(...(times as number[]));
    },
  };
  return index;
}
