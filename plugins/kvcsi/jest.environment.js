'use strict';
// jsdom for jest 30: jest's own abstract environment over the jsdom 27 (the range @backstage/cli 0.36 expects, for a later move to its tooling).
// jsdom has no fetch: give the tests Node's fetch API (and the streams and encoders msw needs), as
// jest-fixed-jsdom does, so that msw intercepts what the components fetch.
const JSDOMEnvironment = require('@jest/environment-jsdom-abstract').default;
const jsdom = require('jsdom');

const FROM_NODE = [
  'fetch', 'Request', 'Response', 'Headers', 'FormData', 'Blob', 'File', 'ReadableStream', 'ReadableStreamDefaultReader',
  'WritableStream', 'TransformStream', 'TextEncoder', 'TextDecoder', 'TextEncoderStream', 'TextDecoderStream', 'AbortController',
  'AbortSignal', 'BroadcastChannel', 'structuredClone', 'URL', 'URLSearchParams', 'MessageChannel', 'MessagePort', 'setImmediate',
  'clearImmediate',
];

module.exports = class KvcsiJsdomEnvironment extends JSDOMEnvironment {
  constructor(config, context) {
    super({ ...config, projectConfig: { ...config.projectConfig, testEnvironmentOptions: { customExportConditions: [''], ...config.projectConfig.testEnvironmentOptions } } }, context, jsdom);
    for (const name of FROM_NODE) if (globalThis[name] !== undefined) this.global[name] = globalThis[name];
  }
};
