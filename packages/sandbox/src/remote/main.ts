import { parseArgs } from 'node:util';
import { BREAK_ACTIONS } from '../breaks/breaks.js';
import { createSandbox } from '../sandbox.js';
import { ADMIN_PREFIX } from './protocol.js';
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
(env KVCSI_SANDBOX_REAL_TIME=1). Without it the clock moves only through POST /_sandbox/clock/advance.

       kvcsi-sandbox break <action> --cluster <name> --app <name> [--secret <object>] [--object-name <new>]
                     [--restart | --no-restart] [--url <sandbox>]

Breaks an app on purpose in a running sandbox (POST /_sandbox/break), or mends it. Actions: ${BREAK_ACTIONS.join(', ')}.
A break recreates the app's pods (as a rollout restart) so they mount again and fail; --no-restart leaves them.
--url: the sandbox (default KVCSI_SANDBOX_URL, else http://127.0.0.1:7070, npm start's).`;

/** `npm run sandbox -- break revoke-role --cluster cafehyna-dev --app external-dns`: the admin endpoint from a terminal. */
export async function breakCommand(argv: readonly string[], env: NodeJS.ProcessEnv, out: (line: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      cluster: { type: 'string' }, app: { type: 'string' }, secret: { type: 'string' }, 'object-name': { type: 'string' },
      restart: { type: 'boolean' }, 'no-restart': { type: 'boolean' }, url: { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    out(USAGE);
    return 0;
  }
  const [action, ...extra] = positionals;
  if (action === undefined || extra.length > 0) throw new Error(`break: name one action (${BREAK_ACTIONS.join(', ')})`);
  if (values.restart === true && values['no-restart'] === true) throw new Error('break: --restart and --no-restart contradict each other');
  const base = values.url ?? (env.KVCSI_SANDBOX_URL || 'http://127.0.0.1:7070');
  const body = {
    action, cluster: values.cluster, app: values.app,
    ...(values.secret === undefined ? {} : { secret: values.secret }),
    ...(values['object-name'] === undefined ? {} : { objectName: values['object-name'] }),
    ...(values.restart === true ? { restart: true } : values['no-restart'] === true ? { restart: false } : {}),
  };
  let response: Response;
  try {
    response = await fetch(new URL(`${ADMIN_PREFIX}/break`, base), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  } catch {
    throw new Error(`break: no sandbox answers at ${base} (start one with npm start or npm run sandbox, or pass --url)`);
  }
  const answer = (await response.json()) as { error?: string; changed?: string[]; restarted?: { from: string; to: string }[] };
  if (!response.ok) {
    out(`break: ${answer.error ?? `HTTP ${response.status}`}`);
    return 1;
  }
  for (const line of answer.changed ?? []) out(line);
  for (const pod of answer.restarted ?? []) out(`pod ${pod.from} replaced by ${pod.to}`);
  return 0;
}

/** How often the real-time clock catches up with the wall clock (kubelet's backoff starts at 500 ms). */
const REAL_TIME_TICK_MS = 500;

/** `npm run sandbox`: one sandbox process for everything that runs on this machine. */
export async function main(argv: readonly string[]): Promise<void> {
  if (argv[0] === 'break') {
    process.exitCode = await breakCommand(argv.slice(1), process.env, (line) => process.stdout.write(`${line}\n`));
    return;
  }
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
