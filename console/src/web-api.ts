/**
 * The Slack Web API methods the bot calls, answered from the console's workspace. Requests arrive as Slack gets
 * them (form-encoded with JSON-string fields, or JSON) with the bot token; answers are `{ ok: true, … }` or
 * `{ ok: false, error }` with HTTP 200, as Slack answers — and, past Slack's rate limits (rate-limits.ts), HTTP 429
 * with `Retry-After` and `{ ok: false, error: 'ratelimited' }`.
 */
import { KvcsiError } from '@kvcsi/core';
import { BOT_USER, TEAM, userById } from './directory.js';
import { RATE_LIMITED_METHODS, type RateLimitedMethod, type SlackRateLimits } from './rate-limits.js';
import { slackError, type ConsoleFile, type Json, type OpenView, type Workspace } from './workspace.js';

export interface WebApiContext {
  workspace: Workspace;
  botToken: string;
  /** Socket Mode: apps.connections.open (with the app-level token) hands out its WebSocket URLs. */
  socketMode?: { open(token: string | undefined): Json };
  /** The console's own base URL, for upload URLs (`http://127.0.0.1:3000`). */
  baseUrl: string;
  /** Slack's rate limits; none when absent. */
  rateLimits?: SlackRateLimits;
}

/** An HTTP answer of the Web API: 200 with the body, or 429 with Retry-After (seconds). */
export interface WebApiAnswer {
  status: 200 | 429;
  headers?: Record<string, string>;
  body: Json;
}

function parseMaybeJson(value: string): unknown {
  const trimmed = value.trim();
  if (!(trimmed.startsWith('{') || trimmed.startsWith('['))) return value;
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    return value;
  }
}

/** The arguments of a Web API call, whatever encoding the client chose. */
export function parseWebApiArgs(contentType: string, body: string): Json {
  if (contentType.includes('application/json')) {
    const parsed: unknown = body.trim() === '' ? {} : JSON.parse(body);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Json) : {};
  }
  const args: Json = {};
  for (const [key, value] of new URLSearchParams(body)) args[key] = parseMaybeJson(value);
  return args;
}

