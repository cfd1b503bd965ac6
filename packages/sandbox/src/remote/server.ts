import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { KvcsiError } from '@kvcsi/core';
import { getResponse } from 'msw';
import { applyBreak, parseBreakInput } from '../breaks/breaks.js';
import type { FaultRule } from '../faults/config.js';
import type { Sandbox } from '../sandbox.js';
import { ADMIN_PREFIX, NETWORK_ERROR_HEADER, ORIGINAL_URL_HEADER, UNFORWARDED_HEADERS } from './protocol.js';

export interface SandboxHttpServer {
  /** `http://127.0.0.1:<port>`: what `createRemoteSandboxHandlers` and `KVCSI_SANDBOX_URL` take. */
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface SandboxHttpServerOptions {
  /** 0 picks a free port. */
  port?: number;
  /** Loopback by default: the sandbox hands out sandbox-only credentials. */
  host?: string;
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

/**
 * Admin calls come from kvcsi's processes and scripts, never from a browser: a request with a foreign Origin (or that a
 * browser marks cross-site), or a form encoding, is a web page trying to reset the sandbox or inject faults (issue 19).
 * The forwarded SDK traffic needs a custom header, which a page cannot send cross-site without a preflight.
 */
function refusedAdminCall(request: IncomingMessage, ownOrigins: readonly string[]): string | undefined {
  const origin = request.headers.origin;
  if (origin !== undefined && !ownOrigins.includes(origin)) return 'cross-origin admin calls are refused';
  const site = request.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') return 'cross-site admin calls are refused';
  const mediaType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (mediaType === 'application/x-www-form-urlencoded' || mediaType === 'multipart/form-data') return 'admin calls take JSON, not a form';
  return undefined;
}

const BREAK_STATUS: Partial<Record<string, number>> = { INVALID_INPUT: 400, NOT_FOUND: 404, CONFLICT: 409 };

/**
 * `POST /_sandbox/break`: breaks an app on purpose, or mends it (breaks/breaks.ts). It changes what the demo's
 * people see, so it takes exactly `application/json`: a page elsewhere cannot send that without a CORS preflight,
 * which the sandbox never answers.
 */
function handleBreak(sandbox: Sandbox, request: IncomingMessage, body: Buffer, response: ServerResponse): void {
  const mediaType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (mediaType !== 'application/json') return sendJson(response, 415, { error: `content-type: must be application/json, not ${mediaType === '' ? 'none' : mediaType}`, field: 'content-type' });
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return sendJson(response, 400, { error: '(body): must be JSON', field: '(body)' });
  }
  try {
    sendJson(response, 200, applyBreak(sandbox, parseBreakInput(parsed)));
  } catch (error) {
    if (!(error instanceof KvcsiError) || BREAK_STATUS[error.code] === undefined) throw error;
    sendJson(response, BREAK_STATUS[error.code]!, { error: error.message, code: error.code, ...(error.field === undefined ? {} : { field: error.field }) });
  }
}

/** The operator's credentials and the sandbox's health, faults, clock and reset, for tests, benches and `npm start`. */
async function handleAdmin(sandbox: Sandbox, request: IncomingMessage, path: string, method: string, body: Buffer, response: ServerResponse): Promise<void> {
  const json = (): unknown => (body.length === 0 ? {} : JSON.parse(body.toString('utf8')));
  if (path === '/health' && method === 'GET') return sendJson(response, 200, { ok: true, scenario: sandbox.scenario.name, nowMs: sandbox.clock.nowMs() });
  if (path === '/reset' && method === 'POST') {
    sandbox.reset();
    return sendJson(response, 200, { ok: true });
  }
  if (path === '/reconcile' && method === 'POST') {
    sandbox.reconcile();
    return sendJson(response, 200, { ok: true });
  }
  if (path === '/faults' && method === 'GET') return sendJson(response, 200, { rules: sandbox.faults.list() });
  if (path === '/faults' && method === 'POST') return sendJson(response, 200, { id: sandbox.faults.add(json() as FaultRule) });
  if (path === '/faults' && method === 'DELETE') {
    sandbox.faults.clear();
    return sendJson(response, 200, { ok: true });
  }
  if (path === '/break' && method === 'POST') return handleBreak(sandbox, request, body, response);
  if (path === '/clock/advance' && method === 'POST') {
    const { ms } = json() as { ms?: number };
    if (typeof ms !== 'number' || ms < 0) return sendJson(response, 400, { error: 'body must be {"ms": <non-negative number>}' });
    sandbox.advance(ms);
    return sendJson(response, 200, { nowMs: sandbox.clock.nowMs() });
  }
  return sendJson(response, 404, { error: `no sandbox admin endpoint ${method} ${ADMIN_PREFIX}${path}` });
}

async function forward(sandbox: Sandbox, request: IncomingMessage, body: Buffer, response: ServerResponse, signal: AbortSignal): Promise<void> {
  const original = request.headers[ORIGINAL_URL_HEADER];
  if (typeof original !== 'string') return sendJson(response, 400, { error: `missing ${ORIGINAL_URL_HEADER} header` });
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || UNFORWARDED_HEADERS.has(name)) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  const method = request.method ?? 'GET';
  const fetchRequest = new Request(original, { method, headers, signal, ...(method === 'GET' || method === 'HEAD' ? {} : { body }) });
  const answer = await getResponse(sandbox.handlers, fetchRequest);
  if (answer === undefined) return sendJson(response, 502, { error: `the sandbox has no handler for ${method} ${original}` });
  if (answer.type === 'error') {
    response.writeHead(502, { [NETWORK_ERROR_HEADER]: '1' });
    response.end();
    return;
  }
  const outgoing: Record<string, string> = {};
  answer.headers.forEach((value, name) => {
    if (!UNFORWARDED_HEADERS.has(name)) outgoing[name] = value;
  });
  response.writeHead(answer.status, answer.statusText, outgoing);
  if (answer.body === null) {
    response.end();
    return;
  }
  // Streamed, so a Kubernetes watch reaches the client event by event.
  const stream = Readable.fromWeb(answer.body as NodeReadableStream);
  response.on('close', () => stream.destroy());
  stream.pipe(response);
}

