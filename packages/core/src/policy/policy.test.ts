import type { KvcsiError } from '../errors.js';
import { createMemoryAuditLog } from '../audit/memory.js';
import { TIERS } from '../clusters/schema.js';
import { enforcePolicy } from './enforce.js';
import { createPolicy } from './policy.js';
import { DEFAULT_REQUEST_TTL_IN_MS, POLICY_ACTIONS, SANDBOX_POLICY, WRITE_ACTIONS, policyConfigSchema } from './schema.js';

describe('the sandbox policy', () => {
  const policy = createPolicy(SANDBOX_POLICY);

  it.each(TIERS.flatMap((tier) => POLICY_ACTIONS.map((action) => [tier, action] as const)))(
    'on tier %s, action %s: requester, approver and outsider get what the matrix says',
    (tier, action) => {
      const requester = policy.decide('aad:requester@cafehyna.com.br', action, tier);
      const approver = policy.decide('aad:approver@cafehyna.com.br', action, tier);
      const outsider = policy.decide('aad:outsider@cafehyna.com.br', action, tier);
      const isWrite = (WRITE_ACTIONS as readonly string[]).includes(action);

      if (action === 'read') {
        expect([requester.allowed, approver.allowed, outsider.allowed]).toEqual([true, true, true]);
      } else if (action === 'approve') {
        // Only prd names an approvers group; dev and hub have no rule allowing approve.
        expect(approver.allowed).toBe(tier === 'prd');
        expect(requester.allowed).toBe(false);
        expect(outsider.allowed).toBe(false);
      } else {
        expect(isWrite).toBe(true);
        expect(requester.allowed).toBe(true);
        expect(approver.allowed).toBe(true);
        expect(outsider.allowed).toBe(false);
        expect(requester.approvalRequired).toBe(tier === 'prd');
        expect(requester.approverGroup).toBe(tier === 'prd' ? 'approvers-prd' : undefined);
      }
      expect(outsider.approvalRequired).toBe(false);
    },
  );

  it('explains a denied write', () => {
    expect(policy.decide('aad:outsider@cafehyna.com.br', 'grant', 'prd')).toEqual({
      allowed: false,
      approvalRequired: false,
      reason: 'aad:outsider@cafehyna.com.br may not grant on tier prd: writes are denied unless a rule allows them',
    });
  });
});

