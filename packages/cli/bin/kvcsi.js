#!/usr/bin/env node
'use strict';
// V8's code cache on disk (Node 22.1+): a later run skips compiling what an earlier run compiled.
require('node:module').enableCompileCache?.();
require('../dist/main.js')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
