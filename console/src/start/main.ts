/**
 * `npm start`: the whole product on one machine. Prints what runs where and four things to try, and stops
 * everything on Ctrl-C.
 */
import path from 'node:path';
import { KvcsiError } from '@kvcsi/core';
import { START_USAGE, parseStartOptions } from './options.js';
import { startStack, type Stack } from './stack.js';

function relative(file: string): string {
  const shown = path.relative(process.cwd(), file);
  return shown.startsWith('..') ? file : shown;
}

/** What runs where, how to reach it from the CLI, and four things to try. */
export function banner(stack: Stack): string {
  const consoleUrl = stack.consoleUrl.replace('127.0.0.1', 'localhost');
  const database = relative(stack.databaseFile);
  const backstage = stack.backstage.backendUrl || stack.backstage.appUrl
    ? [stack.backstage.appUrl ? `  backstage  ${stack.backstage.appUrl}   dev app with the Key Vault tab` : undefined,
      stack.backstage.backendUrl ? `  backstage  ${stack.backstage.backendUrl}   dev backend (/api/kvcsi)` : undefined,
      `             ${stack.backstage.note}`].filter(Boolean).join('\n')
    : `  backstage  ${stack.backstage.note}`;
  return `
kvcsi is running on this machine, over the sandbox (simulated Azure and AKS; no cloud, cluster or Slack needed).

  console    ${consoleUrl}   <- open this: a local Slack; type /kvcsi as Rita (requester), Abel (approver) or Otto (outsider)
${stack.transport === 'socket'
    ? `  bot        Socket Mode: a WebSocket to the console (apps.connections.open, app-level token); /readyz on ${stack.botUrl}`
    : `  bot        ${stack.botUrl}/slack/events   Bolt HTTP receiver`}; its Slack Web API and response_urls are the console
  sandbox    ${stack.sandboxUrl}   Entra ID, Key Vault, ARM and AKS; state in ${relative(stack.stateFile)}
  store      ${database}   requests and audit, shared by the bot and the CLI
${backstage}

Four things to try:
  1. In #cafehyna-prd, as Rita:   /kvcsi diagnose --app defectdojo -c cafehyna-prd   then click "Grant access".
  2. Switch to Abel Approver, open #kvcsi-approvals and click "Approve"; as Rita, run the diagnosis again: healthy.
  3. The CLI over the same sandbox and store, in another terminal:
       export KVCSI_SANDBOX_URL=${stack.sandboxUrl} KVCSI_DATABASE_URL=${stack.databaseUrl.startsWith('sqlite:') ? `sqlite:${database}` : stack.databaseUrl}
       npx kvcsi requests list        npx kvcsi audit defectdojo        npx kvcsi diagnose --app defectdojo -c cafehyna-prd
  4. Break an app and watch kvcsi say so, in #alerts-dev (console/README.md, "Things to try"):
       npm run sandbox -- break revoke-role --cluster cafehyna-dev --app external-dns${stack.sandboxUrl.endsWith(':7070') ? '' : ` --url ${stack.sandboxUrl}`}
     one message appears with a "Grant access" button; press it, and the message resolves in place.

State is kept between runs; npm start -- --reset starts from the scenario as shipped. Ctrl-C stops everything.
`;
}

export async function main(argv: readonly string[]): Promise<number> {
  const options = parseStartOptions(argv);
  if (options.help) {
    process.stdout.write(`${START_USAGE}\n`);
    return 0;
  }
  process.stdout.write('Starting kvcsi: sandbox, bot, console…\n');
  const stack = await startStack(options);
  process.stdout.write(banner(stack));

  return new Promise<number>((resolve) => {
    let stopping = false;
    const shutdown = (why: string, code: number): void => {
      if (stopping) return;
      stopping = true;
      process.stdout.write(`\n${why}: stopping everything…\n`);
      void stack.stop().then(() => {
        process.stdout.write('Stopped.\n');
        resolve(code);
      });
    };
    process.once('SIGINT', () => shutdown('Ctrl-C', 0));
    process.once('SIGTERM', () => shutdown('SIGTERM', 0));
    void stack.unexpectedExit.then((what) => shutdown(what, 1));
  });
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (error: unknown) => {
      const message = error instanceof KvcsiError ? error.message : error instanceof Error ? error.stack ?? error.message : String(error);
      process.stderr.write(`npm start: ${message}\n`);
      process.exitCode = 1;
    },
  );
}
