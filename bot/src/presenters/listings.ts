/** Read-only answers: help, clusters, status, bindings, audit. Each returns a message, plus a text file when long. */
import { FLAGS, VERBS, usageLines, type AuditEvent, type BindingsResult, type ClusterStatus, type ClusterSummary, type KvcsiVerb } from '@kvcsi/core';
import { capBlocks, codeSection, context, escapeMrkdwn, fields, header, section, type Block, type SlackMessage } from '../blocks/kit.js';
import { code } from './common.js';

export function helpMessage(commandName: string, topic?: KvcsiVerb): SlackMessage {
  if (topic) {
    const spec = VERBS[topic];
    const flagLines = [...spec.flags, 'public' as const].map((key) => `${FLAGS[key].names.join(', ')}  ${FLAGS[key].description}`);
    return {
      text: `${commandName} ${topic}: ${spec.summary}`,
      blocks: [header(`${commandName} ${topic}`), section(escapeMrkdwn(spec.summary)), codeSection('*Usage*', usageLines(topic, commandName)).block, codeSection('*Options*', flagLines).block],
    };
  }
  const lines = Object.values(VERBS).map((spec) => `${spec.usage.map((usage) => code(`${commandName} ${usage}`)).join('\n')}\n${escapeMrkdwn(spec.summary)}`);
  return {
    text: `${commandName}: Key Vault and Secrets Store CSI operations`,
    blocks: [
      header('kvcsi: Key Vault secrets for Kubernetes'),
      section(lines.slice(0, 6).join('\n')),
      section(lines.slice(6).join('\n')),
      context('Answers are only visible to you; add `--public` to post in the channel. Secret values are only ever typed into a form, never into a command.'),
    ],
  };
}

function identityText(cluster: ClusterSummary): string {
  return cluster.identity.kind === 'fixed' ? code(cluster.identity.clientId) : 'discovered (AKS kubelet)';
}

export function clustersMessage(clusters: readonly ClusterSummary[]): SlackMessage {
  const lines = clusters.map((cluster) => `*${escapeMrkdwn(cluster.name)}* · ${cluster.tier} · vault ${code(cluster.keyVault.name)} · identity ${identityText(cluster)} · ${cluster.identityMode}`);
  const blocks: Block[] = [header(`Clusters (${clusters.length})`)];
  for (let start = 0; start < lines.length; start += 10) blocks.push(section(lines.slice(start, start + 10).join('\n')));
  return { text: `${clusters.length} clusters: ${clusters.map((cluster) => cluster.name).join(', ')}`, blocks: capBlocks(blocks, undefined, 'clusters') };
}

function yesNo(value: boolean | undefined, yes: string, no: string): string {
  return value === undefined ? 'unknown' : value ? yes : no;
}

export function statusMessage(status: ClusterStatus): SlackMessage {
  const { cluster, kubernetes, vault, identity } = status;
  const kubernetesText = kubernetes.reachable
    ? `:white_check_mark: reachable · CSI driver ${yesNo(kubernetes.csiDriverInstalled, 'installed', ':x: missing')}`
    : `:x: unreachable${kubernetes.error ? `: ${escapeMrkdwn(kubernetes.error.message)}` : ''}`;
  const vaultText = vault.reachable
    ? `:white_check_mark: ${code(vault.name)} · ${vault.authModel === 'rbac' ? 'Azure RBAC' : vault.authModel === 'accessPolicy' ? 'access policies' : 'model unknown'} · public network ${vault.publicNetworkAccess ?? 'unknown'}`
    : `:x: ${code(vault.name)} unreachable${vault.error ? `: ${escapeMrkdwn(vault.error.message)}` : ''}`;
  const identityText = identity.error
    ? `:x: ${escapeMrkdwn(identity.error.message)}`
    : `${identity.clientId ? code(identity.clientId) : 'unknown'}${identity.displayName ? ` (${escapeMrkdwn(identity.displayName)})` : ''}`;
  const healthy = kubernetes.reachable && vault.reachable && identity.error === undefined && kubernetes.csiDriverInstalled !== false;
  return {
    text: `${cluster.name}: ${healthy ? 'healthy' : 'problems'}`,
    blocks: [
      header(`Status: ${cluster.name} (${cluster.tier})`),
      fields([
        ['Kubernetes', kubernetesText],
        ['Vault', vaultText],
        ['Identity', identityText],
        ['Open requests', String(status.requests.pending)],
      ]),
    ],
  };
}

