import { KvcsiError, type SecretActionResult } from '@kvcsi/core';
import type { Command } from 'commander';
import { EXIT_FAILURE, EXIT_OK } from '../exit-codes.js';
import type { RunCommand } from '../main.js';
import { readSecretValue } from '../secret-input.js';
import { printSecretAction, secretActionToJson } from './act-output.js';

interface CreateOptions {
  cluster: string;
  app?: string;
  newVersion?: boolean;
  valueStdin?: boolean;
  contentType?: string;
  justification?: string;
}

interface RequestOptions {
  app: string;
  cluster: string[];
  justification: string;
  description?: string;
  contentType?: string;
}

interface SetValueOptions {
  valueStdin?: boolean;
}

interface RecoverOptions {
  cluster: string;
  app?: string;
  justification?: string;
}

const collect = (value: string, previous: string[] = []) => [...previous, ...value.split(',').map((item) => item.trim()).filter(Boolean)];

/** Refuses anything on argv that could be a value: the command takes none. */
function refuseValueArguments(extra: readonly string[]): void {
  if (extra.length > 0) {
    throw new KvcsiError('INVALID_INPUT', 'secret values are never taken from the command line: use --value-stdin or the prompt', { field: 'value' });
  }
}

export function registerSecretCommands(program: Command, run: RunCommand): void {
  const secret = program.command('secret').description('Create secrets in Key Vault, request them (self-service with approval), or recover deleted ones');

  secret
    .command('create')
    .description('Create a secret in the cluster\'s Key Vault; the value comes from a hidden prompt or --value-stdin, never from an argument')
    .argument('<name>', 'Key Vault secret name: 1-127 letters, digits and dashes')
    .requiredOption('-c, --cluster <cluster>', 'the cluster whose vault receives it')
    .option('--app <app>', 'tag it app=<app>')
    .option('--new-version', 'add a new version when the secret exists (otherwise an existing secret is refused)')
    .option('--value-stdin', 'read the value from standard input')
    .option('--content-type <type>', 'content type, e.g. text/plain')
    .option('--justification <text>', 'why (needed where the tier requires an approval)')
    .allowExcessArguments(true)
    .addHelpText('after', '\nExamples:\n  kvcsi secret create defectdojo-api-token -c cafehyna-dev --app defectdojo\n  printf %s "$TOKEN" | kvcsi secret create defectdojo-api-token -c cafehyna-dev --value-stdin\n')
    .action((name: string, options: CreateOptions, command: Command) =>
      run(async (context) => {
        refuseValueArguments(command.args.slice(1));
        const service = await context.service;
        const value = await readSecretValue(context.io, { fromStdin: options.valueStdin === true, label: name });
        const result = await service.createSecret({
          actor: await context.actor, name, cluster: options.cluster, value,
          ...(options.app !== undefined ? { app: options.app } : {}),
          ...(options.newVersion ? { newVersion: true } : {}),
          ...(options.contentType !== undefined ? { contentType: options.contentType } : {}),
          ...(options.justification !== undefined ? { justification: options.justification } : {}),
        });
        return printSecretAction(context, result);
      }),
    );

  secret
    .command('request')
    .description('Ask for a secret to be created; once approved, you set its value with `kvcsi secret set-value <id>`')
    .argument('<name>', 'Key Vault secret name')
    .requiredOption('--app <app>', 'the app that needs it')
    .requiredOption('-c, --cluster <cluster>', 'cluster(s) whose vault should hold it (repeat or comma-separate)', collect)
    .requiredOption('--justification <text>', 'why (shown to approvers)')
    .option('--description <text>', 'what the secret is for (never the value)')
    .option('--content-type <type>', 'content type of the value to come')
    .addHelpText('after', '\nExample:\n  kvcsi secret request defectdojo-api-token --app defectdojo -c cafehyna-prd --justification "API token for the scanner"\n')
    .action((name: string, options: RequestOptions) =>
      run(async (context) => {
        const service = await context.service;
        const { results } = await service.requestSecret({
          actor: await context.actor, name, app: options.app, clusters: options.cluster, justification: options.justification,
          ...(options.description !== undefined ? { description: options.description } : {}),
          ...(options.contentType !== undefined ? { contentType: options.contentType } : {}),
        });
        if (context.options.format === 'json') {
          context.json({ requests: results.map(secretActionToJson) });
        } else {
          for (const result of results) printSecretResultBrief(context.out.bind(context), result);
        }
        return results.some((result) => result.outcome.status === 'failed') ? EXIT_FAILURE : EXIT_OK;
      }),
    );

  secret
    .command('set-value')
    .description('Set the value of your approved secret request; it goes straight to Key Vault')
    .argument('<request-id>', 'the request id (req-…)')
    .option('--value-stdin', 'read the value from standard input')
    .allowExcessArguments(true)
    .action((requestId: string, options: SetValueOptions, command: Command) =>
      run(async (context) => {
        refuseValueArguments(command.args.slice(1));
        const service = await context.service;
        const request = await service.getRequest(requestId);
        const value = await readSecretValue(context.io, { fromStdin: options.valueStdin === true, label: request.target.secretName ?? requestId });
        return printSecretAction(context, await service.supplySecretValue({ actor: await context.actor, requestId, value }));
      }),
    );

  secret
    .command('recover')
    .description('Recover a soft-deleted secret in the cluster\'s Key Vault, every version as it was; at once where the policy needs no approval, else as a request for an approver')
    .argument('<name>', 'the deleted secret\'s name in the cluster\'s vault')
    .requiredOption('-c, --cluster <cluster>', 'the cluster whose vault held it')
    .option('--app <app>', 'the app that mounts it (shown to approvers)')
    .option('--justification <text>', 'why (shown to approvers; defaults to a sentence naming the secret and when it was deleted)')
    .addHelpText('after', [
      '',
      'Brings back the secret the app reads (and its old value, which nobody has to know or type): the fix when a mount',
      'fails with 404 SecretNotFound because the secret was deleted. The command takes no value. It needs the policy',
      'action secret-recover; where the tier requires an approval it opens a secret-recover request, and the approver\'s',
      '`kvcsi requests approve <id>` recovers it. A live secret is refused, and so is a name Key Vault no longer holds as',
      'deleted: Key Vault purges deleted secrets after the vault\'s retention period (7-90 days), and a purged secret',
      'cannot be recovered (create it again with `kvcsi secret create`).',
      '',
      'Examples:',
      '  kvcsi secret recover argocd-notifications-slack-token -c cafehyna-hub --app argocd-notifications',
      '  kvcsi secret recover defectdojo-api-token -c cafehyna-prd --justification "deleted by mistake; the scanner fails to mount it" -o json',
      '',
    ].join('\n'))
    .action((name: string, options: RecoverOptions) =>
      run(async (context) => {
        const service = await context.service;
        const result = await service.recoverSecret({
          actor: await context.actor, name, cluster: options.cluster,
          ...(options.app !== undefined ? { app: options.app } : {}),
          ...(options.justification !== undefined ? { justification: options.justification } : {}),
        });
        return printSecretAction(context, result, { snippet: false });
      }),
    );
}

function printSecretResultBrief(out: (text: string) => void, result: SecretActionResult): void {
  const request = result.request;
  out(`${request ? `Request ${request.id} (${result.vault} on ${request.target.cluster}): ` : ''}${result.outcome.status}: ${result.outcome.message}\n`);
  for (const warning of result.outcome.warnings) out(`warning: ${warning}\n`);
}
