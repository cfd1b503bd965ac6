'use strict';
/* global __filename */
// Bench: the same 200 slash commands, 20 at a time, as bot/bench/slash-commands.js, but over Socket Mode: the bot
// (as `npm run bot` builds it, service in a worker thread) opens its WebSocket through apps.connections.open at the
// console (the local Slack stand-in) and acknowledges each `slash_commands` envelope by its envelope_id. Reports the
// ack latency as Slack sees it (envelope sent → ack received), the ack inside the bot (envelope read → ack written),
// and the time to the final answer (the response_url call that replaces "working…").
//
// Three processes: this one (the bot), the sandbox (`npm run sandbox`, at nice 10 as in the HTTP bench), and Slack:
// the console with Socket Mode, which sends the envelopes, times the acks and takes the Web API calls and
// response_urls (Slack's side is one process here, as the sender of envelopes and the receiver of acks are one).
// Uses the compiled bot and console (dist/), built by the root `prepare` / `npm run build`.
const { fork } = require('node:child_process');
const os = require('node:os');
const path = require('node:path');
const { monitorEventLoopDelay, performance } = require('node:perf_hooks');
const { setTimeout } = require('node:timers');

const TOTAL = Number(process.env.KVCSI_BOT_BENCH_COMMANDS ?? 200);
const CONCURRENCY = Number(process.env.KVCSI_BOT_BENCH_CONCURRENCY ?? 20);
const ACK_P99_TARGET_IN_MS = 100;
const STAND_IN_NICENESS = Number(process.env.KVCSI_BOT_BENCH_NICE ?? 10);
const USER = 'U0SBXREQ01';
const CHANNEL = 'C0SBXPRD';
// The HTTP bench's commands, so the two figures compare.
const COMMANDS = [
  'clusters',
  'status',
  'bindings defectdojo',
  'diagnose --app defectdojo',
  'diagnose defectdojo-hvvfwdpl2p-gzd7z -n defectdojo',
  'grant defectdojo cafehyna-prd --dry-run',
  'spc defectdojo -n defectdojo --secret defectdojo-admin-password',
  'help',
];

function load(file) {
  try {
    return require(path.join(__dirname, '../..', file));
  } catch (error) {
    console.error(`bench: cannot load ${file}; run \`npm run build\` first.`);
    throw error;
  }
}

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)];
}

/**
 * Slack, in its own process: the console with Socket Mode. On `run`, sends the commands as envelopes from CONCURRENCY
 * senders, each waiting for its ack before the next, and reports every ack's latency and final answer's arrival.
 */
async function slackProcess() {
  const { startConsoleServer } = load('console/dist/server.js');
  const { slashCommandBody } = load('console/dist/slack-requests.js');
  const { envelopeOf } = load('console/dist/socket-mode/envelopes.js');
  const console_ = await startConsoleServer({ port: 0, botUrl: 'http://127.0.0.1:9', signingSecret: 'unused', botToken: process.env.KVCSI_BENCH_BOT_TOKEN, socketMode: { appToken: process.env.KVCSI_BENCH_APP_TOKEN } });
  const { workspace } = console_;
  const hub = console_.socketMode;
  const finals = new Map();
  const waiters = new Map();
  // A response_url call that replaces "working…" (or posts in the channel) is the command's answer.
  const respond = workspace.respond.bind(workspace);
  workspace.respond = (targetId, body) => {
    respond(targetId, body);
    if (body.replace_original === true || body.response_type === 'in_channel') {
      finals.set(targetId, Date.now());
      waiters.get(targetId)?.();
    }
  };
  const finalOf = (targetId) => (finals.has(targetId) ? Promise.resolve(finals.get(targetId)) : new Promise((resolve) => waiters.set(targetId, () => resolve(finals.get(targetId)))));
  const envelope = (text) => {
    const target = workspace.createResponseTarget({ kind: 'command', channel: CHANNEL, userId: USER });
    const body = slashCommandBody({ command: '/kvcsi', text, userId: USER, channelId: CHANNEL, channelName: 'cafehyna-prd', responseUrl: `${console_.url}/response/${target.id}`, triggerId: workspace.createTrigger(USER) });
    return { targetId: target.id, ...envelopeOf(body) };
  };
  const sendOne = async (text) => {
    const { targetId, type, payload, acceptsResponsePayload } = envelope(text);
    const sentAt = Date.now();
    const t0 = process.hrtime.bigint();
    const ack = await hub.send(type, payload, acceptsResponsePayload);
    const ackInMs = Number(process.hrtime.bigint() - t0) / 1e6;
    // The ack carries "working…": the console shows it as Slack does, so the response_url can replace it.
    if (ack.status === 200 && ack.body) workspace.respond(targetId, JSON.parse(ack.body));
    return { targetId, envelopeId: ack.envelopeId, sentAt, ackInMs, status: ack.status };
  };
  process.on('message', async (message) => {
    if (message.warmUp) {
      for (const text of COMMANDS) {
        const sent = await sendOne(text);
        await finalOf(sent.targetId);
      }
      process.send({ warmedUp: true });
    } else if (message.run) {
      const loopDelay = monitorEventLoopDelay({ resolution: 10 });
      loopDelay.enable();
      const sent = [];
      let next = 0;
      const sender = async () => {
        while (next < TOTAL) {
          const text = COMMANDS[next % COMMANDS.length];
          next += 1;
          sent.push(await sendOne(text));
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, sender));
      const answered = await Promise.all(sent.map(async (command) => ({ ...command, finalAt: await finalOf(command.targetId) })));
      loopDelay.disable();
      process.send({ sent: answered, slackLoopDelay: { p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 }, problems: hub.events.filter((event) => event.kind === 'late-ack' || event.kind === 'duplicate-ack').length });
    } else if (message.close) {
      // Only once the bot has left: a connection dropped under it would be a reconnect to wait out.
      await console_.close();
      process.disconnect();
    }
  });
  process.send({ apiUrl: console_.apiUrl });
}

