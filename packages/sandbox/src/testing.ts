import { createSandbox, type Sandbox, type SandboxServer } from './sandbox.js';

export interface TestSandbox {
  sandbox: Sandbox;
  server: SandboxServer;
  /** `METHOD host/path` (with `?query` when asked) of every request since the last `requests.length = 0`. */
  requests: string[];
}

/**
 * A sandbox for one test file, listening and recording what the SDKs send: call in `beforeAll`, then
 * `sandbox.reset()` in `beforeEach` and `server.close()` in `afterAll`.
 */
export function startTestSandbox(options: { scenario?: string; withQuery?: boolean } = {}): TestSandbox {
  const sandbox = createSandbox({ scenario: options.scenario ?? 'default', autoSave: false });
  const server = sandbox.listen();
  const requests: string[] = [];
  server.server.events.on('request:start', ({ request }) => {
    const url = new URL(request.url);
    const query = options.withQuery ? [...url.searchParams].map(([key, value]) => `${key}=${value}`).join('&') : '';
    requests.push(`${request.method} ${url.host}${url.pathname}${query === '' ? '' : `?${query}`}`);
  });
  return { sandbox, server, requests };
}
