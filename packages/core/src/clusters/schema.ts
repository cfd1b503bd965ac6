import { z } from 'zod';
import { policyConfigSchema } from '../policy/schema.js';
import { GUID_PATTERN } from '../spc/names.js';
import { TIERS } from './tiers.js';

/** Key Vault names: 3–24 characters, letters, digits and dashes, starting with a letter, no `--`, not ending in `-`. */
export const KEY_VAULT_NAME_PATTERN = /^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/;
/** Cluster names double as directory names in the GitOps tree and as Kubernetes-ish identifiers. */
const CLUSTER_NAME_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export { TIERS, isStricterTier, type Tier } from './tiers.js';

export const AZURE_CLOUDS = ['AzurePublicCloud', 'AzureUSGovernmentCloud', 'AzureChinaCloud', 'AzureGermanCloud', 'AzureStackCloud'] as const;
export type AzureCloud = (typeof AZURE_CLOUDS)[number];

export const GRANT_SCOPES = ['vault', 'secret'] as const;
export type GrantScope = (typeof GRANT_SCOPES)[number];

const guid = (what: string) => z.string().regex(GUID_PATTERN, `must be a GUID (${what})`);

const keyVaultSchema = z.strictObject({
  name: z.string().regex(KEY_VAULT_NAME_PATTERN, 'must be a Key Vault name: 3-24 letters, digits and dashes, starting with a letter, no "--"'),
  subscriptionId: guid('the vault\'s subscription id').optional(),
  resourceGroup: z.string().min(1).max(90).optional(),
});

const fixedIdentitySchema = z.strictObject({
  clientId: guid('the managed identity\'s client id'),
  objectId: guid('the managed identity\'s object (principal) id').optional(),
});
/** `discover: true`: the runbook's "check cluster identity" — read the AKS kubelet identity at run time. */
const discoveredIdentitySchema = z.strictObject({
  discover: z.literal(true),
  aksResourceGroup: z.string().min(1).optional(),
  aksName: z.string().min(1).optional(),
  subscriptionId: guid('the AKS cluster\'s subscription id').optional(),
});

/** How kvcsi reaches a cluster's API server: a kubeconfig context, or AKS with Entra ID tokens and ARM endpoints. */
export const KUBE_AUTH_MODES = ['kubeconfig', 'azure'] as const;
export type KubeAuthMode = (typeof KUBE_AUTH_MODES)[number];

/** The AKS resource behind a registry cluster; anything left out is searched for (more ARM calls on first use). */
const aksRefSchema = z.strictObject({
  subscriptionId: guid('the AKS cluster\'s subscription id').optional(),
  resourceGroup: z.string().min(1).max(90).optional(),
  /** The managed cluster's name in ARM; the registry cluster's name when absent. */
  name: z.string().regex(/^[a-zA-Z0-9]([-_a-zA-Z0-9]{0,61}[a-zA-Z0-9])?$/, 'must be an AKS cluster name: 1-63 letters, digits, "-" and "_"').optional(),
});

/**
 * A watch channel is an id: the watcher finds its messages again after a failover with conversations.history and
 * updates them with chat.update, and both take a channel id only (Slack answers channel_not_found to a name).
 */
const watchChannelSchema = z.string().regex(/^[CG][A-Z0-9]{8,}$/, 'must be a Slack channel id (C0123ABCD): the watcher finds and updates its messages by id after a failover, and Slack takes no channel name there');
const kubeNameSchema = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a Kubernetes name: lower-case letters, digits and dashes, at most 63');

/** Where the watcher posts this cluster's problems: a channel, with optional namespace and app overrides. */
const clusterWatchSchema = z.strictObject({
  channel: watchChannelSchema,
  /** Watch only these namespaces (all when absent). */
  namespaces: z.array(kubeNameSchema).min(1).optional(),
  /** The first route whose app (workload name) or namespace matches wins; the cluster's channel otherwise. */
  routes: z.array(z.strictObject({ namespace: kubeNameSchema.optional(), app: kubeNameSchema.optional(), channel: watchChannelSchema })
    .refine((route) => route.namespace !== undefined || route.app !== undefined, { message: 'a route needs a namespace or an app' })).optional(),
  /**
   * prd clusters only: post each problem to the approvers channel too — `true` for the front end's own (the bot's
   * `slack.approvalsChannel`), or a channel named here.
   */
  approvers: z.union([z.boolean(), watchChannelSchema]).optional(),
});

