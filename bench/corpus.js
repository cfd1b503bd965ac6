'use strict';
// Diagnosis accuracy on the real-world corpus (test/src/corpus: texts from public bug reports, each with its source
// and resolved cause): share of failures whose first finding is in the right family (target ≥ 95 %), share naming
// the exact finding where the corpus expects one, errors reported on healthy excerpts (target 0), and the median
// time to explain one excerpt.
const fs = require('node:fs');
const path = require('node:path');
const { parse } = require('yaml');
const { median } = require('./stats.js');

const CORPUS_DIR = path.join(__dirname, '../test/src/corpus');
const FAMILY_TARGET = 0.95;

function loadCore() {
  try {
    return require('../packages/core/dist/index.js');
  } catch (error) {
    console.error('bench: cannot load packages/core/dist; run `npm run build` first.');
    throw error;
  }
}

function loadCorpus() {
  return fs
    .readdirSync(CORPUS_DIR)
    .filter((file) => file.endsWith('.yaml'))
    .sort()
    .flatMap((file) => parse(fs.readFileSync(path.join(CORPUS_DIR, file), 'utf8')).map((entry) => ({ ...entry, file })));
}

function main() {
  const core = loadCore();
  const corpus = loadCorpus();
  const failures = corpus.filter((entry) => !entry.healthy);
  const healthy = corpus.filter((entry) => entry.healthy);
  const timesInMs = [];
  const explain = (text) => {
    const started = process.hrtime.bigint();
    const report = core.explain(text);
    timesInMs.push(Number(process.hrtime.bigint() - started) / 1e6);
    return report.findings;
  };

  const misses = [];
  let exactHits = 0;
  let exactTotal = 0;
  const byFamily = {};
  for (const entry of failures) {
    const findings = explain(entry.text);
    const first = findings[0];
    const right = first !== undefined && first.id.charAt(0) === entry.family;
    byFamily[entry.family] = byFamily[entry.family] ?? { right: 0, total: 0 };
    byFamily[entry.family].total++;
    if (right) byFamily[entry.family].right++;
    else misses.push(`${entry.file}#${entry.id}: expected ${entry.family}, got ${first ? first.id : 'nothing'}`);
    if (entry.expect) {
      exactTotal++;
      if (first?.id === entry.expect) exactHits++;
    }
  }
  const healthyErrors = healthy.flatMap((entry) => explain(entry.text).filter((finding) => finding.severity === 'error').map((finding) => `${entry.id}: ${finding.id}`));

  const accuracy = (failures.length - misses.length) / failures.length;
  console.log(`corpus: ${failures.length} failure excerpts, ${healthy.length} healthy, from ${new Set(corpus.map((entry) => new URL(entry.source).pathname.split('/').slice(1, 3).join('/'))).size} public repositories`);
  console.log(`by family (right/total): ${Object.entries(byFamily).sort().map(([family, { right, total }]) => `${family} ${right}/${total}`).join(', ')}`);
  console.log(`first finding in the right family: ${(accuracy * 100).toFixed(1)} % (target ≥ ${FAMILY_TARGET * 100} %: ${accuracy >= FAMILY_TARGET ? 'met' : 'NOT met'})`);
  console.log(`exact finding where the corpus names one: ${exactHits}/${exactTotal} = ${((exactHits / exactTotal) * 100).toFixed(1)} %`);
  console.log(`errors on healthy excerpts: ${healthyErrors.length} (target 0: ${healthyErrors.length === 0 ? 'met' : 'NOT met'})`);
  console.log(`explain per excerpt: median ${median(timesInMs).toFixed(2)} ms over ${timesInMs.length} runs`);
  for (const miss of [...misses, ...healthyErrors.map((error) => `healthy ${error}`)]) console.log(`  miss: ${miss}`);
  if (accuracy < FAMILY_TARGET || healthyErrors.length > 0) process.exitCode = 1;
}

main();
