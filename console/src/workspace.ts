/**
 * The console's pretend Slack workspace, in memory: conversations and their messages (public, ephemeral, DMs),
 * open modals per person, trigger ids, response_url targets and uploaded files. Every change bumps `version` and
 * emits `change`, which the page follows over SSE.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { KvcsiError } from '@kvcsi/core';
import { BOT_USER, SANDBOX_CHANNELS, SANDBOX_USERS, dmChannelOf, userById, type ConsoleUser } from './directory.js';

export type Json = Record<string, unknown>;

export interface ConsoleFile {
  id: string;
  name: string;
  title: string;
  /** What was uploaded (the bot uploads text: manifests, long listings). */
  content?: string;
  size: number;
}

export interface ConsoleMessage {
  /** The console's own id for the message (ts is unique per channel only). */
  id: string;
  channel: string;
  ts: string;
  author: string;
  text: string;
  blocks?: Json[];
  files?: ConsoleFile[];
  /** Ephemeral: only this person sees it. */
  visibleTo?: string;
  /** The echo of a slash command the person typed (Slack shows nothing; the console shows it to them only). */
  isCommandEcho?: boolean;
  editedAt?: number;
  /** Slack message metadata (`{ event_type, event_payload }`), as chat.postMessage / chat.update set it. */
  metadata?: Json;
}

export interface Conversation {
  id: string;
  name: string;
  kind: 'channel' | 'dm';
  topic: string;
  /** DMs: the person the bot talks to. */
  member?: string;
}

export interface OpenView {
  id: string;
  userId: string;
  hash: string;
  view: Json;
  /** Errors the bot answered to the last submission, by block id. */
  errors?: Record<string, string>;
}

/** Where a response_url answers: the channel and person of a command or click, and the message it may replace. */
export interface ResponseTarget {
  id: string;
  kind: 'command' | 'action';
  channel: string;
  userId: string;
  /** The message `replace_original` / `delete_original` act on. */
  originalId?: string;
  createdAt: number;
}

/** Slack refuses a trigger id older than three seconds. */
export const TRIGGER_LIFETIME_IN_MS = 3_000;
/** A response_url works for thirty minutes. */
export const RESPONSE_URL_LIFETIME_IN_MS = 30 * 60_000;
const MAX_MESSAGES_PER_CONVERSATION = 500;

/** An error Slack's Web API would answer with `{ ok: false, error }`. */
export function slackError(error: string, message = error): KvcsiError {
  return new KvcsiError('INVALID_INPUT', message, { details: { slackError: error } });
}

export interface PostInput {
  channel: string;
  author: string;
  text?: string;
  blocks?: Json[];
  files?: ConsoleFile[];
  visibleTo?: string;
  isCommandEcho?: boolean;
  metadata?: Json;
}

/**
 * What `npm start` keeps of the chat between runs (in its state directory), as Slack keeps it: the conversations'
 * messages and the uploaded files. Ephemeral answers, command echoes, modals, triggers and response_urls do not last.
 */
export interface WorkspaceRecord {
  format: 'kvcsi-console-chat/v1';
  messages: ConsoleMessage[];
  files: ConsoleFile[];
  sequence: number;
  lastTs: number;
}

export interface WorkspaceSnapshot {
  version: number;
  me: ConsoleUser;
  users: ConsoleUser[];
  bot: ConsoleUser;
  conversations: (Conversation & { messageCount: number })[];
  messages: ConsoleMessage[];
  /** The person's top modal, if one is open. */
  view?: OpenView;
}

export class Workspace {
  private readonly conversations = new Map<string, Conversation>();
  private readonly messages: ConsoleMessage[] = [];
  private readonly views: OpenView[] = [];
  private readonly triggers = new Map<string, { userId: string; createdAt: number }>();
  private readonly targets = new Map<string, ResponseTarget>();
  private readonly files = new Map<string, ConsoleFile>();
  private readonly events = new EventEmitter();
  private sequence = 0;
  private lastTs = 0;
  version = 0;

  constructor(private readonly now: () => number = Date.now) {
    this.events.setMaxListeners(100);
    for (const channel of SANDBOX_CHANNELS) this.conversations.set(channel.id, { ...channel, kind: 'channel' });
    for (const user of SANDBOX_USERS) this.openDm(user.id);
  }

  /** The messages and files to keep (see WorkspaceRecord). */
  record(): WorkspaceRecord {
    const kept = this.messages.filter((message) => message.visibleTo === undefined && message.isCommandEcho !== true);
    return structuredClone({ format: 'kvcsi-console-chat/v1', messages: kept, files: [...this.files.values()], sequence: this.sequence, lastTs: this.lastTs });
  }

