/**
 * Which identities a grant may target. A live SecretProviderClass may name any vault and any identity — whoever can
 * write one in any namespace could otherwise turn a dev grant into read access on another vault — so an SPC is
 * evidence, never authority. kvcsi trusts only:
 * - the registry's identity for the cluster (a fixed client id, or the discovered AKS kubelet identity);
 * - a user-assigned identity verified for the app: one of its federated credentials, read from ARM, names this
 *   cluster's OIDC issuer (also read from ARM) and the app's ServiceAccount `system:serviceaccount:<ns>:<sa>`.
 * Writing a SecretProviderClass cannot forge either: both live in Azure, behind Azure's own RBAC.
 */
import type { Cluster } from '../clusters/registry.js';
import { KvcsiError } from '../errors.js';
import type { CallOptions, ClusterPort, FederatedCredential, KubePod, VaultPort } from '../ports.js';
import type { AppBinding, PlannedIdentity } from '../service/types.js';

export type TrustVaultPort = Pick<VaultPort, 'resolveIdentity' | 'discoverKubeletIdentity' | 'listFederatedCredentials' | 'getClusterOidcIssuer'>;

export type TrustVerdict = { trusted: true; identity: PlannedIdentity } | { trusted: false; reason: string };

/** Memo for one plan: identities, issuers and credentials are read once however many SPCs name them. */
export interface TrustCache {
  clusterIdentity: Map<string, Promise<PlannedIdentity>>;
  issuers: Map<string, Promise<string | undefined>>;
  credentials: Map<string, Promise<FederatedCredential[] | undefined>>;
  resolved: Map<string, Promise<PlannedIdentity | undefined>>;
}

export function createTrustCache(): TrustCache {
  return { clusterIdentity: new Map(), issuers: new Map(), credentials: new Map(), resolved: new Map() };
}

