'use strict';
// Runs the service worker from its TypeScript sources (jest has no build): compiles `.ts` files with swc as they are
// required, resolves `./x.js` to `./x.ts`, and maps `@kvcsi/<package>` to its `src/`, as jest.preset.js does.
// Test-only: a production bot runs the compiled `worker-main.js`.
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');
const { workerData } = require('node:worker_threads');
const { transformSync } = require('@swc/core');

const repositoryRoot = path.resolve(__dirname, '../../..');

function resolveSource(base) {
  for (const candidate of [`${base}.ts`, path.join(base, 'index.ts'), base]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function resolveKvcsiSources(request, parent, ...rest) {
  const workspace = /^@kvcsi\/([^/]+)(?:\/(.+))?$/.exec(request);
  if (workspace) {
    const packageDir = fs.realpathSync(path.join(repositoryRoot, 'node_modules/@kvcsi', workspace[1]));
    const found = resolveSource(path.join(packageDir, 'src', (workspace[2] ?? 'index').replace(/\.js$/, '')));
    if (found) return found;
  }
  if (parent && parent.filename && parent.filename.endsWith('.ts') && request.startsWith('.') && request.endsWith('.js')) {
    const found = resolveSource(path.resolve(path.dirname(parent.filename), request.slice(0, -3)));
    if (found) return found;
  }
  return resolveFilename.call(this, request, parent, ...rest);
};

Module._extensions['.ts'] = function compileTypeScript(module, filename) {
  const { code } = transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  });
  module._compile(code, filename);
};

require(workerData.entry);
