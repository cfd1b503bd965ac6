import { parseArgs } from 'node:util';
import { createSandbox } from '../sandbox.js';
import { followWallClock } from './realTime.js';
import { startSandboxHttpServer } from './server.js';

const USAGE = `Usage: kvcsi-sandbox [--port 7070] [--host 127.0.0.1] [--scenario default] [--state <file>]
                     [--timing instant|realistic] [--propagation-delay-ms <ms>] [--real-time]

Serves the kvcsi sandbox (simulated Entra ID, Key Vault, ARM and AKS API servers) over loopback HTTP, so the bot,
the Backstage backend and CLI runs share one state. Point them at it with KVCSI_SANDBOX_URL=http://127.0.0.1:<port>.
State: --state, else KVCSI_SANDBOX_STATE, else in memory.
--timing realistic: kubelet backoff and deadlines, RBAC propagation (env KVCSI_SANDBOX_TIMING).
--propagation-delay-ms: how long a role assignment takes to reach Key Vault (env KVCSI_SANDBOX_PROPAGATION_DELAY_MS).
--real-time: the sandbox clock follows the wall clock, so retries and propagation happen by themselves
(env KVCSI_SANDBOX_REAL_TIME=1). Without it the clock moves only through POST /_sandbox/clock/advance.`;

/** How often the real-time clock catches up with the wall clock (kubelet's backoff starts at 500 ms). */
const REAL_TIME_TICK_MS = 500;

/** `npm run sandbox`: one sandbox process for everything that runs on this machine. */
export async function main(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      port: { type: 'string', default: process.env.KVCSI_SANDBOX_PORT ?? '7070' },
      host: { type: 'string', default: '127.0.0.1' },
      scenario: { type: 'string', default: 'default' },
      state: { type: 'string' },
      timing: { type: 'string', default: process.env.KVCSI_SANDBOX_TIMING ?? 'instant' },
      'propagation-delay-ms': { type: 'string', default: process.env.KVCSI_SANDBOX_PROPAGATION_DELAY_MS },
      'real-time': { type: 'boolean', default: process.env.KVCSI_SANDBOX_REAL_TIME === '1' },
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
  if (values.timing !== 'instant' && values.timing !== 'realistic') throw new Error(`--timing ${values.timing}: must be instant or realistic`);
  const delay = values['propagation-delay-ms'] === undefined || values['propagation-delay-ms'] === '' ? undefined : Number(values['propagation-delay-ms']);
  if (delay !== undefined && !(Number.isInteger(delay) && delay >= 0)) throw new Error(`--propagation-delay-ms ${values['propagation-delay-ms'] ?? ''}: must be a whole number of milliseconds >= 0`);
  const sandbox = createSandbox({
    scenario: values.scenario,
    timing: values.timing,
    ...(stateFile ? { stateFile } : {}),
    ...(delay === undefined ? {} : { roleAssignmentPropagationDelayInMs: delay }),
  });
  const server = await startSandboxHttpServer(sandbox, { port, host: values.host });
  process.stdout.write(`kvcsi sandbox "${sandbox.scenario.name}" on ${server.url}${stateFile ? ` (state: ${stateFile})` : ''}\n`);
  if (values['real-time']) {
    followWallClock(sandbox, { tickInMs: REAL_TIME_TICK_MS });
    const delayInMs = sandbox.state.azure.roleAssignmentPropagationDelayInMs;
    process.stdout.write(`real time: role assignments reach Key Vault after ${Math.round(delayInMs / 1000)} s; kubelet retries failed mounts with backoff\n`);
  }
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
