/** Small Block Kit builders that fit their text to Slack's limits, so no presenter has to count characters. */
import type { types } from '@slack/bolt';
import { SLACK_LIMITS, fitText } from './limits.js';

export type Block = types.KnownBlock;
export type Button = types.Button;

/** A message as the bot sends it: `text` is the notification and screen-reader fallback. */
export interface SlackMessage {
  text: string;
  blocks: Block[];
}

/** Backticks inside a code block would end it early; a zero-width joiner keeps them visible and harmless. */
function safeForCode(text: string): string {
  return text.replace(/```/g, '`\u200d`\u200d`');
}

/** Escapes the three characters Slack's mrkdwn treats as markup. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function header(text: string): Block {
  return { type: 'header', text: { type: 'plain_text', text: fitText(text, SLACK_LIMITS.headerText), emoji: true } };
}

export function section(markdown: string, accessory?: Button): Block {
  const block: types.SectionBlock = { type: 'section', text: { type: 'mrkdwn', text: fitText(markdown, SLACK_LIMITS.sectionText) } };
  if (accessory) block.accessory = accessory;
  return block;
}

export function fields(pairs: readonly [string, string][]): Block {
  return {
    type: 'section',
    fields: pairs.slice(0, SLACK_LIMITS.sectionFields).map(([label, value]) => ({ type: 'mrkdwn', text: fitText(`*${label}*\n${value}`, SLACK_LIMITS.sectionFieldText) })),
  };
}

export function context(...markdown: string[]): Block {
  return { type: 'context', elements: markdown.slice(0, SLACK_LIMITS.contextElements).map((text) => ({ type: 'mrkdwn', text: fitText(text, SLACK_LIMITS.contextText) })) };
}

export function divider(): Block {
  return { type: 'divider' };
}

export function actions(blockId: string, buttons: readonly Button[]): Block {
  return { type: 'actions', block_id: blockId, elements: buttons.slice(0, SLACK_LIMITS.actionsElements) };
}

export function button(options: { actionId: string; text: string; value: string; style?: 'primary' | 'danger' }): Button {
  const result: Button = {
    type: 'button',
    action_id: options.actionId,
    text: { type: 'plain_text', text: fitText(options.text, SLACK_LIMITS.buttonText), emoji: true },
    value: options.value,
  };
  if (options.style) result.style = options.style;
  return result;
}

/**
 * A titled code block, cut to fit one section. Lines are kept whole where possible so every command stays
 * copyable; `truncated` says whether anything was left out.
 */
export function codeSection(title: string, lines: readonly string[]): { block: Block; truncated: boolean } {
  const opening = `${title}\n\`\`\`\n`;
  const closing = '\n```';
  const budget = SLACK_LIMITS.sectionText - opening.length - closing.length - 2;
  const kept: string[] = [];
  let used = 0;
  let truncated = false;
  for (const line of lines.map(safeForCode)) {
    const cost = line.length + (kept.length > 0 ? 1 : 0);
    if (used + cost > budget) {
      truncated = true;
      if (kept.length === 0) kept.push(fitText(line, budget));
      break;
    }
    kept.push(line);
    used += cost;
  }
  return { block: section(`${opening}${kept.join('\n') || ' '}${closing}`), truncated };
}

/** Keeps a message within 50 blocks: the tail is replaced by one line saying how much was left out. */
export function capBlocks(blocks: Block[], max: number = SLACK_LIMITS.messageBlocks, what = 'items'): Block[] {
  if (blocks.length <= max) return blocks;
  return [...blocks.slice(0, max - 1), context(`… and more ${what} not shown (Slack shows at most ${max} blocks in a message).`)];
}
