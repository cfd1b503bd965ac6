import type { Cluster } from '@kvcsi/core/clusters';
import type { Command } from 'commander';
import type { RunCommand } from '../main.js';
import { EXIT_OK } from '../exit-codes.js';
import { formatTable } from '../table.js';

/** The JSON contract of `kvcsi clusters --format json`; other tools depend on it. */
export function clusterToJson(cluster: Cluster): Record<string, unknown> {
  const identity =
    cluster.identity.kind === 'fixed'
      ? { mode: cluster.identityMode, clientId: cluster.identity.clientId, ...(cluster.identity.objectId ? { objectId: cluster.identity.objectId } : {}) }
      : { mode: cluster.identityMode, discover: true };
  return {
    name: cluster.name,
    tier: cluster.tier,
    keyVault: { ...cluster.keyVault },
    identity,
    tenantId: cluster.tenantId,
    cloud: cluster.cloud,
    kubeContext: cluster.kubeContext,
    kubeAuth: cluster.kubeAuth,
    ...(cluster.kubeAuth === 'azure' ? { aks: { ...cluster.aks } } : {}),
    ...(cluster.inCluster ? { inCluster: true } : {}),
  };
}

/** How kvcsi reaches the cluster's API server, in a few words. */
export function authCell(cluster: Cluster): string {
  const where = cluster.kubeAuth === 'azure'
    ? `azure: Entra ID, AKS ${cluster.aks.resourceGroup === undefined ? '' : `${cluster.aks.resourceGroup}/`}${cluster.aks.name}`
    : `kubeconfig: ${cluster.kubeContext}`;
  return cluster.inCluster ? `${where} (in-cluster when kvcsi runs there)` : where;
}

export function registerClustersCommand(program: Command, run: RunCommand): void {
  program
    .command('clusters')
    .description('List the clusters of the configuration with their tier, Key Vault, identity and how kvcsi reaches each API server')
    .addHelpText('after', '\nExamples:\n  kvcsi clusters\n  kvcsi clusters --format json --config ./kvcsi.yaml\n')
    .action(() =>
      run((context) => {
        const clusters = context.registry.list();
        if (context.options.format === 'json') {
          context.json({ clusters: clusters.map(clusterToJson) });
          return EXIT_OK;
        }
        const rows = clusters.map((cluster) => [
          cluster.name,
          cluster.tier,
          cluster.keyVault.name,
          cluster.identity.kind === 'fixed' ? cluster.identity.clientId : '(discover: AKS kubelet identity)',
          authCell(cluster),
        ]);
        context.out(formatTable(['NAME', 'TIER', 'KEY VAULT', 'IDENTITY', 'CLUSTER ACCESS'], rows));
        context.out(context.paint.dim(`config: ${context.registry.source}\n`));
        return EXIT_OK;
      }),
    );
}
