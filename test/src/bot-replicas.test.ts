/**
 * Two (and more) bot processes on one embedded PostgreSQL, behind the local Slack stand-in (the console's Web API,
 * response_urls and signed requests), over the sandbox served on loopback. Every bot is the built one
 * (`bot/dist/main.js`), started as `npm run bot` starts it, each in its own process.
 *
 * - a card posted through one process is updated when the request is approved through the other, and when it is
 *   approved from the CLI;
 * - 20 concurrent approvals split across both processes apply exactly once;
 * - a process killed while it updates a card loses nothing: another takes the card over when the claim lapses;
 * - a grant in flight at SIGTERM is applied and audited, and the process exits 0; a click after SIGTERM starts nothing;
 * - a card whose poster is down is updated when its request expires.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { execFile } from 'node:child_process';
import { EXAMPLE_CONFIG_PATH, SANDBOX_POLICY } from '@kvcsi/core';
import { Interactions, Workspace, startConsoleServer, type ConsoleMessage, type ConsoleServer } from '@kvcsi/console';
import { createSandbox, startSandboxHttpServer, type Sandbox } from '@kvcsi/sandbox';
import { createStore, type KvcsiStore } from '@kvcsi/store';
import { parse as parseYaml, stringify } from 'yaml';
import { readFileSync } from 'node:fs';
import { freePort, startEmbeddedPostgres } from './support/processes.js';

jest.setTimeout(180_000);

const ROOT = path.resolve(__dirname, '../..');
const BOT_MAIN = path.join(ROOT, 'bot/dist/main.js');
const CLI = path.join(ROOT, 'packages/cli/bin/kvcsi.js');
const SIGNING_SECRET = 'replicas-test-signing-secret';
const BOT_TOKEN = 'xoxb-replicas-test';
const RITA = 'U0SBXREQ01';
const ABEL = 'U0SBXAPP01';
const PRD = 'C0SBXPRD';
const APPROVALS = 'C0SBXAPPROVALS';
const APPROVE = 'kvcsi_approve';
/** The policy's shortest request lifetime: the expiry test waits it out. */
const REQUEST_TTL_IN_MS = 60_000;
const CLAIM_LEASE_IN_MS = 2_000;

interface BotProcess {
  name: string;
  url: string;
  child: ChildProcess;
  output: string[];
  exited: Promise<number | null>;
  interactions: Interactions;
}

let dir: string;
let postgres: { child: ChildProcess; connection: string };
let sandbox: Sandbox;
let sandboxServer: { url: string; close(): Promise<void> };
let consoleServer: ConsoleServer;
let workspace: Workspace;
let store: KvcsiStore;
let hangingSlack: { url: string; hang: boolean; hung: number; close(): Promise<void> };
const bots: BotProcess[] = [];
let expiring: { requestId: string; messageId: string; createdAt: number };

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutInMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutInMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function writeConfig(name: string, slack: Record<string, unknown>): string {
  const registry = parseYaml(readFileSync(EXAMPLE_CONFIG_PATH, 'utf8')) as Record<string, unknown>;
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, stringify({
    ...registry,
    policy: { ...SANDBOX_POLICY, requestTtlInMs: REQUEST_TTL_IN_MS },
    slack: {
      approvalsChannel: APPROVALS,
      channels: { [PRD]: 'cafehyna-prd', C0SBXDEV: 'cafehyna-dev' },
      users: { [RITA]: { name: 'Rita Requester', groups: ['requesters'] }, [ABEL]: { name: 'Abel Approver', groups: ['approvers-prd'] } },
      expirySweepIntervalInMs: 500,
      cardClaimLeaseInMs: CLAIM_LEASE_IN_MS,
      ...slack,
    },
  }));
  return file;
}

async function startBot(name: string, options: { slackApiUrl?: string; config?: string } = {}): Promise<BotProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [BOT_MAIN, '--sandbox', '--config', options.config ?? path.join(dir, 'bots.yaml')], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: options.slackApiUrl ?? consoleServer.apiUrl,
      KVCSI_SANDBOX_URL: sandboxServer.url, KVCSI_DATABASE_URL: postgres.connection, KVCSI_REPLICAS: '2',
      PORT: String(port), LOG_LEVEL: 'info', KVCSI_SHUTDOWN_DEADLINE_MS: '20000',
    },
  });
  const output: string[] = [];
  for (const stream of [child.stdout!, child.stderr!]) createInterface({ input: stream }).on('line', (line) => output.push(line));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const bot: BotProcess = {
    name, url, child, output, exited,
    interactions: new Interactions({ workspace, botUrl: url, signingSecret: SIGNING_SECRET, baseUrl: consoleServer.url }),
  };
  bots.push(bot);
  let gone = false;
  void exited.then(() => { gone = true; });
  await waitFor(`${name} to be ready`, async () => {
    if (gone) throw new Error(`${name} exited: ${output.join('\n')}`);
    try {
      return (await fetch(`${url}/readyz`)).status === 200 || undefined;
    } catch {
      return undefined;
    }
  }, 60_000);
  return bot;
}

