export { createRuntime } from './runtime.js';
export type { Runtime, RuntimeClusterPort, RuntimeOptions } from './runtime.js';
export type { ClusterAccess } from '@kvcsi/kubernetes';
export { startSandboxMode, SANDBOX_OPERATOR, DEFAULT_SANDBOX_STATE_FILE } from './sandbox-mode.js';
export type { SandboxMode, SandboxModeOptions } from './sandbox-mode.js';
