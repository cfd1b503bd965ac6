import { KvcsiError } from '../errors.js';
import { memoryAzure } from '../service/memory-ports.test.fixtures.js';
import { secretSnippet } from './snippet.js';
import { validateSecretName, validateSecretValue } from './validate.js';
import { findSecretProperties, secretTags, writeSecret } from './write.js';

const ref = { name: 'kv-cafehyna-dev-hlg' };

describe('secret names', () => {
  it.each(['a', 'db-password', 'A1-b2', 'x'.repeat(127)])('accepts %s', (name) => {
    expect(validateSecretName(name)).toBe(name);
  });

  it.each(['', 'x'.repeat(128), 'db_password', 'db.password', 'db password', 'päss'])('refuses %j with INVALID_INPUT', (name) => {
    expect(() => validateSecretName(name)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', field: 'name' }));
  });
});

describe('secret values', () => {
  it('refuses an empty or oversized value without echoing it', () => {
    expect(() => validateSecretValue('')).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', field: 'value' }));
    const big = `canary-${'z'.repeat(26 * 1024)}`;
    try {
      validateSecretValue(big);
      throw new Error('expected INVALID_INPUT');
    } catch (error) {
      expect((error as KvcsiError).code).toBe('INVALID_INPUT');
      expect((error as KvcsiError).message).not.toContain('canary');
    }
  });
});

describe('writeSecret', () => {
  it('finds an existing secret on a later page, ignoring case, and refuses to overwrite it', async () => {
    const azure = memoryAzure();
    azure.vaults.get('kv-cafehyna-dev-hlg')!.secrets = ['a', 'b', 'c', 'Cloudflare-Api-Key'].map((name) => ({ name }));
    expect(await findSecretProperties(azure.port, ref, 'cloudflare-api-key')).toEqual({ name: 'Cloudflare-Api-Key' });
    await expect(writeSecret({ vault: azure.port, ref, name: 'cloudflare-api-key', value: 'new-value' })).rejects.toMatchObject({ code: 'ALREADY_EXISTS', message: expect.stringContaining('--new-version') });
    expect(azure.values.size).toBe(0);
  });

  it('writes a new version only when asked, with tags and content type, and returns properties only', async () => {
    const azure = memoryAzure();
    azure.vaults.get('kv-cafehyna-dev-hlg')!.secrets = [{ name: 'db-password' }];
    const written = await writeSecret({
      vault: azure.port, ref, name: 'db-password', value: 'v2-value', newVersion: true, contentType: 'text/plain',
      tags: secretTags({ createdBy: 'cli:alice', app: 'web', requestId: 'req-1' }),
    });
    expect(written).toMatchObject({ name: 'db-password', contentType: 'text/plain', tags: { 'created-by': 'cli:alice', app: 'web', 'request-id': 'req-1' } });
    expect(JSON.stringify(written)).not.toContain('v2-value');
    expect(azure.values.get('kv-cafehyna-dev-hlg/db-password')).toEqual(['v2-value']);
  });

  it('keeps the value out of an upstream error that echoes it', async () => {
    const azure = memoryAzure();
    azure.failSetSecretEchoingValue = true;
    const error = await writeSecret({ vault: azure.port, ref, name: 'db-password', value: 'canary-Qx81-value' }).then(() => undefined, (e: unknown) => e as KvcsiError);
    expect(error).toBeInstanceOf(KvcsiError);
    expect(error?.code).toBe('UNAVAILABLE');
    expect(error?.message).not.toContain('canary-Qx81-value');
    expect(error?.cause).toBeUndefined();
  });
});

describe('secretSnippet', () => {
  it('gives the objects entry and the secretObjects data line to paste', () => {
    expect(secretSnippet('db-password')).toEqual({
      object: { objectName: 'db-password', objectType: 'secret' },
      objectsEntry: '  - |\n    objectName: db-password\n    objectType: secret\n',
      secretObjectsLine: '- objectName: db-password\n  key: db-password\n',
    });
  });
});
