export * from './errors.js';
export * from './clusters/index.js';
export * from './spc/index.js';
