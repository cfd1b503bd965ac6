/**
 * Issue 22, "Done when": two bot processes, the leader killed mid-storm, ten times over. No duplicate message in any
 * run, and the watch resumes within 30 s.
 *
 * Two built bots (`bot/dist/main.js`, as `npm run bot` starts them) share one embedded PostgreSQL, the console as
 * their Slack, and one sandbox served on loopback. They elect the watcher's leader through the Lease kvcsi/kvcsi-watch
 * in the hub (the registry's inCluster cluster); the sandbox grants kvcsi's identity the deploy kit's leader role
 * (deploy/cluster/azure-rbac/kvcsi-aks-leader.json) at that namespace, as assign-roles.sh does with HUB_CLUSTER_ID.
 * A 3 s lease (KVCSI_WATCH_LEASE_DURATION_SECONDS) keeps the ten runs short; the production bound is a unit test
 * of the settings (bot/src/watch/lease-settings.test.ts).
 *
 * Each run: external-dns on cafehyna-prd loses its role on the vault and its pod restarts, so the kubelet's
 * FailedMount events flow; the leader posts one message. A storm of further FailedMount events starts, the leader is
 * SIGKILLed in the middle of it (half the runs while the message is still being decided, before it is posted), and a
 * replacement process starts. The other process must take over and, once the role is back, resolve that same message
 * in place, within 30 s of the kill; the channel must hold exactly one message for the run, and so must the approvers
 * channel (a prd problem's second destination, `watch.approvers`). The file takes about 70 s (10 runs of about 6 s,
 * PostgreSQL and the first two bots started once).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { EXAMPLE_CONFIG_PATH, SANDBOX_POLICY, type KubePod } from '@kvcsi/core';
import { Workspace, startConsoleServer, type ConsoleMessage, type ConsoleServer } from '@kvcsi/console';
import { createSandbox, startSandboxHttpServer, type Sandbox } from '@kvcsi/sandbox';
import { createKnexProblemStore, createStore, type KvcsiStore } from '@kvcsi/store';
import { parse as parseYaml, stringify } from 'yaml';
import { freePort, startEmbeddedPostgres } from './support/processes.js';

jest.setTimeout(240_000);

const ROOT = path.resolve(__dirname, '../..');
const BOT_MAIN = path.join(ROOT, 'bot/dist/main.js');
const LEADER_ROLE = path.join(ROOT, 'deploy/cluster/azure-rbac/kvcsi-aks-leader.json');
const SIGNING_SECRET = 'watch-failover-signing-secret';
const BOT_TOKEN = 'xoxb-watch-failover';
const WATCH_CHANNEL = 'C0SBXWATCH';
/** prd problems also go to the approvers channel (watch.approvers): a second destination to keep single. */
const APPROVALS = 'C0SBXAPPROVALS';
const CLUSTER = 'cafehyna-prd';
const NAMESPACE = 'external-dns';
const RUNS = 10;
/** Issue 22: the watch resumes within 30 s of the leader's death. */
const FAILOVER_PROMISE_IN_MS = 30_000;
const LEASE_ENV = { KVCSI_WATCH_LEASE_DURATION_SECONDS: '3', KVCSI_WATCH_RENEW_DEADLINE_SECONDS: '2', KVCSI_WATCH_RETRY_PERIOD_SECONDS: '1', KVCSI_WATCH_SETTLE_MS: '300' };

interface BotProcess {
  name: string;
  child: ChildProcess;
  /** Log lines with when they were read. */
  output: { at: number; line: string }[];
  exited: Promise<number | null>;
  ready: Promise<void>;
}

let dir: string;
let postgres: { child: ChildProcess; connection: string };
let sandbox: Sandbox;
let sandboxServer: { url: string; close(): Promise<void> };
let consoleServer: ConsoleServer;
let workspace: Workspace;
let store: KvcsiStore;
const bots: BotProcess[] = [];
let botCount = 0;

