/**
 * The modals: the only place a secret value is ever typed. Slack has no masked input, so the modal says so. The
 * metadata carries names and where to answer, never a value.
 */
import type { types } from '@slack/bolt';
import { MAX_JUSTIFICATION_LENGTH, MIN_JUSTIFICATION_LENGTH } from '@kvcsi/core';
import { context, section } from './blocks/kit.js';
import { SLACK_LIMITS } from './blocks/limits.js';
import { code } from './presenters/common.js';

export const CALLBACK_IDS = {
  secretCreate: 'kvcsi_secret_create',
  secretRequest: 'kvcsi_secret_request',
  supplyValue: 'kvcsi_supply_value',
  reject: 'kvcsi_reject',
} as const;

export const FIELDS = {
  value: 'secret_value',
  contentType: 'content_type',
  justification: 'justification',
  description: 'description',
  reason: 'reason',
} as const;

/** Where the answer to a modal goes, and what it is about. Names and ids only. */
export interface ModalMetadata {
  cluster?: string;
  name?: string;
  app?: string;
  requestId?: string;
  channelId?: string;
  /** The slash command's response_url, to replace its message with the outcome. */
  responseUrl?: string;
  /** The request card a Reject was clicked on. */
  cardTs?: string;
}

export type View = types.ModalView;

function input(blockId: string, label: string, element: types.PlainTextInput, options: { optional?: boolean; hint?: string } = {}): types.InputBlock {
  const block: types.InputBlock = { type: 'input', block_id: blockId, label: { type: 'plain_text', text: label }, element };
  if (options.optional) block.optional = true;
  if (options.hint) block.hint = { type: 'plain_text', text: options.hint };
  return block;
}

function textInput(actionId: string, options: { multiline?: boolean; maxLength?: number; minLength?: number; placeholder?: string } = {}): types.PlainTextInput {
  const element: types.PlainTextInput = { type: 'plain_text_input', action_id: actionId };
  if (options.multiline) element.multiline = true;
  if (options.maxLength) element.max_length = options.maxLength;
  if (options.minLength) element.min_length = options.minLength;
  if (options.placeholder) element.placeholder = { type: 'plain_text', text: options.placeholder };
  return element;
}

function modal(callbackId: string, title: string, submit: string, blocks: types.KnownBlock[], metadata: ModalMetadata): View {
  return {
    type: 'modal',
    callback_id: callbackId,
    title: { type: 'plain_text', text: title },
    submit: { type: 'plain_text', text: submit },
    close: { type: 'plain_text', text: 'Cancel' },
    private_metadata: JSON.stringify(metadata),
    blocks,
  };
}

const VALUE_WARNING = context(':lock: The value goes straight to Key Vault. kvcsi never shows, logs or stores it. Slack does not mask this field: mind who can see your screen.');

const valueInput = (): types.InputBlock =>
  input(FIELDS.value, 'Secret value', textInput('value', { multiline: true, maxLength: SLACK_LIMITS.plainTextInputMaxLength }), { hint: 'Pasted as is; a trailing newline is removed.' });

export function secretCreateModal(metadata: ModalMetadata & { cluster: string; name: string }): View {
  return modal(CALLBACK_IDS.secretCreate, 'Create a secret', 'Create', [
    section(`Create ${code(metadata.name)} in the vault of ${code(metadata.cluster)}.`),
    valueInput(),
    input(FIELDS.contentType, 'Content type', textInput('value', { maxLength: 255, placeholder: 'text/plain' }), { optional: true }),
    input(FIELDS.justification, 'Why (needed where approval is required)', textInput('value', { multiline: true, maxLength: MAX_JUSTIFICATION_LENGTH }), { optional: true }),
    VALUE_WARNING,
  ], metadata);
}

export function secretRequestModal(metadata: ModalMetadata & { cluster: string; name: string; app: string }): View {
  return modal(CALLBACK_IDS.secretRequest, 'Request a secret', 'Request', [
    section(`Ask for ${code(metadata.name)} for ${code(metadata.app)} on ${code(metadata.cluster)}. After approval you will be asked for the value.`),
    input(FIELDS.justification, 'Why is it needed?', textInput('value', { multiline: true, minLength: MIN_JUSTIFICATION_LENGTH, maxLength: MAX_JUSTIFICATION_LENGTH })),
    input(FIELDS.description, 'What is it? (shown to approvers; never the value)', textInput('value', { multiline: true, maxLength: 500 }), { optional: true }),
  ], metadata);
}

export function supplyValueModal(metadata: ModalMetadata & { requestId: string; name: string }): View {
  return modal(CALLBACK_IDS.supplyValue, 'Supply the value', 'Save', [
    section(`The request ${code(metadata.requestId)} for ${code(metadata.name)} was approved. Type or paste its value.`),
    valueInput(),
    VALUE_WARNING,
  ], metadata);
}

export function rejectModal(metadata: ModalMetadata & { requestId: string }): View {
  return modal(CALLBACK_IDS.reject, 'Reject request', 'Reject', [
    section(`Reject ${code(metadata.requestId)}? The requester is told, with your reason.`),
    input(FIELDS.reason, 'Reason', textInput('value', { multiline: true, maxLength: 500 })),
  ], metadata);
}

/** The text of one input, from a view submission's state (or undefined when left empty). */
export function submittedText(view: { state: { values: Record<string, Record<string, { value?: string | null }>> } }, blockId: string): string | undefined {
  const value = view.state.values[blockId]?.value?.value;
  return value === null || value === undefined || value === '' ? undefined : value;
}

export function readMetadata(view: { private_metadata?: string }): ModalMetadata {
  try {
    const parsed: unknown = JSON.parse(view.private_metadata ?? '{}');
    return parsed && typeof parsed === 'object' ? (parsed as ModalMetadata) : {};
  } catch {
    return {};
  }
}
