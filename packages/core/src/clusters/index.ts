export * from './schema.js';
export * from './registry.js';
export * from './load.js';
