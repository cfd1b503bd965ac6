/** /healthz, /readyz (each check timed, the reasons shown) and /metrics, over a real HTTP server. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBotMetrics } from './metrics.js';
import { opsRoutes, serveOpsRoutes, type ReadinessCheck } from './routes.js';

let server: Server;
let base: string;
let storeUp = true;
const metrics = createBotMetrics({ defaultMetrics: false });
const checks: ReadinessCheck[] = [
  { name: 'registry', check: async () => undefined },
  { name: 'store', check: async () => { if (!storeUp) throw new Error('store: ping failed (ECONNREFUSED): the database cannot be reached'); } },
  { name: 'slow', check: (signal) => new Promise((resolve) => { if (storeUp) resolve(); else signal.addEventListener('abort', () => undefined); }) },
];

beforeAll(async () => {
  server = createServer(serveOpsRoutes(opsRoutes({ checks, metrics: metrics.registry, checkTimeoutInMs: 200 })));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

it('answers /healthz, and /readyz 200 only when every check passes in time', async () => {
  expect((await fetch(`${base}/healthz`)).status).toBe(200);
  const ready = await fetch(`${base}/readyz`);
  expect([ready.status, await ready.json()]).toEqual([200, { ok: true, checks: { registry: 'ok', store: 'ok', slow: 'ok' } }]);
  storeUp = false;
  const down = await fetch(`${base}/readyz`);
  expect([down.status, await down.json()]).toEqual([503, {
    ok: false, checks: { registry: 'ok', store: 'store: ping failed (ECONNREFUSED): the database cannot be reached', slow: 'no answer within 200 ms' },
  }]);
  storeUp = true;
  expect((await fetch(`${base}/nothing`)).status).toBe(404);
});

it('serves the metrics in the Prometheus text format', async () => {
  metrics.command('status', 'ok');
  metrics.command('grant', 'forbidden');
  metrics.approval('applied');
  metrics.outboundCall({ host: 'kv-cafehyna-prd.vault.azure.net', status: '403', durationInMs: 12 });
  metrics.outboundCall({ host: 'cafehyna-prd.sandbox.azmk8s.io', status: '200', durationInMs: 5 });
  const response = await fetch(`${base}/metrics`);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  expect(text).toContain('kvcsi_bot_commands_total{verb="status",outcome="ok"} 1');
  expect(text).toContain('kvcsi_bot_commands_total{verb="grant",outcome="forbidden"} 1');
  expect(text).toContain('kvcsi_bot_approvals_total{outcome="applied"} 1');
  expect(text).toContain('kvcsi_outbound_requests_total{service="azure",host="kv-cafehyna-prd.vault.azure.net",status="403"} 1');
  expect(text).toContain('kvcsi_outbound_requests_total{service="kubernetes",host="cafehyna-prd.sandbox.azmk8s.io",status="200"} 1');
});
