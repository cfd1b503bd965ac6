/**
 * The whole product on one machine: the sandbox process, the chat console (in this process), the bot (HTTP
 * receiver, Web API and response_urls pointed at the console) and, when their workspaces exist, the Backstage dev
 * backend and app. Nothing is built here: everything runs from the dist/ that `npm ci` built.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { KvcsiError } from '@kvcsi/core';
import { APP_ID } from '../directory.js';
import { startConsoleServer, type ConsoleServer } from '../server.js';
import { Workspace } from '../workspace.js';
import { keepChat, type KeptChat } from './chat-file.js';
import { writeDemoConfig } from './demo-config.js';
import type { StartOptions } from './options.js';
import { ensurePortFree, resolvePort, startService, waitForHttp, type Service } from './services.js';

/** The repository root (this file is console/{src,dist}/start/stack.*). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

export interface BackstageStatus {
  /** Why it was or was not started. */
  note: string;
  backendUrl?: string;
  appUrl?: string;
}

export interface Stack {
  consoleUrl: string;
  /** HTTP: the bot's receiver. Socket Mode: where its /healthz and /readyz answer. */
  botUrl: string;
  transport: 'http' | 'socket';
  sandboxUrl: string;
  stateFile: string;
  databaseUrl: string;
  databaseFile: string;
  backstage: BackstageStatus;
  console: ConsoleServer;
  services: Service[];
  /** Resolves with a message when any started process ends on its own. */
  unexpectedExit: Promise<string>;
  /**
   * Socket Mode only: one more bot process on the same app token, store and sandbox (as a Deployment with more
   * replicas); resolves when it is connected. Its health URL comes back with it.
   */
  addBot(): Promise<{ service: Service; healthUrl: string }>;
  stop(): Promise<void>;
}

interface WorkspacePackage {
  dir: string;
  name: string;
  scripts: Record<string, string>;
  role?: string;
}

function readWorkspacePackages(root: string): WorkspacePackage[] {
  const rootPackage = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { workspaces?: string[] };
  const dirs = new Set<string>(rootPackage.workspaces ?? []);
  // Plugins not yet listed as workspaces may still exist on disk.
  const plugins = path.join(root, 'plugins');
  if (existsSync(plugins)) for (const entry of readdirSync(plugins)) dirs.add(`plugins/${entry}`);
  const packages: WorkspacePackage[] = [];
  for (const dir of dirs) {
    const file = path.join(root, dir, 'package.json');
    if (!existsSync(file)) continue;
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; scripts?: Record<string, string>; backstage?: { role?: string } };
    if (parsed.name) packages.push({ dir, name: parsed.name, scripts: parsed.scripts ?? {}, ...(parsed.backstage?.role ? { role: parsed.backstage.role } : {}) });
  }
  return packages;
}

/** The Backstage dev backend and app, if their workspaces exist with a start script. */
export function findBackstageWorkspaces(root: string = REPO_ROOT): { backend?: WorkspacePackage; app?: WorkspacePackage } {
  const packages = readWorkspacePackages(root);
  const backend = packages.find((candidate) => candidate.role === 'backend-plugin' && candidate.scripts.start);
  const app = packages.find((candidate) => (candidate.role === 'frontend-plugin' || candidate.role === 'frontend') && candidate.scripts.start);
  return { ...(backend ? { backend } : {}), ...(app ? { app } : {}) };
}

function removeState(stateFile: string, databaseFile: string, chatFile: string): void {
  for (const file of [stateFile, databaseFile, `${databaseFile}-wal`, `${databaseFile}-shm`, `${databaseFile}-journal`, chatFile]) rmSync(file, { force: true });
}

const PINO_LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

