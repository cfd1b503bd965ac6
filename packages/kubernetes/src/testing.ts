// Test support: the sandbox's default scenario and a kubeconfig for its clusters. Not exported from the package.
import { createSandboxKubeconfig, startTestSandbox, type TestSandbox } from '@kvcsi/sandbox';

export const CLUSTERS = ['cafehyna-dev', 'cafehyna-hub', 'cafehyna-prd', 'painelclientes-dev', 'painelclientes-prd'];

/**
 * The sandbox's kubeconfig (context `<cluster>` = admin, `<cluster>-viewer` = the built-in view role) plus `ghost`, a
 * cluster the sandbox does not serve. `token` replaces every user's token (a kubeconfig with bad credentials).
 */
export function sandboxKubeconfig(options: { token?: string } = {}): string {
  const text = createSandboxKubeconfig([...CLUSTERS, 'ghost']);
  return options.token === undefined ? text : text.replace(/token: .+/g, `token: ${options.token}`);
}

export type SandboxHarness = TestSandbox;

/** Starts the sandbox for a test file: call in `beforeAll`, then `reset` in `beforeEach` and `close` in `afterAll`. */
export const startSandbox = (): SandboxHarness => startTestSandbox({ withQuery: true });
