#!/usr/bin/env node
'use strict';
/* global setInterval, clearInterval */
// `npm start`: the sandbox, the bot and the local chat console (console/src/start). `npm start -- --help` for flags.
// Time is real in the demo: the sandbox clock follows the wall clock, a role assignment reaches Key Vault after 30 s,
// and kubelet retries a failed mount with its backoff, so a granted pod turns healthy by itself (packages/sandbox).
for (const [name, value] of [['KVCSI_SANDBOX_TIMING', 'realistic'], ['KVCSI_SANDBOX_REAL_TIME', '1'], ['KVCSI_SANDBOX_PROPAGATION_DELAY_MS', '30000']]) {
  if (process.env[name] === undefined) process.env[name] = value;
}
// Everything it starts runs over the sandbox, and says so explicitly: servers refuse the sandbox (and the example
// registry) unless KVCSI_SANDBOX=1 is set.
process.env.KVCSI_SANDBOX = '1';

// SIGTERM stops everything as Ctrl-C does: the console's main stops its children (each in its own process group).
// A second signal ends this process at once.
let signals = 0;
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    signals += 1;
    if (signals > 1) process.exit(130);
  });
}
// `npm start` runs this under `sh -c`: a SIGTERM sent to npm alone ends npm and that shell, which do not pass it
// on, and this process would be left running with its children. When the parent goes, stop as on SIGTERM.
const parent = process.ppid;
const orphanWatch = setInterval(() => {
  if (process.ppid !== parent) {
    clearInterval(orphanWatch);
    process.kill(process.pid, 'SIGTERM');
  }
}, 500);
orphanWatch.unref();

require('../console/dist/start/main.js')
  .main(process.argv.slice(2))
  .then(
    (code) => { process.exitCode = code; },
    (error) => {
      process.stderr.write(`npm start: ${error && error.message ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
