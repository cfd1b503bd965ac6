'use strict';
// The CLI under the sandbox's faults (issue 19): every command, under each fault of the fault set, must print a
// (partial) report and exit within 20 s, non-zero when something could not be checked. Whole processes, timed from
// spawn to exit, over the embedded sandbox with KVCSI_SANDBOX_FAULTS.
const { spawnSync } = require('node:child_process');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'packages/cli/bin/kvcsi.js');
const LIMIT_IN_MS = 20_000;

const FAULTS = {
  'latency 3 s on every host': [{ kind: 'latency', fixedInMs: 3000, host: '*' }],
  '503 from Key Vault and ARM': [{ kind: 'error', status: 503, host: '*.vault.azure.net' }, { kind: 'error', status: 503, host: 'management.azure.com' }],
  '429 storm, Retry-After 30 s, on ARM': [{ kind: 'throttle', retryAfterSeconds: 30, host: 'management.azure.com' }],
  'Key Vault hangs': [{ kind: 'timeout', host: '*.vault.azure.net' }],
  'Key Vault DNS fails': [{ kind: 'dns', host: '*.vault.azure.net' }],
  'cluster API server down': [{ kind: 'down', host: 'cafehyna-prd.*' }],
};

const COMMANDS = [
  ['diagnose', '--app', 'defectdojo', '-c', 'cafehyna-prd'],
  ['status', '-c', 'cafehyna-prd'],
  ['bindings'],
  ['grant', 'external-dns', 'cafehyna-dev', '--as', 'requester', '--dry-run'],
  ['requests', 'list'],
  ['audit', '--since', '24h'],
];

const rows = [];
let failed = false;
for (const [fault, rules] of Object.entries(FAULTS)) {
  for (const args of COMMANDS) {
    const dir = mkdtempSync(path.join(tmpdir(), 'kvcsi-faults-'));
    const started = process.hrtime.bigint();
    const result = spawnSync(process.execPath, [BIN, ...args], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, NO_COLOR: '1', KVCSI_SANDBOX: '1', KVCSI_SANDBOX_STATE: path.join(dir, 'state.json'), KVCSI_SANDBOX_FAULTS: JSON.stringify({ rules }) },
    });
    const elapsedInMs = Number(process.hrtime.bigint() - started) / 1e6;
    rmSync(dir, { recursive: true, force: true });
    const printed = (result.stdout ?? '').trim().length > 0 || (result.stderr ?? '').trim().length > 0;
    const ok = elapsedInMs <= LIMIT_IN_MS && printed && result.status !== null;
    if (!ok) failed = true;
    rows.push({ fault, command: `kvcsi ${args.join(' ')}`, seconds: (elapsedInMs / 1000).toFixed(1), exit: result.status ?? `killed (${result.signal})`, printed, ok });
  }
}

for (const row of rows) {
  console.log(`${row.ok ? 'ok  ' : 'FAIL'} ${row.seconds.padStart(5)} s  exit ${String(row.exit).padEnd(2)}  ${row.fault.padEnd(38)} ${row.command}`);
}
const seconds = rows.map((row) => Number(row.seconds)).sort((a, b) => a - b);
console.log(`${rows.length} runs; slowest ${seconds.at(-1)} s, median ${seconds[Math.floor(seconds.length / 2)]} s (limit ${LIMIT_IN_MS / 1000} s); load average ${require('node:os').loadavg()[0].toFixed(1)}`);
process.exitCode = failed ? 1 : 0;