  /** Puts back what `record()` kept (messages of conversations this console has; a record of another format is ignored). */
  restore(record: unknown): void {
    const kept = record as Partial<WorkspaceRecord> | null;
    if (kept === null || typeof kept !== 'object' || kept.format !== 'kvcsi-console-chat/v1' || !Array.isArray(kept.messages) || !Array.isArray(kept.files)) return;
    for (const file of kept.files) this.files.set(file.id, file);
    for (const message of kept.messages) if (this.conversations.has(message.channel)) this.messages.push(message);
    this.sequence = Math.max(this.sequence, Number(kept.sequence) || 0);
    this.lastTs = Math.max(this.lastTs, Number(kept.lastTs) || 0);
    this.changed();
  }

  /** Calls `listener` after every change; returns the unsubscribe function. */
  onChange(listener: (version: number) => void): () => void {
    this.events.on('change', listener);
    return () => this.events.off('change', listener);
  }

  private changed(): void {
    this.version += 1;
    this.events.emit('change', this.version);
  }

  /**
   * The sequence keeps ids in order; the random tail makes them unguessable: with sequential ids a web page could
   * name a message (and click its Approve button) without seeing the console (issue 19).
   */
  nextId(prefix: string): string {
    this.sequence += 1;
    const tail = randomBytes(8).toString('hex').toUpperCase();
    return `${prefix}${this.sequence.toString(36).toUpperCase().padStart(6, '0')}${tail}`;
  }

