import type { Command } from 'commander';
import type { RunCommand } from '../main.js';
import { printAction } from './act-output.js';

interface GrantCommandOptions {
  dryRun?: boolean;
  justification?: string;
}

function register(program: Command, run: RunCommand, action: 'grant' | 'revoke'): void {
  const verb = action === 'grant' ? 'Give' : 'Take back';
  program
    .command(action)
    .description(`${verb} an app's cluster identity read access to the secrets its SecretProviderClasses mount (access policy get,list, or role Key Vault Secrets User)`)
    .argument('<app>', 'the app (its SecretProviderClasses carry app.kubernetes.io/name=<app>)')
    .argument('<cluster>', 'a cluster of the configuration')
    .option('--dry-run', 'show the plan only: nothing is requested or changed')
    .option('--justification <text>', 'why (shown to approvers and kept in the audit)')
    .addHelpText('after', [
      '',
      'Plans from what is on the cluster, shows what is in place and what changes, then asks: where the tier needs an',
      'approval (prd by default) the request waits for an approver (kvcsi requests approve <id>); elsewhere it is applied',
      'at once, idempotently, and read back. --format json prints {"request":{…},"plan":{…},"outcome":{…}}.',
      '',
      'Examples:',
      `  kvcsi ${action} defectdojo cafehyna-prd --dry-run`,
      `  kvcsi ${action} defectdojo cafehyna-prd --justification "defectdojo pods stuck on 403"`,
      `  kvcsi --sandbox ${action} defectdojo cafehyna-prd --as requester`,
      '',
    ].join('\n'))
    .action((app: string, cluster: string, options: GrantCommandOptions) =>
      run(async (context) => {
        const service = await context.service;
        const input = {
          actor: await context.actor, app, cluster,
          ...(options.dryRun ? { dryRun: true } : {}),
          ...(options.justification !== undefined ? { justification: options.justification } : {}),
        };
        const result = action === 'grant' ? await service.grant(input) : await service.revoke(input);
        return printAction(context, result);
      }),
    );
}

export function registerGrantCommands(program: Command, run: RunCommand): void {
  register(program, run, 'grant');
  register(program, run, 'revoke');
}
