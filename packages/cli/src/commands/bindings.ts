import type { BindingsResult } from '@kvcsi/core';
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { EXIT_FAILURE, EXIT_OK } from '../exit-codes.js';
import type { RunCommand } from '../main.js';
import { formatTable } from '../table.js';

function formatBindings(context: CommandContext, result: BindingsResult): string {
  const rows = result.clusters.flatMap((cluster) =>
    cluster.bindings.map((binding) => [
      cluster.cluster,
      binding.namespace,
      binding.name,
      binding.app,
      binding.vault ?? '(none)',
      binding.identity.clientId ?? binding.identity.mode,
      binding.objects.map((object) => `${object.objectType}/${object.objectName}`).join(', ') || '-',
      binding.secretObjects.map((secret) => secret.secretName).join(', ') || '-',
    ]),
  );
  const parts = [formatTable(['CLUSTER', 'NAMESPACE', 'SECRETPROVIDERCLASS', 'APP', 'VAULT', 'IDENTITY', 'OBJECTS', 'SYNCED SECRETS'], rows)];
  const failed = result.clusters.filter((cluster) => cluster.error);
  if (failed.length > 0) {
    parts.push(context.paint.yellow(`Could not read: ${failed.map((cluster) => `${cluster.cluster} (${cluster.error?.message ?? ''})`).join('; ')}\n`));
  }
  return parts.join('');
}

export function registerBindingsCommand(program: Command, run: RunCommand): void {
  program
    .command('bindings')
    .description('SecretProviderClasses across clusters (kubectl get secretproviderclass -A, for every cluster at once)')
    .argument('[app]', 'only this app (label app.kubernetes.io/name)')
    .option('-c, --cluster <cluster>', 'only this cluster')
    .addHelpText('after', '\nOne cluster that cannot be read never hides the others; the command then exits 3.\n\nExamples:\n  kvcsi bindings\n  kvcsi bindings defectdojo -c cafehyna-prd --format json\n')
    .action((app: string | undefined, options: { cluster?: string }) =>
      run(async (context) => {
        if (options.cluster !== undefined) context.registry.get(options.cluster);
        const service = await context.service;
        const result = await service.bindings({ ...(app === undefined ? {} : { app }), ...(options.cluster === undefined ? {} : { cluster: options.cluster }), ...(await context.readerOptions()) });
        if (context.options.format === 'json') context.json(result);
        else context.out(formatBindings(context, result));
        // What could be read is printed; a cluster that could not be read still fails the command for scripts.
        return result.clusters.some((cluster) => cluster.error) ? EXIT_FAILURE : EXIT_OK;
      }),
    );
}
