import type { Actor } from '@kvcsi/core';
import { KvcsiError } from '@kvcsi/core/errors';
import type { Runtime } from '@kvcsi/runtime';

/** What the CLI needs from the Azure credential: who it is (the ARM token's claims). */
export interface CredentialPrincipalSource {
  currentPrincipal(options?: { signal?: AbortSignal }): Promise<{ objectId: string; userPrincipalName?: string; displayName?: string; groups: string[]; kind: 'user' | 'app'; appId?: string }>;
}

/**
 * Who runs the command, as policy principals.
 * - Outside the sandbox: the Entra ID user of the credential that already calls Azure — `aad:<upn>`, with the groups
 *   its token lists as `aad-group:<object id>`. An application credential (service principal, managed identity) is
 *   refused: the CLI acts for people. `--as` is refused: the CLI cannot vouch for another person.
 * - In sandbox mode: `--as <user>` picks one of the scenario's users (requester, approver, outsider) by their user
 *   principal name, with their scenario groups; without `--as` the CLI cannot tell who you are in the sandbox.
 */
/** `--as` names a sandbox user; outside the sandbox it is refused: the CLI cannot vouch for another person. */
export function assertAsOnlyInSandbox(as: string | undefined, sandbox: boolean): void {
  if (as !== undefined && !sandbox) {
    throw new KvcsiError('INVALID_INPUT', '--as works only in sandbox mode (--sandbox): outside it you act as your Azure sign-in', { field: '--as' });
  }
}

export async function resolveCliActor(options: { as?: string; sandbox?: NonNullable<Runtime['sandbox']>; credential?: CredentialPrincipalSource }): Promise<Actor> {
  if (options.sandbox !== undefined) return sandboxActor(options.sandbox, options.as);
  assertAsOnlyInSandbox(options.as, false);
  if (options.credential === undefined) throw new KvcsiError('UNAUTHENTICATED', 'no Azure credential to tell who you are', { field: 'credential' });
  const principal = await options.credential.currentPrincipal();
  if (principal.kind !== 'user' || principal.userPrincipalName === undefined) {
    throw new KvcsiError('UNAUTHENTICATED', `the Azure credential is an application (client id ${principal.appId ?? 'unknown'}), not a person: sign in as yourself (az login) to act with kvcsi`, {
      field: 'credential',
      rule: 'CLI principals are Entra users (aad:<upn>) and their groups (aad-group:<object id>)',
    });
  }
  const upn = principal.userPrincipalName.toLowerCase();
  return {
    id: `aad:${upn}`,
    displayName: principal.displayName ?? upn,
    ...(principal.groups.length > 0 ? { memberOf: principal.groups.map((group) => `aad-group:${group.toLowerCase()}`) } : {}),
  };
}

function sandboxActor(sandbox: NonNullable<Runtime['sandbox']>, as: string | undefined): Actor {
  const users = sandbox.state.azure.users ?? [];
  if (as === undefined) {
    throw new KvcsiError('INVALID_INPUT', `sandbox mode: say which scenario user you are with --as (${users.map((u) => u.name).join(', ')})`, { field: '--as' });
  }
  const user = users.find((candidate) => candidate.name === as);
  if (!user) {
    throw new KvcsiError('INVALID_INPUT', `--as ${as}: not a user of sandbox scenario ${sandbox.scenario.name} (users: ${users.map((u) => u.name).join(', ')})`, { field: '--as' });
  }
  const groups = (sandbox.state.azure.groups ?? []).filter((group) => group.memberObjectIds.includes(user.objectId));
  return {
    id: `aad:${user.userPrincipalName.toLowerCase()}`,
    ...(user.displayName ? { displayName: user.displayName } : {}),
    ...(groups.length > 0 ? { memberOf: groups.map((group) => `aad-group:${group.objectId.toLowerCase()}`) } : {}),
  };
}
