/**
 * Slack's side of Socket Mode, for the console: `apps.connections.open` hands out a one-time WebSocket URL on
 * loopback; a connection gets `hello`, then envelopes (`slash_commands`, `interactive`), each to one open connection;
 * the app acknowledges an envelope by sending back its `envelope_id` (with a `payload` when the envelope accepts a
 * response payload), within 3 s. `disconnect` asks a connection to go away (`refresh_requested`, `warning`).
 *
 * Shapes as Slack sends them: the envelopes in slackapi/python-slack-sdk's Socket Mode test server
 * (tests/slack_sdk/socket_mode/mock_socket_mode_server.py @ 5564a243), what @slack/socket-mode 3.1.0 reads
 * (SocketModeClient.onWebSocketMessage: `hello`, `disconnect` + `reason`, `envelope_id`, `payload`,
 * `accepts_response_payload`) and Slack's Socket Mode page (api.slack.com/apis/connections/socket-implement).
 * Each envelope goes to one of the app's open connections (up to 10): two processes on one app token each get some
 * of them (slackapi/bolt-python#448, #515). How Slack picks one is not documented: here it is round robin.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { APP_ID } from '../directory.js';
import type { Json } from '../workspace.js';

/** Slack waits three seconds for an acknowledgement. */
export const SOCKET_ACK_TIMEOUT_IN_MS = 3_000;
/** Slack closes a connection it warned about some seconds later; the SDKs leave at once. */
const RETIRE_GRACE_IN_MS = 10_000;
const TICKET_LIFETIME_IN_MS = 30_000;
const LINK_PATH = '/link/';

export type EnvelopeType = 'slash_commands' | 'interactive';
export type DisconnectReason = 'refresh_requested' | 'warning' | 'link_disabled';

/** What came back for an envelope, in the console's HTTP terms: 200 with the ack's payload, 408 no ack in time, 503 no connection. */
export interface SocketAck {
  status: 200 | 408 | 503;
  /** The ack's payload as JSON text ('' for an empty one). */
  body: string;
  connectionId?: string;
  envelopeId: string;
}

export interface SocketConnectionInfo {
  id: string;
  openedAt: number;
  /** Sent a `disconnect`: no more envelopes go to it. */
  retiring: boolean;
  delivered: number;
  acked: number;
}

export type HubEventKind = 'ticket' | 'refused' | 'open' | 'closed' | 'killed' | 'disconnect-sent' | 'delivered' | 'acked' | 'late-ack' | 'duplicate-ack';

export interface HubEvent {
  at: number;
  kind: HubEventKind;
  connectionId?: string;
  /** refused: the HTTP status; disconnect-sent: the reason; delivered, acked, late-ack, duplicate-ack: the envelope id. */
  detail?: string;
  /** delivered: `slash_commands`, or the interactive payload's type (`block_actions`, `view_submission`…). */
  payloadType?: string;
}

interface Connection extends SocketConnectionInfo {
  socket: WebSocket;
  retireTimer?: NodeJS.Timeout;
}

interface Pending {
  envelopeId: string;
  connectionId?: string;
  settle: (ack: SocketAck) => void;
}

export interface SocketModeHubOptions {
  /** The app-level token (`xapp-…`) that apps.connections.open accepts. */
  appToken: string;
  /** The bot token: Slack refuses it for apps.connections.open with `not_allowed_token_type`. */
  botToken?: string;
  ackTimeoutInMs?: number;
}

function envelopeAck(data: RawData): { envelopeId?: string; payload?: unknown } {
  try {
    const message = JSON.parse(data.toString()) as { envelope_id?: unknown; payload?: unknown };
    return { ...(typeof message.envelope_id === 'string' ? { envelopeId: message.envelope_id } : {}), payload: message.payload };
  } catch {
    return {};
  }
}

