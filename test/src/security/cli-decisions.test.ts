/**
 * Item 4 of issue 13, end to end: `kvcsi requests approve` outside the sandbox goes to a deciding server (the Backstage
 * backend's decisions router) with the user's Entra ID token; the server verifies the token against the tenant's keys,
 * decides as `aad:<upn>`, signs, and applies. Real HTTP on loopback: the CLI's client, the backend's router, the
 * tenant's key endpoint (served here, as Entra's `discovery/v2.0/keys`), the service over the sandbox.
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDecisionsRouter } from '@kvcsi/backstage-plugin-backend';
import { decideThroughServer } from '@kvcsi/cli';
import { createEntraTokenVerifier, createKvcsiService, createMemoryAuditLog, createMemoryRequestStore, decisionKeysFromEnv, type KvcsiService } from '@kvcsi/core';
import { createRuntime, type Runtime } from '@kvcsi/runtime';
import { EVERY_FACE_POLICY, KUBELET, PEOPLE, PRD_VAULT_ID, refusal, registry } from './sandbox-kit.js';

const AUDIENCE = 'api://kvcsi';
const tenantKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
const strangerKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

/** A user's access token for kvcsi's API, with Entra's v1.0 claims. */
function tokenFor(upn: string, options: { key?: KeyObject; audience?: string } = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode({ typ: 'JWT', alg: 'RS256', kid: 'tenant-key-1' })}.${encode({
    aud: options.audience ?? AUDIENCE, iss: `https://sts.windows.net/${registry.tenantId}/`, tid: registry.tenantId, upn, name: upn,
    oid: '8f0e2c1a-1111-4222-8333-944455556666', iat: now - 60, nbf: now - 60, exp: now + 3600, ver: '1.0',
  })}`;
  return `${input}.${sign('RSA-SHA256', Buffer.from(input), options.key ?? tenantKey.privateKey).toString('base64url')}`;
}

let runtime: Runtime;
let service: KvcsiService;
let server: Server;
let baseUrl: string;

beforeAll(async () => {
  runtime = createRuntime({ registry, sandbox: { stateFile: false } });
  const serverKey = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  service = createKvcsiService({
    registry, clusterPort: runtime.clusterPort, vault: runtime.vault, requests: createMemoryRequestStore(), audit: createMemoryAuditLog(),
    policy: EVERY_FACE_POLICY, decisions: decisionKeysFromEnv({ KVCSI_DECISION_KEY: serverKey }),
  });
  const jwks = JSON.stringify({ keys: [{ ...tenantKey.publicKey.export({ format: 'jwk' }), kid: 'tenant-key-1', use: 'sig' }] });
  const routing: { router?: ReturnType<typeof createDecisionsRouter> } = {};
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.url === `/${registry.tenantId}/discovery/v2.0/keys`) {
      res.setHeader('content-type', 'application/json');
      res.end(jwks);
      return;
    }
    routing.router!(req as never, res as never, () => {
      res.statusCode = 404;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const verifier = createEntraTokenVerifier({ tenantId: registry.tenantId, audiences: [AUDIENCE], authorityHost: baseUrl });
  routing.router = createDecisionsRouter({ service, verifier, logger: { error: () => undefined } as never });
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await runtime.close();
});

let counter = 0;
/** A prd secret request by the requester, waiting for an approver. */
async function pendingSecretRequest(): Promise<string> {
  const { results } = await service.requestSecret({ actor: { id: PEOPLE.requester.cli }, name: `cli-decision-${++counter}`, app: 'defectdojo', clusters: ['cafehyna-prd'], justification: 'a secret for the decision test' });
  expect(results[0]!.request!.status).toBe('pending');
  return results[0]!.request!.id;
}

async function pendingGrant(): Promise<string> {
  const asked = await service.grant({ actor: { id: PEOPLE.requester.cli }, app: 'defectdojo', cluster: 'cafehyna-prd' });
  expect(asked.request?.status).toBe('pending');
  return asked.request!.id;
}

const approve = (requestId: string, token: string) => decideThroughServer({ serverUrl: baseUrl, token, requestId, decision: 'approve' });

describe('kvcsi requests approve through a deciding server, with the Entra ID token', () => {
  it('applies the approver\'s decision, signed by the server', async () => {
    const id = await pendingGrant();
    const result = await approve(id, tokenFor('approver@cafehyna.com.br'));
    expect(result.request).toMatchObject({ status: 'applied', decision: { by: PEOPLE.approver.cli, signature: expect.any(String) } });
    expect(runtime.sandbox!.state.azure.roleAssignments.some((a) => a.principalId === KUBELET.objectId && a.scope.toLowerCase() === PRD_VAULT_ID.toLowerCase())).toBe(true);
  });

  it('refuses the requester (four eyes), a token signed by another key, a token for another API, and no token', async () => {
    const id = await pendingSecretRequest();
    expect(await refusal(approve(id, tokenFor('requester@cafehyna.com.br')))).toMatchObject({ code: 'FORBIDDEN' });
    expect(await refusal(approve(id, tokenFor('approver@cafehyna.com.br', { key: strangerKey })))).toMatchObject({ code: 'UNAUTHENTICATED', message: expect.stringContaining('signature does not verify') });
    expect(await refusal(approve(id, tokenFor('approver@cafehyna.com.br', { audience: 'https://management.azure.com/' })))).toMatchObject({ code: 'UNAUTHENTICATED' });
    const bare = await fetch(`${baseUrl}/decisions/${id}/approve`, { method: 'POST' });
    expect(bare.status).toBe(401);
    expect((await service.getRequest(id)).status).toBe('pending');
  });

  it('rejects with a reason as the approver', async () => {
    const pending = await pendingSecretRequest();
    const result = await decideThroughServer({ serverUrl: baseUrl, token: tokenFor('approver@cafehyna.com.br'), requestId: pending, decision: 'reject', reason: 'use the per-secret scope' });
    expect(result.request).toMatchObject({ status: 'rejected', decision: { by: PEOPLE.approver.cli, reason: 'use the per-secret scope' } });
  });
});
