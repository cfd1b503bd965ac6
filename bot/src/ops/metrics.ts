/**
 * The bot's Prometheus metrics (prom-client), served at /metrics: commands by verb and outcome, Slack ack latency,
 * Azure and Kubernetes calls by host and status, approvals, card updates, in-flight work, and Node's own
 * (CPU, memory, event-loop lag, GC). A registry per bot, so tests can run several.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { serviceOfHost, type OutboundCall } from './outbound-calls.js';

export interface BotMetrics {
  registry: Registry;
  /** A /kvcsi command ended: `outcome` is ok, usage, refused or an error code (lower case). */
  command(verb: string, outcome: string): void;
  /** An approve or reject click ended: approved, applied, rejected, conflict, forbidden, failed… */
  approval(outcome: string): void;
  cardUpdated(status: string): void;
  outboundCall(call: OutboundCall): void;
  inFlight: Gauge;
  /** Starts timing Slack's acknowledgements (HTTP responses on /slack/events); returns the stop. */
  watchAcks(): () => void;
}

export function createBotMetrics(options: { defaultMetrics?: boolean } = {}): BotMetrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'kvcsi_bot_' });
  const commands = new Counter({ name: 'kvcsi_bot_commands_total', help: '/kvcsi commands by verb and outcome', labelNames: ['verb', 'outcome'], registers: [registry] });
  const acks = new Histogram({
    name: 'kvcsi_bot_slack_ack_seconds', help: 'Time from a Slack request (command, click, submission) to its HTTP acknowledgement',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 3], registers: [registry],
  });
  const outbound = new Counter({ name: 'kvcsi_outbound_requests_total', help: 'HTTP calls to Azure, Kubernetes and others, by service, host and status', labelNames: ['service', 'host', 'status'], registers: [registry] });
  const outboundSeconds = new Histogram({
    name: 'kvcsi_outbound_request_seconds', help: 'Duration of HTTP calls to Azure, Kubernetes and others', labelNames: ['service'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [registry],
  });
  const approvals = new Counter({ name: 'kvcsi_bot_approvals_total', help: 'Approve and reject clicks by outcome', labelNames: ['outcome'], registers: [registry] });
  const cards = new Counter({ name: 'kvcsi_bot_card_updates_total', help: 'Request cards this replica brought up to date, by the status they now show', labelNames: ['status'], registers: [registry] });
  const inFlight = new Gauge({ name: 'kvcsi_bot_in_flight', help: 'Slack requests being handled (commands still running included)', registers: [registry] });

  return {
    registry,
    command: (verb, outcome) => commands.inc({ verb, outcome }),
    approval: (outcome) => approvals.inc({ outcome }),
    cardUpdated: (status) => cards.inc({ status }),
    outboundCall(call) {
      const service = serviceOfHost(call.host);
      outbound.inc({ service, host: call.host, status: call.status });
      outboundSeconds.observe({ service }, call.durationInMs / 1000);
    },
    inFlight,
    watchAcks() {
      const started = new WeakMap<ServerResponse, number>();
      const onStart = (message: unknown): void => {
        const { request, response } = message as { request: IncomingMessage; response: ServerResponse };
        if (request.method === 'POST' && (request.url ?? '').startsWith('/slack/events')) started.set(response, performance.now());
      };
      const onFinish = (message: unknown): void => {
        const { response } = message as { response: ServerResponse };
        const at = started.get(response);
        if (at === undefined) return;
        started.delete(response);
        acks.observe((performance.now() - at) / 1000);
      };
      subscribe('http.server.request.start', onStart);
      subscribe('http.server.response.finish', onFinish);
      return () => {
        unsubscribe('http.server.request.start', onStart);
        unsubscribe('http.server.response.finish', onFinish);
      };
    },
  };
}
