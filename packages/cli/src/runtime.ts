import path from 'node:path';
import { createRuntime, DEFAULT_SANDBOX_STATE_FILE, type Runtime } from '@kvcsi/runtime';
import type { ClusterRegistry } from '@kvcsi/core';
import type { CliIo } from './io.js';

/** `--sandbox`, or `KVCSI_SANDBOX=1`: run against the embedded sandbox instead of Azure and real clusters. */
export function sandboxRequested(io: CliIo, flag: boolean | undefined): boolean {
  if (flag === true) return true;
  const env = io.env.KVCSI_SANDBOX;
  return env !== undefined && env !== '' && env !== '0' && env.toLowerCase() !== 'false';
}

/** The sandbox's state file: `KVCSI_SANDBOX_STATE`, else `.kvcsi/sandbox-state.json` in the working directory. */
export function sandboxStateFile(io: CliIo): string {
  return path.resolve(io.cwd, io.env.KVCSI_SANDBOX_STATE || DEFAULT_SANDBOX_STATE_FILE);
}

/** The runtime (ports over Azure and Kubernetes, or over the sandbox) for one CLI invocation. */
export function createCliRuntime(io: CliIo, registry: ClusterRegistry, options: { sandbox: boolean }): Runtime {
  return createRuntime({
    registry,
    ...(options.sandbox ? { sandbox: { stateFile: sandboxStateFile(io) } } : {}),
    ...(io.env.KUBECONFIG_CONTENT ? { kubeconfig: io.env.KUBECONFIG_CONTENT } : {}),
  });
}
