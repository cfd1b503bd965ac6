// Test support: the sandbox's default scenario and a kubeconfig for its clusters. Not exported from the package.
import { createSandbox, type Sandbox, type SandboxServer } from '@kvcsi/sandbox';

export const CLUSTERS = ['cafehyna-dev', 'cafehyna-hub', 'cafehyna-prd', 'painelclientes-dev', 'painelclientes-prd'];

/**
 * What the sandbox's kubeconfig generator writes (context `<cluster>` = admin, `<cluster>-viewer` = the built-in view
 * role), spelled out here because @kvcsi/sandbox does not export the generator yet. `ghost` points at a cluster the
 * sandbox does not serve.
 */
export function sandboxKubeconfig(options: { token?: string } = {}): string {
  const clusters = [...CLUSTERS, 'ghost'];
  const lines = ['apiVersion: v1', 'kind: Config', 'clusters:'];
  for (const c of clusters) lines.push(`- name: ${c}`, '  cluster:', `    server: https://${c}.sandbox.azmk8s.io`);
  lines.push('users:');
  for (const c of clusters) {
    for (const role of ['admin', 'viewer']) lines.push(`- name: ${c}-${role}`, '  user:', `    token: ${options.token ?? `kvcsi-sandbox.${c}.${role}`}`);
  }
  lines.push('contexts:');
  for (const c of clusters) {
    lines.push(`- name: ${c}`, '  context:', `    cluster: ${c}`, `    user: ${c}-admin`);
    lines.push(`- name: ${c}-viewer`, '  context:', `    cluster: ${c}`, `    user: ${c}-viewer`);
  }
  lines.push(`current-context: ${clusters[0] ?? ''}`);
  return `${lines.join('\n')}\n`;
}

export interface SandboxHarness {
  sandbox: Sandbox;
  server: SandboxServer;
  /** `METHOD host/path?query` of every request since the last `requests.length = 0`. */
  requests: string[];
}

export function startSandbox(): SandboxHarness {
  const sandbox = createSandbox({ scenario: 'default', autoSave: false });
  const server = sandbox.listen();
  const requests: string[] = [];
  server.server.events.on('request:start', ({ request }) => {
    const url = new URL(request.url);
    const query = [...url.searchParams].map(([key, value]) => `${key}=${value}`).join('&');
    requests.push(`${request.method} ${url.host}${url.pathname}${query === '' ? '' : `?${query}`}`);
  });
  return { sandbox, server, requests };
}