async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutInMs = 30_000, context: () => string | Promise<string> = () => ''): Promise<T> {
  const deadline = Date.now() + timeoutInMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${await context()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The test's own steps, with when. */
const log: string[] = [];
const step = (what: string): void => { log.push(`${Date.now()} ${what}`); };

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function startBot(): BotProcess {
  botCount += 1;
  const name = `bot-${botCount}`;
  const port = freePortSync.shift();
  const child = spawn(process.execPath, [BOT_MAIN, '--sandbox', '--config', path.join(dir, 'kvcsi.yaml')], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: consoleServer.apiUrl,
      KVCSI_SANDBOX_URL: sandboxServer.url, KVCSI_DATABASE_URL: postgres.connection, KVCSI_REPLICAS: '2',
      PORT: String(port ?? 0), LOG_LEVEL: 'info', ...LEASE_ENV,
    },
  });
  const output: BotProcess['output'] = [];
  for (const stream of [child.stdout!, child.stderr!]) createInterface({ input: stream }).on('line', (line) => output.push({ at: Date.now(), line }));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  let gone = false;
  void exited.then(() => { gone = true; });
  const ready = waitFor(`${name} to start its watcher`, () => {
    if (gone) throw new Error(`${name} exited: ${output.map((o) => o.line).join('\n')}`);
    return output.some((o) => o.line.includes('watch: started for'));
  }, 60_000).then(() => undefined);
  ready.catch(() => undefined);
  const bot: BotProcess = { name, child, output, exited, ready };
  bots.push(bot);
  return bot;
}
/** Ports picked ahead (freePort is async; startBot is not, so a kill and a start are one step). */
const freePortSync: number[] = [];

/** Every text the watch channel's messages showed, with when (a failure shows how the run went). */
const history: string[] = [];
const seen = new Map<string, string>();
function recordHistory(): void {
  for (const message of channelMessages()) {
    if (seen.get(message.id) === message.text) continue;
    seen.set(message.id, message.text);
    history.push(`${Date.now()} ${message.id.slice(0, 8)} ${message.text.slice(0, 60)}`);
  }
}

/** What a failure should show: the problems and messages in the store, and the watch lines of the live bots. */
async function state(): Promise<string> {
  const problems = createKnexProblemStore(store.knex);
  const rows = { problems: await problems.listOpenProblems(), messages: (await problems.listMessages()).map((m) => ({ id: m.id, state: m.state, post: m.post })) };
  const lines = bots.filter((bot) => alive(bot)).map((bot) => `${bot.name}: ${bot.output.filter((o) => o.line.includes('watch')).slice(-6).map((o) => o.line).join('\n  ')}`);
  return `\n${JSON.stringify(rows, null, 1)}\n${lines.join('\n')}\n${history.slice(-12).join('\n')}\n${log.slice(-20).join('\n')}`;
}

const alive = (bot: BotProcess): boolean => bot.child.exitCode === null && bot.child.signalCode === null;

/** Whether the bot's last leadership line says it leads (and when it said so). */
function leadingSince(bot: BotProcess): number | undefined {
  const last = [...bot.output].reverse().find((o) => /watch: (not )?leading/.test(o.line));
  return last !== undefined && /watch: leading/.test(last.line) ? last.at : undefined;
}

function channelMessages(channel = WATCH_CHANNEL): ConsoleMessage[] {
  return workspace.visibleTo('U0SBXREQ01').filter((message) => message.channel === channel);
}

const kube = () => sandbox.state.kubernetes[CLUSTER]!;

function brokenPodName(): string {
  const pods = kube().list('pods', { namespace: NAMESPACE }).items as unknown as KubePod[];
  const pod = pods.find((p) => p.metadata.name.startsWith('external-dns-'));
  if (pod === undefined) throw new Error('no external-dns pod');
  return pod.metadata.name;
}

/** Deletes the pod and creates its replacement, as the ReplicaSet controller does on a rollout restart. */
function restartPod(newName: string): void {
  const oldName = brokenPodName();
  const old = kube().get('pods', NAMESPACE, oldName) as unknown as KubePod;
  kube().delete('pods', NAMESPACE, oldName);
  const { uid: _uid, resourceVersion: _rv, creationTimestamp: _ct, ...metadata } = old.metadata;
  kube().create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { ...metadata, name: newName }, spec: old.spec, status: { phase: 'Pending' } } as never);
  sandbox.reconcile();
}

/** The kubelet identity's one role assignment on the prd vault (secret scope). */
let revoked: typeof sandbox.state.azure.roleAssignments = [];
function revokeRole(): void {
  const azure = sandbox.state.azure;
  revoked = azure.roleAssignments.filter((a) => a.scope.endsWith('/vaults/kv-cafehyna-prd/secrets/cloudflare-api-token'));
  expect(revoked).toHaveLength(1);
  azure.roleAssignments = azure.roleAssignments.filter((a) => !revoked.includes(a));
}
function restoreRole(): void {
  sandbox.state.azure.roleAssignments.push(...revoked);
  // The pod's Ready condition is stamped with the sandbox's clock: on the real one, as a cluster's API server and the
  // watcher agree on time. A new leader that first lists the pod after the fix then sees it ready since after the
  // problem opened (on the scenario's 2026-01-01 clock it would look ready from before, and stay unresolved).
  sandbox.clock.set(Math.max(Date.now(), sandbox.clock.nowMs()));
  sandbox.reconcile();
}

