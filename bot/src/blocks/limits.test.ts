import type { DiagnosisReport, Finding } from '@kvcsi/core';
import { diagnosisMessage } from '../presenters/diagnosis.js';
import { helpMessage } from '../presenters/listings.js';
import { secretCreateModal } from '../modals.js';
import { capBlocks, codeSection, header, section } from './kit.js';
import { SLACK_LIMITS, checkMessage, checkView, fitText } from './limits.js';

describe('checkMessage', () => {
  it('accepts a message within the limits', () => {
    expect(checkMessage({ text: 'hi', blocks: [header('Title'), section('body')] })).toEqual([]);
  });

  it('names each broken limit', () => {
    const problems = checkMessage({
      text: 'x'.repeat(4001),
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } },
        { type: 'section', text: { type: 'mrkdwn', text: 's'.repeat(3001) } },
        { type: 'actions', block_id: 'a', elements: [{ type: 'button', action_id: 'same', text: { type: 'plain_text', text: 'b'.repeat(76) }, value: 'v' }, { type: 'button', action_id: 'same', text: { type: 'plain_text', text: 'ok' }, value: 'v' }] },
        { type: 'section', block_id: 'a', text: { type: 'mrkdwn', text: 'dup id' } },
      ],
    });
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringContaining('message.text: 4001 characters (limit 4000)'),
      expect.stringContaining('blocks[0].text: 151 characters (limit 150)'),
      expect.stringContaining('blocks[1].text: 3001 characters (limit 3000)'),
      expect.stringContaining('elements[0].text: 76 characters (limit 75)'),
      expect.stringContaining('"same" is used twice'),
      expect.stringContaining('blocks[3].block_id: "a" is used twice'),
    ]));
  });

  it('counts blocks: 51 is one too many', () => {
    expect(checkMessage({ text: 't', blocks: Array.from({ length: 51 }, () => section('x')) })).toEqual(['blocks: 51 blocks (limit 50)']);
  });
});

describe('checkView', () => {
  it('accepts the modals the bot opens and refuses a 101-block view and a long title', () => {
    expect(checkView(secretCreateModal({ cluster: 'cafehyna-dev', name: 'grafana-admin' }) as unknown as Record<string, unknown>)).toEqual([]);
    const problems = checkView({ type: 'modal', title: { type: 'plain_text', text: 't'.repeat(25) }, blocks: Array.from({ length: 101 }, () => section('x')) });
    expect(problems).toEqual(expect.arrayContaining(['view.title: 25 characters (limit 24)', 'view.blocks: 101 blocks (limit 100)']));
  });
});

describe('builders fit their text', () => {
  it('fitText cuts with an ellipsis at exactly the limit', () => {
    expect(fitText('abcdef', 4)).toBe('abc…');
    expect(fitText('abc', 4)).toBe('abc');
  });

  it('header, section and code sections stay within limits whatever the input', () => {
    const long = 'y'.repeat(10_000);
    const { block, truncated } = codeSection('*Fix*', Array.from({ length: 500 }, (_, index) => `az role assignment create --role x --scope ${index}`));
    expect(truncated).toBe(true);
    expect(checkMessage({ text: 't', blocks: [header(long), section(long), block, codeSection('*One*', [long]).block] })).toEqual([]);
  });

  it('capBlocks keeps 50 and says how much was left out', () => {
    const capped = capBlocks(Array.from({ length: 80 }, () => section('x')), undefined, 'findings');
    expect(capped).toHaveLength(SLACK_LIMITS.messageBlocks);
    expect(JSON.stringify(capped.at(-1))).toContain('more findings not shown');
  });

  it('a diagnosis with many huge findings still fits one message', () => {
    const finding = (index: number): Finding => ({
      id: `D${index}`, severity: 'error', title: `T${index} ${'t'.repeat(300)}`, summary: 's'.repeat(5000), evidence: Array.from({ length: 100 }, () => 'e'.repeat(200)),
      cause: 'c'.repeat(5000), fix: { commands: Array.from({ length: 50 }, () => 'az '.repeat(100)), docs: ['https://learn.microsoft.com/x'] }, confidence: 'confirmed',
      action: { kind: 'grant', params: { vault: 'kv' } },
    });
    const report: DiagnosisReport = { target: { kind: 'app', app: 'defectdojo' }, findings: Array.from({ length: 40 }, (_, index) => finding(index)), unknowns: [] };
    const message = diagnosisMessage(report, { cluster: 'cafehyna-prd', app: 'defectdojo' });
    expect(checkMessage(message)).toEqual([]);
    expect(JSON.stringify(message)).toContain('kvcsi_grant_access');
  });

  it('help fits', () => {
    expect(checkMessage(helpMessage('/kvcsi'))).toEqual([]);
    expect(checkMessage(helpMessage('/kvcsi', 'spc'))).toEqual([]);
  });
});
