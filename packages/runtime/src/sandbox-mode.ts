import { ClientSecretCredential, type TokenCredential } from '@azure/identity';
import { KvcsiError, type ClusterRegistry } from '@kvcsi/core';
import { createSandbox, createSandboxKubeconfig, type FaultConfig, type Sandbox, type SandboxServer } from '@kvcsi/sandbox';

/** The service principal kvcsi acts as in the sandbox's scenarios. */
export const SANDBOX_OPERATOR = 'kvcsi-operator';
/** Where CLI runs keep the sandbox's state, so one run sees what the previous one changed. */
export const DEFAULT_SANDBOX_STATE_FILE = '.kvcsi/sandbox-state.json';

export interface SandboxModeOptions {
  /** Scenario name (default `default`). */
  scenario?: string;
  /** State file; `KVCSI_SANDBOX_STATE` when absent; no persistence when `false`. */
  stateFile?: string | false;
  faults?: FaultConfig;
}

export interface SandboxMode {
  sandbox: Sandbox;
  server: SandboxServer;
  credential: TokenCredential;
  kubeconfig: string;
}

/** Starts the embedded sandbox in this process (msw intercepts the SDKs' HTTP) and the credentials to talk to it. */
export function startSandboxMode(registry: ClusterRegistry, options: SandboxModeOptions): SandboxMode {
  const sandbox = createSandbox({
    ...(options.scenario === undefined ? {} : { scenario: options.scenario }),
    ...(options.stateFile === false ? { autoSave: false } : options.stateFile === undefined ? {} : { stateFile: options.stateFile }),
    ...(options.faults === undefined ? {} : { faults: options.faults }),
  });
  const operator = sandbox.state.azure.servicePrincipals.find((principal) => principal.name === SANDBOX_OPERATOR);
  const clientSecret = operator?.clientSecret;
  if (operator === undefined || clientSecret === undefined) {
    throw new KvcsiError('CONFIG_INVALID', `sandbox scenario "${sandbox.scenario.name}" has no service principal "${SANDBOX_OPERATOR}" with a client secret`, {
      field: 'servicePrincipals',
    });
  }
  const server = sandbox.listen();
  const tenantId = sandbox.state.azure.tenantId;
  const credential = new ClientSecretCredential(tenantId, operator.clientId, clientSecret);
  const clusters = registry.list().map((cluster) => cluster.kubeContext);
  return { sandbox, server, credential, kubeconfig: createSandboxKubeconfig(clusters) };
}
