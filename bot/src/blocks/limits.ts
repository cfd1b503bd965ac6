/**
 * Slack's Block Kit limits, and a checker every payload the bot sends can be run through. Slack answers
 * `invalid_blocks` (or silently truncates) when a limit is broken, so builders fit text to these numbers and the
 * tests check every payload they capture.
 */

export const SLACK_LIMITS = {
  messageBlocks: 50,
  viewBlocks: 100,
  /** The top-level `text` of a message: Slack truncates past 40,000; we keep to what renders as one message. */
  messageText: 4000,
  sectionText: 3000,
  sectionFields: 10,
  sectionFieldText: 2000,
  headerText: 150,
  contextElements: 10,
  contextText: 3000,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  actionId: 255,
  blockId: 255,
  inputLabel: 2000,
  inputHint: 2000,
  placeholder: 150,
  plainTextInputMaxLength: 3000,
  viewTitle: 24,
  viewSubmit: 24,
  viewClose: 24,
  privateMetadata: 3000,
  callbackId: 255,
  /** views.open/update/push refuse views larger than this (`view_too_large`). */
  viewBytes: 250_000,
} as const;

const ELLIPSIS = '…';

/** Cuts text to at most `max` characters, marking the cut. */
export function fitText(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max - ELLIPSIS.length))}${ELLIPSIS}`;
}

/** A block as the checker sees it: any Block Kit JSON. */
type Json = Record<string, unknown>;

function textOf(value: unknown): string | undefined {
  if (value && typeof value === 'object' && typeof (value as Json).text === 'string') return (value as Json).text as string;
  return undefined;
}

function checkLength(problems: string[], where: string, text: string | undefined, max: number): void {
  if (text !== undefined && text.length > max) problems.push(`${where}: ${text.length} characters (limit ${max})`);
}

function checkElement(problems: string[], where: string, element: Json): void {
  checkLength(problems, `${where}.action_id`, element.action_id as string | undefined, SLACK_LIMITS.actionId);
  if (element.type === 'button') {
    checkLength(problems, `${where}.text`, textOf(element.text), SLACK_LIMITS.buttonText);
    checkLength(problems, `${where}.value`, element.value as string | undefined, SLACK_LIMITS.buttonValue);
  }
  if (element.type === 'plain_text_input') {
    checkLength(problems, `${where}.placeholder`, textOf(element.placeholder), SLACK_LIMITS.placeholder);
    const maxLength = element.max_length as number | undefined;
    if (maxLength !== undefined && maxLength > SLACK_LIMITS.plainTextInputMaxLength) problems.push(`${where}.max_length: ${maxLength} (limit ${SLACK_LIMITS.plainTextInputMaxLength})`);
  }
}

function checkBlock(problems: string[], where: string, block: Json): void {
  checkLength(problems, `${where}.block_id`, block.block_id as string | undefined, SLACK_LIMITS.blockId);
  switch (block.type) {
    case 'section': {
      const text = textOf(block.text);
      const fields = (block.fields as Json[] | undefined) ?? [];
      if (text === undefined && fields.length === 0) problems.push(`${where}: a section needs text or fields`);
      if (text === '') problems.push(`${where}.text: empty`);
      checkLength(problems, `${where}.text`, text, SLACK_LIMITS.sectionText);
      if (fields.length > SLACK_LIMITS.sectionFields) problems.push(`${where}.fields: ${fields.length} (limit ${SLACK_LIMITS.sectionFields})`);
      fields.forEach((field, index) => checkLength(problems, `${where}.fields[${index}]`, textOf(field), SLACK_LIMITS.sectionFieldText));
      if (block.accessory) checkElement(problems, `${where}.accessory`, block.accessory as Json);
      break;
    }
    case 'header': {
      const text = textOf(block.text);
      if ((block.text as Json | undefined)?.type !== 'plain_text') problems.push(`${where}.text: a header takes plain_text`);
      if (!text) problems.push(`${where}.text: empty`);
      checkLength(problems, `${where}.text`, text, SLACK_LIMITS.headerText);
      break;
    }
    case 'context': {
      const elements = (block.elements as Json[] | undefined) ?? [];
      if (elements.length === 0 || elements.length > SLACK_LIMITS.contextElements) problems.push(`${where}.elements: ${elements.length} (1 to ${SLACK_LIMITS.contextElements})`);
      elements.forEach((element, index) => checkLength(problems, `${where}.elements[${index}]`, textOf(element), SLACK_LIMITS.contextText));
      break;
    }
    case 'actions': {
      const elements = (block.elements as Json[] | undefined) ?? [];
      if (elements.length === 0 || elements.length > SLACK_LIMITS.actionsElements) problems.push(`${where}.elements: ${elements.length} (1 to ${SLACK_LIMITS.actionsElements})`);
      const ids = new Set<string>();
      elements.forEach((element, index) => {
        checkElement(problems, `${where}.elements[${index}]`, element);
        const id = element.action_id as string | undefined;
        if (id !== undefined && ids.has(id)) problems.push(`${where}.elements[${index}].action_id: "${id}" is used twice in the block`);
        if (id !== undefined) ids.add(id);
      });
      break;
    }
    case 'input': {
      checkLength(problems, `${where}.label`, textOf(block.label), SLACK_LIMITS.inputLabel);
      checkLength(problems, `${where}.hint`, textOf(block.hint), SLACK_LIMITS.inputHint);
      if (!block.element) problems.push(`${where}: an input needs an element`);
      else checkElement(problems, `${where}.element`, block.element as Json);
      break;
    }
    case 'divider':
      break;
    default:
      problems.push(`${where}: block type "${String(block.type)}" is not one the bot uses`);
  }
}

function checkBlocks(problems: string[], blocks: readonly Json[], max: number, where: string): void {
  if (blocks.length > max) problems.push(`${where}: ${blocks.length} blocks (limit ${max})`);
  const ids = new Set<string>();
  blocks.forEach((block, index) => {
    checkBlock(problems, `${where}[${index}]`, block);
    const id = block.block_id as string | undefined;
    if (id !== undefined && ids.has(id)) problems.push(`${where}[${index}].block_id: "${id}" is used twice`);
    if (id !== undefined) ids.add(id);
  });
}

/** Problems with a message payload (chat.postMessage, chat.update, response_url), or [] when it fits. */
export function checkMessage(message: { text?: unknown; blocks?: unknown }): string[] {
  const problems: string[] = [];
  const blocks = Array.isArray(message.blocks) ? (message.blocks as Json[]) : [];
  if (typeof message.text !== 'string' && blocks.length === 0 && !('delete_original' in message)) problems.push('message: needs text or blocks');
  if (typeof message.text === 'string') checkLength(problems, 'message.text', message.text, SLACK_LIMITS.messageText);
  checkBlocks(problems, blocks, SLACK_LIMITS.messageBlocks, 'blocks');
  return problems;
}

/** Problems with a modal view (views.open, views.update, views.push), or [] when it fits. */
export function checkView(view: Json): string[] {
  const problems: string[] = [];
  if (view.type !== 'modal') problems.push(`view.type: "${String(view.type)}" (the bot opens modals only)`);
  checkLength(problems, 'view.title', textOf(view.title), SLACK_LIMITS.viewTitle);
  checkLength(problems, 'view.submit', textOf(view.submit), SLACK_LIMITS.viewSubmit);
  checkLength(problems, 'view.close', textOf(view.close), SLACK_LIMITS.viewClose);
  checkLength(problems, 'view.private_metadata', view.private_metadata as string | undefined, SLACK_LIMITS.privateMetadata);
  checkLength(problems, 'view.callback_id', view.callback_id as string | undefined, SLACK_LIMITS.callbackId);
  const blocks = Array.isArray(view.blocks) ? (view.blocks as Json[]) : [];
  checkBlocks(problems, blocks, SLACK_LIMITS.viewBlocks, 'view.blocks');
  const bytes = Buffer.byteLength(JSON.stringify(view));
  if (bytes > SLACK_LIMITS.viewBytes) problems.push(`view: ${bytes} bytes (limit ${SLACK_LIMITS.viewBytes})`);
  return problems;
}
