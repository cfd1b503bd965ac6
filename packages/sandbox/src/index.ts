export const SANDBOX_VERSION = '0.1.0';

export { createSandbox, SANDBOX_STATE_ENV, SANDBOX_TIMING_ENV, REALISTIC_PROPAGATION_DELAY_MS } from './sandbox.js';
export type { MountTiming } from './mount/loop.js';
export { followWallClock } from './remote/realTime.js';
export type { FollowWallClockOptions } from './remote/realTime.js';
export type { CreateSandboxOptions, ListenOptions, Sandbox, SandboxServer } from './sandbox.js';
export type { SandboxState, SandboxStateFile } from './state.js';
export { createManualClock, DEFAULT_SANDBOX_START_MS } from './clock.js';
export type { SandboxClock } from './clock.js';

export { FaultInjector } from './faults/injector.js';
export { faultConfigSchema, faultRuleSchema, vaultHost, clusterHost, ENTRA_HOSTNAME, ARM_HOSTNAME } from './faults/config.js';
export type { FaultConfig, FaultRule } from './faults/config.js';

export { loadScenario, listScenarios, scenariosDirectory } from './scenarios/load.js';
export type { LoadedScenario } from './scenarios/load.js';
export { scenarioSchema } from './scenarios/schema.js';
export type { Scenario, ScenarioInput } from './scenarios/schema.js';

export {
  evaluateDataPlaneAccess,
  findVault,
  findSecret,
  findCertificate,
  getSecret,
  getCertificate,
  listSecretVersions,
  findIdentityByClientId,
  federatedCredentialsOf,
  resolvePrincipal,
  hasRbacPermission,
  dataActionFor,
} from './azure/access.js';
export type { DataPlaneDecision, DataPlaneAccessRequest, ObjectLookup, ResolvedPrincipal } from './azure/access.js';
export type * from './azure/model.js';
export { BUILT_IN_ROLE_DEFINITIONS } from './azure/roles.js';
export { KEY_VAULT_SECRETS_USER_ROLE_ID, vaultResourceId, identityResourceId, managedClusterResourceId } from './azure/resourceIds.js';
export { createServiceAccountToken, decodeAccessToken, AUDIENCES } from './azure/tokens.js';
export type { AccessTokenClaims } from './azure/tokens.js';
export { createAzureHandlers } from './azure/handlers.js';
export { clusterFqdn } from './azure/armContainerService.js';
export { createSandboxKubeconfig, sandboxClusterServer } from './kubernetes/kubeconfig.js';
export { startSandboxHttpServer } from './remote/server.js';
export type { SandboxHttpServer, SandboxHttpServerOptions } from './remote/server.js';
export { createRemoteSandboxHandlers, listenRemoteSandbox } from './remote/client.js';
export { SANDBOX_HOST_PATTERN, ADMIN_PREFIX } from './remote/protocol.js';
export { startTestSandbox } from './testing.js';
export type { TestSandbox } from './testing.js';
export { applyBreak, parseBreakInput, BREAK_ACTIONS } from './breaks/breaks.js';
export type { BreakAction, BreakInput, BreakResult } from './breaks/breaks.js';