describe('createPolicy', () => {
  it('denies writes and allows reads when the policy is empty; prd needs approval by default; 24 h TTL', () => {
    const policy = createPolicy({});
    expect(policy.decide('slack:U123', 'read', 'prd').allowed).toBe(true);
    for (const action of WRITE_ACTIONS) expect(policy.decide('slack:U123', action, 'dev').allowed).toBe(false);
    expect(policy.approvalFor('grant', 'prd')).toEqual({ required: true });
    expect(policy.approvalFor('grant', 'dev')).toEqual({ required: false });
    expect(policy.requestTtlInMs).toBe(DEFAULT_REQUEST_TTL_IN_MS);
  });

  it('lets a deny rule beat an allow rule, reads included', () => {
    const policy = createPolicy({
      groups: { platform: ['cli:alice', 'cli:mallory'] },
      rules: [
        { principals: ['group:platform'], actions: ['grant', 'read'] },
        { principals: ['cli:mallory'], actions: ['grant', 'read'], tiers: ['prd'], effect: 'deny' },
      ],
    });
    expect(policy.decide('cli:alice', 'grant', 'prd').allowed).toBe(true);
    expect(policy.decide('cli:mallory', 'grant', 'dev').allowed).toBe(true);
    const denied = policy.decide('cli:mallory', 'grant', 'prd');
    expect(denied.allowed).toBe(false);
    expect(denied.reason).toContain('policy.rules[1]');
    expect(policy.decide('cli:mallory', 'read', 'prd').allowed).toBe(false);
  });

  it('applies tier limits, wildcards and principals of every front end', () => {
    const policy = createPolicy({
      rules: [
        { principals: ['*'], actions: ['secret-request'], tiers: ['dev'] },
        { principals: ['slack:U0ABC', 'backstage:user:default/jane'], actions: ['grant'] },
      ],
    });
    expect(policy.decide('cli:anyone', 'secret-request', 'dev').allowed).toBe(true);
    expect(policy.decide('cli:anyone', 'secret-request', 'hub').allowed).toBe(false);
    expect(policy.decide('slack:U0ABC', 'grant', 'hub').allowed).toBe(true);
    expect(policy.decide('backstage:user:default/jane', 'grant', 'prd').approvalRequired).toBe(true);
    expect(policy.decide('backstage:user:default/john', 'grant', 'prd').allowed).toBe(false);
  });

  it('makes approval configurable per tier and action', () => {
    const policy = createPolicy({
      groups: { leads: ['cli:lead'] },
      rules: [{ principals: ['cli:dev'], actions: ['grant', 'secret-create'] }],
      approvals: { hub: { required: true, group: 'leads', actions: ['secret-create'] }, prd: { required: false } },
    });
    expect(policy.decide('cli:dev', 'secret-create', 'hub')).toMatchObject({ allowed: true, approvalRequired: true, approverGroup: 'leads' });
    expect(policy.decide('cli:dev', 'grant', 'hub').approvalRequired).toBe(false);
    expect(policy.decide('cli:dev', 'grant', 'prd').approvalRequired).toBe(false);
    expect(policy.decide('cli:lead', 'approve', 'hub').allowed).toBe(true);
    expect(policy.decide('cli:dev', 'approve', 'hub').allowed).toBe(false);
  });

  it('merges approvals per tier with the default: naming only hub keeps four-eyes on prd (issue 19)', () => {
    const policy = createPolicy({
      groups: { leads: ['cli:lead'] },
      rules: [{ principals: ['cli:dev'], actions: ['grant', 'secret-create'] }],
      approvals: { hub: { required: true, group: 'leads' } },
    });
    expect(policy.decide('cli:dev', 'secret-create', 'prd')).toMatchObject({ allowed: true, approvalRequired: true });
    expect(policy.decide('cli:dev', 'grant', 'prd').approvalRequired).toBe(true);
    expect(policy.decide('cli:dev', 'grant', 'hub')).toMatchObject({ approvalRequired: true, approverGroup: 'leads' });
    expect(policy.decide('cli:dev', 'grant', 'dev').approvalRequired).toBe(false);
    // An empty approvals section is the default too; only a written `prd: { required: false }` turns it off.
    expect(createPolicy({ rules: [{ principals: ['cli:dev'], actions: ['grant'] }], approvals: {} }).decide('cli:dev', 'grant', 'prd').approvalRequired).toBe(true);
    expect(createPolicy({ rules: [{ principals: ['cli:dev'], actions: ['grant'] }], approvals: { prd: { required: false } } }).decide('cli:dev', 'grant', 'prd').approvalRequired).toBe(false);
  });

  it('lets only the approvers group approve where one is named, whatever the rules say', () => {
    const policy = createPolicy({
      groups: { 'approvers-prd': ['cli:approver'] },
      rules: [{ principals: ['cli:boss'], actions: ['approve'] }],
      approvals: { prd: { required: true, group: 'approvers-prd' } },
    });
    expect(policy.decide('cli:boss', 'approve', 'prd').allowed).toBe(false);
    expect(policy.decide('cli:boss', 'approve', 'dev').allowed).toBe(true);
    expect(policy.decide('cli:approver', 'approve', 'prd').allowed).toBe(true);
  });

  it('refuses undefined groups, bad principals and unknown fields with CONFIG_INVALID naming the field', () => {
    const attempt = (input: unknown) => {
      try {
        createPolicy(input as never);
      } catch (error) {
        return error as KvcsiError;
      }
      throw new Error('expected a CONFIG_INVALID');
    };
    expect(attempt({ rules: [{ principals: ['group:nobody'], actions: ['grant'] }] })).toMatchObject({ code: 'CONFIG_INVALID', field: 'policy.rules.0.principals.0' });
    expect(attempt({ approvals: { prd: { required: true, group: 'ghosts' } } })).toMatchObject({ field: 'policy.approvals.prd.group' });
    expect(attempt({ groups: { ops: ['alice'] } })).toMatchObject({ field: 'policy.groups.ops.0' });
    expect(attempt({ rules: [{ principals: ['cli:a'], actions: ['delete-everything'] }] })).toMatchObject({ field: 'policy.rules.0.actions.0' });
    expect(attempt({ requestTtlInMs: 5 })).toMatchObject({ field: 'policy.requestTtlInMs' });
    expect(attempt({ surprise: true }).code).toBe('CONFIG_INVALID');
  });

  it('exports a schema that parses the sample with its defaults', () => {
    const parsed = policyConfigSchema.parse({
      groups: { 'approvers-prd': ['slack:U0APPROVER', 'backstage:user:default/jane', 'cli:approver'] },
      rules: [{ principals: ['group:approvers-prd'], actions: ['grant'] }],
    });
    expect(parsed.rules[0]?.effect).toBe('allow');
    expect(parsed.approvals).toEqual({ prd: { required: true } });
  });
});

