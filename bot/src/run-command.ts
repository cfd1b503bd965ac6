/**
 * Runs one parsed `/kvcsi` command against the KvcsiService and turns the result into a reply. No Slack transport
 * here: the listener acknowledges, shows "working…", and delivers what this returns.
 */
import {
  KvcsiError,
  bindingSpecFromInputs,
  buildSecretProviderClass,
  renderSecretProviderClass,
  renderWorkloadSnippet,
  type Actor,
  type ClusterRegistry,
  type KvcsiCommand,
  type KvcsiService,
} from '@kvcsi/core';
import { codeSection, context, header, section, type SlackMessage } from './blocks/kit.js';
import type { SlackConfig } from './config.js';
import { mention } from './identity.js';
import { code } from './presenters/common.js';
import { diagnosisMessage } from './presenters/diagnosis.js';
import { auditLines, auditMessage, bindingsLines, bindingsMessage, clustersMessage, helpMessage, statusMessage } from './presenters/listings.js';
import { actionResultMessage, requestCard, requestListMessage, secretResultMessage } from './presenters/requests.js';
import type { ApprovalDesk } from './approvals.js';

/** A text attachment for output too long for a message (SecretProviderClass YAML, long audits). */
export interface ReplyFile {
  filename: string;
  title: string;
  content: string;
}

export interface Reply {
  message: SlackMessage;
  file?: ReplyFile;
}

export interface CommandContext {
  service: KvcsiService;
  registry: ClusterRegistry;
  config: SlackConfig;
  approvals: ApprovalDesk;
  actor: Actor;
  channelId: string;
  channelName?: string;
  signal?: AbortSignal;
}

