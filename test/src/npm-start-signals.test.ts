/**
 * `npm start` stops everything it started on SIGTERM, as on Ctrl-C: sent to its whole process group (a terminal, a
 * supervisor), and sent to npm alone (`kill <pid>`), which ends npm and its `sh -c` without passing the signal on.
 * The sandbox, the bot and the console each listen on a port: once stopped, none answers.
 * And the demo's watcher (issue 22): an app broken through the sandbox's admin endpoint is one message in its
 * cluster's alert channel in the console, with a Grant button; pressing it resolves the message in place.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './support/processes.js';

jest.setTimeout(180_000);

const ROOT = path.resolve(__dirname, '../..');

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

async function waitUntil(what: string, condition: () => Promise<boolean>, timeoutInMs: number): Promise<void> {
  const deadline = Date.now() + timeoutInMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'kvcsi-npm-start-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function startNpm(ports: { console: number; bot: number; sandbox: number }) {
  // detached: npm leads a process group of its own, as it does under a terminal or a supervisor.
  const npm = spawn('npm', ['start', '--', '--no-backstage', '--port', String(ports.console), '--bot-port', String(ports.bot), '--sandbox-port', String(ports.sandbox), '--state-dir', path.join(dir, String(ports.bot))], {
    cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KVCSI_SANDBOX: '', KVCSI_CONFIG: '' },
  });
  const output = { text: '' };
  npm.stdout!.on('data', (chunk: Buffer) => { output.text += chunk.toString('utf8'); });
  npm.stderr!.on('data', (chunk: Buffer) => { output.text += chunk.toString('utf8'); });
  return { npm, output, exited: once(npm, 'exit') };
}

it.each([
  ['to npm alone', (pid: number) => process.kill(pid, 'SIGTERM')],
  ['to its process group', (pid: number) => process.kill(-pid, 'SIGTERM')],
])('SIGTERM %s stops the sandbox, the bot and the console', async (_how, signal) => {
  const ports = { console: await freePort(), bot: await freePort(), sandbox: await freePort() };
  const { npm, output, exited } = startNpm(ports);
  try {
    await waitUntil('npm start to be up', async () => {
      if (npm.exitCode !== null) throw new Error(`npm start exited: ${output.text}`);
      return output.text.includes('kvcsi is running on this machine') && (await listening(ports.bot));
    }, 120_000);
    for (const port of Object.values(ports)) expect(await listening(port)).toBe(true);
    signal(npm.pid!);
    await exited;
    await waitUntil('every port to close', async () => (await Promise.all(Object.values(ports).map(listening))).every((open) => !open), 30_000);
  } finally {
    // Whatever is left (a failure above) goes, by its group.
    try { process.kill(-npm.pid!, 'SIGKILL'); } catch { /* gone */ }
  }
});

interface ConsoleMessage {
  id: string;
  channel: string;
  text: string;
  editedAt?: number;
  blocks?: { type: string; block_id?: string; elements?: { action_id?: string }[] }[];
}

it('the watcher in the demo: a break through the sandbox endpoint is one message in #alerts-dev with a Grant button; pressing it resolves the message in place', async () => {
  const ports = { console: await freePort(), bot: await freePort(), sandbox: await freePort() };
  const { npm, output, exited } = startNpm(ports);
  const RITA = 'U0SBXREQ01';
  const ALERTS_DEV = 'C0SBXALERTSDEV';
  const messages = async (): Promise<ConsoleMessage[]> => {
    const state = (await (await fetch(`http://127.0.0.1:${ports.console}/ui/state?user=${RITA}`)).json()) as { messages: ConsoleMessage[] };
    return state.messages.filter((message) => message.channel === ALERTS_DEV);
  };
  const aboutExternalDns = async (): Promise<ConsoleMessage[]> => (await messages()).filter((message) => message.text.includes('external-dns'));
  try {
    await waitUntil('npm start to be up', async () => {
      if (npm.exitCode !== null) throw new Error(`npm start exited: ${output.text}`);
      return output.text.includes('kvcsi is running on this machine') && (await listening(ports.bot));
    }, 120_000);
    // The scenario's own broken app on cafehyna-dev (cert-manager) is announced: the watcher runs.
    await waitUntil('the watcher\'s first message in #alerts-dev', async () => (await messages()).some((message) => message.text.includes('cert-manager')), 60_000);
    expect(await aboutExternalDns()).toEqual([]);

    // Break external-dns as the README says: its identity loses get on the vault, its pods are recreated.
    const broken = await fetch(`http://127.0.0.1:${ports.sandbox}/_sandbox/break`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ action: 'revoke-role', cluster: 'cafehyna-dev', app: 'external-dns' }),
    });
    expect(broken.status).toBe(200);
    await waitUntil('the external-dns message', async () => (await aboutExternalDns()).length > 0, 60_000);
    const [posted, ...more] = await aboutExternalDns();
    expect(more).toEqual([]);
    expect(posted!.text).toMatch(/^D1: .*kv-cafehyna-dev-hlg — external-dns\/Deployment\/external-dns$/);
    const grant = posted!.blocks!.find((block) => block.type === 'actions' && block.elements?.some((element) => element.action_id === 'kvcsi_grant_access'));
    expect(grant).toBeDefined();

    // Rita presses Grant access (dev needs no second person): the message is resolved in place, none added.
    const clicked = await fetch(`http://127.0.0.1:${ports.console}/ui/click`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: RITA, messageId: posted!.id, actionId: 'kvcsi_grant_access', blockId: grant!.block_id }),
    });
    expect(clicked.status).toBe(200);
    await waitUntil('the message resolved in place', async () => (await messages()).some((message) => message.id === posted!.id && message.text.startsWith('Resolved after')), 90_000);
    const resolved = (await messages()).find((message) => message.id === posted!.id)!;
    expect(resolved.text).toMatch(/^Resolved after [^:]+: D1 No access policy .* on kv-cafehyna-dev-hlg$/);
    expect(resolved.editedAt).toBeDefined();
    expect((await messages()).filter((message) => message.text.includes('D1'))).toHaveLength(1);

    process.kill(-npm.pid!, 'SIGTERM');
    await exited;
    await waitUntil('every port to close', async () => (await Promise.all(Object.values(ports).map(listening))).every((open) => !open), 30_000);
  } finally {
    try { process.kill(-npm.pid!, 'SIGKILL'); } catch { /* gone */ }
  }
});
