'use strict';
// Component tests in jsdom. Backstage's frontend packages (and many of theirs) ship ES modules in CommonJS packages
// (`*.esm.js`, `react-use/esm`), which jest cannot require on Node 20: swc transforms node_modules too (cached after
// the first run), except a few large CommonJS packages.
const path = require('node:path');
const preset = require('../../jest.preset.js')(__dirname);

const commonJs = ['react', 'react-dom', 'scheduler', 'lodash', 'core-js', 'jsdom', '@acemir', 'cssstyle', 'typescript'];
const swc = (tsx) => ['@swc/jest', {
  jsc: { parser: tsx ? { syntax: 'typescript', tsx: true } : { syntax: 'ecmascript', jsx: true }, target: 'es2022', transform: { react: { runtime: 'automatic' } } },
  module: { type: 'commonjs' },
}];

module.exports = {
  ...preset,
  testEnvironment: path.join(__dirname, 'jest.environment.js'),
  testMatch: ['**/*.test.ts', '**/*.test.tsx'],
  setupFilesAfterEnv: [path.join(__dirname, 'src/setupTests.ts')],
  transform: { '^.+\\.(ts|tsx)$': swc(true), '^.+\\.(js|mjs|jsx)$': swc(false) },
  transformIgnorePatterns: [`/node_modules/(${commonJs.join('|')})/`],
  moduleNameMapper: { ...preset.moduleNameMapper, '\\.(css|svg|png)$': path.join(__dirname, 'jest.asset-stub.js') },
};
