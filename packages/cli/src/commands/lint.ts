import path from 'node:path';
import { lintFiles, type LintFinding } from '@kvcsi/core/spc';
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { EXIT_FINDINGS, EXIT_OK } from '../exit-codes.js';
import type { RunCommand } from '../main.js';

function formatFinding(context: CommandContext, finding: LintFinding): string {
  const { paint } = context;
  const severity = finding.severity === 'error' ? paint.red('error') : paint.yellow('warning');
  return `${paint.bold(`${finding.file}:${finding.line}`)}  ${severity}  ${finding.message}  ${paint.dim(`[${finding.rule}]`)}\n    fix: ${finding.fix}\n`;
}

export function registerLintCommand(program: Command, run: RunCommand): void {
  program
    .command('lint')
    .description('Check SecretProviderClass files (or directories of them) for mistakes that leave pods in ContainerCreating')
    .argument('<paths...>', 'files or directories (searched for *.yaml and *.yml)')
    .addHelpText(
      'after',
      [
        '',
        'Files under <gitops-root>/<app>/<cluster>/ are also checked against the cluster registry (vault, identity, tenant).',
        'Exits 1 when a finding of severity error is found.',
        '',
        'Examples:',
        '  kvcsi lint argo-cd-helm-values/kube-addons',
        '  kvcsi lint secretproviderclass.yaml --format json',
        '',
      ].join('\n'),
    )
    .action((paths: string[]) =>
      run(async (context) => {
        const { cwd } = context.io;
        const linted = await lintFiles(
          paths.map((input) => path.resolve(cwd, input)),
          { registry: context.registry },
        );
        // Report paths as the user typed them: relative to the working directory.
        const result = { ...linted, findings: linted.findings.map((finding) => ({ ...finding, file: path.relative(cwd, finding.file) || finding.file })) };
        const hasErrors = result.findings.some((finding) => finding.severity === 'error');
        if (context.options.format === 'json') {
          context.json({ filesChecked: result.filesChecked, findings: result.findings });
          return hasErrors ? EXIT_FINDINGS : EXIT_OK;
        }
        for (const finding of result.findings) context.out(formatFinding(context, finding));
        const errors = result.findings.filter((finding) => finding.severity === 'error').length;
        const warnings = result.findings.length - errors;
        const summary = `${result.filesChecked} file(s) checked, ${errors} error(s), ${warnings} warning(s)\n`;
        context.out(errors > 0 ? context.paint.red(summary) : context.paint.green(summary));
        return hasErrors ? EXIT_FINDINGS : EXIT_OK;
      }),
    );
}
