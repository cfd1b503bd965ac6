/**
 * Socket Mode for the bot: Bolt's SocketModeReceiver, pointed at the same Slack Web API as everything else
 * (`apps.connections.open` goes to SLACK_API_URL like every other call), with our own reconnect
 * policy and a readiness signal for `/readyz`.
 *
 * Why our own reconnects: @slack/socket-mode 3.1.0 (the newest on npm; Bolt 5.1 takes ^3.0.1) waits
 * `clientPingTimeout × consecutive failures` before it reconnects — 5 s with the defaults — also after Slack's routine
 * `disconnect` (`refresh_requested`, `warning`), so the bot would be deaf for 5 s at every refresh
 * (SocketModeClient.delayReconnectAttempt; its 3.2.0 release notes call it "a 5 to 12 second gap without a
 * connection"). Here a disconnect Slack asks for reconnects at once; a lost connection backs off exponentially
 * (1 s, 2 s, 4 s … 30 s, ±20 %), and the backoff resets once Slack says hello.
 */
import { KvcsiError } from '@kvcsi/core';
import { SocketModeReceiver, type App, type Logger, type Receiver, type webApi } from '@slack/bolt';

export type SocketModeState = 'stopped' | 'connecting' | 'connected' | 'reconnecting';

export interface SocketModeReadiness {
  /** True while a connection is open and Slack has said hello. */
  ready: boolean;
  state: SocketModeState;
  /** When the state last changed (ms since the epoch). */
  sinceInMs: number;
  /** Connections opened after the first one. */
  reconnects: number;
  /** Failed attempts since the last hello. */
  failedAttempts: number;
  /** Why the last connection ended or the last attempt failed (no payload, no token). */
  lastProblem?: string;
}

export interface SocketModeLinkOptions {
  /** The app-level token (`xapp-…`, scope `connections:write`). */
  appToken: string;
  /** The Web API base URL, with its trailing slash; Slack's own when absent. */
  slackApiUrl?: string;
  /** The fetch the Web API client uses (the bot's: resolved per call). */
  fetch?: webApi.WebClientOptions['fetch'];
  logger: Logger;
  /** First delay after a lost connection (default 1 s); it doubles up to `maxReconnectDelayInMs` (default 30 s). */
  firstReconnectDelayInMs?: number;
  maxReconnectDelayInMs?: number;
  /** How long the client waits for a pong before it drops the connection (the SDK's default, 5 s, when absent). */
  pingTimeoutInMs?: number;
  /** Jitter source (tests pass a fixed one). */
  random?: () => number;
}

/**
 * Errors of apps.connections.open that retrying cannot fix (@slack/socket-mode's UnrecoverableSocketModeStartError,
 * plus not_allowed_token_type: a bot token where the app-level token belongs).
 */
const UNRECOVERABLE = new Set(['not_authed', 'invalid_auth', 'account_inactive', 'user_removed_from_team', 'team_disabled', 'not_allowed_token_type']);

function platformErrorOf(error: unknown): string | undefined {
  const data = (error as { data?: { error?: unknown } } | undefined)?.data;
  return typeof data?.error === 'string' ? data.error : undefined;
}

