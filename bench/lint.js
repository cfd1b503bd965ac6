'use strict';
// Lint throughput over 5,000 generated SecretProviderClass files (median of 5 runs).
// Uses the compiled core (packages/core/dist), built by the root `prepare` / `npm run build`.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { generateTree } = require('./generate.js');
const { median } = require('./stats.js');

const FILES = Number(process.env.KVCSI_BENCH_FILES ?? 5000);
const RUNS = Number(process.env.KVCSI_BENCH_RUNS ?? 5);
const TARGET_FILES_PER_SECOND = 2000;

function loadCore() {
  try {
    return require('../packages/core/dist/index.js');
  } catch (error) {
    console.error('bench: cannot load packages/core/dist; run `npm run build` first.');
    throw error;
  }
}


async function main() {
  const core = loadCore();
  const registry = core.parseRegistryConfig(fs.readFileSync(core.EXAMPLE_CONFIG_PATH, 'utf8'), core.EXAMPLE_CONFIG_PATH);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kvcsi-bench-'));
  try {
    generateTree(core, registry, root, FILES);
    console.log(`kvcsi lint benchmark: ${FILES} files in ${root}, ${RUNS} runs (Node ${process.version}, ${os.cpus().length} CPUs)`);
    const rates = [];
    let last;
    for (let run = 1; run <= RUNS; run++) {
      const started = process.hrtime.bigint();
      last = await core.lintFiles([root], { registry });
      const elapsedInMs = Number(process.hrtime.bigint() - started) / 1e6;
      const rate = last.filesChecked / (elapsedInMs / 1000);
      rates.push(rate);
      console.log(`  run ${run}: ${last.filesChecked} files in ${elapsedInMs.toFixed(0)} ms = ${rate.toFixed(0)} files/s`);
    }
    const errors = last.findings.filter((finding) => finding.severity === 'error').length;
    const rules = new Set(last.findings.map((finding) => finding.rule)).size;
    console.log(`  findings per run: ${last.findings.length} (${errors} errors) across ${rules} rules`);
    const result = median(rates);
    console.log(`median: ${result.toFixed(0)} files/s (target ≥ ${TARGET_FILES_PER_SECOND}: ${result >= TARGET_FILES_PER_SECOND ? 'met' : 'NOT met'})`);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
