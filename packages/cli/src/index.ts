export { main } from './main.js';
export { resolveCliActor } from './actor.js';
export { buildProgram } from './program.js';
export { decideThroughServer, SERVER_URL_ENV, SERVER_SCOPE_ENV } from './decide-remote.js';