/** A proxy of the console's Web API whose chat.update calls hang while `hang` is set (a bot stuck mid-update). */
async function startHangingSlack(): Promise<typeof hangingSlack> {
  const state = { hang: false, hung: 0 };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (state.hang && (request.url ?? '').endsWith('/chat.update')) {
        state.hung += 1;
        return; // never answered
      }
      const headers = Object.fromEntries(Object.entries(request.headers).filter(([key]) => !['host', 'content-length', 'connection'].includes(key))) as Record<string, string>;
      void fetch(`${consoleServer.url}${request.url ?? ''}`, { method: request.method ?? 'POST', headers, body: Buffer.concat(chunks) }).then(async (answer) => {
        response.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
        response.end(Buffer.from(await answer.arrayBuffer()));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`;
  return Object.assign(state, {
    url,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}

/** Rita types a command through `bot`; the request id it opened, and its card in #kvcsi-approvals. */
async function requestThrough(bot: BotProcess, text: string): Promise<{ requestId: string; card: ConsoleMessage }> {
  const before = new Set(workspace.visibleTo(ABEL).map((message) => message.id));
  await bot.interactions.type(RITA, PRD, `/kvcsi ${text}`);
  const card = await waitFor(`the card of "${text}"`, () => workspace.visibleTo(ABEL).find((message) => message.channel === APPROVALS && !before.has(message.id)))
    .catch((error: Error) => {
      // What Rita was told instead, for the failure message.
      const told = workspace.visibleTo(RITA).filter((message) => message.channel === PRD).slice(-2).map((message) => message.text);
      throw new Error(`${error.message}; Rita saw: ${JSON.stringify(told)}`);
    });
  const requestId = /req-[0-9a-z]+/.exec(card.text)?.[0];
  if (!requestId) throw new Error(`no request id in the card: ${card.text}`);
  return { requestId, card };
}

function current(card: ConsoleMessage): ConsoleMessage {
  const message = workspace.messageById(card.id);
  if (!message) throw new Error('the card is gone');
  return message;
}

function buttonsOf(message: ConsoleMessage): string[] {
  return (message.blocks ?? []).flatMap((block) => (Array.isArray(block.elements) ? (block.elements as { action_id?: string }[]) : []).map((element) => element.action_id ?? '')).filter(Boolean);
}

/** The card once it shows `status` (its header text) and no button. */
async function cardShowing(card: ConsoleMessage, status: RegExp, timeoutInMs = 20_000): Promise<ConsoleMessage> {
  return waitFor(`the card to show ${String(status)}`, () => {
    const message = current(card);
    return status.test(message.text) && buttonsOf(message).length === 0 ? message : undefined;
  }, timeoutInMs).catch((error: Error) => {
    const told = workspace.visibleTo(ABEL).filter((message) => message.channel !== APPROVALS).slice(-2).map((message) => message.text);
    throw new Error(`${error.message}; the card shows ${JSON.stringify(current(card).text)}; Abel saw: ${JSON.stringify(told)}`);
  });
}

function dmsAbout(requestId: string): ConsoleMessage[] {
  return workspace.visibleTo(RITA).filter((message) => message.channel === `D${RITA}` && message.text.includes(requestId));
}

async function auditOf(requestId: string): Promise<{ action: string; outcome: string; actor: string }[]> {
  return (await store.query({ requestId })).map(({ action, outcome, actor }) => ({ action, outcome, actor }));
}

/**
 * The request's apply events, once there is one: the audit row is written just after the request turns applied, so
 * a card can show "applied" a moment before it. A second apply would be a second row, which the callers refuse.
 */
async function applyEventsOf(requestId: string): Promise<{ action: string; outcome: string; actor: string }[]> {
  await waitFor(`the apply of ${requestId} in the audit`, async () => (await auditOf(requestId)).some((event) => event.action === 'request.apply') || undefined);
  await new Promise((resolve) => setTimeout(resolve, 500));
  return (await auditOf(requestId)).filter((event) => event.action === 'request.apply');
}

function prdVaultAssignments(): { scope: string }[] {
  return sandbox.state.azure.roleAssignments.filter((assignment) => assignment.scope.toLowerCase().includes('kv-cafehyna-prd'));
}

async function roleAssignmentsOfKubelet(): Promise<number> {
  return prdVaultAssignments().length;
}

/** Access taken away outside kvcsi (someone deleted the role assignment), so that a grant has something to do. */
function withoutAccess(): void {
  for (const assignment of prdVaultAssignments()) sandbox.state.azure.roleAssignments.splice(sandbox.state.azure.roleAssignments.indexOf(assignment as never), 1);
}


beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'kvcsi-replicas-'));
  postgres = await startEmbeddedPostgres();
  store = await createStore({ client: 'pg', connection: postgres.connection });
  sandbox = createSandbox({ autoSave: false });
  sandboxServer = await startSandboxHttpServer(sandbox, { port: 0 });
  workspace = new Workspace();
  consoleServer = await startConsoleServer({ port: 0, botUrl: 'http://127.0.0.1:9', signingSecret: SIGNING_SECRET, botToken: BOT_TOKEN, workspace });
  hangingSlack = await startHangingSlack();
  writeConfig('bots', {});
  // The poster of the card that expires: it posts one card and is killed.
  const poster = await startBot('poster');
  const { requestId, card } = await requestThrough(poster, 'grant external-dns cafehyna-prd');
  expiring = { requestId, messageId: card.id, createdAt: Date.now() };
  poster.child.kill('SIGKILL');
  await poster.exited;
  await Promise.all([startBot('a'), startBot('b')]);
}, 180_000);

afterAll(async () => {
  for (const bot of bots) if (bot.child.exitCode === null && bot.child.signalCode === null) bot.child.kill('SIGKILL');
  await Promise.all(bots.map((bot) => bot.exited));
  await store?.close();
  await hangingSlack?.close();
  await consoleServer?.close();
  await sandboxServer?.close();
  if (postgres) {
    postgres.child.stdin?.end();
    await once(postgres.child, 'exit');
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const bot = (name: string): BotProcess => {
  const found = [...bots].reverse().find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no bot ${name}`);
  return found;
};

it('a card posted through one process is updated when the request is approved through the other', async () => {
  withoutAccess();
  const { requestId, card } = await requestThrough(bot('a'), 'grant defectdojo cafehyna-prd');
  expect(buttonsOf(card)).toContain(APPROVE);
  await bot('b').interactions.click(ABEL, card.id, APPROVE);
  const updated = await cardShowing(card, /applied/i);
  expect(updated.text).toContain(requestId);
  await waitFor('the DM to Rita', () => dmsAbout(requestId).length > 0 || undefined);
  // One DM, however many replicas saw the change.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  expect(dmsAbout(requestId)).toHaveLength(1);
  expect(await applyEventsOf(requestId)).toEqual([expect.objectContaining({ outcome: 'succeeded' })]);
});

it('a card is updated when its request is approved from the CLI', async () => {
  withoutAccess();
  const { requestId, card } = await requestThrough(bot('a'), 'grant defectdojo cafehyna-prd');
  // `--as` needs the sandbox in the CLI's own process (it knows the scenario's people there), so the CLI applies the
  // grant to a sandbox of its own; what matters here is the store they share: the request the bots posted is decided
  // and applied by another face, and the bots must notice.
  const cli = await promisify(execFile)(process.execPath, [CLI, 'requests', 'approve', requestId, '--sandbox', '--as', 'approver'], {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? dir, NO_COLOR: '1',
      KVCSI_SANDBOX: '1', KVCSI_SANDBOX_STATE: path.join(dir, 'cli-sandbox.json'), KVCSI_DATABASE_URL: postgres.connection,
    },
  });
  expect(cli.stdout).toContain(`Request ${requestId}: applied`);
  await cardShowing(card, /applied/i);
  await waitFor('the DM to Rita', () => dmsAbout(requestId).length > 0 || undefined);
});

