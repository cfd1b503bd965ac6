import { createStore } from './create-store.js';
import { defaultSqliteFilename, storeOptionsFromUrl } from './url.js';

describe('storeOptionsFromUrl', () => {
  it.each([
    ['postgres://kvcsi:pw@db:5432/kvcsi', { client: 'pg', connection: 'postgres://kvcsi:pw@db:5432/kvcsi' }],
    ['postgresql://db/kvcsi', { client: 'pg', connection: 'postgresql://db/kvcsi' }],
    ['sqlite:/var/lib/kvcsi/kvcsi.sqlite', { client: 'sqlite', filename: '/var/lib/kvcsi/kvcsi.sqlite' }],
    ['sqlite:///var/lib/kvcsi/kvcsi.sqlite', { client: 'sqlite', filename: '/var/lib/kvcsi/kvcsi.sqlite' }],
    ['./kvcsi.sqlite', { client: 'sqlite', filename: './kvcsi.sqlite' }],
  ])('reads %s', (url, expected) => {
    expect(storeOptionsFromUrl(url)).toEqual(expected);
  });

  it('defaults to a SQLite file under XDG_STATE_HOME, else ~/.local/state', () => {
    expect(storeOptionsFromUrl(undefined, { XDG_STATE_HOME: '/state' })).toEqual({ client: 'sqlite', filename: '/state/kvcsi/kvcsi.sqlite' });
    expect(defaultSqliteFilename({ HOME: '/home/jane' })).toBe('/home/jane/.local/state/kvcsi/kvcsi.sqlite');
  });

  it('refuses other schemes and an empty sqlite path with CONFIG_INVALID', () => {
    expect(() => storeOptionsFromUrl('mysql://db/kvcsi')).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => storeOptionsFromUrl('sqlite:')).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});

describe('createStore', () => {
  it('reports an unreachable PostgreSQL as UNAVAILABLE without echoing the connection string', async () => {
    const error = await createStore({ client: 'pg', connection: 'postgres://kvcsi:not-a-real-password@127.0.0.1:1/kvcsi', acquireConnectionTimeoutInMs: 5000 })
      .catch((thrown: unknown) => thrown);
    expect(error).toMatchObject({ code: 'UNAVAILABLE' });
    expect((error as Error).message).not.toContain('not-a-real-password');
  });

  it('refuses an unknown client with CONFIG_INVALID', async () => {
    await expect(createStore({ client: 'mysql' } as never)).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});
