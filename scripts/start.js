#!/usr/bin/env node
'use strict';
// `npm start`: the sandbox, the bot and the local chat console (console/src/start). `npm start -- --help` for flags.
require('../console/dist/start/main.js')
  .main(process.argv.slice(2))
  .then(
    (code) => { process.exitCode = code; },
    (error) => {
      process.stderr.write(`npm start: ${error && error.message ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