  /** Slack-style message timestamps: seconds.microseconds, strictly increasing. */
  private nextTs(): string {
    const micros = Math.max(this.now() * 1000, this.lastTs + 1);
    this.lastTs = micros;
    return `${Math.floor(micros / 1_000_000)}.${String(micros % 1_000_000).padStart(6, '0')}`;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Conversations and messages

  openDm(userId: string): Conversation {
    const person = userById(userId);
    if (!person || person.isBot) throw slackError('user_not_found', `no such user: ${userId}`);
    const id = dmChannelOf(userId);
    let dm = this.conversations.get(id);
    if (!dm) {
      dm = { id, name: person.name, kind: 'dm', topic: `Direct messages between ${person.name} and kvcsi.`, member: userId };
      this.conversations.set(id, dm);
    }
    return dm;
  }

  /**
   * A channel as the Web API accepts it: an id; a user id means the DM with that user. With `byName` (chat.postMessage
   * and chat.postEphemeral take "an encoded ID, or a name"), a channel's name, with or without `#`, means that channel;
   * the other methods want the id, and a name is channel_not_found there as in Slack.
   */
  resolveChannel(channel: string, options: { byName?: boolean } = {}): Conversation {
    if (/^[UW][A-Z0-9]+$/.test(channel)) return this.openDm(channel);
    const name = channel.replace(/^#/, '');
    const found = this.conversations.get(channel) ?? (options.byName ? [...this.conversations.values()].find((c) => c.kind === 'channel' && c.name === name) : undefined);
    if (!found) throw slackError('channel_not_found', `no such channel: ${channel}`);
    return found;
  }

  /** A channel beyond the sandbox's three (a bench's or a test's routing): like creating it in Slack. */
  addChannel(channel: { id: string; name: string; topic?: string }): Conversation {
    if (!/^C[A-Z0-9]+$/.test(channel.id)) throw slackError('invalid_channel', `a channel id is C followed by capitals and digits: ${channel.id}`);
    const existing = this.conversations.get(channel.id);
    if (existing) return existing;
    const created: Conversation = { id: channel.id, name: channel.name, kind: 'channel', topic: channel.topic ?? '' };
    this.conversations.set(created.id, created);
    this.changed();
    return created;
  }

  conversation(id: string): Conversation | undefined {
    return this.conversations.get(id);
  }

  post(input: PostInput): ConsoleMessage {
    const conversation = this.resolveChannel(input.channel, { byName: true });
    if (!input.text && !input.blocks?.length && !input.files?.length) throw slackError('no_text', 'a message needs text, blocks or files');
    const message: ConsoleMessage = {
      id: this.nextId('M'),
      channel: conversation.id,
      ts: this.nextTs(),
      author: input.author,
      text: input.text ?? '',
      ...(input.blocks?.length ? { blocks: input.blocks } : {}),
      ...(input.files?.length ? { files: input.files } : {}),
      ...(input.visibleTo ? { visibleTo: input.visibleTo } : {}),
      ...(input.isCommandEcho ? { isCommandEcho: true } : {}),
      ...(input.metadata ? { metadata: input.metadata } : {}),
    };
    this.messages.push(message);
    this.trim(conversation.id);
    this.changed();
    return message;
  }

  private trim(channel: string): void {
    const inChannel = this.messages.filter((message) => message.channel === channel);
    const excess = inChannel.length - MAX_MESSAGES_PER_CONVERSATION;
    for (const message of inChannel.slice(0, Math.max(0, excess))) this.messages.splice(this.messages.indexOf(message), 1);
  }

  messageById(id: string): ConsoleMessage | undefined {
    return this.messages.find((message) => message.id === id);
  }

  /** A public (or bot-visible) message by channel and ts, as chat.update and chat.delete name it. */
  messageAt(channel: string, ts: string): ConsoleMessage {
    const conversation = this.resolveChannel(channel);
    const found = this.messages.find((message) => message.channel === conversation.id && message.ts === ts && message.visibleTo === undefined);
    if (!found) throw slackError('message_not_found', `no message ${ts} in ${channel}`);
    return found;
  }

  replace(message: ConsoleMessage, update: { text?: string; blocks?: Json[]; metadata?: Json }): ConsoleMessage {
    message.text = update.text ?? message.text;
    if (update.metadata !== undefined) message.metadata = update.metadata;
    if (update.blocks !== undefined) {
      if (update.blocks.length > 0) message.blocks = update.blocks;
      else delete message.blocks;
    }
    message.editedAt = this.now();
    this.changed();
    return message;
  }

  remove(message: ConsoleMessage): void {
    const index = this.messages.indexOf(message);
    if (index >= 0) this.messages.splice(index, 1);
    this.changed();
  }

  /**
   * conversations.history: a conversation's public messages, newest first, strictly between `oldest` and `latest`
   * (Slack's ts strings), at most `limit`.
   */
  history(channel: string, options: { oldest?: string; latest?: string; limit: number }): { messages: ConsoleMessage[]; hasMore: boolean } {
    const conversation = this.resolveChannel(channel);
    const after = options.oldest === undefined ? -Infinity : Number(options.oldest);
    const before = options.latest === undefined ? Infinity : Number(options.latest);
    const matching = this.messages
      .filter((message) => message.channel === conversation.id && message.visibleTo === undefined && !message.isCommandEcho && Number(message.ts) > after && Number(message.ts) < before)
      .reverse();
    return { messages: matching.slice(0, options.limit), hasMore: matching.length > options.limit };
  }

  /** What one person sees: public messages, their DM, and ephemeral messages meant for them. */
  visibleTo(userId: string): ConsoleMessage[] {
    return this.messages.filter((message) => {
      const conversation = this.conversations.get(message.channel);
      if (conversation?.kind === 'dm' && conversation.member !== userId) return false;
      return message.visibleTo === undefined || message.visibleTo === userId;
    });
  }

  snapshot(userId: string): WorkspaceSnapshot {
    const me = userById(userId);
    if (!me || me.isBot) throw new KvcsiError('NOT_FOUND', `no sandbox user ${userId}`);
    const messages = this.visibleTo(userId);
    const conversations = [...this.conversations.values()]
      .filter((conversation) => conversation.kind === 'channel' || conversation.member === userId)
      .map((conversation) => ({ ...conversation, messageCount: messages.filter((message) => message.channel === conversation.id).length }));
    const view = this.topView(userId);
    return { version: this.version, me, users: [...SANDBOX_USERS], bot: BOT_USER, conversations, messages, ...(view ? { view } : {}) };
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Triggers and response_urls

  createTrigger(userId: string): string {
    const id = `${this.nextId('')}.${this.now()}.trigger`;
    this.triggers.set(id, { userId, createdAt: this.now() });
    return id;
  }

  /** The person a trigger id belongs to; refuses unknown and expired triggers as Slack does. */
  useTrigger(triggerId: string): string {
    const trigger = this.triggers.get(triggerId);
    if (!trigger) throw slackError('invalid_trigger_id', 'unknown trigger_id');
    if (this.now() - trigger.createdAt > TRIGGER_LIFETIME_IN_MS) throw slackError('expired_trigger_id', 'the trigger_id is older than 3 seconds');
    return trigger.userId;
  }

  createResponseTarget(input: Omit<ResponseTarget, 'id' | 'createdAt'>): ResponseTarget {
    const target: ResponseTarget = { ...input, id: this.nextId('R').toLowerCase(), createdAt: this.now() };
    this.targets.set(target.id, target);
    return target;
  }

  /**
   * A POST to a response_url. `delete_original` and `replace_original` act on the clicked message, or (for a
   * command) on the last message this response_url posted; anything else posts anew, ephemeral unless
   * `response_type` is `in_channel`.
   */
  respond(targetId: string, body: Json): void {
    const target = this.targets.get(targetId);
    if (!target) throw new KvcsiError('NOT_FOUND', 'unknown response_url');
    if (this.now() - target.createdAt > RESPONSE_URL_LIFETIME_IN_MS) throw new KvcsiError('TIMEOUT', 'this response_url has expired');
    const original = target.originalId ? this.messageById(target.originalId) : undefined;
    if (body.delete_original === true || body.delete_original === 'true') {
      if (original) this.remove(original);
      return;
    }
    const text = typeof body.text === 'string' ? body.text : undefined;
    const blocks = Array.isArray(body.blocks) ? (body.blocks as Json[]) : undefined;
    if ((body.replace_original === true || body.replace_original === 'true') && original) {
      this.replace(original, { text: text ?? '', blocks: blocks ?? [] });
      return;
    }
    const message = this.post({
      channel: target.channel,
      author: BOT_USER.id,
      ...(text === undefined ? {} : { text }),
      ...(blocks ? { blocks } : {}),
      ...(body.response_type === 'in_channel' ? {} : { visibleTo: target.userId }),
    });
    // A command's later replace_original / delete_original mean its own ephemeral answer (its "working…", say), as
    // with `--public`: the answer is posted in the channel, then "working…" deleted.
    if (target.kind === 'command' && message.visibleTo !== undefined) target.originalId = message.id;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Modals

  topView(userId: string): OpenView | undefined {
    return this.views.filter((view) => view.userId === userId).at(-1);
  }

  viewById(viewId: string): OpenView | undefined {
    return this.views.find((view) => view.id === viewId);
  }

  openView(userId: string, view: Json, options: { push?: boolean } = {}): OpenView {
    if (view.type !== 'modal') throw slackError('invalid_arguments', 'view.type must be modal');
    if (!options.push) this.closeViews(userId, { silent: true });
    const opened: OpenView = { id: this.nextId('V'), userId, hash: this.nextId('h'), view };
    this.views.push(opened);
    this.changed();
    return opened;
  }

  updateView(viewId: string, view: Json, hash?: string): OpenView {
    const found = this.viewById(viewId);
    if (!found) throw slackError('not_found', `no open view ${viewId}`);
    if (hash && hash !== found.hash) throw slackError('hash_conflict', 'the view changed since this hash');
    found.view = view;
    found.hash = this.nextId('h');
    delete found.errors;
    this.changed();
    return found;
  }

  setViewErrors(viewId: string, errors: Record<string, string>): void {
    const found = this.viewById(viewId);
    if (!found) return;
    found.errors = errors;
    this.changed();
  }

  closeView(viewId: string): void {
    const index = this.views.findIndex((view) => view.id === viewId);
    if (index < 0) return;
    this.views.splice(index, 1);
    this.changed();
  }

  closeViews(userId: string, options: { silent?: boolean } = {}): void {
    const before = this.views.length;
    for (let index = this.views.length - 1; index >= 0; index--) if (this.views[index]?.userId === userId) this.views.splice(index, 1);
    if (!options.silent && before !== this.views.length) this.changed();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Files (files.getUploadURLExternal → upload → files.completeUploadExternal)

  reserveFile(filename: string, length: number): ConsoleFile {
    const file: ConsoleFile = { id: this.nextId('F'), name: filename, title: filename, size: length };
    this.files.set(file.id, file);
    return file;
  }

  storeFileContent(fileId: string, content: string): void {
    const file = this.files.get(fileId);
    if (!file) throw new KvcsiError('NOT_FOUND', `no upload reserved as ${fileId}`);
    file.content = content;
    file.size = Buffer.byteLength(content);
  }

  file(fileId: string): ConsoleFile | undefined {
    return this.files.get(fileId);
  }

  completeUpload(input: { files: { id: string; title?: string }[]; channel?: string; initialComment?: string; author: string }): ConsoleFile[] {
    const completed = input.files.map(({ id, title }) => {
      const file = this.files.get(id);
      if (!file || file.content === undefined) throw slackError('file_not_found', `file ${id} was not uploaded`);
      if (title) file.title = title;
      return file;
    });
    if (input.channel) this.post({ channel: input.channel, author: input.author, text: input.initialComment ?? '', files: completed });
    return completed;
  }
}
