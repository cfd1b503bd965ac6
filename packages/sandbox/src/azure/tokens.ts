import { deterministicUuid } from './ids.js';

/** Audiences the sandbox's token endpoint issues for, keyed by the resource of the requested `<resource>/.default` scope. */
export const AUDIENCES = {
  keyVault: 'https://vault.azure.net',
  arm: 'https://management.azure.com/',
  /** The AKS AAD server application (kubelogin). */
  aks: '6dae42f8-4368-4678-94ff-3960e28e3630',
} as const;

const RESOURCE_TO_AUDIENCE: Record<string, string> = {
  'https://vault.azure.net': AUDIENCES.keyVault,
  'https://management.azure.com': AUDIENCES.arm,
  'https://management.core.windows.net': AUDIENCES.arm,
  '6dae42f8-4368-4678-94ff-3960e28e3630': AUDIENCES.aks,
};

export const ARM_AUDIENCES: readonly string[] = [
  'https://management.azure.com/',
  'https://management.azure.com',
  'https://management.core.windows.net/',
  'https://management.core.windows.net',
];
export const KEY_VAULT_AUDIENCES: readonly string[] = ['https://vault.azure.net', 'https://vault.azure.net/', 'cfa8b339-82a2-471a-a3c9-0fc0be7a4093'];

/** The audience for a v2 scope string (`https://vault.azure.net/.default`), or undefined for a resource the tenant does not know. */
export function audienceForScope(scope: string): string | undefined {
  const first = scope.split(' ').find((s) => s.endsWith('/.default'));
  if (first === undefined) return undefined;
  return RESOURCE_TO_AUDIENCE[first.slice(0, -'/.default'.length).replace(/\/+$/, '')];
}

/** The claims of a sandbox access token: the ones Azure's resource providers read. */
export interface AccessTokenClaims {
  aud: string;
  iss: string;
  tid: string;
  oid: string;
  sub: string;
  appid: string;
  idtyp: 'app' | 'user';
  iat: number;
  nbf: number;
  exp: number;
  uti: string;
  ver: '1.0';
}

const base64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

function decodeSegment(segment: string | undefined): unknown {
  if (segment === undefined || segment === '') return undefined;
  try {
    return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

/** A JWT-shaped token. The signature is a marker, not a signature: the sandbox trusts only tokens it decodes itself. */
export function encodeAccessToken(claims: AccessTokenClaims): string {
  return `${base64url({ typ: 'JWT', alg: 'RS256', kid: 'kvcsi-sandbox' })}.${base64url(claims)}.kvcsi-sandbox`;
}

export function issueAccessToken(input: { audience: string; tenantId: string; objectId: string; clientId: string; nowMs: number; lifetimeInSeconds?: number }): {
  token: string;
  claims: AccessTokenClaims;
} {
  const iat = Math.floor(input.nowMs / 1000);
  const claims: AccessTokenClaims = {
    aud: input.audience,
    iss: `https://sts.windows.net/${input.tenantId}/`,
    tid: input.tenantId,
    oid: input.objectId,
    sub: input.objectId,
    appid: input.clientId,
    idtyp: 'app',
    iat,
    nbf: iat,
    exp: iat + (input.lifetimeInSeconds ?? 3599),
    uti: deterministicUuid('uti', input.clientId, input.audience, String(input.nowMs)),
    ver: '1.0',
  };
  return { token: encodeAccessToken(claims), claims };
}

/** The claims of a token this sandbox issued, or undefined for anything else. */
export function decodeAccessToken(token: string): AccessTokenClaims | undefined {
  const [, payload, signature] = token.split('.');
  if (signature !== 'kvcsi-sandbox') return undefined;
  const claims = decodeSegment(payload) as Partial<AccessTokenClaims> | undefined;
  if (!claims || typeof claims.aud !== 'string' || typeof claims.oid !== 'string' || typeof claims.tid !== 'string') return undefined;
  return claims as AccessTokenClaims;
}

/** The bearer token of an `Authorization` header, or undefined. */
export function bearerToken(request: Request): string | undefined {
  const header = request.headers.get('authorization');
  const match = header === null ? null : /^Bearer\s+(\S+)$/i.exec(header.trim());
  return match?.[1];
}

/** The claims of a client assertion (a projected service-account token). Not verified: the sandbox has no JWKS. */
export interface AssertionClaims {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
  nbf?: number;
  iat?: number;
}

export function decodeAssertion(jwt: string): AssertionClaims | undefined {
  const [, payload] = jwt.split('.');
  const claims = decodeSegment(payload);
  return claims !== null && typeof claims === 'object' ? (claims as AssertionClaims) : undefined;
}

/**
 * A projected service-account token like the kubelet writes for workload identity
 * (audience `api://AzureADTokenExchange`), to feed `ClientAssertionCredential` in tests and demos.
 */
export function createServiceAccountToken(input: {
  issuer: string;
  namespace: string;
  serviceAccount: string;
  nowMs: number;
  audience?: string;
  lifetimeInSeconds?: number;
}): string {
  const iat = Math.floor(input.nowMs / 1000);
  const claims = {
    aud: [input.audience ?? 'api://AzureADTokenExchange'],
    exp: iat + (input.lifetimeInSeconds ?? 3600),
    iat,
    nbf: iat,
    iss: input.issuer,
    sub: `system:serviceaccount:${input.namespace}:${input.serviceAccount}`,
    'kubernetes.io': { namespace: input.namespace, serviceaccount: { name: input.serviceAccount } },
  };
  return `${base64url({ alg: 'RS256', kid: 'kvcsi-sandbox-sa' })}.${base64url(claims)}.kvcsi-sandbox-sa`;
}
