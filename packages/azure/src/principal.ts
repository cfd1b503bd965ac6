/**
 * Who the Azure credential is: the claims of the access token it obtains for ARM. The CLI names its user by them
 * (`aad:<upn>`, and `aad-group:<object id>` for each group the token lists), instead of asserting an OS user. The
 * token is the user's own, from the credential that already calls Azure, so reading its claims here needs no
 * signature check; a server that receives such a token must verify it.
 *
 * Claims: `oid`, `tid`, `upn` (work accounts in v1.0 tokens), `preferred_username` (v2.0), `unique_name`, `name`,
 * `groups`, `idtyp` — https://learn.microsoft.com/en-us/entra/identity-platform/access-token-claims-reference
 */
import type { TokenCredential } from '@azure/identity';
import { KvcsiError, type CallOptions } from '@kvcsi/core';

export interface CurrentPrincipal {
  objectId: string;
  tenantId?: string;
  /** The user principal name; absent for an application (service principal, managed identity). */
  userPrincipalName?: string;
  displayName?: string;
  /** Group object ids from the token's `groups` claim (absent when the tenant emits none, or on overage). */
  groups: string[];
  kind: 'user' | 'app';
  /** The application's client id, for an app token. */
  appId?: string;
}

function claimsOf(token: string): Record<string, unknown> {
  const payload = token.split('.')[1];
  try {
    const parsed: unknown = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8'));
    if (parsed !== null && typeof parsed === 'object') return parsed as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new KvcsiError('UNAUTHENTICATED', 'the Azure credential returned an access token that is not a JWT; cannot tell who you are');
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** An access token of the credential for a scope (e.g. kvcsi's API, `api://kvcsi/.default`), to send to a kvcsi server. */
export async function accessToken(credential: TokenCredential, scope: string, options: CallOptions = {}): Promise<string> {
  try {
    const got = await credential.getToken(scope, options.signal ? { abortSignal: options.signal } : {});
    if (!got) throw new Error('no token');
    return got.token;
  } catch (error) {
    throw new KvcsiError('UNAUTHENTICATED', `no Azure access token for ${scope} (az login, and consent to kvcsi's API): ${error instanceof Error ? error.message.split('\n')[0] : 'unknown error'}`, { cause: error });
  }
}

/** The principal behind the credential, from an ARM access token's claims. */
export async function currentPrincipal(credential: TokenCredential, resourceManager: string, options: CallOptions = {}): Promise<CurrentPrincipal> {
  const scope = `${resourceManager.replace(/\/+$/, '')}/.default`;
  let token: string;
  try {
    const got = await credential.getToken(scope, options.signal ? { abortSignal: options.signal } : {});
    if (!got) throw new Error('no token');
    token = got.token;
  } catch (error) {
    throw new KvcsiError('UNAUTHENTICATED', `no Azure sign-in to tell who you are (az login, or a workload identity): ${error instanceof Error ? error.message.split('\n')[0] : 'unknown error'}`, { cause: error });
  }
  const claims = claimsOf(token);
  const objectId = text(claims['oid']);
  if (objectId === undefined) throw new KvcsiError('UNAUTHENTICATED', 'the Azure access token names no object id (oid)');
  const userPrincipalName = text(claims['upn']) ?? text(claims['preferred_username']) ?? text(claims['unique_name']);
  const app = claims['idtyp'] === 'app' || userPrincipalName === undefined;
  const principal: CurrentPrincipal = {
    objectId,
    groups: Array.isArray(claims['groups']) ? claims['groups'].filter((group): group is string => typeof group === 'string') : [],
    kind: app ? 'app' : 'user',
  };
  const tenantId = text(claims['tid']);
  if (tenantId !== undefined) principal.tenantId = tenantId;
  if (!app && userPrincipalName !== undefined) principal.userPrincipalName = userPrincipalName;
  const displayName = text(claims['name']);
  if (displayName !== undefined) principal.displayName = displayName;
  const appId = text(claims['appid']) ?? text(claims['azp']);
  if (app && appId !== undefined) principal.appId = appId;
  return principal;
}