function text(args: Json, name: string): string | undefined {
  const value = args[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function requireText(args: Json, name: string): string {
  const value = text(args, name);
  if (value === undefined) throw slackError('invalid_arguments', `${name} is required`);
  return value;
}

function blocksOf(args: Json): Json[] | undefined {
  const blocks = args.blocks;
  if (blocks === undefined || blocks === '') return undefined;
  if (!Array.isArray(blocks)) throw slackError('invalid_blocks', 'blocks must be an array');
  return blocks as Json[];
}

/** Slack message metadata: `{ event_type, event_payload }` (a JSON string in a form, parsed already). */
function metadataOf(args: Json): Json | undefined {
  const metadata = args.metadata;
  if (metadata === undefined || metadata === '') return undefined;
  if (!metadata || typeof metadata !== 'object' || Array.isArray(metadata) || typeof (metadata as Json).event_type !== 'string') throw slackError('invalid_metadata_format', 'metadata must be { event_type, event_payload }');
  return metadata as Json;
}

function viewOf(args: Json): Json {
  const view = args.view;
  if (!view || typeof view !== 'object' || Array.isArray(view)) throw slackError('invalid_arguments', 'view is required');
  return view as Json;
}

function describeView(opened: OpenView): Json {
  return { ...opened.view, id: opened.id, hash: opened.hash, team_id: TEAM.id, app_id: 'A0KVCSI', bot_id: 'B0KVCSI' };
}

function describeFile(file: ConsoleFile): Json {
  return { id: file.id, name: file.name, title: file.title, size: file.size };
}

function userInfo(id: string): Json {
  const user = userById(id);
  if (!user) throw slackError('user_not_found', `no such user: ${id}`);
  return { id: user.id, team_id: TEAM.id, name: user.handle, real_name: user.name, is_bot: user.isBot === true, profile: { display_name: user.name, real_name: user.name } };
}

type Method = (args: Json, context: WebApiContext) => Json;

const METHODS: Record<string, Method> = {
  'api.test': (args) => ({ args }),
  'auth.test': () => ({ url: `https://${TEAM.domain}.slack.com/`, team: 'kvcsi sandbox', user: BOT_USER.handle, team_id: TEAM.id, user_id: BOT_USER.id, bot_id: 'B0KVCSI' }),

  'chat.postMessage': (args, { workspace }) => {
    const blocks = blocksOf(args);
    const metadata = metadataOf(args);
    const message = workspace.post({ channel: requireText(args, 'channel'), author: BOT_USER.id, ...(text(args, 'text') ? { text: text(args, 'text') } : {}), ...(blocks ? { blocks } : {}), ...(metadata ? { metadata } : {}) });
    return { channel: message.channel, ts: message.ts, message: { type: 'message', user: BOT_USER.id, text: message.text, ts: message.ts, ...(blocks ? { blocks } : {}), ...(metadata ? { metadata } : {}) } };
  },
  'chat.postEphemeral': (args, { workspace }) => {
    const user = requireText(args, 'user');
    if (!userById(user)) throw slackError('user_not_in_channel', `no such user: ${user}`);
    const blocks = blocksOf(args);
    const message = workspace.post({ channel: requireText(args, 'channel'), author: BOT_USER.id, visibleTo: user, ...(text(args, 'text') ? { text: text(args, 'text') } : {}), ...(blocks ? { blocks } : {}) });
    return { message_ts: message.ts };
  },
  'chat.update': (args, { workspace }) => {
    const message = workspace.messageAt(requireText(args, 'channel'), requireText(args, 'ts'));
    if (message.author !== BOT_USER.id) throw slackError('cant_update_message', 'the bot can only update its own messages');
    const blocks = blocksOf(args);
    const metadata = metadataOf(args);
    workspace.replace(message, { ...(args.text !== undefined ? { text: String(args.text) } : {}), ...(blocks ? { blocks } : {}), ...(metadata ? { metadata } : {}) });
    return { channel: message.channel, ts: message.ts, text: message.text };
  },
  'chat.delete': (args, { workspace }) => {
    const message = workspace.messageAt(requireText(args, 'channel'), requireText(args, 'ts'));
    if (message.author !== BOT_USER.id) throw slackError('cant_delete_message', 'the bot can only delete its own messages');
    workspace.remove(message);
    return { channel: message.channel, ts: message.ts };
  },

  'conversations.open': (args, { workspace }) => {
    const users = requireText(args, 'users').split(',').map((user) => user.trim()).filter((user) => user !== BOT_USER.id);
    if (users.length !== 1) throw slackError('not_enough_users', 'the console opens DMs between the bot and one person');
    return { channel: { id: workspace.openDm(users[0] as string).id } };
  },
  'conversations.info': (args, { workspace }) => {
    const conversation = workspace.resolveChannel(requireText(args, 'channel'));
    return { channel: { id: conversation.id, name: conversation.name, is_channel: conversation.kind === 'channel', is_im: conversation.kind === 'dm', ...(conversation.member ? { user: conversation.member } : {}) } };
  },
  'conversations.history': (args, { workspace }) => {
    const limit = args.limit === undefined || args.limit === '' ? 100 : Number(args.limit);
    if (!Number.isInteger(limit) || limit < 1) throw slackError('invalid_limit', 'limit must be a positive integer');
    const withMetadata = args.include_all_metadata === true || args.include_all_metadata === 'true';
    const { messages, hasMore } = workspace.history(requireText(args, 'channel'), { ...(text(args, 'oldest') ? { oldest: text(args, 'oldest') } : {}), ...(text(args, 'latest') ? { latest: text(args, 'latest') } : {}), limit: Math.min(limit, 999) });
    return {
      messages: messages.map((message) => ({ type: 'message', user: message.author, text: message.text, ts: message.ts, ...(message.blocks ? { blocks: message.blocks } : {}), ...(message.editedAt ? { edited: { user: message.author, ts: message.ts } } : {}), ...(withMetadata && message.metadata ? { metadata: message.metadata } : {}) })),
      has_more: hasMore,
      response_metadata: { next_cursor: '' },
    };
  },
  'users.info': (args) => ({ user: userInfo(requireText(args, 'user')) }),

  'views.open': (args, { workspace }) => {
    const userId = workspace.useTrigger(requireText(args, 'trigger_id'));
    return { view: describeView(workspace.openView(userId, viewOf(args))) };
  },
  'views.push': (args, { workspace }) => {
    const userId = workspace.useTrigger(requireText(args, 'trigger_id'));
    return { view: describeView(workspace.openView(userId, viewOf(args), { push: true })) };
  },
  'views.update': (args, { workspace }) => {
    const viewId = text(args, 'view_id');
    if (!viewId) throw slackError('invalid_arguments', 'the console updates views by view_id');
    return { view: describeView(workspace.updateView(viewId, viewOf(args), text(args, 'hash'))) };
  },

  'files.getUploadURLExternal': (args, { workspace, baseUrl }) => {
    const length = Number(args.length);
    if (!Number.isInteger(length) || length < 0) throw slackError('invalid_arguments', 'length must be the file size in bytes');
    const file = workspace.reserveFile(requireText(args, 'filename'), length);
    return { upload_url: `${baseUrl}/upload/${file.id}`, file_id: file.id };
  },
  'files.completeUploadExternal': (args, { workspace }) => {
    const files = args.files;
    if (!Array.isArray(files) || files.length === 0) throw slackError('invalid_arguments', 'files must be a non-empty array');
    const channel = text(args, 'channel_id') ?? text(args, 'channels');
    const comment = text(args, 'initial_comment');
    const completed = workspace.completeUpload({
      files: files as { id: string; title?: string }[],
      author: BOT_USER.id,
      ...(channel ? { channel } : {}),
      ...(comment ? { initialComment: comment } : {}),
    });
    return { files: completed.map(describeFile) };
  },
};

export const SUPPORTED_METHODS: readonly string[] = [...Object.keys(METHODS), 'apps.connections.open'];

/** One Web API call: checks the token, runs the method, and answers as Slack does (errors included). */
export function callWebApi(method: string, args: Json, authorization: string | undefined, context: WebApiContext): Json {
  return answerWebApi(method, args, authorization, context).body;
}

/** The conversation a rate-limited call counts against: its `channel` resolved (a user id is the DM), else as given. */
function limitedChannelOf(args: Json, workspace: WebApiContext['workspace']): string {
  const channel = text(args, 'channel') ?? '';
  try {
    return workspace.resolveChannel(channel, { byName: true }).id;
  } catch {
    return channel;
  }
}

const isRateLimited = (method: string): method is RateLimitedMethod => (RATE_LIMITED_METHODS as readonly string[]).includes(method);

/** callWebApi with its HTTP status: past a rate limit, 429 with Retry-After, as Slack answers. */
export function answerWebApi(method: string, args: Json, authorization: string | undefined, context: WebApiContext): WebApiAnswer {
  const token = authorization?.replace(/^Bearer\s+/i, '') ?? (typeof args.token === 'string' ? args.token : undefined);
  // The one method that takes the app-level token, not the bot's, and only as a bearer header: a form `token=`
  // gets invalid_auth (slackapi/python-slack-sdk#1877).
  if (method === 'apps.connections.open') {
    const bearer = authorization?.replace(/^Bearer\s+/i, '');
    if (!bearer) return { status: 200, body: { ok: false, error: token ? 'invalid_auth' : 'not_authed' } };
    return { status: 200, body: context.socketMode ? context.socketMode.open(bearer) : { ok: false, error: 'invalid_auth' } };
  }
  if (!token) return { status: 200, body: { ok: false, error: 'not_authed' } };
  if (token !== context.botToken) return { status: 200, body: { ok: false, error: 'invalid_auth' } };
  const run = METHODS[method];
  if (!run) return { status: 200, body: { ok: false, error: 'unknown_method' } };
  const refused = context.rateLimits && isRateLimited(method) ? context.rateLimits.take(method, limitedChannelOf(args, context.workspace)) : undefined;
  if (refused) return { status: 429, headers: { 'retry-after': String(refused.retryAfterInSeconds) }, body: { ok: false, error: 'ratelimited' } };
  try {
    return { status: 200, body: { ok: true, ...run(args, context) } };
  } catch (error) {
    const slack = error instanceof KvcsiError ? error.details?.slackError : undefined;
    if (typeof slack === 'string') return { status: 200, body: { ok: false, error: slack } };
    return { status: 200, body: { ok: false, error: 'internal_error' } };
  }
}
