export * from './errors.js';
export * from './clusters/index.js';