/** FailedMount events for the broken pod every 20 ms, as the kubelet's retries would (and more). */
let storming: NodeJS.Timeout | undefined;
function startStorm(): { count: () => number; stop: () => void } {
  let count = 0;
  const timer = setInterval(() => {
    const pod = kube().get('pods', NAMESPACE, brokenPodName());
    if (pod === undefined) return;
    count += 1;
    kube().recordEvent({ involvedObject: pod, reason: 'FailedMount', type: 'Warning', component: 'kubelet', message: `MountVolume.SetUp failed for volume "secrets-store" : rpc error: code = Unknown desc = storm ${count}` });
  }, 20);
  storming = timer;
  return { count: () => count, stop: () => clearInterval(timer) };
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'kvcsi-watch-failover-'));
  postgres = await startEmbeddedPostgres();
  store = await createStore({ client: 'pg', connection: postgres.connection });

  sandbox = createSandbox({ autoSave: false });
  // The deploy kit's namespace in the hub, and its leader role for kvcsi's identity there (assign-roles.sh with
  // HUB_CLUSTER_ID): the Lease is read and written with the bot's Entra ID token in sandbox mode.
  const hub = sandbox.state.kubernetes['cafehyna-hub']!;
  hub.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kvcsi' } } as never);
  const azure = sandbox.state.azure;
  const reader = azure.roleAssignments.find((a) => a.scope.toLowerCase().endsWith('/managedclusters/cafehyna-hub'));
  if (reader === undefined) throw new Error('the scenario gives kvcsi no role on cafehyna-hub');
  const role = JSON.parse(readFileSync(LEADER_ROLE, 'utf8')) as { Name: string; Description: string; DataActions: string[] };
  const roleId = '6b5c1f2e-9d1a-4c3e-8f5a-1e2d3c4b5a69';
  azure.roleDefinitions.push({ name: roleId, roleName: role.Name, description: role.Description, roleType: 'CustomRole', permissions: [{ actions: [], notActions: [], dataActions: role.DataActions, notDataActions: [] }] });
  azure.roleAssignments.push({ ...reader, name: 'a7e1c0de-0000-4000-8000-00000000f00d', scope: `${reader.scope}/namespaces/kvcsi`, roleDefinitionName: roleId, roleDefinitionId: roleId, createdMs: 0 });
  sandboxServer = await startSandboxHttpServer(sandbox, { port: 0 });

  workspace = new Workspace();
  workspace.addChannel({ id: WATCH_CHANNEL, name: 'kvcsi-watch', topic: 'Problems the watcher finds.' });
  workspace.onChange(recordHistory);
  consoleServer = await startConsoleServer({ port: 0, botUrl: 'http://127.0.0.1:9', signingSecret: SIGNING_SECRET, botToken: BOT_TOKEN, workspace });

  const registry = parseYaml(readFileSync(EXAMPLE_CONFIG_PATH, 'utf8')) as { clusters: Record<string, unknown>[] };
  registry.clusters.find((cluster) => cluster.name === CLUSTER)!.watch = { channel: WATCH_CHANNEL, namespaces: [NAMESPACE], approvers: true };
  expect(registry.clusters.filter((cluster) => cluster.inCluster === true).map((cluster) => cluster.name)).toEqual(['cafehyna-hub']);
  writeFileSync(path.join(dir, 'kvcsi.yaml'), stringify({
    ...registry,
    policy: SANDBOX_POLICY,
    slack: { approvalsChannel: APPROVALS, channels: { C0SBXPRD: CLUSTER } },
  }));
  for (let i = 0; i < RUNS + 2; i++) freePortSync.push(await freePort());
  const first = [startBot(), startBot()];
  await Promise.all(first.map((bot) => bot.ready));
}, 120_000);

