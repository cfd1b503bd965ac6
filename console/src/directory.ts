/**
 * Who and where in the console's pretend Slack workspace: the sandbox scenario's three people, the bot, and the
 * channels the bot's sandbox configuration knows (SANDBOX_SLACK_CONFIG in bot/src/config.ts).
 */

export type Role = 'requester' | 'approver' | 'outsider';

export interface ConsoleUser {
  id: string;
  /** The Slack handle (user_name in payloads). */
  handle: string;
  name: string;
  role?: Role;
  isBot?: boolean;
}

export interface ChannelInfo {
  id: string;
  name: string;
  topic: string;
}

export const TEAM = { id: 'T0SBX', domain: 'kvcsi-sandbox' } as const;
export const APP_ID = 'A0KVCSI';

export const BOT_USER: ConsoleUser = { id: 'U0KVCSIBOT', handle: 'kvcsi', name: 'kvcsi', isBot: true };

/** The sandbox's people, as in packages/sandbox's default scenario and the bot's sandbox `slack.users`. */
export const SANDBOX_USERS: readonly ConsoleUser[] = [
  { id: 'U0SBXREQ01', handle: 'rita', name: 'Rita Requester', role: 'requester' },
  { id: 'U0SBXAPP01', handle: 'abel', name: 'Abel Approver', role: 'approver' },
  { id: 'U0SBXOUT01', handle: 'otto', name: 'Otto Outsider', role: 'outsider' },
];

export const SANDBOX_CHANNELS: readonly ChannelInfo[] = [
  { id: 'C0SBXPRD', name: 'cafehyna-prd', topic: 'Production. Commands here mean cluster cafehyna-prd unless -c says otherwise.' },
  { id: 'C0SBXDEV', name: 'cafehyna-dev', topic: 'Development. Commands here mean cluster cafehyna-dev unless -c says otherwise.' },
  { id: 'C0SBXAPPROVALS', name: 'kvcsi-approvals', topic: 'Access requests wait here for a second person to approve or reject them.' },
  // Where `npm start`'s watcher posts (the demo registry's `watch:` channels, start/demo-config.ts).
  { id: 'C0SBXALERTSDEV', name: 'alerts-dev', topic: 'kvcsi watch: a failing mount on cafehyna-dev becomes one message here, updated in place when it is fixed.' },
  { id: 'C0SBXALERTSPRD', name: 'alerts-prd', topic: 'kvcsi watch: failing mounts on cafehyna-prd, one message per problem, resolved in place.' },
  { id: 'C0SBXALERTSPLATFORM', name: 'alerts-platform', topic: 'kvcsi watch: failing mounts on cafehyna-hub, painelclientes-dev and painelclientes-prd.' },
];

export function userById(id: string): ConsoleUser | undefined {
  return id === BOT_USER.id ? BOT_USER : SANDBOX_USERS.find((user) => user.id === id);
}

export function userByRole(role: Role): ConsoleUser {
  const user = SANDBOX_USERS.find((candidate) => candidate.role === role);
  if (!user) throw new Error(`no sandbox user with the role ${role}`);
  return user;
}

/** The DM channel between a person and the bot. */
export function dmChannelOf(userId: string): string {
  return `D${userId}`;
}
