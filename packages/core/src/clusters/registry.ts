import { KvcsiError } from '../errors.js';
import type { AzureCloud, ClusterConfig, ClusterWatchConfig, GrantScope, KubeAuthMode, RegistryConfig, Tier } from './schema.js';

export type ClusterIdentity =
  | { kind: 'fixed'; clientId: string; objectId?: string }
  | { kind: 'discover'; aksResourceGroup?: string; aksName?: string; subscriptionId?: string };

/** A cluster with every default filled in: what the rest of kvcsi works with. */
export interface Cluster {
  name: string;
  tier: Tier;
  tenantId: string;
  cloud: AzureCloud;
  keyVault: { name: string; subscriptionId?: string; resourceGroup?: string };
  identity: ClusterIdentity;
  identityMode: 'vmManagedIdentity' | 'workloadIdentity';
  kubeContext: string;
  /** How kvcsi authenticates to the API server (see `kubeAuth` in the schema). */
  kubeAuth: KubeAuthMode;
  /** The AKS resource: `name` defaults to the cluster's (or `identity.aksName`); the rest as configured. */
  aks: { name: string; subscriptionId?: string; resourceGroup?: string };
  /** The cluster kvcsi runs in (in-cluster credentials apply to it only). */
  inCluster: boolean;
  slackChannels: string[];
  /** The watcher's channel, namespaces and routes (see `watch` in the schema). */
  watch?: ClusterWatchConfig;
}

function toAksRef(cluster: ClusterConfig): Cluster['aks'] {
  const discover = 'discover' in cluster.identity ? cluster.identity : undefined;
  const subscriptionId = cluster.aks?.subscriptionId ?? discover?.subscriptionId;
  const resourceGroup = cluster.aks?.resourceGroup ?? discover?.aksResourceGroup;
  return {
    name: cluster.aks?.name ?? discover?.aksName ?? cluster.name,
    ...(subscriptionId === undefined ? {} : { subscriptionId }),
    ...(resourceGroup === undefined ? {} : { resourceGroup }),
  };
}

function toIdentity(identity: ClusterConfig['identity']): ClusterIdentity {
  if ('discover' in identity) {
    const { discover: _discover, ...rest } = identity;
    return { kind: 'discover', ...rest };
  }
  return { kind: 'fixed', ...identity };
}

function toCluster(config: RegistryConfig, cluster: ClusterConfig): Cluster {
  return {
    name: cluster.name,
    tier: cluster.tier,
    tenantId: cluster.tenantId ?? config.tenantId,
    cloud: cluster.cloud ?? config.cloud,
    keyVault: { ...cluster.keyVault },
    identity: toIdentity(cluster.identity),
    identityMode: cluster.identityMode,
    kubeContext: cluster.kubeContext ?? cluster.name,
    kubeAuth: cluster.kubeAuth ?? 'kubeconfig',
    aks: toAksRef(cluster),
    inCluster: cluster.inCluster === true,
    slackChannels: cluster.slackChannels ?? [],
    ...(cluster.watch === undefined ? {} : { watch: structuredClone(cluster.watch) }),
  };
}

/** Edit distance, for "did you mean" hints on cluster names. */
export function editDistance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0]!;
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j]!;
      previous[j] = Math.min(above + 1, previous[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return previous[b.length]!;
}

/** The clusters kvcsi knows, loaded from one configuration file. */
export class ClusterRegistry {
  readonly tenantId: string;
  readonly cloud: AzureCloud;
  readonly gitopsRoot: string;
  readonly grantScope: GrantScope;
  /** The `policy:` section, when the file has one (front ends fall back to their own source, else deny writes). */
  readonly policy: RegistryConfig['policy'];
  /** The file the registry came from, for messages. */
  readonly source: string;
  private readonly clusters: ReadonlyMap<string, Cluster>;

  constructor(config: RegistryConfig, options: { source: string }) {
    this.tenantId = config.tenantId;
    this.cloud = config.cloud;
    this.gitopsRoot = config.gitops.root;
    this.grantScope = config.grantScope;
    this.policy = config.policy;
    this.source = options.source;
    this.clusters = new Map(config.clusters.map((cluster) => [cluster.name, toCluster(config, cluster)]));
  }

  list(): Cluster[] {
    return [...this.clusters.values()];
  }

  find(name: string): Cluster | undefined {
    return this.clusters.get(name);
  }

  /** The cluster by name, or NOT_FOUND naming the known clusters and the closest one. */
  get(name: string): Cluster {
    const cluster = this.clusters.get(name);
    if (cluster) return cluster;
    const names = [...this.clusters.keys()];
    const closest = names
      .map((candidate) => ({ candidate, distance: editDistance(name.toLowerCase(), candidate) }))
      .sort((a, b) => a.distance - b.distance)[0];
    const hint = closest && closest.distance <= 3 ? ` Did you mean "${closest.candidate}"?` : '';
    throw new KvcsiError('NOT_FOUND', `Unknown cluster "${name}" in ${this.source}.${hint} Known clusters: ${names.join(', ')}.`, {
      field: 'cluster',
      rule: 'must be one of the clusters in the configuration',
      details: { known: names },
    });
  }

  /** The cluster whose Key Vault has this name, if any. */
  findByVault(vaultName: string): Cluster[] {
    return this.list().filter((cluster) => cluster.keyVault.name.toLowerCase() === vaultName.toLowerCase());
  }
}
