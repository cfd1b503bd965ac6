import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createEntraTokenVerifier } from './entra-token.js';

const TENANT = '3f7a3df4-f85b-4ca8-98d0-08b1034e6567';
const AUDIENCE = 'api://kvcsi';
const NOW = Date.parse('2026-03-01T10:00:00Z');
const seconds = (ms: number) => Math.floor(ms / 1000);

function keyPair(kid: string): { kid: string; privateKey: KeyObject; jwk: object } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', kty: 'RSA' } };
}

function jwt(key: { kid: string; privateKey: KeyObject }, claims: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode({ typ: 'JWT', alg: 'RS256', kid: key.kid, ...header })}.${encode(claims)}`;
  return `${input}.${sign('RSA-SHA256', Buffer.from(input), key.privateKey).toString('base64url')}`;
}

/** A user's v1.0 access token for kvcsi's API, shaped like Entra's (claims per the access token reference). */
const userClaims = (extra: Record<string, unknown> = {}) => ({
  aud: AUDIENCE, iss: `https://sts.windows.net/${TENANT}/`, tid: TENANT, oid: '8f0e2c1a-1111-4222-8333-944455556666',
  upn: 'Abel.Approver@cafehyna.com.br', name: 'Abel Approver', groups: ['5B0A3C1E-2D4F-4A6B-8C9D-0E1F2A3B4C5D'],
  iat: seconds(NOW) - 60, nbf: seconds(NOW) - 60, exp: seconds(NOW) + 3600, ver: '1.0', ...extra,
});

function setup() {
  const current = keyPair('key-1');
  const published = [current.jwk];
  const fetched: string[] = [];
  const verifier = createEntraTokenVerifier({
    tenantId: TENANT, audiences: [AUDIENCE], clock: { now: () => NOW },
    fetch: (async (url: string) => {
      fetched.push(url);
      return new Response(JSON.stringify({ keys: published }), { status: 200, headers: { 'content-type': 'application/json' } });
    }) as typeof fetch,
  });
  return { current, published, fetched, verifier };
}

describe('createEntraTokenVerifier', () => {
  it('names the person aad:<upn> with the token\'s groups, reading the tenant\'s keys once', async () => {
    const { current, fetched, verifier } = setup();
    expect(await verifier.verify(jwt(current, userClaims()))).toEqual({
      id: 'aad:abel.approver@cafehyna.com.br', displayName: 'Abel Approver', memberOf: ['aad-group:5b0a3c1e-2d4f-4a6b-8c9d-0e1f2a3b4c5d'],
    });
    await verifier.verify(jwt(current, userClaims({ iss: `https://login.microsoftonline.com/${TENANT}/v2.0`, upn: undefined, preferred_username: 'abel.approver@cafehyna.com.br' })));
    expect(fetched).toEqual([`https://login.microsoftonline.com/${TENANT}/discovery/v2.0/keys`]);
  });

  it('reads the keys again when Entra has rolled to a new one', async () => {
    const { published, fetched, verifier, current } = setup();
    await verifier.verify(jwt(current, userClaims()));
    const next = keyPair('key-2');
    published.push(next.jwk);
    expect((await verifier.verify(jwt(next, userClaims()))).id).toBe('aad:abel.approver@cafehyna.com.br');
    expect(fetched).toHaveLength(2);
  });

  it.each([
    ['a token signed by a key that is not the tenant\'s', () => jwt(keyPair('key-1'), userClaims()), 'signature does not verify'],
    ['an unknown key id', () => jwt({ ...keyPair('key-9') }, userClaims()), 'signing key key-9 is not one of the tenant\'s'],
    ['another audience', (k: ReturnType<typeof keyPair>) => jwt(k, userClaims({ aud: 'https://management.azure.com/' })), 'audience https://management.azure.com/ is not kvcsi\'s'],
    ['another tenant', (k: ReturnType<typeof keyPair>) => jwt(k, userClaims({ tid: '00000000-0000-4000-8000-000000000000', iss: 'https://sts.windows.net/00000000-0000-4000-8000-000000000000/' })), 'is not tenant'],
    ['an expired token', (k: ReturnType<typeof keyPair>) => jwt(k, userClaims({ exp: seconds(NOW) - 3600 })), 'it has expired'],
    ['an application\'s token', (k: ReturnType<typeof keyPair>) => jwt(k, userClaims({ idtyp: 'app', upn: undefined })), 'issued to an application'],
    ['alg none', (k: ReturnType<typeof keyPair>) => jwt(k, userClaims(), { alg: 'none' }), 'algorithm none is not RS256'],
    ['a string that is no JWT', () => 'not-a-token', 'it is not a JWT'],
  ])('refuses %s with UNAUTHENTICATED', async (_name, token, reason) => {
    const { current, verifier } = setup();
    await expect(verifier.verify(token(current))).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: expect.stringContaining(reason) });
  });
});
