import path from 'node:path';
import { createRuntime, DEFAULT_SANDBOX_STATE_FILE, type Runtime } from '@kvcsi/runtime';
import type { ClusterRegistry } from '@kvcsi/core';
import { KvcsiError } from '@kvcsi/core/errors';
import type { CliIo } from './io.js';

type SandboxFaults = NonNullable<NonNullable<Parameters<typeof createRuntime>[0]['sandbox']>['faults']>;

/**
 * `KVCSI_SANDBOX_FAULTS`: the embedded sandbox's fault rules as JSON (`{"rules":[{"kind":"down","host":"…"}]}`) —
 * latency, 5xx, 429 storms, timeouts, DNS, a cluster down — to see how a command behaves when Azure or a cluster fails.
 */
export function sandboxFaults(io: CliIo): SandboxFaults | undefined {
  const raw = io.env.KVCSI_SANDBOX_FAULTS;
  if (raw === undefined || raw.trim() === '') return undefined;
  try {
    return JSON.parse(raw) as SandboxFaults;
  } catch (error) {
    throw new KvcsiError('CONFIG_INVALID', `KVCSI_SANDBOX_FAULTS is not JSON: ${(error as Error).message}`, { field: 'KVCSI_SANDBOX_FAULTS', rule: 'a JSON object {"rules": [...]}' });
  }
}

/**
 * `--sandbox`, `KVCSI_SANDBOX=1`, or `KVCSI_SANDBOX_URL` (a sandbox served by `npm run sandbox`): run against the
 * sandbox instead of Azure and real clusters.
 */
export function sandboxRequested(io: CliIo, flag: boolean | undefined): boolean {
  if (flag === true || sandboxUrl(io) !== undefined) return true;
  const env = io.env.KVCSI_SANDBOX;
  return env !== undefined && env !== '' && env !== '0' && env.toLowerCase() !== 'false';
}

/** A sandbox served by another process, shared with the bot and the Backstage backend. */
export function sandboxUrl(io: CliIo): string | undefined {
  return io.env.KVCSI_SANDBOX_URL || undefined;
}

/** The sandbox's state file: `KVCSI_SANDBOX_STATE`, else `.kvcsi/sandbox-state.json` in the working directory. */
export function sandboxStateFile(io: CliIo): string {
  return path.resolve(io.cwd, io.env.KVCSI_SANDBOX_STATE || DEFAULT_SANDBOX_STATE_FILE);
}

/** The runtime (ports over Azure and Kubernetes, or over the sandbox) for one CLI invocation. */
export function createCliRuntime(io: CliIo, registry: ClusterRegistry, options: { sandbox: boolean; notAfter?: number }): Runtime {
  return createRuntime({
    registry,
    ...(options.notAfter === undefined ? {} : { notAfter: options.notAfter }),
    ...(options.sandbox ? { sandbox: sandboxUrl(io) !== undefined ? { url: sandboxUrl(io)! } : { stateFile: sandboxStateFile(io), ...faultsOption(io) } } : {}),
    ...(io.env.KUBECONFIG_CONTENT ? { kubeconfig: io.env.KUBECONFIG_CONTENT } : {}),
  });
}

function faultsOption(io: CliIo): { faults?: SandboxFaults } {
  const faults = sandboxFaults(io);
  return faults === undefined ? {} : { faults };
}
