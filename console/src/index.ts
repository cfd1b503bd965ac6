export { startConsoleServer, PUBLIC_DIR, type ConsoleServer, type ConsoleServerOptions } from './server.js';
export { Workspace, type ConsoleMessage, type ConsoleFile, type Conversation, type OpenView, type WorkspaceSnapshot } from './workspace.js';
export { Interactions } from './interactions.js';
export { callWebApi, parseWebApiArgs, SUPPORTED_METHODS } from './web-api.js';
export { signRequest } from './slack-requests.js';
export { SANDBOX_USERS, SANDBOX_CHANNELS, BOT_USER, userByRole } from './directory.js';
export { parseStartOptions, START_USAGE, DEFAULT_PORTS, type StartOptions } from './start/options.js';
export { startStack, findBackstageWorkspaces, type Stack } from './start/stack.js';
