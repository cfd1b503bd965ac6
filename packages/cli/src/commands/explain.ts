import { explain, formatReport } from '@kvcsi/core/diagnostics';
import type { Command } from 'commander';
import { EXIT_FINDINGS, EXIT_OK } from '../exit-codes.js';
import type { RunCommand } from '../main.js';
import { readTextInput } from '../read-input.js';

export function registerExplainCommand(program: Command, run: RunCommand): void {
  program
    .command('explain')
    .description('Explain pasted text — kubectl describe output, event lines, provider or driver logs — without any cluster access')
    .argument('[file]', 'a file with the text, or - for standard input (the default when input is piped)')
    .addHelpText(
      'after',
      [
        '',
        'Recognises every failure signature of the CSI driver, the Azure provider (all versions), kubelet, Key Vault and Entra ID.',
        'Evidence is redacted (tokens, JWTs, client secrets). Exits 1 when a finding of severity error is found.',
        '',
        'Examples:',
        '  kubectl describe pod defectdojo-0 -n defectdojo | kvcsi explain',
        '  kubectl logs -n kube-system -l app=csi-secrets-store-provider-azure | kvcsi explain -',
        '  kvcsi explain events.txt --format json',
        '',
      ].join('\n'),
    )
    .action((file: string | undefined) =>
      run(async (context) => {
        const text = await readTextInput(context.io, file, 'file');
        const report = explain(text);
        const hasErrors = report.findings.some((finding) => finding.severity === 'error');
        if (context.options.format === 'json') context.json({ findings: report.findings });
        else context.out(formatReport(report));
        return hasErrors ? EXIT_FINDINGS : EXIT_OK;
      }),
    );
}