export class SocketModeHub {
  private readonly server = new WebSocketServer({ noServer: true });
  private readonly connections = new Map<string, Connection>();
  private readonly tickets = new Map<string, number>();
  private readonly pending = new Map<string, Pending>();
  private readonly waitingForConnection = new Set<() => void>();
  private readonly acked = new Set<string>();
  private readonly ackTimeoutInMs: number;
  private refuseNext = 0;
  private nextIndex = 0;
  private connectionCount = 0;
  private baseUrl = '';
  /** What happened, oldest first: for tests and the bench. */
  readonly events: HubEvent[] = [];

  constructor(private readonly options: SocketModeHubOptions) {
    this.ackTimeoutInMs = options.ackTimeoutInMs ?? SOCKET_ACK_TIMEOUT_IN_MS;
  }

  private record(kind: HubEventKind, connectionId?: string, detail?: string, payloadType?: string): void {
    this.events.push({ at: Date.now(), kind, ...(connectionId ? { connectionId } : {}), ...(detail ? { detail } : {}), ...(payloadType ? { payloadType } : {}) });
    if (this.events.length > 10_000) this.events.splice(0, this.events.length - 10_000);
  }

  /** Takes the HTTP server's WebSocket upgrades on /link/; `baseUrl` is the console's http:// URL. */
  attach(server: Server, baseUrl: string): void {
    this.baseUrl = baseUrl;
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(request, socket, head));
  }

  /**
   * `apps.connections.open`: the token is checked as Slack checks it — a bot token gets `not_allowed_token_type`
   * (slack-ruby/slack-ruby-client#363) — and a one-time URL comes back.
   */
  open(token: string | undefined): Json {
    if (!token) return { ok: false, error: 'not_authed' };
    // A bot or user token where the app-level token belongs.
    if (token === this.options.botToken || /^xox[bp]-/.test(token)) return { ok: false, error: 'not_allowed_token_type' };
    if (token !== this.options.appToken) return { ok: false, error: 'invalid_auth' };
    const ticket = randomBytes(16).toString('hex');
    this.tickets.set(ticket, Date.now());
    this.record('ticket');
    return { ok: true, url: `${this.baseUrl.replace(/^http/, 'ws')}${LINK_PATH}?ticket=${ticket}&app_id=${APP_ID}` };
  }

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(request.url ?? '/', 'http://console.invalid');
    if (url.pathname !== LINK_PATH) return void socket.destroy();
    const ticket = url.searchParams.get('ticket') ?? '';
    const issuedAt = this.tickets.get(ticket);
    this.tickets.delete(ticket);
    const refuse = (status: string): void => {
      this.record('refused', undefined, status);
      socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    };
    if (issuedAt === undefined || Date.now() - issuedAt > TICKET_LIFETIME_IN_MS) return refuse('401 Unauthorized');
    if (this.refuseNext > 0) {
      this.refuseNext -= 1;
      return refuse('503 Service Unavailable');
    }
    this.server.handleUpgrade(request, socket, head, (ws) => this.accept(ws));
  }

  private accept(socket: WebSocket): void {
    this.connectionCount += 1;
    const connection: Connection = { id: `conn-${this.connectionCount}`, socket, openedAt: Date.now(), retiring: false, delivered: 0, acked: 0 };
    this.connections.set(connection.id, connection);
    this.record('open', connection.id);
    socket.on('message', (data) => this.onAck(connection, data));
    socket.on('close', () => {
      clearTimeout(connection.retireTimer);
      this.connections.delete(connection.id);
      this.record('closed', connection.id);
    });
    socket.on('error', () => undefined);
    socket.send(JSON.stringify({
      type: 'hello',
      num_connections: this.live().length,
      debug_info: { host: 'kvcsi-console', build_number: 1, approximate_connection_time: 18060 },
      connection_info: { app_id: APP_ID },
    }));
    for (const wake of [...this.waitingForConnection]) wake();
  }

  private onAck(connection: Connection, data: RawData): void {
    const { envelopeId, payload } = envelopeAck(data);
    if (!envelopeId) return;
    const pending = this.pending.get(envelopeId);
    if (!pending) {
      this.record(this.acked.has(envelopeId) ? 'duplicate-ack' : 'late-ack', connection.id, envelopeId);
      return;
    }
    connection.acked += 1;
    this.acked.add(envelopeId);
    this.record('acked', connection.id, envelopeId);
    const body = payload && typeof payload === 'object' && Object.keys(payload).length > 0 ? JSON.stringify(payload) : '';
    pending.settle({ status: 200, body, connectionId: connection.id, envelopeId });
  }

  /** Open connections that still take envelopes. */
  private live(): Connection[] {
    return [...this.connections.values()].filter((connection) => !connection.retiring && connection.socket.readyState === connection.socket.OPEN);
  }

  connectionsInfo(): SocketConnectionInfo[] {
    return [...this.connections.values()].map(({ id, openedAt, retiring, delivered, acked }) => ({ id, openedAt, retiring, delivered, acked }));
  }

  /**
   * Sends an envelope to one open connection and waits for its ack, 3 s in all from now. With no connection open
   * yet (a bot reconnecting), it waits for one within the same 3 s.
   */
  async send(type: EnvelopeType, payload: Json, acceptsResponsePayload: boolean): Promise<SocketAck> {
    const envelopeId = randomUUID();
    const deadline = Date.now() + this.ackTimeoutInMs;
    return new Promise<SocketAck>((resolve) => {
      let settled = false;
      const pending: Pending = { envelopeId, settle: (ack) => settle(ack) };
      const dispatch = (): boolean => {
        const open = this.live();
        if (open.length === 0) return false;
        const connection = open[this.nextIndex % open.length] as Connection;
        this.nextIndex += 1;
        pending.connectionId = connection.id;
        connection.delivered += 1;
        connection.socket.send(JSON.stringify({ envelope_id: envelopeId, payload, type, accepts_response_payload: acceptsResponsePayload }));
        this.record('delivered', connection.id, envelopeId, type === 'slash_commands' ? type : String(payload.type));
        return true;
      };
      // Woken when a connection opens, while this envelope still waits for one.
      const waitForConnection = (): void => {
        if (!settled && dispatch()) this.waitingForConnection.delete(waitForConnection);
      };
      const settle = (ack: SocketAck): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.waitingForConnection.delete(waitForConnection);
        this.pending.delete(envelopeId);
        resolve(ack);
      };
      // Delivered but not acknowledged: operation_timeout; never delivered (no connection): dispatch_failed.
      const timer = setTimeout(() => settle({ status: pending.connectionId ? 408 : 503, body: '', envelopeId }), Math.max(0, deadline - Date.now()));
      this.pending.set(envelopeId, pending);
      if (!dispatch()) this.waitingForConnection.add(waitForConnection);
    });
  }

  /** Sends `disconnect` to one connection (the oldest) or all; they take no more envelopes, and close after a grace. */
  disconnect(reason: DisconnectReason, which: 'oldest' | 'all' = 'all'): string[] {
    const targets = [...this.connections.values()].filter((connection) => !connection.retiring);
    const chosen = which === 'all' ? targets : targets.slice(0, 1);
    for (const connection of chosen) {
      connection.retiring = true;
      connection.socket.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'kvcsi-console' } }));
      this.record('disconnect-sent', connection.id, reason);
      connection.retireTimer = setTimeout(() => connection.socket.close(1000), RETIRE_GRACE_IN_MS);
      connection.retireTimer.unref();
    }
    return chosen.map((connection) => connection.id);
  }

  /** Drops connections without a close frame, as a network failure would. */
  kill(which: 'oldest' | 'all' = 'all'): string[] {
    const targets = [...this.connections.values()];
    const chosen = which === 'all' ? targets : targets.slice(0, 1);
    for (const connection of chosen) {
      this.record('killed', connection.id);
      connection.socket.terminate();
    }
    return chosen.map((connection) => connection.id);
  }

  /** The next `count` WebSocket handshakes fail with 503, as during an outage on Slack's side. */
  refuseConnections(count: number): void {
    this.refuseNext = count;
  }

  async close(): Promise<void> {
    for (const wake of this.waitingForConnection) wake();
    for (const connection of this.connections.values()) {
      clearTimeout(connection.retireTimer);
      connection.socket.terminate();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
