/**
 * Every HTTP call this thread makes, as host, status and duration, from Node's diagnostics channels: node:http(s)
 * (the Azure SDK's pipeline, the Kubernetes client) and undici (fetch). Nothing of the request beyond its host.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';

export interface OutboundCall {
  host: string;
  /** The HTTP status, or `error` when no answer came. */
  status: string;
  durationInMs: number;
}

interface ClientRequestLike {
  host?: string;
  getHeader?(name: string): unknown;
}

/** Which of kvcsi's dependencies a host is: Azure (Entra ID, ARM, Key Vault), Kubernetes (an AKS API server) or other. */
export function serviceOfHost(host: string): 'azure' | 'kubernetes' | 'slack' | 'other' {
  const name = host.toLowerCase().replace(/:\d+$/, '');
  if (/\.azmk8s\.io$/.test(name) || /^kubernetes(\.default)?(\.svc)?/.test(name)) return 'kubernetes';
  if (/(^|\.)(login\.microsoftonline\.com|management\.azure\.com|vault\.azure\.net)$/.test(name) || /\.vault\.azure\.net$/.test(name)) return 'azure';
  if (/(^|\.)slack\.com$/.test(name)) return 'slack';
  return 'other';
}

/** Calls `onCall` after each outbound HTTP exchange of this thread; returns the unsubscribe. */
export function watchOutboundCalls(onCall: (call: OutboundCall) => void): () => void {
  const started = new WeakMap<object, number>();
  const hostOf = (request: ClientRequestLike): string => {
    const header = request.getHeader?.('host');
    return typeof header === 'string' && header !== '' ? header.replace(/:443$/, '') : request.host ?? 'unknown';
  };
  const onStart = (message: unknown): void => {
    const { request } = message as { request: object };
    started.set(request, performance.now());
  };
  const finish = (request: ClientRequestLike & object, status: string): void => {
    const at = started.get(request);
    started.delete(request);
    onCall({ host: hostOf(request), status, durationInMs: at === undefined ? 0 : performance.now() - at });
  };
  const onResponse = (message: unknown): void => {
    const { request, response } = message as { request: ClientRequestLike & object; response: { statusCode?: number } };
    finish(request, String(response.statusCode ?? 'unknown'));
  };
  const onError = (message: unknown): void => {
    const { request } = message as { request: ClientRequestLike & object };
    finish(request, 'error');
  };
  // fetch (undici): the origin is on the request.
  const undiciStarted = new WeakMap<object, number>();
  const onUndiciCreate = (message: unknown): void => {
    undiciStarted.set((message as { request: object }).request, performance.now());
  };
  const onUndiciHeaders = (message: unknown): void => {
    const { request, response } = message as { request: { origin?: string } & object; response: { statusCode?: number } };
    const at = undiciStarted.get(request);
    undiciStarted.delete(request);
    let host = 'unknown';
    try {
      host = new URL(request.origin ?? '').host;
    } catch {
      // keep unknown
    }
    onCall({ host, status: String(response.statusCode ?? 'unknown'), durationInMs: at === undefined ? 0 : performance.now() - at });
  };
  const channels: [string, (message: unknown) => void][] = [
    ['http.client.request.start', onStart],
    ['http.client.response.finish', onResponse],
    ['http.client.request.error', onError],
    ['undici:request:create', onUndiciCreate],
    ['undici:request:headers', onUndiciHeaders],
  ];
  for (const [name, listener] of channels) subscribe(name, listener);
  return () => {
    for (const [name, listener] of channels) unsubscribe(name, listener);
  };
}
