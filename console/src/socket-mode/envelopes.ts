/**
 * The console builds what Slack would POST to an app (src/slack-requests.ts); over Socket Mode the same payloads
 * travel in envelopes: a slash command's form fields become the `slash_commands` payload object, and the JSON in an
 * interaction's `payload` field becomes the `interactive` payload. Only view submissions (and slash commands) accept a
 * response payload in the ack: `response_action` for a modal, the first message for a command.
 */
import type { Json } from '../workspace.js';
import type { EnvelopeType } from './hub.js';

export interface Envelope {
  type: EnvelopeType;
  payload: Json;
  acceptsResponsePayload: boolean;
}

export function envelopeOf(formBody: string): Envelope {
  const params = new URLSearchParams(formBody);
  const interaction = params.get('payload');
  if (interaction === null) return { type: 'slash_commands', payload: Object.fromEntries(params), acceptsResponsePayload: true };
  const payload = JSON.parse(interaction) as Json;
  return { type: 'interactive', payload, acceptsResponsePayload: payload.type === 'view_submission' };
}
