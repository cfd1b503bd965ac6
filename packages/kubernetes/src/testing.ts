// Test support: the sandbox's default scenario and a kubeconfig for its clusters. Not exported from the package.
import { createSandbox, createSandboxKubeconfig, type Sandbox, type SandboxServer } from '@kvcsi/sandbox';

export const CLUSTERS = ['cafehyna-dev', 'cafehyna-hub', 'cafehyna-prd', 'painelclientes-dev', 'painelclientes-prd'];

/**
 * The sandbox's kubeconfig (context `<cluster>` = admin, `<cluster>-viewer` = the built-in view role) plus `ghost`, a
 * cluster the sandbox does not serve. `token` replaces every user's token (a kubeconfig with bad credentials).
 */
export function sandboxKubeconfig(options: { token?: string } = {}): string {
  const text = createSandboxKubeconfig([...CLUSTERS, 'ghost']);
  return options.token === undefined ? text : text.replace(/token: .+/g, `token: ${options.token}`);
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
