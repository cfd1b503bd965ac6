import { inspect } from 'node:util';
import { RestError } from '@azure/core-rest-pipeline';
import { KvcsiError } from '@kvcsi/core';
import { createAzureVaultPort, toKvcsiError, type AzureVaultPort } from './index.js';
import { credential, identityOf, kubeletCredential, NONPROD, operatorCredential, PROD, registry, startSandbox, type SandboxHarness } from './testing.js';

let harness: SandboxHarness;

beforeAll(() => {
  harness = startSandbox();
});
beforeEach(() => {
  harness.sandbox.reset();
  harness.requests.length = 0;
});
afterAll(() => harness.server.close());

const port = (overrides: Parameters<typeof createAzureVaultPort>[0] = {}): AzureVaultPort =>
  createAzureVaultPort({ credential: operatorCredential(), registry: registry({ locateVaults: true }), subscriptionIds: [NONPROD, PROD], retryOptions: { maxRetries: 0 }, ...overrides });

async function failure(promise: Promise<unknown>): Promise<KvcsiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof KvcsiError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

/** Everything a caller could print or serialise from an error. */
const everything = (error: KvcsiError): string => [error.message, JSON.stringify(error), JSON.stringify(error.details ?? {}), inspect(error, { depth: 8 }), String(error.cause ?? '')].join('\n');

