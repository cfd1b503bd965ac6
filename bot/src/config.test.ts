import { KvcsiError } from '@kvcsi/core';
import { SANDBOX_SLACK_CONFIG, parseSlackConfig, policyGroupsOf, splitConfigText } from './config.js';
import { identify, mention, slackUserOf } from './identity.js';
import { mergeSlackGroups } from './wiring.js';

describe('slack config', () => {
  it('fills defaults and maps users to principals and groups', () => {
    const config = parseSlackConfig(SANDBOX_SLACK_CONFIG);
    expect(config).toMatchObject({ command: '/kvcsi', transport: 'http', workers: 4 });
    expect(policyGroupsOf(config)).toEqual({ requesters: ['slack:U0SBXREQ01'], 'approvers-prd': ['slack:U0SBXAPP01'] });
  });

  it('names the field that is wrong', () => {
    expect(() => parseSlackConfig({ approvalsChannel: '#approvals' })).toThrow(/slack\.approvalsChannel: must be a Slack channel id/);
    expect(() => parseSlackConfig({ approvalsChannel: 'C1', users: { U1: { principal: 'jane' } } })).toThrow(/slack\.users\.U1\.principal/);
    expect(() => splitConfigText('tenantId: x\n', 'kvcsi.yaml')).toThrow(KvcsiError);
  });

  it('splits the slack section from the rest of the file', () => {
    const { slack, rest } = splitConfigText('tenantId: t\nclusters: []\nslack:\n  approvalsChannel: C0APPROVALS\n', 'kvcsi.yaml');
    expect(slack.approvalsChannel).toBe('C0APPROVALS');
    expect(rest).toEqual({ tenantId: 't', clusters: [] });
  });

  it('merges Slack groups into the policy, keeping its own members', () => {
    const merged = mergeSlackGroups({ groups: { 'approvers-prd': ['cli:approver'] } }, parseSlackConfig(SANDBOX_SLACK_CONFIG));
    expect(merged.groups).toEqual({ 'approvers-prd': ['cli:approver', 'slack:U0SBXAPP01'], requesters: ['slack:U0SBXREQ01'] });
  });
});

describe('identity', () => {
  const config = parseSlackConfig({ approvalsChannel: 'C1', users: { U0ABEL: { principal: 'cli:abel', name: 'Abel' }, U0RITA: {} } });

  it('knows configured users, and only them', () => {
    expect(identify(config, 'U0ABEL')).toMatchObject({ known: true, actor: { id: 'cli:abel', displayName: 'Abel' } });
    expect(identify(config, 'U0RITA')).toMatchObject({ known: true, actor: { id: 'slack:U0RITA' } });
    expect(identify(config, 'U0NOBODY', 'nobody')).toMatchObject({ known: false, actor: { id: 'slack:U0NOBODY', displayName: 'nobody' } });
  });

  it('finds the Slack user behind a principal, for DMs and mentions', () => {
    expect(slackUserOf(config, 'cli:abel')).toBe('U0ABEL');
    expect(slackUserOf(config, 'slack:U0X')).toBe('U0X');
    expect(slackUserOf(config, 'cli:someone')).toBeUndefined();
    expect(mention(config, 'cli:someone')).toBe('`cli:someone`');
  });
});
