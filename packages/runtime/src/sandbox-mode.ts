import type { TokenCredential } from '@azure/identity';
import type { ClusterRegistry } from '@kvcsi/core';
import { KvcsiError } from '@kvcsi/core/errors';
import type { AzureState, FaultConfig, Sandbox, SandboxServer } from '@kvcsi/sandbox';
import { loadAzureIdentity, loadSandbox } from './load-on-first-use.js';

/** The service principal kvcsi acts as in the sandbox's scenarios. */
export const SANDBOX_OPERATOR = 'kvcsi-operator';
/** Where CLI runs keep the sandbox's state, so one run sees what the previous one changed. */
export const DEFAULT_SANDBOX_STATE_FILE = '.kvcsi/sandbox-state.json';

export interface SandboxModeOptions {
  /**
   * A sandbox served by another process (`npm run sandbox`, `KVCSI_SANDBOX_URL`): this process only forwards the SDKs'
   * requests to it, so several processes share one state. Without it, the sandbox runs in this process.
   */
  url?: string;
  /** Scenario name (default `default`). */
  scenario?: string;
  /** State file; `KVCSI_SANDBOX_STATE` when absent; no persistence when `false`. */
  stateFile?: string | false;
  faults?: FaultConfig;
}

export interface SandboxMode {
  /** Set when the sandbox runs in this process. */
  sandbox?: Sandbox;
  server: SandboxServer;
  credential: TokenCredential;
  kubeconfig: string;
}

function operatorCredential(azure: AzureState, scenario: string): TokenCredential {
  const operator = azure.servicePrincipals.find((principal) => principal.name === SANDBOX_OPERATOR);
  const clientSecret = operator?.clientSecret;
  if (operator === undefined || clientSecret === undefined) {
    throw new KvcsiError('CONFIG_INVALID', `sandbox scenario "${scenario}" has no service principal "${SANDBOX_OPERATOR}" with a client secret`, {
      field: 'servicePrincipals',
    });
  }
  return new (loadAzureIdentity().ClientSecretCredential)(azure.tenantId, operator.clientId, clientSecret);
}

/**
 * Starts the sandbox in this process (msw intercepts the SDKs' HTTP), or forwards to a sandbox served elsewhere
 * (`url`), and returns the credentials and kubeconfig to talk to it.
 */
export function startSandboxMode(registry: ClusterRegistry, options: SandboxModeOptions): SandboxMode {
  const { createSandbox, createSandboxKubeconfig, listenRemoteSandbox, loadScenario } = loadSandbox();
  const kubeconfig = createSandboxKubeconfig(registry.list().map((cluster) => cluster.kubeContext));
  if (options.url !== undefined) {
    // The scenario's identities are derived from its seed, so this process knows the operator without asking.
    const scenario = loadScenario(options.scenario ?? 'default');
    const server = listenRemoteSandbox(options.url);
    return { server, credential: operatorCredential(scenario.azure, scenario.name), kubeconfig };
  }
  const sandbox = createSandbox({
    ...(options.scenario === undefined ? {} : { scenario: options.scenario }),
    ...(options.stateFile === false ? { autoSave: false } : options.stateFile === undefined ? {} : { stateFile: options.stateFile }),
    ...(options.faults === undefined ? {} : { faults: options.faults }),
  });
  const server = sandbox.listen();
  return { sandbox, server, credential: operatorCredential(sandbox.state.azure, sandbox.scenario.name), kubeconfig };
}