it('20 concurrent approvals split across both processes apply exactly once', async () => {
  withoutAccess();
  const { requestId, card } = await requestThrough(bot('a'), 'grant defectdojo cafehyna-prd');
  const assignmentsBefore = await roleAssignmentsOfKubelet();
  await Promise.all(Array.from({ length: 20 }, (_, index) => bot(index % 2 === 0 ? 'a' : 'b').interactions.click(ABEL, card.id, APPROVE).catch(() => undefined)));
  await cardShowing(card, /applied/i);
  expect(await applyEventsOf(requestId)).toEqual([expect.objectContaining({ outcome: 'succeeded' })]);
  const trail = await auditOf(requestId);
  expect(trail.filter((event) => event.action === 'request.approve' && event.outcome === 'succeeded')).toHaveLength(1);
  // Every click was heard: one approval, and each of the others told it came too late (or found no button left).
  expect(trail.filter((event) => event.action === 'request.approve').length).toBeGreaterThanOrEqual(1);
  expect(await roleAssignmentsOfKubelet()).toBe(assignmentsBefore + 1);
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  expect(dmsAbout(requestId)).toHaveLength(1);
});

it('a process killed while it updates a card loses nothing: another takes the card over when its claim lapses', async () => {
  withoutAccess();
  const { requestId, card } = await requestThrough(bot('a'), 'grant defectdojo cafehyna-prd');
  // Only c runs while it decides, so that it is c that claims the card; c reaches Slack through a proxy that leaves
  // its chat.update unanswered.
  for (const name of ['a', 'b']) bot(name).child.kill('SIGTERM');
  expect(await Promise.all([bot('a').exited, bot('b').exited])).toEqual([0, 0]);
  const stuck = await startBot('c', { slackApiUrl: hangingSlack.url });
  hangingSlack.hang = true;
  await stuck.interactions.click(ABEL, card.id, APPROVE);
  await waitFor('c to hang in chat.update', () => hangingSlack.hung > 0 || undefined);
  // The decision and the apply are done (they do not wait for Slack); only the card is left, claimed by c.
  await waitFor('the grant to be applied', async () => (await store.getRequest(requestId))?.status === 'applied' || undefined);
  const claimed = await store.cards.getCard(requestId);
  expect(claimed?.claimedBy).toBeDefined();
  stuck.child.kill('SIGKILL');
  await stuck.exited;
  hangingSlack.hang = false;
  expect(current(card).text).not.toMatch(/applied/i);
  await Promise.all([startBot('a'), startBot('b')]);
  const updated = await cardShowing(card, /applied/i, 20_000);
  expect(updated.text).toContain(requestId);
  // The card's record is written after chat.update answers, so the Slack view can be a moment ahead of it.
  const after = await waitFor('the card record to show applied and no claim', async () => {
    const record = await store.cards.getCard(requestId);
    return record?.shownStatus === 'applied' && record.claimedBy === undefined ? record : undefined;
  });
  expect(after).toMatchObject({ shownStatus: 'applied' });
  expect(after.claimedBy).toBeUndefined();
  expect(await applyEventsOf(requestId)).toEqual([expect.objectContaining({ outcome: 'succeeded' })]);
  await waitFor('the DM to Rita', () => dmsAbout(requestId).length > 0 || undefined);
});