const clusterSchema = z.strictObject({
  name: z.string().regex(CLUSTER_NAME_PATTERN, 'must be lower-case letters, digits and dashes'),
  tier: z.enum(TIERS),
  tenantId: guid('the Entra tenant id').optional(),
  keyVault: keyVaultSchema,
  identity: z.union([fixedIdentitySchema, discoveredIdentitySchema], {
    error: 'must be { clientId, objectId? } or { discover: true }',
  }),
  /** How pods authenticate: the VM (kubelet) managed identity, or workload identity with a federated credential. */
  identityMode: z.enum(['vmManagedIdentity', 'workloadIdentity']).default('vmManagedIdentity'),
  cloud: z.enum(AZURE_CLOUDS).optional(),
  kubeContext: z.string().min(1).optional(),
  /**
   * `kubeconfig` (default): the `kubeContext` of a kubeconfig. `azure`: the API server and CA from ARM
   * (`managedClusters` get + `listClusterUserCredential`, its exec block unused) and a bearer token for the AKS Entra
   * server application from kvcsi's own Azure credential — no kubeconfig, no kubelogin. Absent means `kubeconfig`.
   */
  kubeAuth: z.enum(KUBE_AUTH_MODES).optional(),
  aks: aksRefSchema.optional(),
  /** The cluster kvcsi itself runs in: only this one is read with the pod's service account when kvcsi runs in-cluster. */
  inCluster: z.boolean().optional(),
  /** Slack channels whose default cluster this is. */
  slackChannels: z.array(z.string().min(1)).optional(),
  /** The watcher's routing for this cluster (optional: without it, its problems go nowhere but the CLI). */
  watch: clusterWatchSchema.optional(),
});

export const registryConfigSchema = z
  .strictObject({
    tenantId: guid('the Entra tenant id'),
    cloud: z.enum(AZURE_CLOUDS).default('AzurePublicCloud'),
    gitops: z.strictObject({ root: z.string().min(1).default('argo-cd-helm-values/kube-addons') }).default({ root: 'argo-cd-helm-values/kube-addons' }),
    grantScope: z.enum(GRANT_SCOPES).default('vault'),
    clusters: z.array(clusterSchema).min(1, 'must list at least one cluster'),
    /** Who may do what on which tier, and who approves (see the policy section of the README). */
    policy: policyConfigSchema.optional(),
    /** Front-end sections, validated by the bot and the Backstage plugin that read them. */
    slack: z.record(z.string(), z.unknown()).optional(),
    backstage: z.record(z.string(), z.unknown()).optional(),
  })
  .superRefine((config, ctx) => {
    const seen = new Map<string, number>();
    config.clusters.forEach((cluster, index) => {
      const first = seen.get(cluster.name);
      if (first !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['clusters', index, 'name'], message: `must be unique (also clusters[${first}].name)` });
      } else {
        seen.set(cluster.name, index);
      }
    });
    config.clusters.forEach((cluster, index) => {
      if (cluster.tier !== 'prd' && cluster.watch?.approvers !== undefined && cluster.watch.approvers !== false) {
        ctx.addIssue({ code: 'custom', path: ['clusters', index, 'watch', 'approvers'], message: `is for prd clusters only (this one is ${cluster.tier})` });
      }
    });
    const inCluster = config.clusters.flatMap((cluster, index) => (cluster.inCluster === true ? [index] : []));
    for (const index of inCluster.slice(1)) {
      ctx.addIssue({ code: 'custom', path: ['clusters', index, 'inCluster'], message: `only one cluster can be the one kvcsi runs in (also clusters[${inCluster[0]}].inCluster)` });
    }
  });

export type RegistryConfigInput = z.input<typeof registryConfigSchema>;
export type RegistryConfig = z.output<typeof registryConfigSchema>;
export type ClusterConfig = RegistryConfig['clusters'][number];
export type KeyVaultConfig = ClusterConfig['keyVault'];
export type ClusterIdentityConfig = ClusterConfig['identity'];
export type AksRefConfig = NonNullable<ClusterConfig['aks']>;
export type ClusterWatchConfig = NonNullable<ClusterConfig['watch']>;
