/* eslint-disable @typescript-eslint/no-require-imports -- command modules load on demand (see COMMANDS) */
import { KvcsiError } from '@kvcsi/core/errors';
import { Command, CommanderError, Option } from 'commander';
import { CommandContext, type GlobalOptions } from './context.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './exit-codes.js';
import type { CliIo } from './io.js';
import { VERSION } from './version.js';

export type CommandAction = (context: CommandContext) => Promise<number> | number;
/** Runs a command's action with the parsed global options; registered commands call it from commander's `.action`. */
export type RunCommand = (action: CommandAction) => Promise<void>;

type Register = (program: Command, run: RunCommand) => void;

/**
 * Each command's module, required only when that command runs: `kvcsi lint` never loads what `kvcsi grant` needs
 * (the request service, the store). The root help and an unknown command register them all.
 */
const COMMANDS: ReadonlyArray<{ names: readonly string[]; load: () => Register }> = [
  { names: ['clusters'], load: () => require('./commands/clusters.js').registerClustersCommand },
  { names: ['render'], load: () => require('./commands/render.js').registerRenderCommand },
  { names: ['lint'], load: () => require('./commands/lint.js').registerLintCommand },
  { names: ['explain'], load: () => require('./commands/explain.js').registerExplainCommand },
  { names: ['diagnose'], load: () => require('./commands/diagnose.js').registerDiagnoseCommand },
  { names: ['status'], load: () => require('./commands/status.js').registerStatusCommand },
  { names: ['bindings'], load: () => require('./commands/bindings.js').registerBindingsCommand },
  { names: ['grant', 'revoke'], load: () => require('./commands/grant.js').registerGrantCommands },
  { names: ['secret'], load: () => require('./commands/secret.js').registerSecretCommands },
  { names: ['requests'], load: () => require('./commands/requests.js').registerRequestsCommands },
  { names: ['audit'], load: () => require('./commands/audit.js').registerAuditCommand },
  { names: ['watch'], load: () => require('./commands/watch.js').registerWatchCommand },
];

/** Root options that take a value: their value is not the command name. */
const ROOT_OPTIONS_WITH_VALUE = new Set(['--config', '-o', '--format', '--as', '--timeout']);

/** The command named on the command line, when it is one of ours; undefined for root help and typos. */
export function commandNameOf(argv: readonly string[]): string | undefined {
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index]!;
    if (ROOT_OPTIONS_WITH_VALUE.has(arg)) {
      index += 1;
      continue;
    }
    if (arg.startsWith('-')) continue;
    return COMMANDS.some((command) => command.names.includes(arg)) ? arg : undefined;
  }
  return undefined;
}

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

/** The program with every command, or only `commandName`'s when it is given. */
export function buildProgram(io: CliIo, onExitCode: (code: number) => void, commandName?: string): Command {
  const program = new Command('kvcsi')
    .description('Azure Key Vault + Secrets Store CSI Driver, as software: render and lint SecretProviderClasses, diagnose pods stuck in ContainerCreating, grant access, create and request secrets with approvals.')
    .version(VERSION, '-V, --version')
    .option('--config <path>', 'configuration file (default: $KVCSI_CONFIG, ./kvcsi.yaml, then the shipped example)')
    .addOption(new Option('-o, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--no-color', 'never colour the output (colour is used only on a terminal)')
    .option('--as <user>', 'sandbox mode only: act as this scenario user (requester, approver, outsider)')
    .option('--timeout <seconds>', 'overall deadline of the command: what is still unanswered is reported as not checked (default 15; also KVCSI_TIMEOUT)')
    .option('--sandbox', 'run against the embedded sandbox (simulated Azure and clusters; also KVCSI_SANDBOX=1, state in KVCSI_SANDBOX_STATE)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) })
    .addHelpText('after', '\nExit codes: 0 ok, 1 findings of severity error (lint, explain, diagnose, status), 2 usage or configuration error, 3 any other failure, including a source that could not be checked or a refusal by policy.\n');

  const run: RunCommand = async (action) => {
    const context = new CommandContext(io, program.opts<GlobalOptions>());
    try {
      onExitCode(await action(context));
    } finally {
      await context.close();
    }
  };
  for (const command of COMMANDS) {
    if (commandName === undefined || command.names.includes(commandName)) command.load()(program, run);
  }
  return program;
}

/** Parses and runs one command line; resolves to the process exit code. Never throws. */
export async function runProgram(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode = EXIT_OK;
  const program = buildProgram(
    io,
    (code) => {
      exitCode = code;
    },
    commandNameOf(argv),
  );
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
