/**
 * The bot from its production folder (scripts/build-prod.js: packed workspaces, `npm install --omit=dev`), in
 * production mode: no --sandbox, a real registry, a store, Slack tokens from files. Slack is the local stand-in (the
 * console); the network to Entra ID, ARM and the AKS API servers reaches the sandbox's loopback server, routed by a
 * preload that the production folder does not contain (the bot has no sandbox in it).
 *
 * - without a registry it exits non-zero with one line naming the setting;
 * - with one it reports /readyz 200 and serves /metrics: commands, ack latency, Kubernetes calls by host and status;
 * - a rotated bot-token file is used from the next call on; SIGTERM ends it with 0.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { EXAMPLE_CONFIG_PATH, parseRegistryConfig } from '@kvcsi/core';
import { Interactions, Workspace, startConsoleServer, type ConsoleServer } from '@kvcsi/console';
import { createSandbox, createSandboxKubeconfig, loadScenario, startSandboxHttpServer } from '@kvcsi/sandbox';
import { parse as parseYaml, stringify } from 'yaml';
import { freePort } from './support/processes.js';

jest.setTimeout(300_000);

const ROOT = path.resolve(__dirname, '../..');
/** Kept between runs: build-prod.js reinstalls only when the packed workspaces change. */
const PROD = path.join(tmpdir(), 'kvcsi-test-bot-production');
const MAIN = path.join(PROD, 'node_modules/@kvcsi/bot/dist/main.js');
const PRELOAD = path.join(__dirname, 'support/network-to-sandbox.cjs');
const SIGNING_SECRET = 'production-test-signing-secret';
const BOT_TOKEN = 'xoxb-production-test';
const RITA = 'U0SBXREQ01';
const PRD = 'C0SBXPRD';

let dir: string;
let consoleServer: ConsoleServer;
let workspace: Workspace;
let sandboxServer: { url: string; close(): Promise<void> };

/** Only what a container would have: no inherited KVCSI_* or SLACK_* from the machine running the tests. */
function bareEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? dir, ...extra };
}

async function runToExit(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [MAIN, ...args], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString('utf8'); });
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8'); });
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutInMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutInMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

/**
 * The bot's Web API calls on their way to the console: each one's method and Authorization header recorded, then
 * passed on with the token the console knows (so a rotated token still reaches it).
 */
