/** `npm start` flags: ports, where state lives, whether Backstage starts. */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { KvcsiError } from '@kvcsi/core';

export interface StartOptions {
  /** The chat console (0: any free port). */
  consolePort: number;
  botPort: number;
  sandboxPort: number;
  backstageBackendPort: number;
  backstageAppPort: number;
  /** Sandbox state and the request store live here. */
  stateDir: string;
  /** Forget the saved state: start from the scenario as shipped. */
  reset: boolean;
  backstage: boolean;
  /** The bot connects to the console over Socket Mode instead of answering HTTP. */
  socket: boolean;
  /** The bot logs at info instead of warn. */
  verbose: boolean;
  help: boolean;
}

export const DEFAULT_PORTS = { console: 3000, bot: 3001, backstageApp: 3002, backstageBackend: 7007, sandbox: 7070 } as const;

export const START_USAGE = `Usage: npm start [-- <flags>]

Starts kvcsi on this machine, on loopback, over the sandbox (simulated Entra ID, Key Vault, ARM and AKS; no Azure,
cluster or Slack needed): the sandbox, the Slack bot, and a local chat console where you type /kvcsi as one of the
sandbox's people. Also the Backstage dev backend and app, when their workspaces exist. Ctrl-C stops everything.

Flags:
  --port <n>               the console (default ${DEFAULT_PORTS.console}); 0 picks a free port, for every --*port
  --bot-port <n>           the bot's HTTP receiver, or its /healthz and /readyz with --socket (default ${DEFAULT_PORTS.bot})
  --socket                 Socket Mode: the bot opens a WebSocket to the console (apps.connections.open) and
                           takes commands, clicks and modals over it; no inbound HTTP to the bot
  --sandbox-port <n>       the sandbox (default ${DEFAULT_PORTS.sandbox})
  --backstage-port <n>     the Backstage dev backend (default ${DEFAULT_PORTS.backstageBackend})
  --backstage-app-port <n> the Backstage dev app (default ${DEFAULT_PORTS.backstageApp})
  --no-backstage           do not start the Backstage dev backend and app
  --state-dir <dir>        sandbox state and the request store (default .kvcsi)
  --reset                  forget the saved state: the sandbox starts as the scenario ships (pods broken again)
  --verbose                the bot logs at info level
  -h, --help               this text

The CLI stays available beside it: npx kvcsi --help (see the banner for the environment that shares this state).`;

function port(value: string | undefined, fallback: number, flag: string): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535) throw new KvcsiError('INVALID_INPUT', `${flag} ${value}: must be a port number (0 picks a free one)`, { field: flag });
  return parsed;
}

export function parseStartOptions(argv: readonly string[], cwd: string = process.cwd()): StartOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      allowNegative: true,
      options: {
        port: { type: 'string' },
        'bot-port': { type: 'string' },
        'sandbox-port': { type: 'string' },
        'backstage-port': { type: 'string' },
        'backstage-app-port': { type: 'string' },
        backstage: { type: 'boolean', default: true },
        'state-dir': { type: 'string', default: '.kvcsi' },
        reset: { type: 'boolean', default: false },
        socket: { type: 'boolean', default: false },
        verbose: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    throw new KvcsiError('INVALID_INPUT', `${(error as Error).message}\n\n${START_USAGE}`);
  }
  return {
    consolePort: port(values.port, DEFAULT_PORTS.console, '--port'),
    botPort: port(values['bot-port'], DEFAULT_PORTS.bot, '--bot-port'),
    sandboxPort: port(values['sandbox-port'], DEFAULT_PORTS.sandbox, '--sandbox-port'),
    backstageBackendPort: port(values['backstage-port'], DEFAULT_PORTS.backstageBackend, '--backstage-port'),
    backstageAppPort: port(values['backstage-app-port'], DEFAULT_PORTS.backstageApp, '--backstage-app-port'),
    stateDir: path.resolve(cwd, values['state-dir']),
    reset: values.reset,
    backstage: values.backstage,
    socket: values.socket,
    verbose: values.verbose,
    help: values.help,
  };
}
