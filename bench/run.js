'use strict';
// `npm run bench`: every benchmark in turn, each in its own process so one cannot warm the other's caches.
// They use the compiled packages (dist/), built by the root `prepare` / `npm run build`.
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const BENCHES = [
  ['CLI cold start: whole processes', 'cli-start.js'],
  ['lint throughput', 'lint.js'],
  ['diagnose over the sandbox, and explain throughput', 'diagnose.js'],
  ['diagnosis accuracy on the real-world corpus (test/src/corpus)', 'corpus.js'],
  ['Backstage bindings index: 5 clusters × 2,000 SPCs, 5 vaults × 5,000 secrets', 'backstage-index.js'],
  ['slack bot: 200 slash commands, 20 at a time, over the sandbox', '../bot/bench/slash-commands.js'],
];

let failed = false;
for (const [title, file] of BENCHES) {
  console.log(`\n=== ${title} (bench/${file})`);
  const result = spawnSync(process.execPath, [path.join(__dirname, file)], { stdio: 'inherit' });
  if (result.status !== 0) failed = true;
}
process.exitCode = failed ? 1 : 0;
