'use strict';
// CLI cold start (issue 12): whole `kvcsi` processes, as a user or a CI step starts them, timed from spawn to exit.
// Target: median ≤ 250 ms each for `--version`, `lint examples/gitops` and `explain` on a 50-line paste. The bare
// `node -e 0` start is measured in the same rounds, so a ratio survives a noisy machine.
const { spawnSync } = require('node:child_process');
const { readFileSync } = require('node:fs');
const path = require('node:path');
const { median } = require('./stats.js');

const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'packages/cli/bin/kvcsi.js');
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const TARGET_IN_MS = 250;
const explainInput = readFileSync(path.join(__dirname, 'fixtures/describe-pod-50-lines.txt'), 'utf8');

const COMMANDS = [
  { name: 'node -e 0 (floor)', args: ['-e', '0'] },
  { name: 'kvcsi --version', args: [BIN, '--version'], expectStatus: 0 },
  { name: 'kvcsi lint examples/gitops', args: [BIN, 'lint', 'examples/gitops'], expectStatus: 0 },
  { name: `kvcsi explain (${explainInput.split('\n').length - 1} lines on stdin)`, args: [BIN, 'explain', '-'], input: explainInput, expectStatus: 1 },
];

function timeOnce(command) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, command.args, { cwd: ROOT, input: command.input ?? '', encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  const elapsedInMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (command.expectStatus !== undefined && result.status !== command.expectStatus) {
    throw new Error(`${command.name}: exit ${result.status}, expected ${command.expectStatus}\n${result.stderr}`);
  }
  return elapsedInMs;
}

// One warm-up round (the disk cache and V8's compile cache, as on any machine that ran kvcsi before), then rounds
// that interleave the commands so that drift in the machine's speed hits them all alike.
for (const command of COMMANDS) timeOnce(command);
const samples = new Map(COMMANDS.map((command) => [command.name, []]));
for (let round = 0; round < RUNS; round += 1) {
  for (const command of COMMANDS) samples.get(command.name).push(timeOnce(command));
}

const floor = median(samples.get(COMMANDS[0].name));
let failed = false;
for (const command of COMMANDS) {
  const values = samples.get(command.name);
  const typical = median(values);
  const sorted = [...values].sort((a, b) => a - b);
  const verdict = command === COMMANDS[0] ? '' : typical <= TARGET_IN_MS ? '  (target ≤ 250 ms: met)' : '  (target ≤ 250 ms: NOT met)';
  if (command !== COMMANDS[0] && typical > TARGET_IN_MS) failed = true;
  console.log(`${command.name.padEnd(40)} median ${typical.toFixed(0).padStart(4)} ms  (min ${sorted[0].toFixed(0)}, max ${sorted.at(-1).toFixed(0)}; ${(typical / floor).toFixed(1)}× node's own start)${verdict}`);
}
console.log(`${RUNS} runs each, node ${process.version}, load average ${require('node:os').loadavg()[0].toFixed(1)}`);
process.exitCode = failed && process.env.BENCH_STRICT === '1' ? 1 : 0;