it('SIGTERM: the grant in flight is applied and audited, a click after it starts nothing, and the process exits 0', async () => {
  const draining = await startBot('d');
  withoutAccess();
  const { requestId, card } = await requestThrough(bot('a'), 'grant defectdojo cafehyna-prd');
  const { requestId: laterId, card: laterCard } = await requestThrough(bot('a'), 'grant external-dns cafehyna-prd');
  // The role assignment takes 3 s: SIGTERM lands while it is being made.
  const fault = await fetch(`${sandboxServer.url}/_sandbox/faults`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ kind: 'latency', fixedInMs: 3_000, host: 'management.azure.com', method: 'PUT', times: 1 }),
  });
  expect(fault.status).toBe(200);
  await draining.interactions.click(ABEL, card.id, APPROVE);
  await waitFor('the apply to start', async () => (await auditOf(requestId)).some((event) => event.action === 'request.approve' && event.outcome === 'succeeded') || undefined);
  draining.child.kill('SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 200));
  // A click after SIGTERM is not started (refused, or the port is already closed).
  await draining.interactions.click(ABEL, laterCard.id, APPROVE).catch(() => undefined);
  expect(await draining.exited).toBe(0);
  expect(await applyEventsOf(requestId)).toEqual([expect.objectContaining({ outcome: 'succeeded' })]);
  expect((await store.getRequest(requestId))?.status).toBe('applied');
  expect((await store.getRequest(laterId))?.status).toBe('pending');
  expect((await auditOf(laterId)).map((event) => event.action)).toEqual(['request.submit']);
  expect(draining.output.join('\n')).toMatch(/stopping: no new work/);
  await cardShowing(card, /applied/i);
  expect(buttonsOf(current(laterCard))).toContain(APPROVE);
});

it('a card whose poster is down is updated when its request expires', async () => {
  const card = workspace.messageById(expiring.messageId)!;
  expect(card).toBeDefined();
  const waitInMs = Math.max(0, expiring.createdAt + REQUEST_TTL_IN_MS - Date.now());
  await new Promise((resolve) => setTimeout(resolve, waitInMs));
  const updated = await cardShowing(card, /expired/i, 20_000);
  expect(updated.text).toContain(expiring.requestId);
  await waitFor('the DM to Rita', () => dmsAbout(expiring.requestId).some((message) => /expired/i.test(message.text)) || undefined);
  expect((await auditOf(expiring.requestId)).filter((event) => event.action === 'request.expire')).toHaveLength(1);
}, 120_000);
