/**
 * The Socket Mode link against a stand-in Web API over real HTTP: apps.connections.open goes to the bot's Web API
 * URL with the app-level token, a token Slack refuses stops the start with the field named, and a WebSocket that
 * cannot be opened is retried with a growing backoff while readiness says not ready.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LogLevel } from '@slack/bolt';
import { createBotLogger } from '../logger.js';
import { createSocketModeLink, type SocketModeLink } from './socket.js';

interface Call {
  at: number;
  path: string;
  authorization?: string;
}

async function webApi(answer: () => Record<string, unknown>): Promise<{ url: string; calls: Call[]; server: Server }> {
  const calls: Call[] = [];
  const server = createServer((request: IncomingMessage, response) => {
    request.resume();
    request.on('end', () => {
      calls.push({ at: Date.now(), path: request.url ?? '', ...(request.headers.authorization ? { authorization: request.headers.authorization } : {}) });
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(answer()));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`, calls, server };
}

/** A loopback port with nothing listening: the WebSocket handshake is refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const lines: string[] = [];
const logger = createBotLogger({ level: LogLevel.WARN, destination: { write: (line: string) => void lines.push(line) } });
let link: SocketModeLink | undefined;
let server: Server | undefined;

afterEach(async () => {
  await link?.stop();
  link = undefined;
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
  lines.length = 0;
});

it('opens the connection through the bot\'s Web API URL with the app-level token; a refused token stops the start, naming SLACK_APP_TOKEN', async () => {
  const api = await webApi(() => ({ ok: false, error: 'invalid_auth' }));
  server = api.server;
  link = createSocketModeLink({ appToken: 'xapp-1-test', slackApiUrl: api.url, logger });
  await expect(link.start()).rejects.toMatchObject({ code: 'CONFIG_INVALID', field: 'SLACK_APP_TOKEN', message: expect.stringContaining('invalid_auth') });
  expect(api.calls).toEqual([{ at: expect.any(Number), path: '/api/apps.connections.open', authorization: 'Bearer xapp-1-test' }]);
  expect(link.readiness()).toMatchObject({ ready: false, state: 'stopped' });
  await expect(link.readinessCheck.check()).rejects.toThrow('Socket Mode stopped: apps.connections.open: invalid_auth');
});

it('retries a WebSocket it cannot open with a growing backoff, not ready meanwhile, and stops retrying when stopped', async () => {
  const port = await closedPort();
  const api = await webApi(() => ({ ok: true, url: `ws://127.0.0.1:${port}/link/?ticket=t` }));
  server = api.server;
  link = createSocketModeLink({ appToken: 'xapp-1-test', slackApiUrl: api.url, logger, firstReconnectDelayInMs: 100, random: () => 0.5 });
  const states: string[] = [];
  link.onReadinessChange((readiness) => states.push(readiness.state));
  const started = link.start();
  started.catch(() => undefined);
  while (api.calls.length < 4) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(link.readiness()).toMatchObject({ ready: false, state: 'connecting', failedAttempts: expect.any(Number) });
  await expect(link.readinessCheck.check()).rejects.toThrow(/^Socket Mode connecting: /);
  const gaps = api.calls.slice(1).map((call, index) => call.at - (api.calls[index] as Call).at);
  // 100 ms, 200 ms, 400 ms (jitter fixed at ×1.0), plus the failed handshake each time.
  expect(gaps[0]).toBeGreaterThanOrEqual(90);
  expect(gaps[1]).toBeGreaterThanOrEqual(190);
  expect(gaps[2]).toBeGreaterThanOrEqual(390);
  expect(gaps[2]).toBeLessThan(1_500);
  expect(lines.some((line) => line.includes('Socket Mode: could not connect'))).toBe(true);
  // No token in any log line.
  expect(lines.join('\n')).not.toContain('xapp-1-test');

  await link.stop();
  const after = api.calls.length;
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(api.calls.length).toBe(after);
  await expect(started).resolves.toBeUndefined();
  expect(states[0]).toBe('connecting');
  expect(states.at(-1)).toBe('stopped');
});
