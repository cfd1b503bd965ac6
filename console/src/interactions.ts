/**
 * The console's Slack client half: what happens when a person types, clicks or submits in the page. Each becomes
 * the signed request Slack would send the bot, with a trigger id and a response_url that point back at the console,
 * and the bot's acknowledgement is shown as Slack shows it.
 */
import { KvcsiError } from '@kvcsi/core';
import { BOT_USER, userById } from './directory.js';
import { blockActionsBody, signRequest, slashCommandBody, viewSubmissionBody, type SubmittedValues } from './slack-requests.js';
import type { ConsoleMessage, Json, ResponseTarget, Workspace } from './workspace.js';

/** Slack waits three seconds for an acknowledgement. */
export const ACK_TIMEOUT_IN_MS = 3_000;
/** How long a command waits for a bot that is not listening yet (it is starting) before dispatch_failed. */
export const BOT_START_WAIT_IN_MS = 15_000;
const BOT_RETRY_IN_MS = 250;

/** How a payload reaches the bot and its acknowledgement comes back: HTTP by default, or Socket Mode. */
export type BotDelivery = (formBody: string) => Promise<Ack>;

export interface InteractionsOptions {
  workspace: Workspace;
  /** The bot's HTTP receiver (`http://127.0.0.1:3100`); requests go to `/slack/events`. */
  botUrl: string;
  /** How long to wait for a bot that refuses connections (still starting); default BOT_START_WAIT_IN_MS. */
  botStartWaitInMs?: number;
  /** Instead of POSTing to botUrl (Socket Mode: an envelope over the bot's WebSocket). */
  deliver?: BotDelivery;
  signingSecret: string;
  /** The console's base URL, for response_urls. */
  baseUrl: string;
  /** The slash command the bot answers (default `/kvcsi`). */
  command?: string;
}

export interface Ack {
  /** 200 with the app's answer; 408 no answer in 3 s; 503 no connection; else the HTTP status. */
  status: number;
  body: string;
}

export interface SubmitOutcome {
  closed: boolean;
  errors?: Record<string, string>;
}

function parseAck(body: string): Json | undefined {
  if (body.trim() === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    return parsed && typeof parsed === 'object' ? (parsed as Json) : undefined;
  } catch {
    // Bolt may acknowledge with plain text: Slack shows it as an ephemeral message.
    return { text: body };
  }
}

function findElement(blocks: readonly Json[] | undefined, actionId: string, blockId?: string): { element: Json; blockId: string } | undefined {
  for (const block of blocks ?? []) {
    const id = typeof block.block_id === 'string' ? block.block_id : '';
    if (blockId !== undefined && blockId !== id) continue;
    const candidates = [...(Array.isArray(block.elements) ? (block.elements as Json[]) : []), ...(block.accessory ? [block.accessory as Json] : [])];
    const element = candidates.find((candidate) => candidate.action_id === actionId);
    if (element) return { element, blockId: id };
  }
  return undefined;
}

export class Interactions {
  private readonly command: string;

  constructor(private readonly options: InteractionsOptions) {
    this.command = options.command ?? '/kvcsi';
  }

  private get workspace(): Workspace {
    return this.options.workspace;
  }

  private responseUrl(target: ResponseTarget): string {
    return `${this.options.baseUrl}/response/${target.id}`;
  }

  private requirePerson(userId: string): void {
    const user = userById(userId);
    if (!user || user.isBot) throw new KvcsiError('INVALID_INPUT', `no sandbox user ${userId}`, { field: 'user' });
  }

  private async send(body: string): Promise<Ack> {
    if (this.options.deliver) return this.options.deliver(body);
    // `npm start` opens the console while the bot is still starting: a command typed then found no listener and
    // failed as dispatch_failed (issue 19). A refused connection never reached the bot, so it is tried again until
    // the bot listens (botStartWaitInMs); a request the bot received is never sent twice.
    const deadline = Date.now() + (this.options.botStartWaitInMs ?? BOT_START_WAIT_IN_MS);
    for (;;) {
      const signed = signRequest(this.options.signingSecret, body);
      try {
        const response = await fetch(`${this.options.botUrl}/slack/events`, { method: 'POST', body: signed.body, headers: signed.headers, signal: AbortSignal.timeout(ACK_TIMEOUT_IN_MS) });
        return { status: response.status, body: await response.text() };
      } catch (error) {
        const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
        if (timedOut) return { status: 408, body: '' };
        const refused = (error as { cause?: { code?: unknown } }).cause?.code === 'ECONNREFUSED';
        if (!refused || Date.now() + BOT_RETRY_IN_MS > deadline) return { status: 503, body: '' };
        await new Promise((resolve) => setTimeout(resolve, BOT_RETRY_IN_MS));
      }
    }
  }

  /** Slack's own words when an app does not answer in time or answers with an error. */
  private tellFailure(target: ResponseTarget, what: string, ack: Ack): void {
    const reason = ack.status === 408 ? 'operation_timeout' : ack.status === 503 ? 'dispatch_failed' : `http_service_error (HTTP ${ack.status})`;
    this.workspace.post({ channel: target.channel, author: BOT_USER.id, visibleTo: target.userId, text: `:warning: ${what} failed with the error "${reason}". Is the bot running?` });
  }

