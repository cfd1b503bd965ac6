import { redact, redactEvidence } from './redact.js';

describe('redact', () => {
  it('removes JWTs such as service-account tokens', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJhdWQiOlsiYXBpOi8vQXp1cmVBRFRva2VuRXhjaGFuZ2UiXX0.c2lnbmF0dXJlLWJ5dGVz';
    const out = redact(`token=${jwt} tail`);
    expect(out).not.toContain('eyJhdWQi');
    expect(out).toContain('tail');
  });

  it('removes the token of the serviceAccount.tokens JSON, plain and escaped', () => {
    const plain = '{"api://AzureADTokenExchange":{"token":"abc.def-ghi","expirationTimestamp":"2026-01-01T00:00:00Z"}}';
    expect(redact(plain)).not.toContain('abc.def-ghi');
    expect(redact(plain)).toContain('expirationTimestamp');
    const escaped = String.raw`{\"token\":\"s3cr3t-token-value\",\"expirationTimestamp\":\"x\"}`;
    expect(redact(escaped)).not.toContain('s3cr3t-token-value');
  });

  it('removes Authorization headers and bearer tokens', () => {
    expect(redact('Authorization: Bearer abcdefghijklmnop')).toBe('Authorization: Bearer <redacted>');
    expect(redact('sent Bearer abcdefghijklmnopqrst to the vault')).toBe('sent Bearer <redacted> to the vault');
  });

  it('removes client secrets from query strings, JSON and the leaked secret map of old providers', () => {
    expect(redact('grant_type=client_credentials&client_secret=Sup3rS3cret&scope=x')).toBe('grant_type=client_credentials&client_secret=<redacted>&scope=x');
    expect(redact('could not find clientid in secrets(map[clientsecret:hunter2 foo:bar])')).not.toContain('hunter2');
    expect(redact('{"client_secret": "hunter2"}')).toBe('{"client_secret": "<redacted>"}');
    expect(redact('secret abc8Q~abcdefghijklmnopqrstuvwxyz0123456789 end')).not.toContain('abcdefghijklmnop');
  });

  it('removes private keys, connection-string keys and secret values on command lines', () => {
    expect(redact('-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----')).not.toContain('MIIEow');
    expect(redact('DefaultEndpointsProtocol=https;AccountName=a;AccountKey=abc123==;')).toContain('AccountKey=<redacted>;');
    expect(redact('az keyvault secret set --name db --value hunter2')).not.toContain('hunter2');
    expect(redact('kubectl create secret generic x --from-literal=password=hunter2')).not.toContain('hunter2');
  });

  it('keeps the diagnostic content: ids, codes, names, URLs', () => {
    const text =
      'failed to get objectType:secret, objectName:db-password, objectVersion:: StatusCode=403 Code="Forbidden" ' +
      "appid=f1a14a8f-6d38-40a0-a935-3cdd91a25f47;oid=0b3c1b0e-9d2a-4a7e-9a1c-2f5b7c9d1e3f InnerError={\"code\":\"AccessDenied\"} " +
      'rpc error: code = Unknown desc = x https://kv-a.vault.azure.net/secrets/db-password';
    expect(redact(text)).toBe(text);
  });

  it('is idempotent and trims long evidence', () => {
    const once = redact('Authorization: Bearer abcdefghijklmnop');
    expect(redact(once)).toBe(once);
    const [line] = redactEvidence(['x'.repeat(50)], { maxLength: 10 });
    expect(line).toHaveLength(10);
  });
});
