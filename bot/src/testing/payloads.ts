/**
 * Slack's inbound payloads (slash command, button click, modal submission) as the HTTP receiver gets them, signed
 * like Slack signs them: `v0=` + HMAC-SHA256(signing secret, `v0:<timestamp>:<raw body>`).
 */
import { createHmac } from 'node:crypto';
import { FAKE_TEAM_ID } from './fake-slack.js';

export interface SignedRequest {
  body: string;
  headers: Record<string, string>;
}

export function sign(signingSecret: string, body: string, timestampInSeconds = Math.floor(Date.now() / 1000)): SignedRequest {
  const signature = `v0=${createHmac('sha256', signingSecret).update(`v0:${timestampInSeconds}:${body}`).digest('hex')}`;
  return {
    body,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(timestampInSeconds),
      'x-slack-signature': signature,
    },
  };
}

let sequence = 0;
/** A unique id per payload (trigger ids, response_url ids). */
export function nextPayloadId(): string {
  sequence += 1;
  return `${Date.now().toString(36)}${sequence}`;
}

export function responseUrlFor(id: string, kind: 'commands' | 'actions' = 'commands'): string {
  return `https://hooks.slack.com/${kind}/${FAKE_TEAM_ID}/${id}/token${id}`;
}

export interface SlashCommandInput {
  text: string;
  userId: string;
  userName?: string;
  channelId: string;
  channelName?: string;
  command?: string;
  /** Defaults to a fresh id; the response_url carries it. */
  id?: string;
}

export function slashCommandBody(input: SlashCommandInput): { body: string; responseId: string; triggerId: string } {
  const id = input.id ?? nextPayloadId();
  const params = new URLSearchParams({
    token: 'deprecated-verification-token',
    team_id: FAKE_TEAM_ID,
    team_domain: 'kvcsi-sandbox',
    channel_id: input.channelId,
    channel_name: input.channelName ?? 'sandbox',
    user_id: input.userId,
    user_name: input.userName ?? input.userId.toLowerCase(),
    command: input.command ?? '/kvcsi',
    text: input.text,
    api_app_id: 'A0KVCSI',
    is_enterprise_install: 'false',
    response_url: responseUrlFor(id),
    trigger_id: `trigger-${id}`,
  });
  return { body: params.toString(), responseId: id, triggerId: `trigger-${id}` };
}

export interface ButtonClickInput {
  actionId: string;
  value: string;
  userId: string;
  channelId: string;
  /** The message the button is on. */
  messageTs?: string;
  blockId?: string;
  id?: string;
}

export function buttonClickBody(input: ButtonClickInput): { body: string; responseId: string; triggerId: string } {
  const id = input.id ?? nextPayloadId();
  const messageTs = input.messageTs ?? '1700000000.000100';
  const payload = {
    type: 'block_actions',
    team: { id: FAKE_TEAM_ID, domain: 'kvcsi-sandbox' },
    user: { id: input.userId, username: input.userId.toLowerCase(), name: input.userId.toLowerCase(), team_id: FAKE_TEAM_ID },
    api_app_id: 'A0KVCSI',
    token: 'deprecated-verification-token',
    container: { type: 'message', message_ts: messageTs, channel_id: input.channelId, is_ephemeral: false },
    trigger_id: `trigger-${id}`,
    channel: { id: input.channelId, name: 'sandbox' },
    message: { type: 'message', ts: messageTs, text: 'card', user: 'U0KVCSIBOT' },
    response_url: responseUrlFor(id, 'actions'),
    actions: [{ type: 'button', action_id: input.actionId, block_id: input.blockId ?? 'block', text: { type: 'plain_text', text: 'button' }, value: input.value, action_ts: `${Date.now() / 1000}` }],
  };
  return { body: new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), responseId: id, triggerId: `trigger-${id}` };
}

export interface ViewSubmissionInput {
  callbackId: string;
  userId: string;
  /** block id → text typed into its input (action id `value`). */
  values: Record<string, string>;
  privateMetadata: string;
}

export function viewSubmissionBody(input: ViewSubmissionInput): string {
  const values: Record<string, Record<string, { type: string; value: string }>> = {};
  for (const [blockId, value] of Object.entries(input.values)) values[blockId] = { value: { type: 'plain_text_input', value } };
  const payload = {
    type: 'view_submission',
    team: { id: FAKE_TEAM_ID, domain: 'kvcsi-sandbox' },
    user: { id: input.userId, username: input.userId.toLowerCase(), name: input.userId.toLowerCase(), team_id: FAKE_TEAM_ID },
    api_app_id: 'A0KVCSI',
    token: 'deprecated-verification-token',
    trigger_id: `trigger-${nextPayloadId()}`,
    view: {
      id: `V${nextPayloadId()}`,
      team_id: FAKE_TEAM_ID,
      type: 'modal',
      callback_id: input.callbackId,
      private_metadata: input.privateMetadata,
      state: { values },
      hash: 'hash',
      title: { type: 'plain_text', text: 'kvcsi' },
      blocks: [],
      app_id: 'A0KVCSI',
      bot_id: 'B0KVCSI',
    },
    response_urls: [],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}
