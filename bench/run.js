'use strict';
// `npm run bench`: every benchmark in turn, each in its own process so one cannot warm the other's caches.
// They use the compiled packages (dist/), built by the root `prepare` / `npm run build`.
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const BENCHES = [
  ['CLI cold start: whole processes', 'cli-start.js'],
  ['CLI under the sandbox faults: partial report within 20 s', 'cli-faults.js'],
  ['lint throughput', 'lint.js'],
  ['diagnose over the sandbox, and explain throughput', 'diagnose.js'],
  ['diagnosis accuracy on the real-world corpus (test/src/corpus)', 'corpus.js'],
  ['Backstage bindings index: 5 clusters × 2,000 SPCs, 5 vaults × 5,000 secrets', 'backstage-index.js'],
  ['watcher storm: 5 clusters × 1,000 pods, 10,000 FailedMount events for 50 workloads, posted through the console (Slack rate limits on)', 'watch.js'],
  ['slack bot: 200 slash commands, 20 at a time, over the sandbox', '../bot/bench/slash-commands.js', 'HTTP receiver'],
  ['slack bot over Socket Mode: the same 200 commands, 20 at a time', '../bot/bench/socket-commands.js', 'Socket Mode'],
  // Prints one "ack latency (<label>):" line per round: one bot process, then two, on one PostgreSQL.
  ['slack bot replicas: the same 200 commands to one, then two bot processes on one PostgreSQL', '../bot/bench/slash-commands.js', 'HTTP', { KVCSI_BOT_BENCH_PROCESSES: '1,2' }],
];

let failed = false;
// The slack benches' "ack latency" lines, shown side by side at the end.
const acks = [];
for (const [title, file, transport, env = {}] of BENCHES) {
  console.log(`\n=== ${title} (bench/${file})`);
  const result = spawnSync(process.execPath, [path.join(__dirname, file)], { stdio: transport ? ['inherit', 'pipe', 'inherit'] : 'inherit', encoding: 'utf8', env: { ...process.env, ...env } });
  if (transport) {
    process.stdout.write(result.stdout ?? '');
    const labelled = [...(result.stdout ?? '').matchAll(/^\s*ack latency \(([^)]+)\):\s*(.*)$/gm)];
    if (labelled.length > 0) {
      for (const [, label, figure] of labelled) acks.push(`  ${`${transport}, ${label}`.padEnd(14)} ${figure}`);
    } else {
      const line = /^\s*ack latency:\s*(.*)$/m.exec(result.stdout ?? '');
      acks.push(`  ${transport.padEnd(14)} ${line ? line[1] : '(no figure)'}`);
    }
  }
  if (result.status !== 0) failed = true;
}
if (acks.length > 0) console.log(`\n=== slack bot ack latency, 200 commands 20 at a time, by transport (and bot processes on one PostgreSQL)\n${acks.join('\n')}`);
process.exitCode = failed ? 1 : 0;
