import { createMemoryAuditLog } from './memory.js';
import { recordAudit, validateAuditEventInput } from './record.js';
import { findSecretLookingField, looksLikeSecretValue } from './secret-looking.js';
import type { AuditEventInput } from './event.js';

const clock = { now: () => Date.parse('2025-03-01T10:00:00.000Z') };

const grantEvent: AuditEventInput = {
  actor: 'slack:U0APPROVER',
  action: 'request.apply',
  outcome: 'succeeded',
  where: {
    app: 'defectdojo', cluster: 'cafehyna-prd', tier: 'prd', vault: 'kv-cafehyna-prd',
    scope: '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-cafehyna/providers/Microsoft.KeyVault/vaults/kv-cafehyna-prd',
  },
  requestId: 'req-0a1b2c3d4e',
  approver: 'slack:U0APPROVER',
  before: { roleAssignments: [] },
  after: { roleAssignments: ['Key Vault Secrets User'], roleDefinitionId: '4633458b-17de-408a-b874-0445c86b69e6', principalObjectId: '9a8b7c6d-1111-2222-3333-444455556666' },
  correlationId: '7d5f0c52-6c1e-4f5e-9b0a-1f2e3d4c5b6a',
  details: { kind: 'grant', justification: 'DefectDojo pods cannot mount their secrets since the move to cafehyna-prd' },
};

describe('recordAudit', () => {
  it('stamps id and time and appends an event with who, what, where, before/after, request, approver and correlation id', async () => {
    const log = createMemoryAuditLog();
    const event = await recordAudit(log, grantEvent, { clock, generateId: () => 'aud-1' });
    expect(event).toEqual({ id: 'aud-1', at: '2025-03-01T10:00:00.000Z', ...grantEvent });
    expect(log.events).toEqual([event]);
  });

  it('has no value field: an unknown field is refused and nothing is appended', async () => {
    const log = createMemoryAuditLog();
    const withValue = { ...grantEvent, value: 'hunter2' } as AuditEventInput;
    await expect(recordAudit(log, withValue)).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'value' });
    expect(log.events).toHaveLength(0);
  });

  it.each([
    ['a value key in after', { after: { value: 'swordfish' } }, 'after.value'],
    ['a password key in details', { details: { password: 'x' } }, 'details.password'],
    ['a JWT in the reason', { reason: 'token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl rejected' }, 'reason'],
    ['a connection string in details', { details: { note: 'DefaultEndpointsProtocol=https;AccountName=a;AccountKey=abc123==' } }, 'details.note'],
    ['random key material in before', { before: { note: 'X7rQ9vLm2ZpK4sT8wY1bN6cJ3hF5dG0a' } }, 'before.note'],
    ['a PEM private key in a list', { after: { keys: ['-----BEGIN PRIVATE KEY-----\nMIIEv\n-----END PRIVATE KEY-----'] } }, 'after.keys[0]'],
    ['an Entra client secret in the reason', { reason: 'used abc8Q~abcdefghijklmnopqrstuvwxyz0123456 as secret' }, 'reason'],
  ])('refuses %s and names the field, not the value', async (_label, extra, field) => {
    const log = createMemoryAuditLog();
    const error = await recordAudit(log, { ...grantEvent, ...extra } as AuditEventInput).catch((thrown: unknown) => thrown);
    expect(error).toMatchObject({ code: 'INVALID_INPUT', field });
    const text = JSON.stringify(error) + String((error as Error).message);
    expect(text).not.toMatch(/swordfish|eyJhbGci|abc123==|X7rQ9vLm|MIIEv|abc8Q~/);
    expect(log.events).toHaveLength(0);
  });

  it('refuses a malformed action and an unknown outcome', () => {
    expect(() => validateAuditEventInput({ ...grantEvent, action: 'Grant Access' })).toThrow(/action/);
    expect(() => validateAuditEventInput({ ...grantEvent, outcome: 'maybe' as never })).toThrow(/outcome/);
  });
});

describe('looksLikeSecretValue', () => {
  it.each([
    'cli:requester may not grant on tier prd: writes are denied unless a rule allows them',
    '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-a/secrets/db-password',
    '7d5f0c52-6c1e-4f5e-9b0a-1f2e3d4c5b6a',
    'https://kv-cafehyna-prd.vault.azure.net/secrets/defectdojo-admin',
    'backstage:user:default/jane.doe-with-a-long-name',
    'defectdojo-postgresql-password-secret-name',
  ])('lets ordinary audit text pass: %s', (text) => {
    expect(looksLikeSecretValue(text)).toBe(false);
  });

  it.each([
    'SMTP relay; the password is Hunter2024!',
    'new db creds, password: s3cret-9x',
    'senha = Abc12345 for the admin user',
    'use token "letmein" until Monday',
    'pwd=Winter2026',
  ])('spots a password written in a justification (issue 19): %s', (text) => {
    expect(looksLikeSecretValue(text)).toBe(true);
    expect(findSecretLookingField({ justification: text })).toBe('justification');
  });

  it.each([
    'the password is required by the SMTP relay',
    'rotate the password of defectdojo-admin before Friday',
    'API token for cloudflare-api-token, expires in 90 days',
    'the secret is stored in Key Vault kv-cafehyna-prd',
    'password: see the vault',
  ])('lets a justification that only talks about a password pass: %s', (text) => {
    expect(looksLikeSecretValue(text)).toBe(false);
  });

  it('finds the first secret-looking path in nested records', () => {
    expect(findSecretLookingField({ a: { b: ['ok', { clientSecret: 'x' }] } })).toBe('a.b[1].clientSecret');
    expect(findSecretLookingField({ a: 'fine', b: 3 })).toBeUndefined();
  });
});

describe('createMemoryAuditLog', () => {
  it('queries by app, cluster, request and since, oldest first', async () => {
    const log = createMemoryAuditLog();
    const at = (iso: string) => ({ now: () => Date.parse(iso) });
    await recordAudit(log, { ...grantEvent, where: { app: 'a', cluster: 'c1' } }, { clock: at('2025-01-01T00:00:00Z') });
    await recordAudit(log, { ...grantEvent, where: { app: 'b', cluster: 'c1' } }, { clock: at('2025-01-02T00:00:00Z') });
    await recordAudit(log, { ...grantEvent, where: { app: 'a', cluster: 'c2' }, requestId: 'req-x' }, { clock: at('2025-01-03T00:00:00Z') });
    expect((await log.query({ app: 'a' })).map((e) => e.where?.cluster)).toEqual(['c1', 'c2']);
    expect((await log.query({ cluster: 'c1' })).map((e) => e.where?.app)).toEqual(['a', 'b']);
    expect((await log.query({ since: '2025-01-02T01:00:00+01:00' }))).toHaveLength(2);
    expect((await log.query({ requestId: 'req-x' }))).toHaveLength(1);
  });

  it('hands out copies: changing a returned event changes nothing stored', async () => {
    const log = createMemoryAuditLog();
    await recordAudit(log, grantEvent, { clock });
    const [first] = await log.query();
    (first as { actor: string }).actor = 'cli:mallory';
    expect((await log.query())[0]?.actor).toBe('slack:U0APPROVER');
  });
});
