import { resolveCliActor } from './actor.js';

describe('the CLI\'s identity is its Entra sign-in, not an assertion', () => {
  const user = { currentPrincipal: async () => ({ objectId: 'o1', userPrincipalName: 'Abel.Approver@Cafehyna.com.br', displayName: 'Abel', groups: ['5B0A3C1E-2D4F-4A6B-8C9D-0E1F2A3B4C5D'], kind: 'user' as const }) };

  it('names the user aad:<upn> (lower case) with the token\'s groups as aad-group:<object id>', async () => {
    expect(await resolveCliActor({ credential: user })).toEqual({
      id: 'aad:abel.approver@cafehyna.com.br', displayName: 'Abel', memberOf: ['aad-group:5b0a3c1e-2d4f-4a6b-8c9d-0e1f2a3b4c5d'],
    });
  });

  it('refuses an application credential: the CLI acts for people', async () => {
    const app = { currentPrincipal: async () => ({ objectId: 'o2', groups: [], kind: 'app' as const, appId: '6b1c7a55-0c6e-4a8e-9b7e-3f2d8c1a9e40' }) };
    await expect(resolveCliActor({ credential: app })).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: expect.stringContaining('6b1c7a55-0c6e-4a8e-9b7e-3f2d8c1a9e40') });
  });

  it('refuses --as outside sandbox mode', async () => {
    await expect(resolveCliActor({ as: 'approver', credential: user })).rejects.toMatchObject({ code: 'INVALID_INPUT', field: '--as' });
  });
});
