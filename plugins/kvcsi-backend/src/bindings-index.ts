/**
 * The in-memory index `GET /bindings` answers from: every SecretProviderClass of every cluster (one list per
 * cluster), the pods mounting them (one SecretProviderClassPodStatus list per namespace that has SPCs), the secret
 * names of every vault they use (list-properties pages, never values) and, per vault and identity, whether that
 * identity may read secrets. Refreshed in the background; a source that fails keeps its last good data
 * (stale-while-revalidate) and reports its error beside it.
 */
import {
  KvcsiError, toAppBinding, type AppBinding, type CallOptions, type Clock, type ClusterPort, type ClusterRegistry,
  type IdentityAccess, type SecretProviderClassResource, type VaultPort, type VaultRef,
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

export interface IndexedBinding {
  binding: AppBinding;
  /** `objectName` or alias (the file) → `<secret>/<key>` targets, from `spec.secretObjects`. */
  syncedTo: Map<string, string[]>;
}

export interface ClusterIndex {
  bindings: IndexedBinding[];
}

/** `<namespace>/<spc>` → pods that mount it. */
export type MountIndex = Map<string, string[]>;

export interface VaultIndex {
  /** Lower-cased secret names (certificates appear too, through their backing secret). */
  names: Set<string>;
  pages: number;
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
  vault: Pick<VaultPort, 'listSecretProperties' | 'resolveIdentity' | 'getVaultProperties' | 'checkAccess'>;
  clock?: Clock;
  /** Sources read at once (clusters, namespaces, vault listings, access checks); default 8. */
  concurrency?: number;
  /** Skip the pod-status lists (mountedBy, synced unknown): one call per cluster only. Default false. */
  skipMounts?: boolean;
  onSourceError?(source: string, error: SourceFailure): void;
}

export interface BindingsIndex {
  snapshot(): IndexSnapshot;
  /** Refreshes every source; concurrent callers share one refresh. */
  refresh(options?: CallOptions): Promise<RefreshStats>;
  /** Resolves once the index has been refreshed at least once (starting a refresh if none ran). */
  ready(options?: CallOptions): Promise<void>;
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
  const state: IndexSnapshot = { clusters: new Map(), mounts: new Map(), vaults: new Map(), access: new Map() };
  let inFlight: Promise<RefreshStats> | undefined;

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

  const run = async (call: CallOptions): Promise<RefreshStats> => {
    const startedHr = process.hrtime.bigint();
    let failures = 0;
    const clusters = registry.list();

    await eachLimited(clusters, concurrency, async (cluster) => {
      const ok = await settle(state.clusters, cluster.name, `cluster/${cluster.name}`, async () => {
        const spcs = await options.clusterPort(cluster.name).listSecretProviderClasses({ ...call });
        return {
          bindings: spcs
            .filter((spc) => (spc.spec.provider ?? 'azure') === 'azure')
            .map((spc) => ({ binding: toAppBinding(spc, cluster), syncedTo: syncTargets(spc) })),
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
      await eachLimited(namespaceJobs, concurrency, async ({ cluster, namespace }) => {
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
      });
      for (const cluster of new Set(namespaceJobs.map((job) => job.cluster))) {
        const ok = await settle(state.mounts, cluster, `pod-status/${cluster}`, async () => {
          if (failedClusters.has(cluster)) throw failedClusters.get(cluster);
          return perCluster.get(cluster) ?? new Map();
        });
        if (!ok) failures += 1;
      }
    }

    // Vaults: every vault an SPC names, plus each cluster's own.
    const vaultNames = new Map<string, string>();
    const identities = new Map<string, { vault: string; clientId: string; tenantId?: string }>();
    for (const cluster of clusters) {
      vaultNames.set(cluster.keyVault.name.toLowerCase(), cluster.keyVault.name);
      for (const { binding } of state.clusters.get(cluster.name)?.data?.bindings ?? []) {
        if (binding.vault === undefined) continue;
        vaultNames.set(binding.vault.toLowerCase(), binding.vault);
        if (binding.identity.clientId !== undefined) {
          identities.set(accessKey(binding.vault, binding.identity.clientId), {
            vault: binding.vault, clientId: binding.identity.clientId, ...(binding.tenantId ? { tenantId: binding.tenantId } : {}),
          });
        }
      }
    }
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
        return { names, pages };
      });
      if (!ok) failures += 1;
    });

    // Access: one vault lookup per vault, one identity lookup and one access check per (vault, identity).
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
  };
  return index;
}