  /** Text typed into the composer: a slash command goes to the bot; anything else is a plain message. */
  async type(userId: string, channelId: string, text: string): Promise<void> {
    this.requirePerson(userId);
    const conversation = this.workspace.resolveChannel(channelId);
    const trimmed = text.trim();
    if (trimmed === '') throw new KvcsiError('INVALID_INPUT', 'nothing to send', { field: 'text' });
    if (!trimmed.startsWith('/')) {
      this.workspace.post({ channel: conversation.id, author: userId, text: trimmed });
      return;
    }
    const [command = ''] = trimmed.split(/\s+/);
    const args = trimmed.slice(command.length).trim();
    const target = this.workspace.createResponseTarget({ kind: 'command', channel: conversation.id, userId });
    this.workspace.post({ channel: conversation.id, author: userId, visibleTo: userId, isCommandEcho: true, text: trimmed });
    if (command !== this.command) {
      this.workspace.post({ channel: conversation.id, author: BOT_USER.id, visibleTo: userId, text: `:warning: \`${command}\` is not a command here. Try \`${this.command} help\`.` });
      return;
    }
    const ack = await this.send(slashCommandBody({
      command, text: args, userId, channelId: conversation.id, channelName: conversation.kind === 'dm' ? 'directmessage' : conversation.name,
      responseUrl: this.responseUrl(target), triggerId: this.workspace.createTrigger(userId),
    }));
    if (ack.status !== 200) return this.tellFailure(target, command, ack);
    const answer = parseAck(ack.body);
    if (answer && (answer.text !== undefined || answer.blocks !== undefined)) this.workspace.respond(target.id, answer);
  }

  /** A click on a button of a message the person can see. */
  async click(userId: string, messageId: string, actionId: string, blockId?: string): Promise<void> {
    this.requirePerson(userId);
    const message: ConsoleMessage | undefined = this.workspace.visibleTo(userId).find((candidate) => candidate.id === messageId);
    if (!message) throw new KvcsiError('NOT_FOUND', 'that message is gone', { field: 'messageId' });
    const found = findElement(message.blocks, actionId, blockId);
    if (!found) throw new KvcsiError('NOT_FOUND', 'that button is no longer on the message', { field: 'actionId' });
    const conversation = this.workspace.resolveChannel(message.channel);
    const target = this.workspace.createResponseTarget({ kind: 'action', channel: message.channel, userId, originalId: message.id });
    const ack = await this.send(blockActionsBody({
      userId, message, channelName: conversation.name, element: found.element, blockId: found.blockId,
      responseUrl: this.responseUrl(target), triggerId: this.workspace.createTrigger(userId),
    }));
    if (ack.status !== 200) this.tellFailure(target, `The button "${String((found.element.text as Json | undefined)?.text ?? actionId)}"`, ack);
  }

  /** The person's modal submitted: the bot may close it, show errors on its inputs, or replace it. */
  async submit(userId: string, viewId: string, values: SubmittedValues): Promise<SubmitOutcome> {
    this.requirePerson(userId);
    const view = this.workspace.viewById(viewId);
    if (!view || view.userId !== userId) throw new KvcsiError('NOT_FOUND', 'that form is no longer open', { field: 'viewId' });
    const ack = await this.send(viewSubmissionBody({ userId, view, values, triggerId: this.workspace.createTrigger(userId) }));
    if (ack.status !== 200) {
      const errors = { _: `The form could not be sent (HTTP ${ack.status === 503 ? 'no answer' : ack.status}). Try again.` };
      this.workspace.setViewErrors(viewId, errors);
      return { closed: false, errors };
    }
    const answer = parseAck(ack.body);
    switch (answer?.response_action) {
      case 'errors': {
        const errors = (answer.errors ?? {}) as Record<string, string>;
        this.workspace.setViewErrors(viewId, errors);
        return { closed: false, errors };
      }
      case 'update':
        this.workspace.updateView(viewId, answer.view as Json);
        return { closed: false };
      case 'push':
        this.workspace.openView(userId, answer.view as Json, { push: true });
        return { closed: false };
      case 'clear':
        this.workspace.closeViews(userId);
        return { closed: true };
      default:
        this.workspace.closeView(viewId);
        return { closed: true };
    }
  }

  /** The person closed (cancelled) their modal. */
  async close(userId: string, viewId: string): Promise<void> {
    this.requirePerson(userId);
    const view = this.workspace.viewById(viewId);
    if (!view || view.userId !== userId) return;
    this.workspace.closeView(viewId);
    if (view.view.notify_on_close === true) {
      const payload = { type: 'view_closed', team: { id: 'T0SBX' }, user: { id: userId }, api_app_id: 'A0KVCSI', view: { ...view.view, id: view.id, hash: view.hash }, is_cleared: false };
      await this.send(new URLSearchParams({ payload: JSON.stringify(payload) }).toString());
    }
  }
}
