/**
 * The console's HTTP server, on loopback:
 *   /                      the chat page (public/), following changes over SSE at /ui/events
 *   /ui/…                  what the page does: state, type, click, submit, close (JSON only)
 *   /api/<method>          the Slack Web API for the bot (SLACK_API_URL = <base>/api/), with Slack's rate limits
 *   /response/<id>         response_urls
 *   /upload/<file>, /files/<file>   the files.uploadV2 upload target, and downloads
 *   /ui/rate-limits        the limits in force and the 429s answered, per conversation (GET)
 *   /link/?ticket=…        Socket Mode (with `socketMode`): the WebSocket apps.connections.open hands out
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { KvcsiError } from '@kvcsi/core';
import { Interactions } from './interactions.js';
import type { SubmittedValues } from './slack-requests.js';
import { envelopeOf } from './socket-mode/envelopes.js';
import { SocketModeHub } from './socket-mode/hub.js';
import { parseRateLimitSetting, SlackRateLimits, type RateLimitSettings } from './rate-limits.js';
import { answerWebApi, parseWebApiArgs } from './web-api.js';
import { Workspace, type Json } from './workspace.js';

export interface ConsoleServerOptions {
  /** Default 3000; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1: the console is for this machine only. */
  host?: string;
  /** Where the bot's HTTP receiver answers (unused with socketMode). */
  botUrl: string;
  /** Socket Mode: the bot connects with this app-level token, and every payload goes to it as an envelope. */
  socketMode?: { appToken: string; ackTimeoutInMs?: number };
  signingSecret: string;
  botToken: string;
  /** The slash command (default /kvcsi). */
  command?: string;
  workspace?: Workspace;
  /**
   * Slack's rate limits on chat.postMessage (per channel) and chat.update (rate-limits.ts): 'off', settings over
   * Slack's, or the limiter itself (a test's, on its own clock). Default: KVCSI_CONSOLE_RATE_LIMIT (off | on |
   * messages per second per channel), on when unset.
   */
  rateLimit?: Partial<RateLimitSettings> | SlackRateLimits | 'off';
}

export interface ConsoleServer {
  url: string;
  /** SLACK_API_URL for the bot (with the trailing slash web-api needs). */
  apiUrl: string;
  port: number;
  workspace: Workspace;
  server: Server;
  /** Slack's Socket Mode side, when the console speaks it. */
  socketMode?: SocketModeHub;
  /** The rate limits in force, and the 429s answered per conversation; absent when off. */
  rateLimits?: SlackRateLimits;
  close(): Promise<void>;
}

/** The page's files, beside dist/ and src/ alike. */
export const PUBLIC_DIR = path.join(__dirname, '..', 'public');
const STATIC_FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
};

const MAX_BODY_BYTES = 2 * 1024 * 1024;

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new KvcsiError('INVALID_INPUT', 'request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(response: ServerResponse, status: number, body: unknown, type = 'application/json; charset=utf-8', headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...headers });
  response.end(text);
}

const STATUS_OF: Partial<Record<string, number>> = { INVALID_INPUT: 400, FORBIDDEN: 403, NOT_FOUND: 404, TIMEOUT: 410 };

function sendError(response: ServerResponse, error: unknown): void {
  if (error instanceof KvcsiError) return send(response, STATUS_OF[error.code] ?? 500, { ok: false, error: error.message });
  send(response, 500, { ok: false, error: 'internal error' });
}

/** The media type alone, lower case: `Application/JSON; charset=utf-8` → `application/json`. */
function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

/**
 * The page's own calls: exactly application/json (a form or a no-cors fetch from another site can only send
 * text/plain, urlencoded or multipart, and `text/plain; charset=application/json` passed a substring check), and no
 * Origin but the console's own (issue 19: a web page approved a request blind).
 */
async function readUiJson(request: IncomingMessage, ownOrigins: readonly string[]): Promise<Json> {
  const origin = request.headers.origin;
  if (origin !== undefined && !ownOrigins.includes(origin)) throw new KvcsiError('FORBIDDEN', 'cross-origin requests are refused');
  if (request.headers['sec-fetch-site'] === 'cross-site') throw new KvcsiError('FORBIDDEN', 'cross-site requests are refused');
  if (mediaTypeOf(request.headers['content-type']) !== 'application/json') throw new KvcsiError('INVALID_INPUT', 'expected application/json');
  const parsed: unknown = JSON.parse((await readBody(request)) || '{}');
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new KvcsiError('INVALID_INPUT', 'expected a JSON object');
  return parsed as Json;
}

function field(body: Json, name: string): string {
  const value = body[name];
  if (typeof value !== 'string' || value === '') throw new KvcsiError('INVALID_INPUT', `${name} is required`, { field: name });
  return value;
}

