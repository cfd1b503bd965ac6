import { KvcsiError } from '@kvcsi/core';
import { Command, CommanderError, Option } from 'commander';
import { registerAuditCommand } from './commands/audit.js';
import { registerBindingsCommand } from './commands/bindings.js';
import { registerClustersCommand } from './commands/clusters.js';
import { registerDiagnoseCommand } from './commands/diagnose.js';
import { registerExplainCommand } from './commands/explain.js';
import { registerGrantCommands } from './commands/grant.js';
import { registerLintCommand } from './commands/lint.js';
import { registerRenderCommand } from './commands/render.js';
import { registerRequestsCommands } from './commands/requests.js';
import { registerSecretCommands } from './commands/secret.js';
import { registerStatusCommand } from './commands/status.js';
import { CommandContext, type GlobalOptions } from './context.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './exit-codes.js';
import { processIo, type CliIo } from './io.js';

export type CommandAction = (context: CommandContext) => Promise<number> | number;
/** Runs a command's action with the parsed global options; registered commands call it from commander's `.action`. */
export type RunCommand = (action: CommandAction) => Promise<void>;

const VERSION = '0.1.0';

const USAGE_ERROR_CODES = new Set(['INVALID_INPUT', 'CONFIG_INVALID', 'NOT_FOUND', 'ALREADY_EXISTS']);

function exitCodeFor(error: KvcsiError): number {
  return USAGE_ERROR_CODES.has(error.code) ? EXIT_USAGE : EXIT_FAILURE;
}

function reportError(io: CliIo, format: GlobalOptions['format'] | undefined, error: KvcsiError): void {
  if (format === 'json') {
    io.stdout.write(JSON.stringify({ error: error.toJSON() }, null, 2) + '\n');
    return;
  }
  io.stderr.write(`kvcsi: ${error.message}\n`);
}

export function buildProgram(io: CliIo, onExitCode: (code: number) => void): Command {
  const program = new Command('kvcsi')
    .description('Azure Key Vault + Secrets Store CSI Driver, as software: render and lint SecretProviderClasses, list clusters.')
    .version(VERSION, '-V, --version')
    .option('--config <path>', 'configuration file (default: $KVCSI_CONFIG, ./kvcsi.yaml, then the shipped example)')
    .addOption(new Option('-o, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--no-color', 'never colour the output (colour is used only on a terminal)')
    .option('--as <user>', 'sandbox mode only: act as this scenario user (requester, approver, outsider)')
    .option('--sandbox', 'run against the embedded sandbox (simulated Azure and clusters; also KVCSI_SANDBOX=1, state in KVCSI_SANDBOX_STATE)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) })
    .addHelpText('after', '\nExit codes: 0 ok, 1 findings of severity error (lint, explain, diagnose), 2 usage or configuration error, 3 other failure.\n');

  const run: RunCommand = async (action) => {
    const context = new CommandContext(io, program.opts<GlobalOptions>());
    try {
      onExitCode(await action(context));
    } finally {
      await context.close();
    }
  };
  registerClustersCommand(program, run);
  registerRenderCommand(program, run);
  registerLintCommand(program, run);
  registerExplainCommand(program, run);
  registerDiagnoseCommand(program, run);
  registerStatusCommand(program, run);
  registerBindingsCommand(program, run);
  registerGrantCommands(program, run);
  registerSecretCommands(program, run);
  registerRequestsCommands(program, run);
  registerAuditCommand(program, run);
  return program;
}

/** Runs the CLI; resolves to the process exit code. Never throws. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  let exitCode = EXIT_OK;
  const program = buildProgram(io, (code) => {
    exitCode = code;
  });
  if (argv.length === 0) {
    program.outputHelp();
    return EXIT_USAGE;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help' ? EXIT_OK : EXIT_USAGE;
    }
    const format = program.opts<GlobalOptions>().format;
    if (error instanceof KvcsiError) {
      reportError(io, format, error);
      return exitCodeFor(error);
    }
    const internal = new KvcsiError('INTERNAL', `internal error: ${(error as Error).message ?? String(error)}`, { cause: error });
    reportError(io, format, internal);
    return EXIT_FAILURE;
  }
}