/** What went wrong, in words fit for a log line: never a payload or a token. */
function describe(error: unknown): string {
  if (error === undefined) return 'the WebSocket closed before Slack said hello';
  const platform = platformErrorOf(error);
  if (platform) return `apps.connections.open: ${platform}`;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** A `disconnect` message from Slack (a routine refresh or a warning), recognised without parsing every envelope. */
function disconnectReason(data: unknown): string | undefined {
  if (typeof data !== 'string' || !/"type"\s*:\s*"disconnect"/.test(data)) return undefined;
  try {
    const message = JSON.parse(data) as { type?: unknown; reason?: unknown };
    return message.type === 'disconnect' ? (typeof message.reason === 'string' ? message.reason : 'unknown') : undefined;
  } catch {
    return undefined;
  }
}

/** Slack asks for these and a new connection is ready at once; `link_disabled` (Socket Mode turned off) is not one. */
const ROUTINE_DISCONNECTS = new Set(['refresh_requested', 'warning']);

export class SocketModeLink implements Receiver {
  /** Bolt's receiver: it turns envelopes into events for the app and sends the acks. */
  readonly receiver: SocketModeReceiver;
  private readonly logger: Logger;
  private readonly firstDelayInMs: number;
  private readonly maxDelayInMs: number;
  private readonly random: () => number;
  private readonly listeners = new Set<(readiness: SocketModeReadiness) => void>();
  private current: SocketModeReadiness = { ready: false, state: 'stopped', sinceInMs: Date.now(), reconnects: 0, failedAttempts: 0 };
  private stopping = false;
  private everConnected = false;
  private requestedDisconnect: string | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private wakeRetry: (() => void) | undefined;
  private connecting: Promise<void> | undefined;

  constructor(options: SocketModeLinkOptions) {
    this.logger = options.logger;
    this.firstDelayInMs = options.firstReconnectDelayInMs ?? 1_000;
    this.maxDelayInMs = options.maxReconnectDelayInMs ?? 30_000;
    this.random = options.random ?? Math.random;
    this.receiver = new SocketModeReceiver({
      appToken: options.appToken,
      logger: options.logger,
      logLevel: options.logger.getLevel(),
      // Reconnecting is ours (see above).
      autoReconnectEnabled: false,
      ...(options.pingTimeoutInMs === undefined ? {} : { clientPingTimeout: options.pingTimeoutInMs }),
      // Bolt hands installerOptions.clientOptions to the SocketModeClient's Web API client: this is the only way
      // `apps.connections.open` reaches another Web API URL. No retries inside it: the backoff here decides.
      installerOptions: {
        clientOptions: {
          ...(options.slackApiUrl ? { slackApiUrl: options.slackApiUrl } : {}),
          ...(options.fetch ? { fetch: options.fetch } : {}),
          retryConfig: { retries: 0 },
        },
      },
    });
    const client = this.receiver.client;
    client.on('ws_message', (data: unknown) => {
      const reason = disconnectReason(data);
      if (reason !== undefined) this.requestedDisconnect = reason;
    });
    client.on('disconnected', () => this.onConnectionClosed());
  }

  init(app: App): void {
    this.receiver.init(app);
  }

  /** Resolves once Slack has said hello; a token Slack refuses stops the start with the field named. */
  async start(): Promise<unknown> {
    this.stopping = false;
    this.setState('connecting');
    await this.connectUntilHello();
    return undefined;
  }

  async stop(): Promise<unknown> {
    this.stopping = true;
    this.cancelRetry();
    this.setState('stopped');
    await this.receiver.client.disconnect();
    await this.connecting?.catch(() => undefined);
    return undefined;
  }

  readiness(): SocketModeReadiness {
    return { ...this.current };
  }

  /** A readiness check (the shape of bot/src/ops ReadinessCheck): fails while no connection to Slack is open. */
  readonly readinessCheck = {
    name: 'slack-socket',
    check: async (): Promise<void> => {
      const { ready, state, lastProblem } = this.readiness();
      if (!ready) throw new Error(`Socket Mode ${state}${lastProblem ? `: ${lastProblem}` : ''}`);
    },
  };

  /** Called on every state change; returns a function that stops the calls. */
  onReadinessChange(listener: (readiness: SocketModeReadiness) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private setState(state: SocketModeState, change: Partial<SocketModeReadiness> = {}): void {
    const next = { ...this.current, ...change, state, ready: state === 'connected' };
    if (next.state !== this.current.state) next.sinceInMs = Date.now();
    this.current = next;
    for (const listener of this.listeners) listener(this.readiness());
  }

  /** 1 s, 2 s, 4 s … capped, ±20 % so that replicas do not reconnect in step. */
  private nextDelayInMs(failedAttempts: number): number {
    const base = Math.min(this.maxDelayInMs, this.firstDelayInMs * 2 ** Math.max(0, failedAttempts - 1));
    return Math.round(base * (0.8 + 0.4 * this.random()));
  }

  private cancelRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.wakeRetry?.();
  }

  private wait(delayInMs: number): Promise<void> {
    return new Promise((resolve) => {
      this.wakeRetry = resolve;
      this.retryTimer = setTimeout(resolve, delayInMs);
    });
  }

  private connectUntilHello(): Promise<void> {
    this.connecting ??= this.attemptUntilHello().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async attemptUntilHello(): Promise<void> {
    while (!this.stopping) {
      this.requestedDisconnect = undefined;
      try {
        await this.receiver.client.start();
        if (this.stopping) return;
        const reconnects = this.current.reconnects + (this.everConnected ? 1 : 0);
        this.everConnected = true;
        this.setState('connected', { reconnects, failedAttempts: 0 });
        this.logger.info({ reconnects }, 'Socket Mode: connected');
        return;
      } catch (error) {
        if (this.stopping) return;
        const problem = describe(error);
        const platform = platformErrorOf(error);
        if (platform && UNRECOVERABLE.has(platform) && !this.everConnected) {
          this.setState('stopped', { lastProblem: problem });
          throw new KvcsiError('CONFIG_INVALID', `Slack refused the app-level token for Socket Mode (${platform}): SLACK_APP_TOKEN must be an xapp- token with the connections:write scope`, { field: 'SLACK_APP_TOKEN' });
        }
        const failedAttempts = this.current.failedAttempts + 1;
        const delayInMs = this.nextDelayInMs(failedAttempts);
        this.setState(this.everConnected ? 'reconnecting' : 'connecting', { failedAttempts, lastProblem: problem });
        this.logger.warn({ failedAttempts, delayInMs }, `Socket Mode: could not connect (${problem}); trying again`);
        await this.wait(delayInMs);
      }
    }
  }

  /** A connection that had said hello is gone: at once after a routine disconnect, else after a backoff. */
  private onConnectionClosed(): void {
    if (this.stopping || this.current.state !== 'connected') return;
    const reason = this.requestedDisconnect;
    const routine = reason !== undefined && ROUTINE_DISCONNECTS.has(reason);
    const lastProblem = reason === undefined ? 'the connection dropped' : `Slack asked to disconnect (${reason})`;
    if (routine) {
      this.setState('reconnecting', { lastProblem });
      this.logger.info({ reason }, 'Socket Mode: Slack asked for a new connection; reconnecting now');
      void this.connectUntilHello().catch((error: unknown) => this.logger.error('Socket Mode: reconnect stopped', error));
      return;
    }
    const failedAttempts = this.current.failedAttempts + 1;
    const delayInMs = this.nextDelayInMs(failedAttempts);
    this.setState('reconnecting', { failedAttempts, lastProblem });
    this.logger.warn({ failedAttempts, delayInMs, ...(reason ? { reason } : {}) }, `Socket Mode: ${lastProblem}; reconnecting`);
    void this.wait(delayInMs).then(() => {
      if (!this.stopping) void this.connectUntilHello().catch((error: unknown) => this.logger.error('Socket Mode: reconnect stopped', error));
    });
  }
}

export function createSocketModeLink(options: SocketModeLinkOptions): SocketModeLink {
  return new SocketModeLink(options);
}
