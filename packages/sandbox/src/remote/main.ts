import { parseArgs } from 'node:util';
import { createSandbox } from '../sandbox.js';
import { startSandboxHttpServer } from './server.js';

const USAGE = `Usage: kvcsi-sandbox [--port 7070] [--host 127.0.0.1] [--scenario default] [--state <file>]

Serves the kvcsi sandbox (simulated Entra ID, Key Vault, ARM and AKS API servers) over loopback HTTP, so the bot,
the Backstage backend and CLI runs share one state. Point them at it with KVCSI_SANDBOX_URL=http://127.0.0.1:<port>.
State: --state, else KVCSI_SANDBOX_STATE, else in memory.`;

/** `npm run sandbox`: one sandbox process for everything that runs on this machine. */
export async function main(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      port: { type: 'string', default: process.env.KVCSI_SANDBOX_PORT ?? '7070' },
      host: { type: 'string', default: '127.0.0.1' },
      scenario: { type: 'string', default: 'default' },
      state: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port ${values.port}: must be a port number (0 picks a free one)`);
  const stateFile = values.state ?? process.env.KVCSI_SANDBOX_STATE;
  const sandbox = createSandbox({ scenario: values.scenario, ...(stateFile ? { stateFile } : {}) });
  const server = await startSandboxHttpServer(sandbox, { port, host: values.host });
  process.stdout.write(`kvcsi sandbox "${sandbox.scenario.name}" on ${server.url}${stateFile ? ` (state: ${stateFile})` : ''}\n`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`kvcsi-sandbox: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  });
}
