import { stringify } from 'yaml';

/** Where the sandbox serves a cluster's API. */
export function sandboxClusterServer(cluster: string): string {
  return `https://${cluster}.sandbox.azmk8s.io`;
}

export const SANDBOX_KUBE_HOST_SUFFIX = '.sandbox.azmk8s.io';

/** `admin` may do everything; `viewer` is the built-in `view` role: reads, but no Secrets and no writes. */
export type SandboxKubeRole = 'admin' | 'viewer';

/**
 * The bearer token of a sandbox user. Fixed strings, not secrets: the sandbox only simulates a cluster, and a known
 * token lets a demo's kubeconfig keep working across restarts.
 */
export function sandboxKubeToken(cluster: string, role: SandboxKubeRole = 'admin'): string {
  return `kvcsi-sandbox.${cluster}.${role}`;
}

export function sandboxKubeUser(cluster: string, role: SandboxKubeRole): string {
  return `${cluster}-${role}`;
}

/** The user a bearer token stands for on a cluster, or undefined (401). */
export function resolveSandboxKubeToken(cluster: string, token: string | undefined): { user: string; role: SandboxKubeRole } | undefined {
  for (const role of ['admin', 'viewer'] as const) {
    if (token === sandboxKubeToken(cluster, role)) return { user: sandboxKubeUser(cluster, role), role };
  }
  return undefined;
}

export interface SandboxKubeconfigOptions {
  /** The current context; the first cluster when omitted. */
  currentContext?: string;
}

/**
 * A kubeconfig for the sandbox clusters. Context `<cluster>` uses the admin token, `<cluster>-viewer` the read-only one.
 */
export function createSandboxKubeconfig(clusters: readonly string[], options: SandboxKubeconfigOptions = {}): string {
  const sorted = [...clusters];
  const contexts = sorted.flatMap((cluster) => [
    { name: cluster, context: { cluster, user: sandboxKubeUser(cluster, 'admin'), namespace: 'default' } },
    { name: `${cluster}-viewer`, context: { cluster, user: sandboxKubeUser(cluster, 'viewer'), namespace: 'default' } },
  ]);
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: sorted.map((cluster) => ({ name: cluster, cluster: { server: sandboxClusterServer(cluster) } })),
    users: sorted.flatMap((cluster) => (['admin', 'viewer'] as const).map((role) => ({
      name: sandboxKubeUser(cluster, role), user: { token: sandboxKubeToken(cluster, role) },
    }))),
    contexts,
    'current-context': options.currentContext ?? sorted[0] ?? '',
    preferences: {},
  });
}