/** The bot logs JSON lines (pino); on a terminal they read better as `[bot] warn: message {fields}`. */
export function readableLogLine(line: string): string {
  const match = /^(\[[\w-]+\] )(\{.*\})$/.exec(line);
  if (!match) return line;
  try {
    const { level, time: _time, name: _name, msg, ...rest } = JSON.parse(match[2] as string) as Record<string, unknown>;
    const fields = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : '';
    return `${match[1]}${PINO_LEVELS[Number(level)] ?? 'log'}: ${String(msg ?? '')}${fields}`;
  } catch {
    return line;
  }
}

export interface StackHooks {
  /** Output of the processes and progress notes. */
  log?: (line: string) => void;
  /** More environment for the bot processes (tests: LOG_LEVEL=debug). */
  botEnv?: Record<string, string>;
}

export async function startStack(options: StartOptions, hooks: StackHooks = {}): Promise<Stack> {
  const log = hooks.log ?? ((line: string) => process.stdout.write(`${readableLogLine(line)}\n`));
  const root = REPO_ROOT;
  for (const built of ['packages/sandbox/dist/remote/main.js', 'bot/dist/main.js']) {
    if (!existsSync(path.join(root, built))) throw new KvcsiError('CONFIG_INVALID', `${built} is missing: run npm ci (or npm run build) first`);
  }
  const [consolePort, botPort, sandboxPort] = [await resolvePort(options.consolePort), await resolvePort(options.botPort), await resolvePort(options.sandboxPort)];
  await ensurePortFree(consolePort, 'console', '--port');
  await ensurePortFree(botPort, 'bot', '--bot-port');
  await ensurePortFree(sandboxPort, 'sandbox', '--sandbox-port');

  mkdirSync(options.stateDir, { recursive: true });
  const stateFile = path.join(options.stateDir, 'sandbox-state.json');
  const databaseFile = path.join(options.stateDir, 'kvcsi.db');
  const chatFile = path.join(options.stateDir, 'console-chat.json');
  if (options.reset) removeState(stateFile, databaseFile, chatFile);
  const databaseUrl = `sqlite:${databaseFile}`;
  // The bot reads the example registry with a watch channel per cluster, unless KVCSI_CONFIG names another.
  const botConfig = process.env.KVCSI_CONFIG ? {} : { KVCSI_CONFIG: writeDemoConfig(options.stateDir) };

  const services: Service[] = [];
  let consoleServer: ConsoleServer | undefined;
  let chat: KeptChat | undefined;
  const stop = async (): Promise<void> => {
    // The bot first (it talks to the others), then the rest.
    await Promise.all([...services].reverse().map((service) => service.stop()));
    await consoleServer?.close();
    chat?.stop();
  };

  try {
    const sandbox = startService({
      name: 'sandbox', command: process.execPath, cwd: root, log,
      args: [path.join(root, 'packages/sandbox/dist/remote/main.js'), '--port', String(sandboxPort), '--host', '127.0.0.1', '--scenario', 'default', '--state', stateFile],
      env: { ...process.env },
    });
    services.push(sandbox);
    const [, sandboxUrl = `http://127.0.0.1:${sandboxPort}`] = await sandbox.waitForLine(/ on (http:\/\/\S+)/, 30_000);

    // The bot's secrets exist for this run only: nothing outside this machine ever sees them.
    const signingSecret = randomBytes(24).toString('hex');
    const botToken = `xoxb-console-${randomBytes(12).toString('hex')}`;
    const appToken = options.socket ? `xapp-1-${APP_ID}-console-${randomBytes(12).toString('hex')}` : undefined;
    const botUrl = `http://127.0.0.1:${botPort}`;
    // The chat outlives a restart, as the sandbox and the store do (--reset forgets all three).
    const workspace = new Workspace();
    chat = keepChat(workspace, chatFile, { log });
    consoleServer = await startConsoleServer({ workspace, port: consolePort, botUrl, signingSecret, botToken, ...(appToken ? { socketMode: { appToken } } : {}) });
    const apiUrl = consoleServer.apiUrl;

    let bots = 0;
    const startBot = async (port: number): Promise<Service> => {
      bots += 1;
      const bot = startService({
        name: bots === 1 ? 'bot' : `bot-${bots}`, command: process.execPath, cwd: root, log,
        args: [path.join(root, 'bot/dist/main.js')],
        env: {
          ...process.env,
          SLACK_BOT_TOKEN: botToken,
          SLACK_SIGNING_SECRET: signingSecret,
          // Socket Mode: apps.connections.open and every other Web API call go to the console.
          SLACK_API_URL: apiUrl,
          ...(appToken ? { SLACK_APP_TOKEN: appToken, KVCSI_SLACK_TRANSPORT: 'socket' } : {}),
          KVCSI_SANDBOX: '1',
          KVCSI_SANDBOX_URL: sandboxUrl,
          KVCSI_DATABASE_URL: databaseUrl,
          ...botConfig,
          PORT: String(port),
          LOG_LEVEL: options.verbose ? 'info' : 'warn',
          ...hooks.botEnv,
        },
      });
      services.push(bot);
      // Over Socket Mode, ready means connected to the console; over HTTP, answering.
      await waitForHttp(`http://127.0.0.1:${port}/${appToken ? 'readyz' : 'healthz'}`, { timeoutInMs: 60_000, service: bot });
      return bot;
    };
    const bot = await startBot(botPort);

    const backstage = options.backstage ? startBackstage(options, { root, log, sandboxUrl, databaseUrl, services }) : { note: 'not started (--no-backstage)' };

    // Backstage may fail on its own without taking the rest down; the sandbox and the bot may not.
    const unexpectedExit = Promise.race([sandbox, bot].map((service) => service.exited.then((how) => `${service.name} ${how}`)));
    return {
      consoleUrl: consoleServer.url, botUrl, transport: appToken ? 'socket' : 'http', sandboxUrl, stateFile, databaseUrl, databaseFile, backstage,
      console: consoleServer, services, unexpectedExit, stop,
      async addBot() {
        if (!appToken) throw new KvcsiError('INVALID_INPUT', 'more bot processes need Socket Mode (--socket): over HTTP only one can own the request URL');
        const port = await resolvePort(0);
        return { service: await startBot(port), healthUrl: `http://127.0.0.1:${port}` };
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function startBackstage(options: StartOptions, context: { root: string; log: (line: string) => void; sandboxUrl: string; databaseUrl: string; services: Service[] }): BackstageStatus {
  const { backend, app } = findBackstageWorkspaces(context.root);
  if (!backend && !app) return { note: 'not present yet (the plugins have no dev backend or app to start)' };
  const env = { ...process.env, KVCSI_SANDBOX: '1', KVCSI_SANDBOX_URL: context.sandboxUrl, KVCSI_DATABASE_URL: context.databaseUrl };
  const status: BackstageStatus = { note: '' };
  const notes: string[] = [];
  if (backend) {
    context.services.push(startService({
      name: 'backstage-backend', command: 'npm', args: ['run', 'start', '-w', backend.name], cwd: context.root, log: context.log,
      env: { ...env, PORT: String(options.backstageBackendPort), BACKEND_PORT: String(options.backstageBackendPort) },
    }));
    status.backendUrl = `http://127.0.0.1:${options.backstageBackendPort}`;
    notes.push(`dev backend (${backend.name})`);
  }
  if (app) {
    // The console owns :3000, where Backstage's dev app would go by default.
    context.services.push(startService({
      name: 'backstage-app', command: 'npm', args: ['run', 'start', '-w', app.name], cwd: context.root, log: context.log,
      env: { ...env, PORT: String(options.backstageAppPort), BACKEND_PORT: String(options.backstageBackendPort), BROWSER: 'none' },
    }));
    status.appUrl = `http://127.0.0.1:${options.backstageAppPort}`;
    notes.push(`dev app (${app.name})`);
  }
  status.note = `${notes.join(' and ')} starting; it may take a minute`;
  return status;
}
