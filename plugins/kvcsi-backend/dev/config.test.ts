/** Issue 19: the dev backend bound every interface and accepted a well-known default token. */
import { devConfig, devToken } from './config';

describe('the dev backend configuration', () => {
  it('listens on loopback only', () => {
    expect(devConfig({ port: 7007, token: 't', storeFile: '/tmp/x.db', entitiesFile: '/tmp/entities.yaml' }).backend.listen).toEqual({ host: '127.0.0.1', port: 7007 });
  });

  it('uses KVCSI_DEV_TOKEN, else a new random token each run (no well-known default)', () => {
    expect(devToken({ KVCSI_DEV_TOKEN: 'chosen-token' })).toEqual({ token: 'chosen-token', generated: false });
    const first = devToken({});
    const second = devToken({});
    expect(first.generated).toBe(true);
    expect(first.token).not.toBe(second.token);
    expect(first.token.length).toBeGreaterThanOrEqual(32);
    expect(first.token).not.toBe('kvcsi-dev-token-not-for-production');
  });
});