export async function startConsoleServer(options: ConsoleServerOptions): Promise<ConsoleServer> {
  const workspace = options.workspace ?? new Workspace();
  const host = options.host ?? '127.0.0.1';
  let baseUrl = '';
  // Made once the port is known (response_urls carry it).
  const ready: { interactions?: Interactions } = {};
  const streams = new Set<ServerResponse>();
  const rateLimit = options.rateLimit ?? parseRateLimitSetting(process.env.KVCSI_CONSOLE_RATE_LIMIT);
  const rateLimits = rateLimit === 'off' ? undefined : rateLimit instanceof SlackRateLimits ? rateLimit : new SlackRateLimits(rateLimit);
  const socketMode = options.socketMode
    ? new SocketModeHub({ appToken: options.socketMode.appToken, botToken: options.botToken, ...(options.socketMode.ackTimeoutInMs ? { ackTimeoutInMs: options.socketMode.ackTimeoutInMs } : {}) })
    : undefined;

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://console.invalid');
    const route = url.pathname;
    const method = request.method ?? 'GET';

    if (method === 'GET' && STATIC_FILES[route]) {
      const { file, type } = STATIC_FILES[route];
      return send(response, 200, await readFile(path.join(PUBLIC_DIR, file), 'utf8'), type);
    }
    if (method === 'GET' && route === '/healthz') return send(response, 200, { ok: true });

    if (method === 'POST' && route.startsWith('/api/')) {
      const args = parseWebApiArgs(request.headers['content-type'] ?? '', await readBody(request));
      const answer = answerWebApi(route.slice('/api/'.length), args, request.headers.authorization, { workspace, botToken: options.botToken, baseUrl, ...(socketMode ? { socketMode } : {}), ...(rateLimits ? { rateLimits } : {}) });
      return send(response, answer.status, answer.body, undefined, answer.headers);
    }
    if (method === 'POST' && route.startsWith('/response/')) {
      const args = parseWebApiArgs(request.headers['content-type'] ?? 'application/json', await readBody(request));
      workspace.respond(route.slice('/response/'.length), args);
      return send(response, 200, 'ok', 'text/plain; charset=utf-8');
    }
    if (method === 'POST' && route.startsWith('/upload/')) {
      workspace.storeFileContent(route.slice('/upload/'.length), await readBody(request));
      return send(response, 200, `OK - ${route.slice('/upload/'.length)}`, 'text/plain; charset=utf-8');
    }
    if (method === 'GET' && route.startsWith('/files/')) {
      const file = workspace.file(route.slice('/files/'.length));
      if (!file || file.content === undefined) return send(response, 404, { ok: false, error: 'file_not_found' });
      response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-disposition': `inline; filename="${file.name.replace(/[^\w.-]/g, '_')}"`, 'x-content-type-options': 'nosniff' });
      response.end(file.content);
      return;
    }

    if (method === 'GET' && route === '/ui/rate-limits') return send(response, 200, { ok: true, enabled: rateLimits !== undefined, ...(rateLimits ? rateLimits.snapshot() : {}) });
    if (method === 'GET' && route === '/ui/state') return send(response, 200, workspace.snapshot(url.searchParams.get('user') ?? ''));
    if (method === 'GET' && route === '/ui/events') {
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      response.write(`retry: 1000\nevent: change\ndata: ${workspace.version}\n\n`);
      streams.add(response);
      const stop = workspace.onChange((version) => response.write(`event: change\ndata: ${version}\n\n`));
      request.on('close', () => {
        stop();
        streams.delete(response);
      });
      return;
    }
    if (method === 'POST' && route.startsWith('/ui/') && ready.interactions) {
      const { interactions } = ready;
      const port = (server.address() as AddressInfo).port;
      const body = await readUiJson(request, [baseUrl, `http://localhost:${port}`, `http://127.0.0.1:${port}`]);
      const user = field(body, 'user');
      switch (route) {
        case '/ui/type':
          await interactions.type(user, field(body, 'channel'), field(body, 'text'));
          return send(response, 200, { ok: true });
        case '/ui/click':
          await interactions.click(user, field(body, 'messageId'), field(body, 'actionId'), typeof body.blockId === 'string' ? body.blockId : undefined);
          return send(response, 200, { ok: true });
        case '/ui/submit':
          return send(response, 200, { ok: true, ...(await interactions.submit(user, field(body, 'viewId'), (body.values ?? {}) as SubmittedValues)) });
        case '/ui/close':
          await interactions.close(user, field(body, 'viewId'));
          return send(response, 200, { ok: true });
      }
    }
    send(response, 404, { ok: false, error: 'not found' });
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (response.headersSent) response.end();
      else sendError(response, error);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 3000, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://${host}:${port}`;
  socketMode?.attach(server, baseUrl);
  ready.interactions = new Interactions({
    workspace, botUrl: options.botUrl, signingSecret: options.signingSecret, baseUrl, ...(options.command ? { command: options.command } : {}),
    ...(socketMode ? { deliver: (body: string) => { const { type, payload, acceptsResponsePayload } = envelopeOf(body); return socketMode.send(type, payload, acceptsResponsePayload); } } : {}),
  });
  return {
    url: baseUrl,
    apiUrl: `${baseUrl}/api/`,
    port,
    workspace,
    server,
    ...(socketMode ? { socketMode } : {}),
    ...(rateLimits ? { rateLimits } : {}),
    async close() {
      for (const stream of streams) stream.end();
      await socketMode?.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
