import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { KvcsiError } from '@kvcsi/core';

/** The AKS Entra ID server application (the audience every Entra-enabled AKS API server accepts), as `.default` scope. */
export const AKS_SERVER_SCOPE = '6dae42f8-4368-4678-94ff-3960e28e3630/.default';
/** Refresh this long before a token expires (the credential's own `refreshAfterTimestamp` wins when earlier). */
export const AKS_TOKEN_REFRESH_MARGIN_IN_MS = 120_000;

export interface AksTokenSourceOptions {
  credential: TokenCredential;
  /** Defaults to Date.now. */
  nowMs?: () => number;
  refreshMarginInMs?: number;
}

/** What the token says about its holder, for `status` ("which identity called the cluster"). Never the token. */
export interface TokenIdentity {
  objectId?: string;
  appId?: string;
  userPrincipalName?: string;
  tenantId?: string;
}

/** The claims kvcsi reports from an access token's payload (not verified: the API server does that). */
export function identityOfToken(token: string): TokenIdentity {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
    const text = (key: string): string | undefined => (typeof payload[key] === 'string' ? payload[key] : undefined);
    const out: TokenIdentity = {};
    const objectId = text('oid');
    const appId = text('appid') ?? text('azp');
    const upn = text('upn') ?? text('preferred_username');
    const tenantId = text('tid');
    if (objectId !== undefined) out.objectId = objectId;
    if (appId !== undefined) out.appId = appId;
    if (upn !== undefined) out.userPrincipalName = upn;
    if (tenantId !== undefined) out.tenantId = tenantId;
    return out;
  } catch {
    return {};
  }
}

/**
 * Bearer tokens for AKS API servers from kvcsi's own Azure credential (workload identity, `az login`, a service
 * principal): one cached token shared by every cluster, refreshed before it expires, one fetch in flight at a time.
 */
export class AksTokenSource {
  private cached: AccessToken | undefined;
  private inFlight: Promise<AccessToken> | undefined;
  private readonly nowMs: () => number;
  private readonly marginInMs: number;

  constructor(private readonly options: AksTokenSourceOptions) {
    this.nowMs = options.nowMs ?? (() => Date.now());
    this.marginInMs = options.refreshMarginInMs ?? AKS_TOKEN_REFRESH_MARGIN_IN_MS;
  }

  /** A token valid for at least the refresh margin. */
  async token(options: { signal?: AbortSignal } = {}): Promise<string> {
    const cached = this.cached;
    if (cached !== undefined && !this.isStale(cached)) return cached.token;
    this.inFlight ??= this.fetch(options.signal).finally(() => {
      this.inFlight = undefined;
    });
    return (await this.inFlight).token;
  }

  /** Forget the cached token: the API server refused it (401), so the next `token()` asks the credential again. */
  invalidate(token?: string): void {
    if (token === undefined || this.cached?.token === token) this.cached = undefined;
  }

  /** Who the cached token stands for (undefined before the first call). */
  identity(): TokenIdentity | undefined {
    return this.cached === undefined ? undefined : identityOfToken(this.cached.token);
  }

  private isStale(token: AccessToken): boolean {
    const refreshAt = Math.min(token.expiresOnTimestamp - this.marginInMs, token.refreshAfterTimestamp ?? Number.POSITIVE_INFINITY);
    return this.nowMs() >= refreshAt;
  }

  private async fetch(signal: AbortSignal | undefined): Promise<AccessToken> {
    let token: AccessToken | null;
    try {
      token = await this.options.credential.getToken(AKS_SERVER_SCOPE, signal === undefined ? {} : { abortSignal: signal });
    } catch (error) {
      throw new KvcsiError('UNAUTHENTICATED', `cannot get an Entra ID token for the AKS API servers (${AKS_SERVER_SCOPE}): ${error instanceof Error ? error.message.split('\n')[0] ?? '' : String(error)}`, {
        details: { scope: AKS_SERVER_SCOPE },
        cause: error,
      });
    }
    if (token === null) throw new KvcsiError('UNAUTHENTICATED', `the Azure credential returned no token for ${AKS_SERVER_SCOPE}`, { details: { scope: AKS_SERVER_SCOPE } });
    this.cached = token;
    return token;
  }
}
