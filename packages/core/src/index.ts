export * from './errors.js';
export * from './clusters/index.js';
export * from './spc/index.js';
export * from './diagnostics/index.js';
export * from './ports.js';