function forkSlack(env) {
  const child = fork(__filename, [], { env: { ...process.env, KVCSI_BOT_BENCH_ROLE: 'slack', ...env } });
  const messages = [];
  let wake = () => undefined;
  child.on('message', (message) => {
    messages.push(message);
    wake();
  });
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve({ exitCode: code })));
  const receive = async (predicate) => {
    for (;;) {
      const index = messages.findIndex(predicate);
      if (index >= 0) return messages.splice(index, 1)[0];
      const woken = await Promise.race([new Promise((resolve) => (wake = resolve)), exited]);
      if (woken && typeof woken === 'object' && 'exitCode' in woken && !messages.some(predicate)) throw new Error(`bench slack exited with ${woken.exitCode}`);
    }
  };
  return { child, receive, send: (message) => child.send(message), stop: () => (child.exitCode === null ? child.kill() : undefined) };
}

async function main() {
  const { EXAMPLE_CONFIG_PATH, parseRegistryConfig } = require('@kvcsi/core');
  const { LogLevel } = require('@slack/bolt');
  const { readFileSync } = require('node:fs');
  const { createKvcsiBot } = load('bot/dist/app.js');
  const { serviceEnvironment, startBotBackend } = load('bot/dist/backend.js');
  const { SANDBOX_SLACK_CONFIG, parseSlackConfig } = load('bot/dist/config.js');
  const { SecretScrubber, createBotLogger } = load('bot/dist/logger.js');
  const { startSandboxProcess } = require('../../bench/sandbox-process.js');

  const botToken = 'xoxb-bench-only';
  const appToken = 'xapp-1-A0KVCSI-bench-only';
  const sandbox = await startSandboxProcess();
  if (STAND_IN_NICENESS > 0) os.setPriority(sandbox.pid, STAND_IN_NICENESS);
  const slack = forkSlack({ KVCSI_BENCH_BOT_TOKEN: botToken, KVCSI_BENCH_APP_TOKEN: appToken });
  const { apiUrl } = await slack.receive((message) => message.apiUrl);
  const configText = readFileSync(EXAMPLE_CONFIG_PATH, 'utf8');
  const registry = parseRegistryConfig(configText, EXAMPLE_CONFIG_PATH);
  const config = { ...parseSlackConfig(SANDBOX_SLACK_CONFIG), transport: 'socket' };
  const scrubber = new SecretScrubber();
  const logger = createBotLogger({ level: LogLevel.WARN, scrubber });
  const backend = await startBotBackend({
    serviceIn: 'worker', registryText: configText, registrySource: EXAMPLE_CONFIG_PATH, slack: config,
    sandbox: { url: sandbox.url }, slackApiUrl: apiUrl, env: serviceEnvironment(process.env), logger,
  });
  const bot = createKvcsiBot({ service: backend.service, registry, config, botToken, signingSecret: 'unused-in-socket-mode', appToken, slackApiUrl: apiUrl, logger, scrubber });
  try {
    await bot.start(0);
    slack.send({ warmUp: true });
    await slack.receive((message) => message.warmedUp);

    // The ack inside the bot: from the envelope's frame read off the WebSocket to the ack frame handed to it.
    const client = bot.socket.receiver.client;
    const readAt = new Map();
    const insideAcks = [];
    const onFrame = (data) => {
      const match = typeof data === 'string' ? /"envelope_id":"([^"]+)"/.exec(data) : null;
      if (match) readAt.set(match[1], performance.now());
    };
    const onAck = (message) => {
      const started = readAt.get(message.envelope_id);
      if (started !== undefined) insideAcks.push(performance.now() - started);
    };
    client.on('ws_message', onFrame);
    client.on('outgoing_message', onAck);
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const mainBusy = performance.eventLoopUtilization();
    const started = process.hrtime.bigint();
    slack.send({ run: true });
    const { sent, slackLoopDelay, problems } = await slack.receive((message) => message.sent);
    const wallInMs = Number(process.hrtime.bigint() - started) / 1e6;
    loopDelay.disable();
    client.off('ws_message', onFrame);
    client.off('outgoing_message', onAck);
    const utilisation = performance.eventLoopUtilization(mainBusy).utilization;

    const acks = sent.map((command) => command.ackInMs);
    const finals = sent.map((command) => command.finalAt - command.sentAt);
    const failures = sent.filter((command) => command.status !== 200).length;
    const ackP99 = percentile(acks, 99);
    console.log(`kvcsi bot benchmark: ${acks.length} slash commands, ${CONCURRENCY} at a time, Socket Mode over the sandbox (Node ${process.version}; Slack — the console: envelopes, acks, Web API, response_urls — and the sandbox each in their own process, the sandbox at nice ${STAND_IN_NICENESS}; service in a worker thread)`);
    console.log(`  ack latency:          p50 ${percentile(acks, 50).toFixed(1)} ms, p99 ${ackP99.toFixed(1)} ms (envelope sent → ack received, timed by Slack's side; target p99 ≤ ${ACK_P99_TARGET_IN_MS} ms: ${ackP99 <= ACK_P99_TARGET_IN_MS ? 'met' : 'NOT met'})`);
    console.log(`  ack inside the bot:   p50 ${percentile(insideAcks, 50).toFixed(1)} ms, p99 ${percentile(insideAcks, 99).toFixed(1)} ms (envelope frame read → ack frame written)`);
    console.log(`  time to final answer: p50 ${percentile(finals, 50).toFixed(0)} ms, p99 ${percentile(finals, 99).toFixed(0)} ms`);
    console.log(`  wall ${wallInMs.toFixed(0)} ms = ${(acks.length / (wallInMs / 1000)).toFixed(1)} commands/s; unacknowledged in 3 s: ${failures}; late or duplicate acks: ${problems}`);
    console.log(`  bot thread: event-loop delay p50 ${(loopDelay.percentile(50) / 1e6).toFixed(1)} ms, p99 ${(loopDelay.percentile(99) / 1e6).toFixed(1)} ms; busy ${(utilisation * 100).toFixed(0)}%; Slack's process: event-loop delay p99 ${slackLoopDelay.p99.toFixed(1)} ms`);
    console.log(`  load average ${os.loadavg().map((load) => load.toFixed(2)).join(' ')} on ${os.cpus().length} cores`);
    if (failures > 0 || problems > 0 || acks.length !== TOTAL) process.exitCode = 1;
  } finally {
    await bot.stop();
    await backend.close();
    await sandbox.stop();
    slack.send({ close: true });
    await Promise.race([new Promise((resolve) => slack.child.once('exit', resolve)), new Promise((resolve) => setTimeout(resolve, 5_000))]);
    slack.stop();
  }
}

const entry = process.env.KVCSI_BOT_BENCH_ROLE === 'slack' ? slackProcess : main;
entry().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
