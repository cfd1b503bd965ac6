/**
 * Verifies an Entra ID access token a CLI user sends to a deciding server (`kvcsi requests approve` outside the
 * sandbox): RS256 signature against the tenant's published keys, issuer, tenant, audience (kvcsi's API), lifetime, and
 * that it names a person. The server then decides as `aad:<upn>` with the token's groups (`aad-group:<object id>`).
 *
 * Keys: `GET {authority}/{tenant}/discovery/v2.0/keys` (the `jwks_uri` of the tenant's OpenID configuration). Issuers:
 * `{authority}/{tenant}/v2.0` (v2.0 tokens) and `https://sts.windows.net/{tenant}/` (v1.0 tokens) — see
 * https://learn.microsoft.com/en-us/entra/identity-platform/access-tokens#validate-tokens
 */
import { createPublicKey, verify, type JsonWebKey, type KeyObject } from 'node:crypto';
import { KvcsiError } from '../errors.js';
import { systemClock, type Clock } from '../ports.js';
import type { Actor } from '../service/types.js';

export interface EntraTokenVerifierOptions {
  tenantId: string;
  /** kvcsi's API: its application id URI (`api://kvcsi`) and/or client id, as the token's `aud` names it. */
  audiences: readonly string[];
  /** Default `https://login.microsoftonline.com`. */
  authorityHost?: string;
  /** Allowed clock skew, default 5 minutes. */
  clockSkewInMs?: number;
  clock?: Clock;
  fetch?: typeof fetch;
}

export interface EntraTokenVerifier {
  /** The actor the token proves, or UNAUTHENTICATED naming what is wrong. */
  verify(token: string, options?: { signal?: AbortSignal }): Promise<Actor>;
}

function unauthenticated(reason: string): KvcsiError {
  return new KvcsiError('UNAUTHENTICATED', `the Entra ID token was refused: ${reason}`, { field: 'authorization' });
}

function decodeJson(segment: string | undefined, what: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment ?? '', 'base64url').toString('utf8'));
    if (value !== null && typeof value === 'object') return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw unauthenticated(`its ${what} is not JSON`);
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

export function createEntraTokenVerifier(options: EntraTokenVerifierOptions): EntraTokenVerifier {
  const authority = (options.authorityHost ?? 'https://login.microsoftonline.com').replace(/\/+$/, '');
  const tenant = options.tenantId.toLowerCase();
  const issuers = [`${authority}/${tenant}/v2.0`, `https://sts.windows.net/${tenant}/`];
  const skewInMs = options.clockSkewInMs ?? 5 * 60 * 1000;
  const clock = options.clock ?? systemClock;
  const fetchKeys = options.fetch ?? fetch;
  let keys: Promise<Map<string, KeyObject>> | undefined;

  const loadKeys = async (signal?: AbortSignal): Promise<Map<string, KeyObject>> => {
    const response = await fetchKeys(`${authority}/${tenant}/discovery/v2.0/keys`, signal ? { signal } : {});
    if (!response.ok) throw new KvcsiError('UNAVAILABLE', `the tenant's signing keys could not be read (HTTP ${response.status})`);
    const body = await response.json() as { keys?: (JsonWebKey & { kid?: string })[] };
    const found = new Map<string, KeyObject>();
    for (const jwk of body.keys ?? []) {
      if (jwk.kty !== 'RSA' || jwk.kid === undefined) continue;
      found.set(jwk.kid, createPublicKey({ key: jwk, format: 'jwk' }));
    }
    return found;
  };

  /** The key by id; the keys are read again once when an unknown id shows up (Entra rolls its keys). */
  const keyOf = async (kid: string, signal?: AbortSignal): Promise<KeyObject | undefined> => {
    keys ??= loadKeys(signal);
    let known = await keys.catch((error: unknown) => {
      keys = undefined;
      throw error;
    });
    if (!known.has(kid)) {
      keys = loadKeys(signal);
      known = await keys;
    }
    return known.get(kid);
  };

  return {
    async verify(token, callOptions = {}) {
      const [headerPart, payloadPart, signaturePart] = token.split('.');
      if (signaturePart === undefined || token.split('.').length !== 3) throw unauthenticated('it is not a JWT');
      const header = decodeJson(headerPart, 'header');
      if (header['alg'] !== 'RS256') throw unauthenticated(`algorithm ${String(header['alg'])} is not RS256`);
      const kid = text(header['kid']);
      if (kid === undefined) throw unauthenticated('it names no signing key (kid)');
      const key = await keyOf(kid, callOptions.signal);
      if (!key) throw unauthenticated(`signing key ${kid} is not one of the tenant's`);
      const signed = verify('RSA-SHA256', Buffer.from(`${headerPart}.${payloadPart}`), key, Buffer.from(signaturePart, 'base64url'));
      if (!signed) throw unauthenticated('its signature does not verify');

      const claims = decodeJson(payloadPart, 'payload');
      if (!issuers.includes(String(claims['iss']))) throw unauthenticated(`issuer ${String(claims['iss'])} is not tenant ${tenant}`);
      if (String(claims['tid']).toLowerCase() !== tenant) throw unauthenticated(`tenant ${String(claims['tid'])} is not ${tenant}`);
      const audience = String(claims['aud']);
      if (!options.audiences.includes(audience)) throw unauthenticated(`audience ${audience} is not kvcsi's (${options.audiences.join(', ')})`);
      const now = clock.now();
      if (typeof claims['exp'] !== 'number' || claims['exp'] * 1000 + skewInMs < now) throw unauthenticated('it has expired');
      if (typeof claims['nbf'] === 'number' && claims['nbf'] * 1000 - skewInMs > now) throw unauthenticated('it is not valid yet');
      const upn = text(claims['upn']) ?? text(claims['preferred_username']);
      if (claims['idtyp'] === 'app' || upn === undefined) throw unauthenticated('it was issued to an application, not a person');
      const groups = Array.isArray(claims['groups']) ? claims['groups'].filter((group): group is string => typeof group === 'string') : [];
      return {
        id: `aad:${upn.toLowerCase()}`,
        ...(text(claims['name']) ? { displayName: text(claims['name'])! } : {}),
        ...(groups.length > 0 ? { memberOf: groups.map((group) => `aad-group:${group.toLowerCase()}`) } : {}),
      };
    },
  };
}
