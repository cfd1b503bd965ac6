import { userInfo } from 'node:os';
import { KvcsiError, type Actor } from '@kvcsi/core';
import type { Runtime } from '@kvcsi/runtime';
import type { CliIo } from './io.js';

function osUser(io: CliIo): string {
  try {
    return userInfo().username;
  } catch {
    return io.env.USER ?? io.env.USERNAME ?? 'unknown';
  }
}

/**
 * Who runs the command: `cli:<os user>`; in sandbox mode `--as <user>` picks one of the scenario's users
 * (requester, approver, outsider). `--as` outside the sandbox is refused: the CLI cannot vouch for another person.
 */
export function resolveCliActor(io: CliIo, options: { as?: string; sandbox?: NonNullable<Runtime['sandbox']> }): Actor {
  if (options.as === undefined) {
    const name = osUser(io).replace(/[\s:]/g, '_');
    return { id: `cli:${name}`, displayName: name };
  }
  if (options.sandbox === undefined) {
    throw new KvcsiError('INVALID_INPUT', '--as works only in sandbox mode (--sandbox): outside it you act as your own OS user', { field: '--as' });
  }
  const users = options.sandbox.state.azure.users ?? [];
  const user = users.find((candidate) => candidate.name === options.as);
  if (!user) {
    throw new KvcsiError('INVALID_INPUT', `--as ${options.as}: not a user of sandbox scenario ${options.sandbox.scenario.name} (users: ${users.map((u) => u.name).join(', ')})`, { field: '--as' });
  }
  return { id: `cli:${user.name}`, ...(user.displayName ? { displayName: user.displayName } : {}) };
}