describe('Entra principals (the CLI): aad:<upn> and aad-group:<object id>', () => {
  const PLATFORM = 'aad-group:5b0a3c1e-2d4f-4a6b-8c9d-0e1f2a3b4c5d';
  const policy = createPolicy({
    groups: { 'approvers-prd': [PLATFORM, 'aad:lead@contoso.com'] },
    rules: [{ principals: [PLATFORM], actions: ['grant'] }, { principals: ['aad:jane@contoso.com'], actions: ['secret-request'] }],
    approvals: { prd: { required: true, group: 'approvers-prd' } },
  });

  it('lets an aad-group rule match only an actor whose front end proved the group', () => {
    expect(policy.decide('aad:dev@contoso.com', 'grant', 'dev', { memberOf: [PLATFORM] }).allowed).toBe(true);
    expect(policy.decide('aad:dev@contoso.com', 'grant', 'dev').allowed).toBe(false);
    expect(policy.decide('aad:dev@contoso.com', 'grant', 'dev', { memberOf: ['aad-group:00000000-0000-4000-8000-000000000000'] }).allowed).toBe(false);
    expect(policy.decide('aad:jane@contoso.com', 'secret-request', 'hub').allowed).toBe(true);
  });

  it('makes an Entra group a member of a policy group (approvers) through the proven groups', () => {
    expect(policy.decide('aad:dev@contoso.com', 'approve', 'prd', { memberOf: [PLATFORM] }).allowed).toBe(true);
    expect(policy.decide('aad:lead@contoso.com', 'approve', 'prd').allowed).toBe(true);
    expect(policy.decide('aad:dev@contoso.com', 'approve', 'prd').allowed).toBe(false);
    expect(policy.isMember('aad:dev@contoso.com', 'approvers-prd', { memberOf: [PLATFORM] })).toBe(true);
  });

  it('refuses an aad-group that is not an object id, and an aad user without a domain', () => {
    expect(() => createPolicy({ rules: [{ principals: ['aad-group:platform'], actions: ['grant'] }] })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', field: 'policy.rules.0.principals.0' }));
    expect(() => createPolicy({ groups: { ops: ['aad:jane'] } })).toThrow(expect.objectContaining({ field: 'policy.groups.ops.0' }));
  });
});

describe('enforcePolicy', () => {
  it('audits every denial with its reason and throws FORBIDDEN', async () => {
    const audit = createMemoryAuditLog();
    const policy = createPolicy(SANDBOX_POLICY);
    await expect(enforcePolicy({ policy, audit, actor: 'aad:outsider@cafehyna.com.br', action: 'grant', tier: 'prd', where: { app: 'defectdojo', cluster: 'cafehyna-prd' } }))
      .rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('aad:outsider@cafehyna.com.br may not grant') });
    expect(audit.events).toEqual([expect.objectContaining({
      actor: 'aad:outsider@cafehyna.com.br', action: 'policy.deny', outcome: 'denied',
      where: { app: 'defectdojo', cluster: 'cafehyna-prd', tier: 'prd' },
      reason: 'aad:outsider@cafehyna.com.br may not grant on tier prd: writes are denied unless a rule allows them',
    })]);
  });

  it('records nothing when allowed', async () => {
    const audit = createMemoryAuditLog();
    const decision = await enforcePolicy({ policy: createPolicy(SANDBOX_POLICY), audit, actor: 'aad:requester@cafehyna.com.br', action: 'grant', tier: 'dev' });
    expect(decision.allowed).toBe(true);
    expect(audit.events).toHaveLength(0);
  });
});
