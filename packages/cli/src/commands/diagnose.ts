import { diagnose, formatReport, KvcsiError, type Actor, type DiagnosisReport, type DiagnosisTarget, type KvcsiService } from '@kvcsi/core';
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { EXIT_FAILURE, EXIT_FINDINGS, EXIT_OK } from '../exit-codes.js';
import type { RunCommand } from '../main.js';

interface DiagnoseOptions {
  namespace?: string;
  app?: string;
  cluster: string;
  errorsOnly?: boolean;
}

function targetOf(pod: string | undefined, options: DiagnoseOptions): DiagnosisTarget {
  if (pod !== undefined && options.app !== undefined) {
    throw new KvcsiError('INVALID_INPUT', 'give a pod or --app, not both', { field: '--app', rule: 'a pod (with -n) or --app <app>' });
  }
  if (options.app !== undefined) {
    return { kind: 'app', cluster: options.cluster, app: options.app, ...(options.namespace === undefined ? {} : { namespace: options.namespace }) };
  }
  if (pod === undefined) throw new KvcsiError('INVALID_INPUT', 'name a pod (with -n <namespace>) or an app (--app <app>)', { field: 'pod', rule: 'a pod or --app is required' });
  if (options.namespace === undefined) throw new KvcsiError('INVALID_INPUT', `-n <namespace> is required to diagnose pod "${pod}"`, { field: '--namespace', rule: 'required with a pod' });
  return { kind: 'pod', cluster: options.cluster, namespace: options.namespace, name: pod };
}

function diagnoseAs(service: KvcsiService, cluster: string, target: DiagnosisTarget, reader: Actor): Promise<DiagnosisReport> {
  return target.kind === 'pod'
    ? service.diagnosePod({ cluster, namespace: target.namespace, pod: target.name, reader })
    : service.diagnoseApp({ cluster, app: target.app, reader, ...(target.namespace === undefined ? {} : { namespace: target.namespace }) });
}

function headingOf(target: DiagnosisTarget, cluster: string): string {
  return target.kind === 'pod' ? `Pod ${target.namespace}/${target.name} on ${cluster}` : `App ${target.app} on ${cluster}`;
}

async function runDiagnose(context: CommandContext, pod: string | undefined, options: DiagnoseOptions): Promise<number> {
  const target = targetOf(pod, options);
  const cluster = context.registry.get(options.cluster);
  const { runtime } = context;
  const reader = await context.reader;
  // A restricted reader goes through the service, which applies the policy's `read` rules and audits a denial;
  // otherwise the diagnosis runs straight on the ports, without opening the store.
  const report = reader === undefined
    ? await diagnose(target, { cluster: runtime.clusterPort(cluster.name), vault: runtime.vault, registry: context.registry })
    : await diagnoseAs(await context.service, cluster.name, target, reader);
  const hasErrors = report.findings.some((finding) => finding.severity === 'error');
  if (context.options.format === 'json') {
    context.json({ findings: report.findings, unknowns: report.unknowns });
  } else {
    context.out(formatReport(report, { heading: headingOf(target, cluster.name), all: options.errorsOnly !== true }));
  }
  if (hasErrors) return EXIT_FINDINGS;
  // "No problem found" over sources that could not be read is not a clean bill of health (issue 19).
  return report.unknowns.length > 0 ? EXIT_FAILURE : EXIT_OK;
}

export function registerDiagnoseCommand(program: Command, run: RunCommand): void {
  program
    .command('diagnose')
    .description('Find out why a pod that mounts Key Vault secrets is stuck (or why an app\'s synced Secret is missing), and how to fix it')
    .argument('[pod]', 'the pod to diagnose (with -n)')
    .option('-n, --namespace <namespace>', 'the pod\'s namespace (with --app: only this namespace)')
    .option('--app <app>', 'every pod of the app that mounts a CSI volume, and its SecretProviderClasses that no pod mounts')
    .requiredOption('-c, --cluster <cluster>', 'a cluster of the configuration')
    .option('--errors-only', 'show only findings of severity error')
    .addHelpText(
      'after',
      [
        '',
        'Reads the pod, all its events, its SecretProviderClass, the driver and provider on its node and their logs, the vault\'s',
        'auth model and network rules, the identity\'s access and the vault\'s secret names (never values), in parallel.',
        'Exits 1 when a finding of severity error is found, else 3 when a source could not be checked. --format json prints {"findings":[…],"unknowns":[…]}, most likely cause first.',
        '',
        'Examples:',
        '  kvcsi diagnose defectdojo-7c9f-x2x -n defectdojo -c cafehyna-prd',
        '  kvcsi diagnose --app defectdojo -c cafehyna-prd',
        '  kvcsi --sandbox diagnose --app defectdojo -c cafehyna-prd     # on the embedded sandbox',
        '',
      ].join('\n'),
    )
    .action((pod: string | undefined, options: DiagnoseOptions) => run((context) => runDiagnose(context, pod, options)));
}
