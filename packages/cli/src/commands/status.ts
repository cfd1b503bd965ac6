import { inspectCsiPlumbing, type ClusterStatus, type CsiPlumbingStatus } from '@kvcsi/core';
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { EXIT_FINDINGS, EXIT_OK } from '../exit-codes.js';
import type { RunCommand } from '../main.js';
import { formatTable } from '../table.js';

function podCell(pod: { ready: boolean; version?: string; restarts: number } | undefined): string {
  if (pod === undefined) return 'missing';
  return `${pod.ready ? 'ready' : 'NOT READY'}${pod.version ? ` ${pod.version}` : ''}${pod.restarts > 0 ? ` (${pod.restarts} restarts)` : ''}`;
}

function formatStatus(context: CommandContext, summary: ClusterStatus, plumbing: CsiPlumbingStatus): string {
  const { paint } = context;
  const ok = (value: boolean | undefined, yes: string, no: string) => (value === undefined ? 'unknown' : value ? paint.green(yes) : paint.red(no));
  const lines: string[] = [];
  const cluster = summary.cluster;
  lines.push(paint.bold(`Cluster ${cluster.name} (${cluster.tier}), kube context ${cluster.kubeContext}`));
  lines.push(`  Kubernetes API:  ${summary.kubernetes.reachable ? paint.green('reachable') : paint.red(`unreachable: ${summary.kubernetes.error?.message ?? ''}`)}`);
  const csi = plumbing.csiDriver;
  lines.push(`  CSIDriver:       ${csi === undefined ? 'unknown' : ok(csi.installed, 'installed', 'MISSING: no pod can mount secrets-store volumes')}${csi?.tokenAudiences.length ? `, token audiences ${csi.tokenAudiences.join(', ')}` : ''}`);
  lines.push(`  Versions:        driver ${plumbing.versions.driver.join(', ') || 'unknown'}; provider ${plumbing.versions.provider.join(', ') || 'unknown'}`);
  const rotation = plumbing.rotation.enabled === undefined ? 'not set (off)' : plumbing.rotation.enabled ? `on, every ${plumbing.rotation.pollInterval ?? '2m'}` : 'off';
  lines.push(`  Rotation:        ${rotation}${csi?.requiresRepublish ? '; CSIDriver requiresRepublish (kubelet remounts periodically)' : ''}`);
  const vault = summary.vault;
  const vaultState = vault.reachable ? paint.green('reachable') : paint.red(`unreachable: ${vault.error?.message ?? ''}`);
  lines.push(`  Key Vault:       ${vault.name}: ${vaultState}${vault.authModel ? `, ${vault.authModel === 'rbac' ? 'Azure RBAC' : 'access policies'}` : ''}${vault.publicNetworkAccess ? `, public network ${vault.publicNetworkAccess}` : ''}`);
  const identity = summary.identity;
  lines.push(`  Identity:        ${identity.error ? paint.red(identity.error.message) : `client ${identity.clientId ?? '?'} object ${identity.objectId ?? '?'}`}`);
  lines.push(`  Open requests:   ${summary.requests.pending} pending`);
  if (plumbing.nodes.length > 0) {
    lines.push('', formatTable(['NODE', 'OS', 'DRIVER', 'PROVIDER', 'PROBLEMS'], plumbing.nodes.map((node) => [node.name, node.os ?? '?', podCell(node.driver), podCell(node.provider), node.problems.join('; ') || '-'])).trimEnd());
  }
  if (plumbing.unknowns.length > 0) {
    lines.push('', 'Could not check:');
    for (const unknown of plumbing.unknowns) lines.push(`  - ${unknown.source}: ${unknown.reason}`);
  }
  return `${lines.join('\n')}\n`;
}

export function registerStatusCommand(program: Command, run: RunCommand): void {
  program
    .command('status')
    .description('Health of a cluster\'s Key Vault plumbing: CSI driver and provider per node, versions, rotation, vault, identity')
    .requiredOption('-c, --cluster <cluster>', 'a cluster of the configuration')
    .addHelpText('after', '\nExits 1 when a node lacks a ready driver or provider, or the CSIDriver is missing.\n\nExamples:\n  kvcsi status -c cafehyna-prd\n  kvcsi --sandbox status -c cafehyna-dev --format json\n')
    .action((options: { cluster: string }) =>
      run(async (context) => {
        const cluster = context.registry.get(options.cluster);
        const service = await context.service;
        const [summary, plumbing] = await Promise.all([service.status({ cluster: cluster.name }), inspectCsiPlumbing(context.runtime.clusterPort(cluster.name))]);
        const unhealthy = plumbing.csiDriver?.installed === false || plumbing.nodes.some((node) => node.problems.length > 0);
        if (context.options.format === 'json') context.json({ ...summary, plumbing });
        else context.out(formatStatus(context, summary, plumbing));
        return unhealthy ? EXIT_FINDINGS : EXIT_OK;
      }),
    );
}
