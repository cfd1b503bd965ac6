import { inspectCsiPlumbing, type ClusterStatus, type CsiPlumbingStatus } from '@kvcsi/core';
import type { Command } from 'commander';
import type { ClusterAccess } from '@kvcsi/runtime';
import type { CommandContext } from '../context.js';
import { EXIT_FAILURE, EXIT_FINDINGS, EXIT_OK } from '../exit-codes.js';
import type { RunCommand } from '../main.js';
import { formatTable } from '../table.js';

function podCell(pod: { ready: boolean; version?: string; restarts: number } | undefined): string {
  if (pod === undefined) return 'missing';
  return `${pod.ready ? 'ready' : 'NOT READY'}${pod.version ? ` ${pod.version}` : ''}${pod.restarts > 0 ? ` (${pod.restarts} restarts)` : ''}`;
}

function identityText(access: ClusterAccess): string {
  const identity = access.identity;
  if (access.mode === 'in-cluster') return "the pod's service account";
  if (access.mode === 'kubeconfig') return `kubeconfig user ${identity?.kubeconfigUser ?? '?'}`;
  if (identity?.objectId === undefined) return 'Entra ID (no token yet)';
  return `Entra ID object ${identity.objectId}${identity.appId === undefined ? '' : ` (app ${identity.appId})`}${identity.userPrincipalName === undefined ? '' : ` ${identity.userPrincipalName}`}`;
}

/** How kvcsi reached the cluster, as whom, with what result; a 403 becomes a finding with the binding to add. */
function accessLines(context: CommandContext, access: ClusterAccess): string[] {
  const { paint } = context;
  const server = access.server === undefined || access.server === '' ? '(not resolved)' : access.server;
  const how = access.mode === 'azure'
    ? `kubeAuth azure (Entra ID token from kvcsi's Azure credential), API server ${server}${access.endpoint === 'private' ? ', the private FQDN (no public one)' : ''}`
    : access.mode === 'in-cluster' ? `in-cluster (the cluster kvcsi runs in), API server ${server}` : `kubeconfig context ${access.kubeContext ?? '?'}, API server ${server}`;
  const last = access.lastCall;
  const result = last === undefined ? 'no call made' : last.ok ? paint.green(`ok (${last.operation})`) : paint.red(`${last.code}${last.status === undefined ? '' : ` ${last.status}`} (${last.operation})`);
  const lines = [`  Cluster access:  ${how}`, `  Called as:       ${identityText(access)}: ${result}`];
  if (last !== undefined && !last.ok && last.forbidden !== undefined) {
    const f = last.forbidden;
    const where = f.namespace === undefined ? 'at the cluster scope' : `in namespace ${f.namespace}`;
    lines.push(paint.red(`  Finding:         ${f.user} may not ${f.verb} ${f.resource} (API group "${f.apiGroup}") ${where}${f.azureRbac ? ', refused by Azure RBAC for Kubernetes' : ''}. Add:`));
    for (const command of last.fix ?? []) lines.push(`                     ${command}`);
  } else if (last !== undefined && !last.ok) {
    lines.push(`                   ${last.message}`);
  }
  return lines;
}

function formatStatus(context: CommandContext, summary: ClusterStatus, plumbing: CsiPlumbingStatus, access?: ClusterAccess): string {
  const { paint } = context;
  const ok = (value: boolean | undefined, yes: string, no: string) => (value === undefined ? 'unknown' : value ? paint.green(yes) : paint.red(no));
  const lines: string[] = [];
  const cluster = summary.cluster;
  lines.push(paint.bold(`Cluster ${cluster.name} (${cluster.tier})${access === undefined || access.mode === 'kubeconfig' ? `, kube context ${cluster.kubeContext}` : ''}`));
  lines.push(`  Kubernetes API:  ${summary.kubernetes.reachable ? paint.green('reachable') : paint.red(`unreachable: ${summary.kubernetes.error?.message ?? ''}`)}`);
  if (access !== undefined) lines.push(...accessLines(context, access));
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
    .addHelpText('after', '\nExits 1 when a node lacks a ready driver or provider, or the CSIDriver is missing; 3 when a source could not be checked.\n\nExamples:\n  kvcsi status -c cafehyna-prd\n  kvcsi --sandbox status -c cafehyna-dev --format json\n')
    .action((options: { cluster: string }) =>
      run(async (context) => {
        const cluster = context.registry.get(options.cluster);
        // The cluster's port first: a missing kubeconfig throws here, before a call is in flight whose rejection
        // nobody would await (issue 19: an unhandled rejection crashed the CLI).
        const port = context.runtime.clusterPort(cluster.name);
        const service = await context.service;
        const [summary, plumbing] = await Promise.all([service.status({ cluster: cluster.name, ...(await context.readerOptions()) }), inspectCsiPlumbing(port)]);
        const unhealthy = plumbing.csiDriver?.installed === false || plumbing.nodes.some((node) => node.problems.length > 0);
        const access = port.describeAccess?.();
        if (context.options.format === 'json') context.json({ ...summary, plumbing, ...(access === undefined ? {} : { access }) });
        else context.out(formatStatus(context, summary, plumbing, access));
        if (unhealthy) return EXIT_FINDINGS;
        // A partial report is still printed above, but a script must not read "could not check" as healthy.
        const incomplete = plumbing.unknowns.length > 0 || !summary.kubernetes.reachable || !summary.vault.reachable || summary.identity.error !== undefined;
        return incomplete ? EXIT_FAILURE : EXIT_OK;
      }),
    );
}
