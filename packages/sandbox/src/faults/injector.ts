import { delay, HttpResponse, type JsonBodyType } from 'msw';
import { faultConfigSchema, faultRuleSchema, type FaultConfig, type FaultRule, type ResolvedFaultRule } from './config.js';

interface ActiveRule {
  id: number;
  rule: ResolvedFaultRule;
  remaining: number | undefined;
}

/** mulberry32: a tiny seeded generator, so error rates and jitter repeat from run to run. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hostMatches(pattern: string, host: string): boolean {
  const source = pattern
    .toLowerCase()
    .split('*')
    .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('[^/]*');
  return new RegExp(`^${source}$`).test(host.toLowerCase());
}

type HostFamily = 'keyvault' | 'arm' | 'entra' | 'kubernetes' | 'other';

function familyOf(host: string): HostFamily {
  if (host.endsWith('.vault.azure.net')) return 'keyvault';
  if (host === 'management.azure.com') return 'arm';
  if (host === 'login.microsoftonline.com') return 'entra';
  if (host.endsWith('.sandbox.azmk8s.io')) return 'kubernetes';
  return 'other';
}

/** The body each service sends with a 429 or 5xx. */
function errorBody(family: HostFamily, status: number): JsonBodyType {
  if (family === 'kubernetes') {
    const reason = status === 429 ? 'TooManyRequests' : status === 504 ? 'Timeout' : 'ServiceUnavailable';
    const message = status === 429 ? 'Too many requests, please try again later.' : 'the server is currently unable to handle the request';
    return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code: status };
  }
  if (family === 'entra') {
    return status === 429
      ? { error: 'temporarily_unavailable', error_description: 'AADSTS90055: The request is throttled temporarily.', error_codes: [90055] }
      : { error: 'temporarily_unavailable', error_description: 'AADSTS90033: A transient error has occurred. Please try again.', error_codes: [90033] };
  }
  if (status === 429) {
    return family === 'keyvault'
      ? { error: { code: 'Throttled', message: 'Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached' } }
      : { error: { code: 'TooManyRequests', message: 'The request is being throttled as the limit has been reached for operation type - Read_ObservationWindow_00:05:00.' } };
  }
  if (family === 'arm' && status === 503) {
    return { error: { code: 'ServiceUnavailable', message: 'The server (leased) is currently unable to handle the request. Please try again later.' } };
  }
  return { error: { code: status === 503 ? 'ServiceUnavailable' : 'InternalServerError', message: 'The service is temporarily unavailable. Please try again later.' } };
}

/**
 * Injects faults per host: latency (fixed or jittered), error rates, 429 storms, 5xx, timeouts, DNS failures and
 * hosts that are down. `apply()` is the hook every handler runs first: it answers with the fault, or returns
 * undefined to let the request through (after any latency). It runs once per request however often it is called.
 */
export class FaultInjector {
  private rules: ActiveRule[] = [];
  private random: () => number;
  private nextId = 1;
  private readonly seen = new WeakSet<Request>();
  private readonly seenIds = new Set<string>();

  constructor(config: FaultConfig = {}) {
    const parsed = faultConfigSchema.parse(config);
    this.random = seededRandom(parsed.seed ?? 1);
    for (const rule of parsed.rules) this.add(rule);
  }

  /** Adds a rule; returns its id for `remove()`. */
  add(rule: FaultRule): number {
    const parsed = faultRuleSchema.parse(rule);
    const id = this.nextId++;
    this.rules.push({ id, rule: parsed, remaining: parsed.times });
    return id;
  }

  /** Replaces every rule. */
  set(config: FaultConfig): void {
    const parsed = faultConfigSchema.parse(config);
    this.rules = [];
    if (parsed.seed !== undefined) this.random = seededRandom(parsed.seed);
    for (const rule of parsed.rules) this.add(rule);
  }

  remove(id: number): void {
    this.rules = this.rules.filter((r) => r.id !== id);
  }

  /** Removes every rule, or only those for one host pattern. */
  clear(host?: string): void {
    this.rules = host === undefined ? [] : this.rules.filter((r) => r.rule.host.toLowerCase() !== host.toLowerCase());
  }

  /**
   * Whether a host cannot be reached at all (a `dns`, `down` or `timeout` rule that applies to every request): what the
   * simulated CSI provider on a node sees when it dials the vault. Consumes nothing.
   */
  isUnreachable(host: string): boolean {
    return this.rules.some(
      ({ rule }) =>
        (rule.kind === 'dns' || rule.kind === 'down' || rule.kind === 'timeout') &&
        rule.method === undefined &&
        rule.pathPrefix === undefined &&
        (rule.probability === undefined || rule.probability >= 1) &&
        hostMatches(rule.host, host),
    );
  }

  list(): ResolvedFaultRule[] {
    return this.rules.map((r) => ({ ...r.rule, ...(r.remaining === undefined ? {} : { times: r.remaining }) }));
  }

  /** The fault answer for this request, or undefined to let it through. Idempotent per request. */
  async apply(request: Request, requestId?: string): Promise<Response | undefined> {
    if (requestId !== undefined) {
      if (this.seenIds.has(requestId)) return undefined;
      this.seenIds.add(requestId);
      if (this.seenIds.size > 10_000) this.seenIds.clear();
    }
    if (this.seen.has(request)) return undefined;
    this.seen.add(request);
    const url = new URL(request.url);
    for (const active of [...this.rules]) {
      const { rule } = active;
      if (!hostMatches(rule.host, url.hostname)) continue;
      if (rule.method !== undefined && rule.method.toUpperCase() !== request.method) continue;
      if (rule.pathPrefix !== undefined && !url.pathname.startsWith(rule.pathPrefix)) continue;
      if (rule.probability !== undefined && this.random() >= rule.probability) continue;
      if (active.remaining !== undefined) {
        active.remaining -= 1;
        if (active.remaining <= 0) this.remove(active.id);
      }
      const response = await this.answer(rule, url.hostname, request);
      if (response !== undefined) return response;
    }
    return undefined;
  }

  private async answer(rule: ResolvedFaultRule, host: string, request: Request): Promise<Response | undefined> {
    const family = familyOf(host);
    switch (rule.kind) {
      case 'latency': {
        const jitter = rule.jitterInMs === undefined ? 0 : Math.round(this.random() * rule.jitterInMs);
        await delay(rule.fixedInMs + jitter);
        return undefined;
      }
      case 'error': {
        const headers: Record<string, string> = rule.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(rule.retryAfterSeconds) };
        return HttpResponse.json(errorBody(family, rule.status), { status: rule.status, headers });
      }
      case 'throttle':
        return HttpResponse.json(errorBody(family, 429), { status: 429, headers: { 'Retry-After': String(rule.retryAfterSeconds) } });
      case 'timeout':
        await waitOrAbort(rule.afterInMs, request.signal);
        return HttpResponse.error();
      case 'dns':
      case 'down':
        return HttpResponse.error();
    }
  }
}

/** Resolves after `ms` (never when undefined), or as soon as the client aborts the request. */
function waitOrAbort(ms: number | undefined, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = ms === undefined ? undefined : setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        if (timer !== undefined) clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