describe('Key Vault and ARM errors as KvcsiError', () => {
  it('403 on an RBAC vault: FORBIDDEN with inner code ForbiddenByRbac', async () => {
    const error = await failure(port({ credential: kubeletCredential() }).listSecretProperties({ name: 'kv-cafehyna-prd' }));
    expect(error.code).toBe('FORBIDDEN');
    expect(error.details).toMatchObject({ status: 403, serviceCode: 'Forbidden', innerCode: 'ForbiddenByRbac' });
    expect(error.message).toContain('list secret properties (kv-cafehyna-prd): 403 Forbidden/ForbiddenByRbac');
  });

  it('403 on an access-policy vault without a policy: FORBIDDEN with inner code AccessDenied', async () => {
    const painel = identityOf(harness.sandbox, 'painelclientes-dev-agentpool');
    const error = await failure(port({ credential: credential(painel.clientId, 'sandbox-only-painelclientes-dev-secret') }).listSecretProperties({ name: 'kv-cafehyna-dev-hlg' }));
    expect(error).toMatchObject({ code: 'FORBIDDEN', details: { innerCode: 'AccessDenied' } });
  });

  it('a wrong client secret: UNAUTHENTICATED with the AADSTS code, and the secret in no message', async () => {
    const error = await failure(port({ credential: credential('6b1c7a55-0c6e-4a8e-9b7e-3f2d8c1a9e40', 'wrong-secret-value-123') }).listSecretProperties({ name: 'kv-cafehyna-dev-hlg' }));
    expect(error.code).toBe('UNAUTHENTICATED');
    expect(error.details?.['aadsts']).toMatch(/^AADSTS\d+$/);
    expect(everything(error)).not.toContain('wrong-secret-value-123');
  });

  it('a 429 storm: the SDK retries after Retry-After as configured, then THROTTLED — no retry loop of ours on top', async () => {
    harness.sandbox.faults.add({ kind: 'throttle', host: 'kv-cafehyna-dev-hlg.vault.azure.net', retryAfterSeconds: 0 });
    const error = await failure(port({ retryOptions: { maxRetries: 2 } }).listSecretProperties({ name: 'kv-cafehyna-dev-hlg' }));
    expect(error).toMatchObject({ code: 'THROTTLED', details: { status: 429, serviceCode: 'Throttled', retryAfterSeconds: 0 } });
    // The fault answers before authentication: one request and the two retries configured, nothing more.
    const calls = harness.requests.filter((r) => r.startsWith('GET kv-cafehyna-dev-hlg.vault.azure.net/secrets'));
    expect(calls).toHaveLength(3);
  });

  it('a short 429 storm is ridden out by the SDK’s own retries', async () => {
    harness.sandbox.faults.add({ kind: 'throttle', host: 'management.azure.com', retryAfterSeconds: 1, times: 1 });
    const vault = await port({ retryOptions: { maxRetries: 2 } }).getVaultProperties({ name: 'kv-cafehyna-prd' });
    expect(vault?.authModel).toBe('rbac');
  });

  it('5xx and a host that is down: UNAVAILABLE', async () => {
    harness.sandbox.faults.add({ kind: 'error', host: 'management.azure.com', status: 503 });
    expect((await failure(port().getVaultProperties({ name: 'kv-cafehyna-prd' }))).code).toBe('UNAVAILABLE');
    harness.sandbox.faults.clear();
    harness.sandbox.faults.add({ kind: 'down', host: 'kv-cafehyna-dev-hlg.vault.azure.net' });
    const down = await failure(port().listSecretProperties({ name: 'kv-cafehyna-dev-hlg' }));
    expect(down.code).toBe('UNAVAILABLE');
  });

  it('a vault that never answers: TIMEOUT within the budget', async () => {
    harness.sandbox.faults.add({ kind: 'timeout', host: 'kv-cafehyna-dev-hlg.vault.azure.net' });
    const error = await failure(port({ timeoutInMs: 300 }).listSecretProperties({ name: 'kv-cafehyna-dev-hlg' }));
    expect(error).toMatchObject({ code: 'TIMEOUT', details: { timeoutInMs: 300 } });
  });

  it('the caller aborts: ABORTED, also before the call starts', async () => {
    harness.sandbox.faults.add({ kind: 'timeout', host: 'management.azure.com' });
    const controller = new AbortController();
    const pending = port().getVaultProperties({ name: 'kv-cafehyna-prd' }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    expect((await failure(pending)).code).toBe('ABORTED');
    expect((await failure(port().getVaultProperties({ name: 'kv-cafehyna-prd' }, { signal: AbortSignal.abort() }))).code).toBe('ABORTED');
  });

  it('maps status codes without a service (unit)', () => {
    const rest = (statusCode: number, code?: string): RestError => new RestError('m', { statusCode, ...(code === undefined ? {} : { code }) });
    const ctx = { operation: 'op' };
    expect(toKvcsiError(rest(404, 'SecretNotFound'), ctx).code).toBe('NOT_FOUND');
    expect(toKvcsiError(rest(409, 'RoleAssignmentExists'), ctx).code).toBe('ALREADY_EXISTS');
    expect(toKvcsiError(rest(409, 'Conflict'), ctx).code).toBe('CONFLICT');
    expect(toKvcsiError(rest(400, 'BadParameter'), ctx).code).toBe('INVALID_INPUT');
    expect(toKvcsiError(rest(502), ctx).code).toBe('UNAVAILABLE');
    expect(toKvcsiError(new RestError('socket hang up', { code: 'REQUEST_SEND_ERROR' }), ctx).code).toBe('UNAVAILABLE');
    expect(toKvcsiError(Object.assign(new Error('x'), { name: 'CredentialUnavailableError' }), ctx).code).toBe('UNAUTHENTICATED');
    expect(toKvcsiError(new TypeError('boom'), ctx).code).toBe('INTERNAL');
    expect(toKvcsiError(new Error('Bearer abcdefghijklmnop eyJhbGciOi.eyJzdWIiOi.sig'), ctx).message).not.toMatch(/abcdefghijklmnop|eyJhbGciOi/);
  });
});

describe('canary: a secret value never comes back', () => {
  it('appears in no return value and no error', async () => {
    const canary = `canary-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    const operator = port();
    const seen: unknown[] = [];
    seen.push(await operator.setSecret({ name: 'kv-cafehyna-dev-hlg' }, 'canary-secret', canary, { contentType: 'text/plain' }));
    seen.push(await operator.listSecretProperties({ name: 'kv-cafehyna-dev-hlg' }));
    seen.push(await operator.getVaultProperties({ name: 'kv-cafehyna-dev-hlg' }));

    // The kubelet may read but not set: the 403 must not echo the value it tried to write.
    const denied = await failure(port({ credential: kubeletCredential() }).setSecret({ name: 'kv-cafehyna-dev-hlg' }, 'canary-secret', canary));
    expect(denied.code).toBe('FORBIDDEN');
    // A write that fails in transit (vault down) neither.
    harness.sandbox.faults.add({ kind: 'down', host: 'kv-cafehyna-dev-hlg.vault.azure.net' });
    const down = await failure(operator.setSecret({ name: 'kv-cafehyna-dev-hlg' }, 'canary-secret', canary));
    expect(down.code).toBe('UNAVAILABLE');

    expect(JSON.stringify(seen)).not.toContain(canary);
    for (const error of [denied, down]) expect(everything(error)).not.toContain(canary);
    // It did reach the vault: the write is real.
    expect(harness.sandbox.state.azure.vaults.find((v) => v.name === 'kv-cafehyna-dev-hlg')?.secrets.some((s) => s.name === 'canary-secret')).toBe(true);
  });
});
