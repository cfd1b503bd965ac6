#!/usr/bin/env node
'use strict';
/* global setInterval, clearInterval, setTimeout */
// V8's code cache on disk (Node 22.1+): a later run skips compiling what an earlier run compiled.
require('node:module').enableCompileCache?.();
// Until main settles the process stays up: an unref'd timer (AbortSignal.timeout) must not let node exit with the
// command half done and exit code 0 (issue 19).
const keepAlive = setInterval(() => undefined, 60_000);
require('../dist/main.js')
  .main(process.argv.slice(2))
  .then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      process.stderr.write(`kvcsi: internal error: ${error && error.message ? error.message : String(error)}\n`);
      process.exitCode = 3;
    },
  )
  .finally(() => {
    clearInterval(keepAlive);
    // A keep-alive socket or a watch stream left open must not hold the answer back: leave shortly after, output flushed.
    setTimeout(() => process.exit(), 2_000).unref();
  });