/**
 * Serves one sandbox over loopback HTTP, so several processes (the bot, the Backstage backend, CLI runs) share one
 * state and none of them pays for the simulation on its own event loop. Each process forwards the SDKs' requests
 * with `createRemoteSandboxHandlers(url)`.
 */
export function startSandboxHttpServer(sandbox: Sandbox, options: SandboxHttpServerOptions = {}): Promise<SandboxHttpServer> {
  const server: Server = createServer((request, response) => {
    const controller = new AbortController();
    response.on('close', () => controller.abort());
    void (async () => {
      try {
        const body = await readBody(request);
        const url = new URL(request.url ?? '/', 'http://sandbox');
        if (url.pathname.startsWith(`${ADMIN_PREFIX}/`)) {
          // Our own origins from the listen address, never from the Host header (a DNS-rebound page controls it).
          const { port } = server.address() as AddressInfo;
          const refused = refusedAdminCall(request, [`http://127.0.0.1:${port}`, `http://localhost:${port}`, `http://${options.host ?? '127.0.0.1'}:${port}`]);
          if (refused !== undefined) sendJson(response, 403, { error: refused });
          else await handleAdmin(sandbox, request, url.pathname.slice(ADMIN_PREFIX.length), request.method ?? 'GET', body, response);
        }
        else await forward(sandbox, request, body, response, controller.signal);
      } catch (error) {
        if (!response.headersSent) sendJson(response, 500, { error: error instanceof Error ? error.message : String(error) });
        else response.destroy();
      }
    })();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      const { port, address } = server.address() as AddressInfo;
      resolve({
        url: `http://${address}:${port}`,
        port,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