async function startRecordingApiProxy(): Promise<{ apiUrl: string; calls: { method: string; authorization: string }[]; close(): Promise<void> }> {
  const calls: { method: string; authorization: string }[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      calls.push({ method: (request.url ?? '').replace(/^\/api\//, ''), authorization: String(request.headers.authorization ?? '') });
      const headers: Record<string, string> = { 'content-type': String(request.headers['content-type'] ?? 'application/x-www-form-urlencoded'), authorization: `Bearer ${BOT_TOKEN}` };
      void fetch(`${consoleServer.url}${request.url ?? ''}`, { method: 'POST', headers, body: Buffer.concat(chunks) }).then(async (answer) => {
        response.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
        response.end(Buffer.from(await answer.arrayBuffer()));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    apiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`,
    calls,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'kvcsi-production-'));
  // A real install (npm install --omit=dev of the packed workspaces), kept while they do not change.
  await promisify(execFile)(process.execPath, [path.join(ROOT, 'scripts/build-prod.js'), '--no-build', '--out', PROD], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
  const sandbox = createSandbox({ autoSave: false });
  sandboxServer = await startSandboxHttpServer(sandbox, { port: 0 });
  workspace = new Workspace();
  consoleServer = await startConsoleServer({ port: 0, botUrl: 'http://127.0.0.1:9', signingSecret: SIGNING_SECRET, botToken: BOT_TOKEN, workspace });
}, 300_000);

afterAll(async () => {
  await consoleServer?.close();
  await sandboxServer?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('holds neither the sandbox nor msw nor the TypeScript toolchain', () => {
  for (const absent of ['@kvcsi/sandbox', 'msw', 'typescript', 'jest', '@swc/core']) expect([absent, existsSync(path.join(PROD, 'node_modules', absent))]).toEqual([absent, false]);
  for (const present of ['@kvcsi/bot', '@kvcsi/core', '@kvcsi/store', '@slack/bolt', 'prom-client', 'better-sqlite3', 'pg']) expect([present, existsSync(path.join(PROD, 'node_modules', present))]).toEqual([present, true]);
});

it('without a registry: exits non-zero with one line naming the setting', async () => {
  const result = await runToExit([], bareEnv({ SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, KVCSI_DATABASE_URL: `sqlite:${path.join(dir, 'none.db')}` }));
  expect(result.code).not.toBe(0);
  expect(result.stdout).toBe('');
  expect(result.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^kvcsi bot: CONFIG_INVALID: KVCSI_CONFIG: is not set/)]);
});

it('refuses the example, the sandbox and a missing store unless told, each in one line', async () => {
  const config = path.join(dir, 'refusals.yaml');
  writeFileSync(config, stringify({ ...(parseYaml(readFileSync(EXAMPLE_CONFIG_PATH, 'utf8')) as Record<string, unknown>), slack: { approvalsChannel: 'C0SBXAPPROVALS' } }));
  const example = path.join(dir, 'example.yaml');
  writeFileSync(example, readFileSync(EXAMPLE_CONFIG_PATH, 'utf8'));
  const cases: [string[], Record<string, string>, RegExp][] = [
    [[], { KVCSI_SANDBOX_URL: sandboxServer.url, KVCSI_CONFIG: config }, /^kvcsi bot: CONFIG_INVALID: KVCSI_SANDBOX_URL: is set but sandbox mode is not/],
    [['--config', config], {}, /^kvcsi bot: CONFIG_INVALID: KVCSI_DATABASE_URL: is not set/],
    // The shipped example is a registry without Slack settings: outside sandbox mode nothing fills them in.
    [['--config', example], { KVCSI_DATABASE_URL: `sqlite:${path.join(dir, 'x.db')}` }, /^kvcsi bot: CONFIG_INVALID: .*the bot needs a slack: section/],
    [['--config', path.join(dir, 'missing.yaml')], { KVCSI_DATABASE_URL: `sqlite:${path.join(dir, 'x.db')}` }, /^kvcsi bot: CONFIG_INVALID: --config: cannot read .*missing\.yaml \(no such file\)/],
    [['--sandbox'], {}, /^kvcsi bot: CONFIG_INVALID: sandbox mode needs the @kvcsi\/sandbox package/],
  ];
  for (const [args, env, expected] of cases) {
    const result = await runToExit(args, bareEnv({ SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, KVCSI_REPLICAS: '1', ...env }));
    expect({ args, code: result.code === 0 ? 0 : 'non-zero', lines: result.stderr.trimEnd().split('\n') }).toEqual({ args, code: 'non-zero', lines: [expect.stringMatching(expected)] });
  }
  const replicas = await runToExit(['--config', config], bareEnv({ SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, KVCSI_DATABASE_URL: `sqlite:${path.join(dir, 'x.db')}`, KVCSI_REPLICAS: '2' }));
  expect(replicas.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^kvcsi bot: CONFIG_INVALID: KVCSI_REPLICAS: is 2, and more than one replica needs PostgreSQL/)]);
});

it('with a registry: /readyz 200, /metrics with commands, acks and Kubernetes calls; a rotated token file is used; SIGTERM exits 0', async () => {
  const registryText = readFileSync(EXAMPLE_CONFIG_PATH, 'utf8');
  const registry = parseRegistryConfig(registryText, EXAMPLE_CONFIG_PATH);
  const config = path.join(dir, 'kvcsi.yaml');
  writeFileSync(config, stringify({
    ...(parseYaml(registryText) as Record<string, unknown>),
    slack: { approvalsChannel: 'C0SBXAPPROVALS', channels: { [PRD]: 'cafehyna-prd' }, users: { [RITA]: { name: 'Rita Requester', groups: ['requesters'] } } },
  }));
  const kubeconfig = path.join(dir, 'kubeconfig.yaml');
  writeFileSync(kubeconfig, createSandboxKubeconfig(registry.list().map((cluster) => cluster.kubeContext)));
  // The operator's service principal, as a deploy would pass its Azure credential (DefaultAzureCredential's environment).
  const scenario = loadScenario('default');
  const operator = scenario.azure.servicePrincipals.find((principal) => principal.name === 'kvcsi-operator');
  if (!operator?.clientSecret) throw new Error('the scenario has no kvcsi-operator');
  const tokenFile = path.join(dir, 'slack-bot-token');
  const secretFile = path.join(dir, 'slack-signing-secret');
  writeFileSync(tokenFile, `${BOT_TOKEN}\n`);
  writeFileSync(secretFile, `${SIGNING_SECRET}\n`);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const apiProxy = await startRecordingApiProxy();
  const child: ChildProcess = spawn(process.execPath, ['--require', PRELOAD, MAIN, '--config', config], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: bareEnv({
      SLACK_BOT_TOKEN_FILE: tokenFile, SLACK_SIGNING_SECRET_FILE: secretFile, SLACK_API_URL: apiProxy.apiUrl,
      KVCSI_DATABASE_URL: `sqlite:${path.join(dir, 'kvcsi.db')}`, PORT: String(port), LOG_LEVEL: 'info',
      KUBECONFIG: kubeconfig, AZURE_TENANT_ID: scenario.azure.tenantId, AZURE_CLIENT_ID: operator.clientId, AZURE_CLIENT_SECRET: operator.clientSecret,
      KVCSI_TEST_NETWORK_SANDBOX_URL: sandboxServer.url,
    }),
  });
  const output: string[] = [];
  for (const stream of [child.stdout!, child.stderr!]) createInterface({ input: stream }).on('line', (line) => output.push(line));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  try {
    await waitFor('/readyz', async () => {
      if (child.exitCode !== null) throw new Error(`the bot exited: ${output.join('\n')}`);
      try {
        const response = await fetch(`${url}/readyz`);
        return response.status === 200 ? ((await response.json()) as { checks: Record<string, string> }) : undefined;
      } catch {
        return undefined;
      }
    }, 60_000).then((body) => expect(body.checks).toEqual({ registry: 'ok', shutdown: 'ok', store: 'ok' }));
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    // JSON logs, with the settings that matter and no secret.
    const started = output.map((line) => { try { return JSON.parse(line) as Record<string, unknown>; } catch { return undefined; } }).find((line) => line?.msg === 'kvcsi bot started');
    expect(started).toMatchObject({ transport: 'http', sandbox: false, store: 'sqlite', replicas: 1 });
    expect(output.join('\n')).not.toContain(BOT_TOKEN);
    expect(output.join('\n')).not.toContain(operator.clientSecret);

    // A command through the local Slack: the bot reads the cluster over the network (to the sandbox).
    const slack = new Interactions({ workspace, botUrl: url, signingSecret: SIGNING_SECRET, baseUrl: consoleServer.url });
    await slack.type(RITA, PRD, '/kvcsi status -c cafehyna-prd');
    const metrics = await waitFor('the status command in the metrics', async () => {
      const text = await (await fetch(`${url}/metrics`)).text();
      return /^kvcsi_bot_commands_total\{verb="status"/m.test(text) ? text : undefined;
    });
    expect(metrics).toMatch(/^kvcsi_bot_commands_total\{verb="status",outcome="ok"\} 1$/m);
    expect(metrics).toMatch(/^kvcsi_bot_slack_ack_seconds_count [1-9]/m);
    expect(metrics).toMatch(/^kvcsi_outbound_requests_total\{service="kubernetes",host="cafehyna-prd\.sandbox\.azmk8s\.io[^"]*",status="200"\} [1-9]/m);
    expect(metrics).toMatch(/^kvcsi_bot_process_cpu_user_seconds_total /m);

    // The bot-token file rotates: the next Web API call (views.open for a secret form) carries the new token.
    const rotated = 'xoxb-production-test-rotated';
    writeFileSync(tokenFile, `${rotated}\n`);
    await waitFor('the token rotation to be noticed', () => output.some((line) => line.includes('SLACK_BOT_TOKEN changed')) || undefined, 15_000);
    await slack.type(RITA, PRD, '/kvcsi secret create rotation-check -c cafehyna-prd');
    const opened = await waitFor('views.open', () => apiProxy.calls.find((call) => call.method === 'views.open'));
    expect(opened.authorization).toBe(`Bearer ${rotated}`);
    // The signing-secret file rotates: requests signed with the old secret are refused, with the new one accepted.
    const newSecret = 'production-test-signing-secret-rotated';
    writeFileSync(secretFile, `${newSecret}\n`);
    await waitFor('the secret rotation to be noticed', () => output.some((line) => line.includes('SLACK_SIGNING_SECRET changed')) || undefined, 15_000);
    await slack.type(RITA, PRD, '/kvcsi help');
    expect(workspace.visibleTo(RITA).at(-1)?.text).toMatch(/HTTP 401/);
    const resigned = new Interactions({ workspace, botUrl: url, signingSecret: newSecret, baseUrl: consoleServer.url });
    await resigned.type(RITA, PRD, '/kvcsi help');
    expect(workspace.visibleTo(RITA).at(-1)?.text).not.toMatch(/HTTP 401/);
    const lines = output.join('\n');
    for (const secret of [rotated, newSecret, SIGNING_SECRET]) expect(lines).not.toContain(secret);
  } finally {
    child.kill('SIGTERM');
  }
  expect(await exited).toBe(0);
  await apiProxy.close();
});
