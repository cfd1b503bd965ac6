/**
 * What Slack sends an app, built from what happened in the console: slash commands, button clicks
 * (`block_actions`) and modal submissions (`view_submission`), each signed as Slack signs them —
 * `v0=` + HMAC-SHA256(signing secret, `v0:<timestamp>:<raw body>`).
 */
import { createHmac } from 'node:crypto';
import { APP_ID, TEAM, userById } from './directory.js';
import type { ConsoleMessage, Json, OpenView } from './workspace.js';

export interface SignedRequest {
  body: string;
  headers: Record<string, string>;
}

export function signRequest(signingSecret: string, body: string, timestampInSeconds = Math.floor(Date.now() / 1000)): SignedRequest {
  const signature = `v0=${createHmac('sha256', signingSecret).update(`v0:${timestampInSeconds}:${body}`).digest('hex')}`;
  return {
    body,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(timestampInSeconds), 'x-slack-signature': signature },
  };
}

function userObject(userId: string): Json {
  const user = userById(userId);
  return { id: userId, username: user?.handle ?? userId.toLowerCase(), name: user?.handle ?? userId.toLowerCase(), team_id: TEAM.id };
}

export interface SlashCommandInput {
  command: string;
  text: string;
  userId: string;
  channelId: string;
  channelName: string;
  responseUrl: string;
  triggerId: string;
}

export function slashCommandBody(input: SlashCommandInput): string {
  return new URLSearchParams({
    token: 'unused-verification-token',
    team_id: TEAM.id,
    team_domain: TEAM.domain,
    channel_id: input.channelId,
    channel_name: input.channelName,
    user_id: input.userId,
    user_name: userById(input.userId)?.handle ?? input.userId.toLowerCase(),
    command: input.command,
    text: input.text,
    api_app_id: APP_ID,
    is_enterprise_install: 'false',
    response_url: input.responseUrl,
    trigger_id: input.triggerId,
  }).toString();
}

export interface BlockActionInput {
  userId: string;
  message: ConsoleMessage;
  channelName: string;
  /** The clicked element as the bot sent it (a button), and the block it sits in. */
  element: Json;
  blockId: string;
  responseUrl: string;
  triggerId: string;
}

export function blockActionsBody(input: BlockActionInput): string {
  const { message } = input;
  const isEphemeral = message.visibleTo !== undefined;
  const payload = {
    type: 'block_actions',
    team: { id: TEAM.id, domain: TEAM.domain },
    user: userObject(input.userId),
    api_app_id: APP_ID,
    token: 'unused-verification-token',
    container: { type: 'message', message_ts: message.ts, channel_id: message.channel, is_ephemeral: isEphemeral },
    trigger_id: input.triggerId,
    channel: { id: message.channel, name: input.channelName },
    // Slack leaves the message out of clicks on ephemeral messages.
    ...(isEphemeral ? {} : { message: { type: 'message', ts: message.ts, text: message.text, user: message.author, ...(message.blocks ? { blocks: message.blocks } : {}) } }),
    response_url: input.responseUrl,
    actions: [{
      type: input.element.type ?? 'button',
      action_id: input.element.action_id,
      block_id: input.blockId,
      text: input.element.text,
      ...(input.element.value !== undefined ? { value: input.element.value } : {}),
      ...(input.element.style !== undefined ? { style: input.element.style } : {}),
      action_ts: (Date.now() / 1000).toFixed(6),
    }],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** What the person typed into a modal: block id → action id → text. */
export type SubmittedValues = Record<string, Record<string, string>>;

export function viewSubmissionBody(input: { userId: string; view: OpenView; values: SubmittedValues; triggerId: string }): string {
  const values: Record<string, Record<string, { type: string; value: string | null }>> = {};
  for (const [blockId, actions] of Object.entries(input.values)) {
    values[blockId] = {};
    for (const [actionId, value] of Object.entries(actions)) values[blockId][actionId] = { type: 'plain_text_input', value: value === '' ? null : value };
  }
  const payload = {
    type: 'view_submission',
    team: { id: TEAM.id, domain: TEAM.domain },
    user: userObject(input.userId),
    api_app_id: APP_ID,
    token: 'unused-verification-token',
    trigger_id: input.triggerId,
    view: {
      ...input.view.view,
      id: input.view.id,
      hash: input.view.hash,
      team_id: TEAM.id,
      app_id: APP_ID,
      bot_id: 'B0KVCSI',
      state: { values },
      private_metadata: input.view.view.private_metadata ?? '',
      callback_id: input.view.view.callback_id ?? '',
    },
    response_urls: [],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}