/** Bindings as lines (also the body of the file when they do not fit a message). */
export function bindingsLines(result: BindingsResult): string[] {
  const lines: string[] = [];
  for (const cluster of result.clusters) {
    if (cluster.error) {
      lines.push(`${cluster.cluster} (${cluster.tier}): not readable: ${cluster.error.message}`);
      continue;
    }
    for (const binding of cluster.bindings) {
      const objects = binding.objects.map((object) => `${object.objectType}/${object.objectName}${object.objectAlias ? `=${object.objectAlias}` : ''}`).join(', ');
      const synced = binding.secretObjects.map((secret) => secret.secretName).join(', ');
      lines.push(
        `${cluster.cluster} ${binding.namespace}/${binding.name} app=${binding.app} vault=${binding.vault ?? '(none)'} identity=${binding.identity.mode}${binding.identity.clientId ? `:${binding.identity.clientId}` : ''} objects=[${objects}]${synced ? ` synced=[${synced}]` : ''}${binding.problems.length > 0 ? ` problems=${binding.problems.length}` : ''}`,
      );
    }
  }
  return lines;
}

export function bindingsMessage(result: BindingsResult, app: string | undefined): SlackMessage {
  const count = result.clusters.reduce((sum, cluster) => sum + cluster.bindings.length, 0);
  const title = `Bindings${app ? ` of ${app}` : ''} (${count})`;
  const blocks: Block[] = [header(title)];
  for (const cluster of result.clusters) {
    if (cluster.error) {
      blocks.push(section(`*${escapeMrkdwn(cluster.cluster)}* (${cluster.tier}) :x: ${escapeMrkdwn(cluster.error.message)}`));
      continue;
    }
    if (cluster.bindings.length === 0) continue;
    const lines = cluster.bindings.map((binding) => {
      const objects = binding.objects.map((object) => code(object.objectAlias ? `${object.objectName}=${object.objectAlias}` : object.objectName)).join(' ');
      return `• *${escapeMrkdwn(binding.app)}* ${code(`${binding.namespace}/${binding.name}`)} → ${binding.vault ? code(binding.vault) : ':warning: no vault'} as ${escapeMrkdwn(binding.identity.mode)}: ${objects}`;
    });
    blocks.push(section(`*${escapeMrkdwn(cluster.cluster)}* (${cluster.tier})\n${lines.join('\n')}`));
  }
  if (count === 0) blocks.push(section(`No SecretProviderClass${app ? ` of ${code(app)}` : ''} found.`));
  return { text: title, blocks: capBlocks(blocks, undefined, 'clusters') };
}

export function auditLines(events: readonly AuditEvent[]): string[] {
  return events.map((event) => {
    const where = [event.where?.cluster, event.where?.vault, event.where?.secretName].filter(Boolean).join('/');
    return `${event.at} ${event.actor} ${event.action} ${event.outcome}${where ? ` ${where}` : ''}${event.requestId ? ` ${event.requestId}` : ''}${event.approver ? ` approver=${event.approver}` : ''}${event.reason ? ` (${event.reason})` : ''}`;
  });
}

export function auditMessage(events: readonly AuditEvent[], app: string): SlackMessage {
  const title = `Audit of ${app} (${events.length} events)`;
  if (events.length === 0) return { text: title, blocks: [header(title), section('Nothing recorded yet.')] };
  const { block, truncated } = codeSection(`*Newest ${events.length} events, oldest first*`, auditLines(events));
  return { text: title, blocks: [header(title), block, ...(truncated ? [context('Older lines were cut; the full list is in the attached file.')] : [])] };
}
