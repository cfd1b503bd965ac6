#!/usr/bin/env node
'use strict';
// `npm start`: the sandbox, the bot and the local chat console (console/src/start). `npm start -- --help` for flags.
// Everything it starts runs over the sandbox, and says so explicitly: servers refuse the sandbox (and the example
// registry) unless KVCSI_SANDBOX=1 is set.
process.env.KVCSI_SANDBOX = '1';

// SIGTERM stops everything as Ctrl-C does. The console's main stops its children (each in its own process group);
// should that take too long or fail, this process still ends, and a second signal ends it at once.
let signals = 0;
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
  process.on(signal, () => {
    signals += 1;
    if (signals > 1) process.exit(130);
  });
}

require('../console/dist/start/main.js')
  .main(process.argv.slice(2))
  .then(
    (code) => { process.exitCode = code; },
    (error) => {
      process.stderr.write(`npm start: ${error && error.message ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