afterAll(async () => {
  clearInterval(storming);
  for (const bot of bots) if (alive(bot)) bot.child.kill('SIGKILL');
  await Promise.all(bots.map((bot) => bot.exited));
  await store?.close();
  await consoleServer?.close();
  await sandboxServer?.close();
  if (postgres) {
    postgres.child.stdin?.end();
    await once(postgres.child, 'exit');
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it(`the leader killed mid-storm, ${RUNS} times: one message per run, resolved in place by the next leader within 30 s`, async () => {
  const report: string[] = [];
  for (let run = 1; run <= RUNS; run++) {
    const before = channelMessages().length;
    const approvalsBefore = channelMessages(APPROVALS).length;
    const leader = await waitFor(`run ${run}: one leader`, () => {
      const leading = bots.filter((bot) => alive(bot) && leadingSince(bot) !== undefined);
      return leading.length === 1 ? leading[0] : undefined;
    }, 30_000, () => `; ${bots.filter(alive).map((b) => `${b.name}: ${b.output.slice(-3).map((o) => o.line).join(' | ')}`).join('\n')}`);

    // The app breaks: its pod restarts without access, the kubelet reports FailedMount, and a storm follows.
    step(`run ${run}: break (leader ${leader.name})`);
    revokeRole();
    restartPod(`external-dns-g2kt9bvfkc-run${run}`);
    const storm = startStorm();
    // Even runs: the leader dies while the message is being decided or sent; odd runs: after it is posted.
    const killEarly = run % 2 === 0;
    let message: ConsoleMessage | undefined;
    if (!killEarly) {
      message = await waitFor(`run ${run}: the message`, () => channelMessages()[before], 30_000);
      await sleep(200 + ((run * 137) % 500));
    } else {
      await sleep(150 + ((run * 97) % 400));
    }
    leader.child.kill('SIGKILL');
    const killedAt = Date.now();
    step(`run ${run}: killed ${leader.name}`);
    await leader.exited;
    const stormAtKill = storm.count();
    const replacement = startBot();

    const next = await waitFor(`run ${run}: a new leader`, () => bots.find((bot) => bot !== leader && alive(bot) && (leadingSince(bot) ?? 0) > killedAt), FAILOVER_PROMISE_IN_MS);
    const leadInMs = (leadingSince(next) ?? 0) - killedAt;
    message ??= await waitFor(`run ${run}: the message (posted by ${next.name} after the kill)`, () => channelMessages()[before], FAILOVER_PROMISE_IN_MS, state);
    // The new leader has listed and is watching; the storm goes on meanwhile, and then the role comes back.
    await sleep(1_500);
    storm.stop();
    step(`run ${run}: fix (${next.name} leads)`);
    restoreRole();
    const resolved = await waitFor(`run ${run}: the message resolved in place`, () => {
      const current = workspace.messageById(message!.id);
      return current !== undefined && /^Resolved after/.test(current.text) ? current : undefined;
    }, Math.max(1_000, killedAt + FAILOVER_PROMISE_IN_MS - Date.now()), async () => `; it says ${JSON.stringify(workspace.messageById(message!.id)?.text)}${await state()}`);
    const resolvedInMs = Date.now() - killedAt;

    expect(resolved.text).toMatch(/D2/);
    expect(leadInMs).toBeLessThan(FAILOVER_PROMISE_IN_MS);
    expect(resolvedInMs).toBeLessThan(FAILOVER_PROMISE_IN_MS);
    // No duplicate: the run's one message, however many events and whichever leader.
    await sleep(300);
    expect(channelMessages().slice(before).map((m) => m.id)).toEqual([message.id]);
    // Its copy in the approvers channel: one, resolved in place too.
    const copy = await waitFor(`run ${run}: the approvers channel's copy resolved`, () => channelMessages(APPROVALS).slice(approvalsBefore).find((m) => /^Resolved after/.test(m.text)), Math.max(1_000, killedAt + FAILOVER_PROMISE_IN_MS - Date.now()), state);
    expect(channelMessages(APPROVALS).slice(approvalsBefore).map((m) => m.id)).toEqual([copy.id]);
    report.push(`run ${run}: killed ${leader.name} ${killEarly ? 'before the post' : 'after the post'} (${stormAtKill} storm events at the kill, ${storm.count()} in all); ${next.name} led after ${leadInMs} ms, resolved the message after ${resolvedInMs} ms`);
    await replacement.ready;
  }
  expect(channelMessages()).toHaveLength(RUNS);
  const rows = await createKnexProblemStore(store.knex).listMessages();
  expect(rows.map((row) => row.state)).toEqual(Array.from({ length: RUNS }, () => 'resolved'));
  process.stdout.write(`${report.join('\n')}\n`);
});
