/**
 * The operator's endpoints, on the bot's port: /healthz (liveness: the process answers), /readyz (readiness: the
 * registry is loaded, the store answers, the bot is not draining — Slack itself is checked once at start, not here,
 * so a Slack blip does not empty the endpoints), /metrics (Prometheus).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';

export interface OpsRoute {
  path: string;
  method: string[];
  handler: (request: IncomingMessage, response: ServerResponse) => void;
}

export interface ReadinessCheck {
  name: string;
  /** Resolves when ready; throws (or rejects) with the reason otherwise. */
  check(signal: AbortSignal): Promise<void>;
}

export interface OpsRoutesOptions {
  checks: ReadinessCheck[];
  metrics?: Registry;
  /** Each check must answer within this; default 2 s. */
  checkTimeoutInMs?: number;
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  response.end(JSON.stringify(body));
}

/** Runs every check at once; each gets its own time limit. */
export async function readiness(checks: readonly ReadinessCheck[], timeoutInMs: number): Promise<{ ok: boolean; checks: Record<string, string> }> {
  const results = await Promise.all(checks.map(async ({ name, check }) => {
    const signal = AbortSignal.timeout(timeoutInMs);
    try {
      await Promise.race([
        check(signal),
        new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(new Error(`no answer within ${timeoutInMs} ms`)), { once: true })),
      ]);
      return [name, 'ok'] as const;
    } catch (error) {
      // Only our own error texts: KvcsiErrors from the store name the operation, never the connection string.
      return [name, error instanceof Error ? error.message : String(error)] as const;
    }
  }));
  return { ok: results.every(([, result]) => result === 'ok'), checks: Object.fromEntries(results) };
}

export function opsRoutes(options: OpsRoutesOptions): OpsRoute[] {
  const timeoutInMs = options.checkTimeoutInMs ?? 2_000;
  const routes: OpsRoute[] = [
    { path: '/healthz', method: ['GET'], handler: (_request, response) => sendJson(response, 200, { ok: true }) },
    {
      path: '/readyz', method: ['GET'], handler: (_request, response) => {
        void readiness(options.checks, timeoutInMs).then((result) => sendJson(response, result.ok ? 200 : 503, result));
      },
    },
  ];
  const { metrics } = options;
  if (metrics) {
    routes.push({
      path: '/metrics', method: ['GET'], handler: (_request, response) => {
        metrics.metrics().then(
          (text) => {
            response.writeHead(200, { 'content-type': metrics.contentType });
            response.end(text);
          },
          () => sendJson(response, 500, { ok: false }),
        );
      },
    });
  }
  return routes;
}

/** The routes as a plain request handler (Socket Mode has no HTTP receiver of its own). */
export function serveOpsRoutes(routes: readonly OpsRoute[]): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const route = routes.find((candidate) => candidate.path === path && candidate.method.includes(request.method ?? 'GET'));
    if (route) return route.handler(request, response);
    sendJson(response, 404, { ok: false });
  };
}