function memo<T>(map: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
  const cached = map.get(key);
  if (cached) return cached;
  const pending = load();
  map.set(key, pending);
  return pending;
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

export interface ClusterIdentityOptions extends CallOptions {
  cluster: Cluster;
  vault: TrustVaultPort;
  cache?: TrustCache;
}

/** The registry's identity of the cluster: the configured one (object id resolved if not configured), or the discovered kubelet identity. */
export function clusterIdentity(options: ClusterIdentityOptions): Promise<PlannedIdentity> {
  const { cluster, vault } = options;
  const call: CallOptions = options.signal ? { signal: options.signal } : {};
  const load = async (): Promise<PlannedIdentity> => {
    const identity = cluster.identity;
    if (identity.kind === 'discover') {
      const found = await vault.discoverKubeletIdentity(cluster, call);
      return { clientId: found.clientId, objectId: found.objectId, ...(found.displayName ? { displayName: found.displayName } : {}), source: 'discovered' };
    }
    const resolved = await vault.resolveIdentity({ clientId: identity.clientId, tenantId: cluster.tenantId, ...call }).catch((error: unknown) => {
      if (identity.objectId !== undefined) return undefined;
      throw error;
    });
    const objectId = identity.objectId ?? resolved?.objectId;
    if (objectId === undefined) {
      throw new KvcsiError('NOT_FOUND', `cluster ${cluster.name}: no service principal with client id ${identity.clientId}; set identity.objectId in the registry`, { field: 'identity.objectId' });
    }
    return { clientId: identity.clientId, objectId, ...(resolved?.displayName ? { displayName: resolved.displayName } : {}), source: 'registry' };
  };
  return options.cache ? memo(options.cache.clusterIdentity, cluster.name, load) : load();
}

/** The ServiceAccounts the app's pods in `namespace` run as: those of pods that mount the SPC; `<app>` when none runs. */
export async function appServiceAccounts(options: CallOptions & { clusterPort: Pick<ClusterPort, 'listPods'>; binding: AppBinding; app: string }): Promise<string[]> {
  const { binding } = options;
  const pods: KubePod[] = await options.clusterPort.listPods({ namespace: binding.namespace, ...(options.signal ? { signal: options.signal } : {}) });
  const mounting = pods.filter((pod) => (pod.spec.volumes ?? []).some((volume) => volume.csi?.volumeAttributes?.['secretProviderClass'] === binding.name));
  const accounts = [...new Set(mounting.map((pod) => pod.spec.serviceAccountName || 'default'))];
  return accounts.length > 0 ? accounts.sort() : [options.app];
}

export function serviceAccountSubject(namespace: string, serviceAccount: string): string {
  return `system:serviceaccount:${namespace}:${serviceAccount}`;
}

export interface TrustBindingIdentityOptions extends CallOptions {
  binding: AppBinding;
  app: string;
  cluster: Cluster;
  vault: TrustVaultPort;
  clusterPort: Pick<ClusterPort, 'listPods'>;
  cache?: TrustCache;
}

/** Decides whether the identity a binding names is one kvcsi may grant to, and resolves it. Reads only. */
export async function trustBindingIdentity(options: TrustBindingIdentityOptions): Promise<TrustVerdict> {
  const { binding, cluster, vault, app } = options;
  const call: CallOptions = options.signal ? { signal: options.signal } : {};
  const cache = options.cache ?? createTrustCache();
  const where = `${binding.namespace}/${binding.name}`;
  const own = await clusterIdentity({ cluster, vault, cache, ...call });
  const clientId = binding.identity.clientId;
  if (clientId === undefined || same(clientId, own.clientId)) return { trusted: true, identity: own };

  // Another identity: trusted only when the pod authenticates as it by workload identity, and ARM says it is
  // federated to this cluster and this app's ServiceAccount.
  if (binding.identity.mode !== 'workloadIdentity') {
    return { trusted: false, reason: `${where} names identity ${clientId} (${binding.identity.mode}), which is not the cluster's identity ${own.clientId}: kvcsi grants a node identity only when the registry names it` };
  }
  if (!vault.listFederatedCredentials || !vault.getClusterOidcIssuer) {
    return { trusted: false, reason: `${where} names identity ${clientId}, which is not the cluster's identity, and this vault port cannot read federated credentials to verify it` };
  }
  const [issuer, credentials, accounts] = await Promise.all([
    memo(cache.issuers, cluster.name, () => vault.getClusterOidcIssuer!(cluster, call)),
    memo(cache.credentials, clientId.toLowerCase(), () => vault.listFederatedCredentials!({ clientId, ...call })),
    appServiceAccounts({ clusterPort: options.clusterPort, binding, app, ...call }),
  ]);
  if (credentials === undefined) {
    return { trusted: false, reason: `${where} names identity ${clientId}: no user-assigned managed identity with that client id was found in ARM, so it cannot be verified for ${app}` };
  }
  if (issuer === undefined) {
    return { trusted: false, reason: `${where} names identity ${clientId}: cluster ${cluster.name} has no OIDC issuer in ARM, so no federated credential can tie the identity to ${app}` };
  }
  const subjects = accounts.map((account) => serviceAccountSubject(binding.namespace, account));
  const match = credentials.find((credential) => credential.issuer === issuer && subjects.includes(credential.subject));
  if (!match) {
    return {
      trusted: false,
      reason: `${where} names identity ${clientId}, which is not verified for ${app}: none of its federated credentials names issuer ${issuer} with subject ${subjects.join(' or ')}`,
    };
  }
  const resolved = await memo(cache.resolved, clientId.toLowerCase(), async () => {
    const found = await vault.resolveIdentity({ clientId, tenantId: binding.tenantId ?? cluster.tenantId, ...call });
    return found && { clientId, objectId: found.objectId, ...(found.displayName ? { displayName: found.displayName } : {}), source: 'federated' as const };
  });
  if (!resolved) return { trusted: false, reason: `${where} names identity ${clientId}: its service principal was not found in tenant ${cluster.tenantId}` };
  return { trusted: true, identity: { ...resolved, verifiedBy: `federated credential ${match.name} (${match.subject})` } };
}
