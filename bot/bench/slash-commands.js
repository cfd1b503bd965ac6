'use strict';
/* global fetch, __filename */
// Bench: 200 signed slash commands, 20 at a time, over real HTTP to the bot's HTTPReceiver, on the sandbox, with a
// fake Slack (msw) catching the Web API and response_url calls. Reports ack latency (HTTP response to the POST) and
// time to the final answer (the response_url call that replaces "working…"), p50 and p99.
// Uses the compiled bot (bot/dist), built by the root `prepare` / `npm run build`.
const { fork } = require('node:child_process');
const path = require('node:path');

const TOTAL = Number(process.env.KVCSI_BOT_BENCH_COMMANDS ?? 200);
const CONCURRENCY = Number(process.env.KVCSI_BOT_BENCH_CONCURRENCY ?? 20);
const ACK_P99_TARGET_IN_MS = 100;
// Where the KvcsiService runs: `worker` (as the running bot) or `process` (on the bot's event loop, for comparison).
const SERVICE_IN = process.env.KVCSI_BOT_BENCH_SERVICE_IN ?? 'worker';
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

/** The client half, in its own process: it must not share an event loop with the bot it measures. */
async function client() {
  const { sign, slashCommandBody } = load('testing/payloads.js');
  const url = process.env.KVCSI_BOT_BENCH_URL;
  const secret = process.env.KVCSI_BOT_BENCH_SECRET;
  let next = 0;
  const worker = async () => {
    while (next < TOTAL) {
      const text = COMMANDS[next % COMMANDS.length];
      next += 1;
      const { body, responseId } = slashCommandBody({ text, userId: 'U0SBXREQ01', channelId: 'C0SBXPRD' });
      const sentAt = Date.now();
      const t0 = process.hrtime.bigint();
      const response = await fetch(`${url}/slack/events`, { method: 'POST', body, headers: sign(secret, body).headers });
      await response.text();
      const ackInMs = Number(process.hrtime.bigint() - t0) / 1e6;
      process.send({ responseId, sentAt, ackInMs, status: response.status });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  process.send({ done: true });
}

async function main() {
  const { startBotHarness, HARNESS_SIGNING_SECRET } = load('testing/harness.js');
  const { LogLevel } = require('@slack/bolt');
  // The sandbox runs in its own process: the bot's event loop carries only the bot.
  const { startSandboxProcess } = require('../../bench/sandbox-process.js');
  const sandbox = await startSandboxProcess();
  const harness = await startBotHarness({ logLevel: LogLevel.WARN, sandboxUrl: sandbox.url, serviceIn: SERVICE_IN });
  try {
    // Warm-up: first calls pay for token exchanges and module loading.
    for (const text of COMMANDS) await harness.finalResponse((await harness.command(text, { user: 'U0SBXREQ01' })).responseId);
    harness.fake.clear();

    const started = process.hrtime.bigint();
    const sent = [];
    const child = fork(__filename, [], { env: { ...process.env, KVCSI_BOT_BENCH_CLIENT: '1', KVCSI_BOT_BENCH_URL: harness.url, KVCSI_BOT_BENCH_SECRET: HARNESS_SIGNING_SECRET } });
    await new Promise((resolve, reject) => {
      child.on('message', (message) => (message.done ? resolve() : sent.push(message)));
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`bench client exited with ${code}`))));
    });
    const finals = await Promise.all(sent.map(async (command) => (await harness.finalResponse(command.responseId, 60_000)).at - command.sentAt));
    const wallInMs = Number(process.hrtime.bigint() - started) / 1e6;
    const acks = sent.map((command) => command.ackInMs);
    const failures = sent.filter((command) => command.status !== 200).length;
    const ackP99 = percentile(acks, 99);
    console.log(`kvcsi bot benchmark: ${sent.length} slash commands, ${CONCURRENCY} at a time, HTTP receiver over the sandbox (Node ${process.version}; client and sandbox each in their own process; service ${SERVICE_IN === 'worker' ? 'in a worker thread' : 'on the bot\'s thread'})`);
    console.log(`  ack latency:          p50 ${percentile(acks, 50).toFixed(1)} ms, p99 ${ackP99.toFixed(1)} ms (target p99 ≤ ${ACK_P99_TARGET_IN_MS} ms: ${ackP99 <= ACK_P99_TARGET_IN_MS ? 'met' : 'NOT met'})`);
    console.log(`  time to final answer: p50 ${percentile(finals, 50).toFixed(0)} ms, p99 ${percentile(finals, 99).toFixed(0)} ms`);
    console.log(`  wall ${wallInMs.toFixed(0)} ms = ${(sent.length / (wallInMs / 1000)).toFixed(1)} commands/s; non-200 acks: ${failures}; Block Kit limit problems: ${harness.fake.problems.length}`);
    if (failures > 0 || harness.fake.problems.length > 0 || sent.length !== TOTAL) process.exitCode = 1;
  } finally {
    await harness.close();
    await sandbox.stop();
  }
}

const entry = process.env.KVCSI_BOT_BENCH_CLIENT === '1' ? client : main;
entry().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