/** The cluster a command means: named, else the channel's default from `slack.channels`, else the registry's `slackChannels`. */
export function resolveCluster(registry: ClusterRegistry, config: SlackConfig, named: string | undefined, channelId: string, channelName?: string): string {
  if (named !== undefined) return registry.get(named).name;
  const configured = config.channels[channelId];
  if (configured !== undefined) return registry.get(configured).name;
  const byRegistry = registry.list().find((cluster) => cluster.slackChannels.some((channel) => channel === channelId || (channelName !== undefined && channel.replace(/^#/, '') === channelName)));
  if (byRegistry) return byRegistry.name;
  throw new KvcsiError('INVALID_INPUT', 'Name the cluster with -c <cluster>: this channel has no default cluster.', { field: '-c', rule: 'a cluster is required here' });
}

function who(config: SlackConfig): (principal: string) => string {
  return (principal) => mention(config, principal);
}

function justificationFor(verb: 'grant' | 'revoke', app: string, cluster: string, actor: Actor): string {
  return `${verb} ${app} on ${cluster}, asked in Slack by ${actor.displayName ?? actor.id}`;
}

async function runSpc(command: Extract<KvcsiCommand, { verb: 'spc' }>, context: CommandContext, fileThreshold: number): Promise<Reply> {
  const cluster = context.registry.get(resolveCluster(context.registry, context.config, command.cluster, context.channelId, context.channelName));
  const spec = bindingSpecFromInputs({
    app: command.app,
    namespace: command.namespace ?? command.app,
    cluster,
    secrets: command.secrets,
    certs: command.certs,
    syncTo: command.syncTo,
    tls: command.tls,
    workloadIdentity: command.workloadIdentity,
    ...(command.spcName === undefined ? {} : { spcName: command.spcName }),
    ...(command.identityClientId === undefined ? {} : { identityClientId: command.identityClientId }),
  });
  const spcYaml = renderSecretProviderClass(spec);
  const workloadYaml = renderWorkloadSnippet(buildSecretProviderClass(spec));
  const title = `SecretProviderClass for ${command.app} on ${cluster.name}`;
  const whole = `${spcYaml}---\n# Add to the Deployment's pod spec:\n${workloadYaml}`;
  if (whole.length > fileThreshold) {
    return {
      message: { text: title, blocks: [header(title), section(`The YAML is ${whole.length} characters: attached as ${code(`${command.app}-secretproviderclass.yaml`)}.`)] },
      file: { filename: `${command.app}-secretproviderclass.yaml`, title, content: whole },
    };
  }
  return {
    message: {
      text: title,
      blocks: [header(title), codeSection('*SecretProviderClass*', spcYaml.trimEnd().split('\n')).block, codeSection('*Workload snippet* (pod spec)', workloadYaml.trimEnd().split('\n')).block],
    },
  };
}

export async function runCommand(command: KvcsiCommand, context: CommandContext): Promise<Reply> {
  const { service, config, actor } = context;
  // Every call names the reader: the policy's `read` rules (a deny on prd, say) hold for status, bindings, diagnose,
  // requests and audit too (issue 19). Writes name their actor anyway.
  const signal = { ...(context.signal ? { signal: context.signal } : {}), reader: actor };
  const clusterOf = (named: string | undefined): string => resolveCluster(context.registry, config, named, context.channelId, context.channelName);
  switch (command.verb) {
    case 'help':
      return { message: helpMessage(config.command, command.topic) };
    case 'clusters':
      return { message: clustersMessage(await service.listClusters(signal)) };
    case 'status':
      return { message: statusMessage(await service.status({ cluster: clusterOf(command.cluster), ...signal })) };
    case 'bindings': {
      // Without an app, the channel's cluster (if any) narrows the answer; with an app, every cluster unless named.
      const cluster = command.cluster !== undefined ? clusterOf(command.cluster) : command.app === undefined ? optionalDefault(context) : undefined;
      const result = await service.bindings({ ...(command.app ? { app: command.app } : {}), ...(cluster ? { cluster } : {}), ...signal });
      const message = bindingsMessage(result, command.app);
      const lines = bindingsLines(result);
      const long = lines.join('\n');
      if (message.blocks.length >= 50 || long.length > config.fileThresholdInChars * 3) {
        return { message, file: { filename: `bindings${command.app ? `-${command.app}` : ''}.txt`, title: message.text, content: `${long}\n` } };
      }
      return { message };
    }
    case 'diagnose': {
      const cluster = clusterOf(command.cluster);
      if (command.target.kind === 'pod') {
        const report = await service.diagnosePod({ cluster, namespace: command.target.namespace, pod: command.target.pod, ...signal });
        return { message: diagnosisMessage(report, { cluster }) };
      }
      const report = await service.diagnoseApp({ cluster, app: command.target.app, ...signal });
      return { message: diagnosisMessage(report, { cluster, app: command.target.app }) };
    }
    case 'grant':
    case 'revoke': {
      const cluster = clusterOf(command.cluster);
      const options = { actor, app: command.app, cluster, justification: justificationFor(command.verb, command.app, cluster, actor), ...signal };
      const result = command.verb === 'grant' ? await service.grant({ ...options, dryRun: command.dryRun }) : await service.revoke(options);
      if (result.request && result.outcome.status === 'pending') await context.approvals.post(result.request);
      return { message: actionResultMessage(command.verb, result, { approvalsChannel: config.approvalsChannel }) };
    }
    case 'spc':
      return runSpc(command, context, config.fileThresholdInChars);
    case 'requests': {
      if (command.id !== undefined) {
        const request = await service.getRequest(command.id, signal);
        return { message: requestCard(request, { who: who(config), withButtons: false }) };
      }
      const requests = await service.listRequests({ status: ['pending', 'approved'], limit: 100, ...signal });
      return { message: requestListMessage(requests, who(config)) };
    }
    case 'audit': {
      const events = await service.audit({ app: command.app, limit: 200, ...signal });
      const message = auditMessage(events, command.app);
      const lines = auditLines(events);
      if (lines.join('\n').length > config.fileThresholdInChars) {
        return { message, file: { filename: `audit-${command.app}.txt`, title: message.text, content: `${lines.join('\n')}\n` } };
      }
      return { message };
    }
    case 'secret-recover': {
      const cluster = clusterOf(command.cluster);
      const result = await service.recoverSecret({
        actor, name: command.name, cluster, ...(command.app !== undefined ? { app: command.app } : {}),
        justification: `recover ${command.name} on ${cluster}, asked in Slack by ${actor.displayName ?? actor.id}`, ...signal,
      });
      if (result.request && result.outcome.status === 'pending') await context.approvals.post(result.request);
      return { message: secretResultMessage(result, { approvalsChannel: config.approvalsChannel }) };
    }
    case 'secret-create':
    case 'secret-request':
      // These open a modal; the listener handles them before anything slow happens.
      throw new KvcsiError('INTERNAL', `${command.verb} is answered with a modal, not run here`);
  }
}

function optionalDefault(context: CommandContext): string | undefined {
  try {
    return resolveCluster(context.registry, context.config, undefined, context.channelId, context.channelName);
  } catch {
    return undefined;
  }
}

export function workingMessage(text: string, commandName: string): SlackMessage {
  const shown = text.trim() === '' ? commandName : `${commandName} ${text.trim()}`;
  return { text: `Working on ${shown}…`, blocks: [context(`:hourglass_flowing_sand: Working on ${code(shown.slice(0, 200))}…`)] };
}
