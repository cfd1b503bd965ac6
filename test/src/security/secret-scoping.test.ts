/**
 * Attack 3 (issue 13): a secret request could overwrite any existing secret. `secret request cloudflare-api-token
 * --app myapp -c cafehyna-dev` was approved by policy and set-value wrote a new version of a secret other apps mount;
 * from Backstage the owner of entity A overwrote entity B's secret; on prd the approver saw only `newVersion true`.
 * Now a request writes an existing secret only when it is tagged for its app or one of the app's SPCs mounts it;
 * otherwise it needs a prd approver even on dev, and the card says "overwrites a secret used by X".
 */
import { PEOPLE, refusal, startKit, type Kit } from './sandbox-kit.js';

let kit: Kit;
beforeEach(() => {
  kit = startKit();
});
afterEach(() => kit.close());

const VALUE = 'sandbox-attacker-value-Zq9x';

function versionsOf(vaultName: string, secretName: string) {
  return kit.runtime.sandbox!.state.azure.vaults.find((vault) => vault.name === vaultName)!.secrets.find((secret) => secret.name.toLowerCase() === secretName.toLowerCase())!.versions;
}

describe('attack: a secret request overwrites a secret other apps use', () => {
  it('CLI on dev: the request for myapp waits for a prd approver, says whose secret it is, and no value can be set meanwhile', async () => {
    const before = versionsOf('kv-cafehyna-dev-hlg', 'cloudflare-api-token').length;
    const { results } = await kit.service.requestSecret({ actor: { id: PEOPLE.requester.cli }, name: 'cloudflare-api-token', app: 'myapp', clusters: ['cafehyna-dev'], justification: 'myapp needs the token' });
    const request = results[0]!.request!;
    expect(request).toMatchObject({ status: 'pending', approvalRequired: true, approvalTier: 'prd', approverGroup: 'approvers-prd', target: { tier: 'dev' } });
    // external-dns owns it (tag) and mounts it; iis-reports mounts it too.
    expect(request.details?.['overwrites']).toMatch(/^overwrites a secret used by (.+, )?external-dns, iis-reports(, .+)?: cloudflare-api-token$/);
    // The card lists the details in order: the overwrite comes first.
    expect(Object.keys(request.details ?? {})[0]).toBe('overwrites');

    const early = await refusal(kit.service.supplySecretValue({ actor: { id: PEOPLE.requester.cli }, requestId: request.id, value: VALUE }));
    expect(early.code).toBe('CONFLICT');
    // dev has no approvers: only the prd approvers group may let it through.
    expect((await refusal(kit.service.approve({ actor: { id: PEOPLE.outsider.cli }, requestId: request.id }))).code).toBe('FORBIDDEN');
    expect(versionsOf('kv-cafehyna-dev-hlg', 'cloudflare-api-token')).toHaveLength(before);
  });

  it('Backstage: the owner of entity myapp cannot quietly replace external-dns\'s secret; an approved overwrite keeps the owner\'s tag', async () => {
    const { results } = await kit.service.requestSecret({ actor: { id: PEOPLE.requester.backstage }, name: 'cloudflare-api-token', app: 'myapp', clusters: ['cafehyna-dev'], justification: 'rotate the token' });
    const request = results[0]!.request!;
    expect(request.status).toBe('pending');
    await kit.service.approve({ actor: { id: PEOPLE.approver.backstage }, requestId: request.id });
    const written = await kit.service.supplySecretValue({ actor: { id: PEOPLE.requester.backstage }, requestId: request.id, value: VALUE });
    expect(written.outcome.status).toBe('applied');
    expect(written.secret?.tags).toMatchObject({ app: 'external-dns', 'created-by': PEOPLE.requester.backstage });
    expect(JSON.stringify(written)).not.toContain(VALUE);
  });

  it('on prd the approver reads whose secret it overwrites, not just newVersion true', async () => {
    const { results } = await kit.service.requestSecret({ actor: { id: PEOPLE.requester.slack }, name: 'defectdojo-secret-key', app: 'myapp', clusters: ['cafehyna-prd'], justification: 'myapp shares the key' });
    expect(results[0]!.request!.details).toMatchObject({ overwrites: 'overwrites a secret used by defectdojo: defectdojo-secret-key', newVersion: 'true' });
  });

  it('lets an app write its own secret (tagged for it, or mounted by its SPC) at once on dev, and tags a new one with the app', async () => {
    const own = await kit.service.requestSecret({ actor: { id: PEOPLE.requester.cli }, name: 'cloudflare-api-token', app: 'external-dns', clusters: ['cafehyna-dev'], justification: 'rotate our token' });
    expect(own.results[0]!.request).toMatchObject({ status: 'approved', approvalRequired: false });
    expect(own.results[0]!.request!.details?.['overwrites']).toBeUndefined();

    const fresh = await kit.service.requestSecret({ actor: { id: PEOPLE.requester.cli }, name: 'myapp-api-key', app: 'myapp', clusters: ['cafehyna-dev'], justification: 'a key for myapp' });
    const id = fresh.results[0]!.request!.id;
    await kit.service.supplySecretValue({ actor: { id: PEOPLE.requester.cli }, requestId: id, value: VALUE });
    expect(versionsOf('kv-cafehyna-dev-hlg', 'myapp-api-key').at(-1)?.tags).toMatchObject({ app: 'myapp', 'request-id': id });
  });

  it('refuses at write time a forged request row for a foreign secret that no approver saw', async () => {
    const { results } = await kit.service.requestSecret({ actor: { id: PEOPLE.requester.cli }, name: 'myapp-token', app: 'myapp', clusters: ['cafehyna-dev'], justification: 'a token for myapp' });
    const request = results[0]!.request!;
    // Someone with the store's credentials points the approved-by-policy row at external-dns's secret.
    const forged = { ...request, version: request.version + 1, target: { ...request.target, secretName: 'cloudflare-api-token' } };
    expect(await kit.requests.compareAndSetRequest({ id: request.id, status: 'approved', version: request.version }, { ...forged, status: 'approved' })).toBe(true);
    const result = await kit.service.supplySecretValue({ actor: { id: PEOPLE.requester.cli }, requestId: request.id, value: VALUE });
    expect(result.outcome).toMatchObject({ status: 'failed', error: { code: 'FORBIDDEN', message: expect.stringContaining('overwrites a secret used by external-dns') } });
    expect(result.request?.status).toBe('failed');
    expect(JSON.stringify(result)).not.toContain(VALUE);
    expect(versionsOf('kv-cafehyna-dev-hlg', 'cloudflare-api-token').at(-1)?.value).not.toBe(VALUE);
  });
});
