/**
 * `npm start` stops everything it started on SIGTERM, as on Ctrl-C: sent to its whole process group (a terminal, a
 * supervisor), and sent to npm alone (`kill <pid>`), which ends npm and its `sh -c` without passing the signal on.
 * The sandbox, the bot and the console each listen on a port: once stopped, none answers.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

jest.setTimeout(180_000);

const ROOT = path.resolve(__dirname, '../..');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

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

it.each([
  ['to npm alone', (pid: number) => process.kill(pid, 'SIGTERM')],
  ['to its process group', (pid: number) => process.kill(-pid, 'SIGTERM')],
])('SIGTERM %s stops the sandbox, the bot and the console', async (_how, signal) => {
  const ports = { console: await freePort(), bot: await freePort(), sandbox: await freePort() };
  // detached: npm leads a process group of its own, as it does under a terminal or a supervisor.
  const npm = spawn('npm', ['start', '--', '--no-backstage', '--port', String(ports.console), '--bot-port', String(ports.bot), '--sandbox-port', String(ports.sandbox), '--state-dir', path.join(dir, String(ports.bot))], {
    cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KVCSI_SANDBOX: '', KVCSI_CONFIG: '' },
  });
  let output = '';
  npm.stdout!.on('data', (chunk: Buffer) => { output += chunk.toString('utf8'); });
  npm.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString('utf8'); });
  const exited = once(npm, 'exit');
  try {
    await waitUntil('npm start to be up', async () => {
      if (npm.exitCode !== null) throw new Error(`npm start exited: ${output}`);
      return output.includes('kvcsi is running on this machine') && (await listening(ports.bot));
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
