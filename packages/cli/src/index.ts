export { main } from './main.js';
export { resolveCliActor } from './actor.js';
export { buildProgram } from './program.js';
