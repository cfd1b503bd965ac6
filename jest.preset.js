'use strict';
// Shared jest settings for every workspace. swc transpiles only; `tsc -b` type-checks.
const path = require('node:path');

// ESM-only packages (and msw 2's ESM-only dependencies) must be transformed: jest cannot require(esm) on Node 20.
const esmOnly = [
  '@kubernetes/client-node', 'openid-client', 'oauth4webapi', 'jose',
  'rettime', 'until-async', '@open-draft/deferred-promise',
];

const workspacePackages = {
  core: 'packages/core', sandbox: 'packages/sandbox', cli: 'packages/cli',
  azure: 'packages/azure', kubernetes: 'packages/kubernetes', store: 'packages/store',
  runtime: 'packages/runtime', bot: 'bot', console: 'console',
  'backstage-plugin-common': 'plugins/kvcsi-common', 'backstage-plugin-backend': 'plugins/kvcsi-backend',
};

// NodeNext sources import './x.js'; jest must find './x.ts'.
const moduleNameMapper = { '^(\\.{1,2}/.*)\\.js$': '$1' };
for (const [name, dir] of Object.entries(workspacePackages)) {
  // Tests run against sources, so no build is needed before `jest`.
  moduleNameMapper[`^@kvcsi/${name}$`] = path.join(__dirname, dir, 'src/index.ts');
  moduleNameMapper[`^@kvcsi/${name}/(.*)$`] = path.join(__dirname, dir, 'src/$1');
}

/** @param {string} rootDir */
module.exports = (rootDir, overrides = {}) => ({
  rootDir,
  testEnvironment: 'node',
  roots: ['<rootDir>/src'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.(ts|js|mjs)$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnly.join('|')})/)`],
  moduleNameMapper,
  cacheDirectory: path.join(__dirname, 'node_modules/.cache/jest'),
  // Tests drive real SDKs, processes and databases on a 2-core machine: jest's 5 s default fails them on a busy
  // runner, not on a bug. Speed targets are checked by the benchmarks, never by test timeouts.
  testTimeout: 20_000,
  ...overrides,
});
