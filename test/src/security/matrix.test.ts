/**
 * The policy matrix (issue 13): every face (CLI, Slack, Backstage) × action × tier × person, run through the service
 * over the sandbox, compared with what the policy file says. The expectation is read from matrix-policy.json by a
 * small oracle written here (not by kvcsi's own policy code), so a drift in either shows.
 *
 * Each face names the person its own way: the CLI through its real actor resolution (`--as` in sandbox mode gives
 * `aad:<upn>`), Slack by the user id the bot verified (`slack:<id>`), Backstage by the user entity ref.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { KEY_VAULT_SECRETS_USER, KvcsiError, type Actor, type PolicyConfigInput, type Tier } from '@kvcsi/core';
import { resolveCliActor } from '@kvcsi/cli';
import { KUBELET, leaveAlone, PRD_VAULT_ID, registry, startKit, type Kit } from './sandbox-kit.js';

// 135 cases through the real SDKs over the sandbox, one face × action (9 cases) per test.
jest.setTimeout(30_000);

const POLICY = JSON.parse(readFileSync(path.join(__dirname, 'matrix-policy.json'), 'utf8')) as Required<Pick<PolicyConfigInput, 'groups' | 'rules' | 'approvals'>>;

const FACES = ['cli', 'slack', 'backstage'] as const;
const ACTIONS = ['grant', 'revoke', 'secret-create', 'secret-request', 'approve'] as const;
const TIERS = ['dev', 'hub', 'prd'] as const satisfies readonly Tier[];
const PEOPLE = ['requester', 'approver', 'outsider'] as const;
type Face = (typeof FACES)[number];
type Action = (typeof ACTIONS)[number];
type Person = (typeof PEOPLE)[number];
type Outcome = 'done' | 'pending' | 'refused';

// ---------------------------------------------------------------------------------------------------------------
// The oracle: what the policy file says.

const groupsOf = (principal: string): string[] => Object.entries(POLICY.groups).filter(([, members]) => members.includes(principal)).map(([group]) => group);
const ruleMatches = (rule: (typeof POLICY.rules)[number], principal: string, action: string, tier: Tier): boolean =>
  rule.actions.includes(action as never) && (rule.tiers === undefined || rule.tiers.includes(tier))
  && rule.principals.some((who) => who === '*' || who === principal || (who.startsWith('group:') && groupsOf(principal).includes(who.slice('group:'.length))));

function expected(principal: string, action: Action, tier: Tier, requester: string): Outcome {
  if (POLICY.rules.some((rule) => rule.effect === 'deny' && ruleMatches(rule, principal, action, tier))) return 'refused';
  if (action === 'approve') {
    // A dev request needs an approval only when escalated (it overwrites another app's secret): prd's approvers decide.
    const approval = tier === 'dev' ? POLICY.approvals.prd : POLICY.approvals[tier];
    if (principal === requester) return 'refused';
    return approval?.group !== undefined && groupsOf(principal).includes(approval.group) ? 'done' : 'refused';
  }
  if (!POLICY.rules.some((rule) => (rule.effect ?? 'allow') === 'allow' && ruleMatches(rule, principal, action, tier))) return 'refused';
  const approval = POLICY.approvals[tier];
  return approval?.required && (approval.actions === undefined || approval.actions.includes(action)) ? 'pending' : 'done';
}

// ---------------------------------------------------------------------------------------------------------------
// Running one case through the service.

/** One app per tier; the test leaves it alone on its vault, so a revoke is refused only by policy. */
const TARGETS: Record<Tier, { cluster: string; app: string; vault: string }> = {
  dev: { cluster: 'painelclientes-dev', app: 'painel-worker', vault: 'painel-clientes-hml' },
  hub: { cluster: 'cafehyna-hub', app: 'grafana', vault: 'kv-cafehyna-default' },
  prd: { cluster: 'cafehyna-prd', app: 'defectdojo', vault: 'kv-cafehyna-prd' },
};

let kit: Kit;
let counter = 0;
beforeAll(async () => {
  kit = startKit({ policy: POLICY });
  // Each target app alone on its vault, so a revoke is refused only by policy, never by another app's need.
  for (const target of Object.values(TARGETS)) await leaveAlone(target.cluster, target.vault, target.app);
});
afterAll(() => kit.close());

async function actorOf(face: Face, person: Person): Promise<Actor> {
  const user = kit.runtime.sandbox!.state.azure.users.find((candidate) => candidate.name === person)!;
  if (face === 'cli') return resolveCliActor({ as: person, sandbox: kit.runtime.sandbox! });
  if (face === 'slack') return { id: `slack:${user.slackUserId!}` };
  return { id: `backstage:user:default/${person}` };
}

/** The identity the target's binding reads as (the discovered kubelet identity on painelclientes-dev). */
async function identityOf(tier: Tier): Promise<string> {
  if (tier !== 'dev') return KUBELET.objectId;
  const plan = await kit.service.planGrant({ actor: { id: 'slack:U0SBXREQ01' }, app: TARGETS.dev.app, cluster: TARGETS.dev.cluster });
  return plan.vaults[0]!.identity.objectId;
}

/** Puts the target's access in the state the action needs (absent before a grant, present before a revoke), through ARM. */
async function prepareAccess(action: 'grant' | 'revoke', tier: Tier): Promise<void> {
  const vault = kit.runtime.vault;
  const objectId = await identityOf(tier);
  if (tier === 'prd') {
    const vaultWide = (await vault.listRoleAssignments({ scope: PRD_VAULT_ID, principalObjectId: objectId }))
      .filter((assignment) => assignment.scope.toLowerCase() === PRD_VAULT_ID.toLowerCase() && assignment.roleDefinitionId.toLowerCase().endsWith(KEY_VAULT_SECRETS_USER.id));
    for (const assignment of vaultWide) await vault.deleteRoleAssignment({ id: assignment.id! });
    if (action === 'revoke') await vault.createRoleAssignment({ scope: PRD_VAULT_ID, roleDefinitionId: KEY_VAULT_SECRETS_USER.id, principalObjectId: objectId, principalType: 'ServicePrincipal' });
    return;
  }
  const policy = { tenantId: registry.tenantId, objectId, permissions: { secrets: ['get', 'list'] } };
  await vault.updateAccessPolicy({ name: TARGETS[tier].vault }, { operation: action === 'grant' ? 'remove' : 'add', policy });
}

/** A request on the tier that waits for an approval, made by the requester from the CLI. */
async function pendingRequest(tier: Tier): Promise<string> {
  const requester = await actorOf('cli', 'requester');
  const target = TARGETS[tier];
  // On dev only an overwrite of another app's secret waits: painel-web's session secret, asked for another app.
  const name = tier === 'dev' ? 'painel-web-session-secret' : `matrix-approve-${++counter}`;
  const { results } = await kit.service.requestSecret({ actor: requester, name, app: 'matrix-app', clusters: [target.cluster], justification: 'matrix: a request to decide' });
  const request = results[0]!.request!;
  expect(request.status).toBe('pending');
  return request.id;
}

async function run(face: Face, action: Action, tier: Tier, person: Person): Promise<Outcome> {
  const actor = await actorOf(face, person);
  const target = TARGETS[tier];
  try {
    switch (action) {
      case 'grant':
      case 'revoke': {
        await prepareAccess(action, tier);
        const result = action === 'grant'
          ? await kit.service.grant({ actor, app: target.app, cluster: target.cluster })
          : await kit.service.revoke({ actor, app: target.app, cluster: target.cluster });
        return result.outcome.status === 'pending' ? 'pending' : result.outcome.status === 'applied' ? 'done' : (() => { throw new Error(`unexpected ${result.outcome.status}: ${result.outcome.message}`); })();
      }
      case 'secret-create': {
        const result = await kit.service.createSecret({ actor, name: `matrix-create-${++counter}`, app: target.app, cluster: target.cluster, value: `matrix-value-${counter}` });
        return result.outcome.status === 'pending' ? 'pending' : result.outcome.status === 'applied' ? 'done' : (() => { throw new Error(result.outcome.message); })();
      }
      case 'secret-request': {
        const { results } = await kit.service.requestSecret({ actor, name: `matrix-request-${++counter}`, app: target.app, clusters: [target.cluster], justification: 'matrix: a new secret' });
        return results[0]!.request!.status === 'pending' ? 'pending' : 'done';
      }
      case 'approve': {
        const id = await pendingRequest(tier);
        const result = await kit.service.approve({ actor, requestId: id });
        expect(result.request?.status).toBe('approved');
        return 'done';
      }
    }
  } catch (error) {
    // Only the policy's refusals count: anything else (a safety refusal, a bug) fails the case.
    if (KvcsiError.is(error, 'FORBIDDEN') && error.rule === 'policy') return 'refused';
    throw error;
  }
}

describe.each(FACES)('face %s', (face) => {
  it.each(ACTIONS)('%s: every tier × person as the policy file says', async (action) => {
    const requester = (await actorOf('cli', 'requester')).id;
    const got: string[] = [];
    const want: string[] = [];
    for (const tier of TIERS) {
      for (const person of PEOPLE) {
        const principal = (await actorOf(face, person)).id;
        got.push(`${tier} ${person}: ${await run(face, action, tier, person)}`);
        want.push(`${tier} ${person}: ${expected(principal, action, tier, requester)}`);
      }
    }
    expect(got).toEqual(want);
  });
});

it('covers allowed, pending and refused outcomes (the matrix is not trivially uniform)', () => {
  const outcomes = new Set(TIERS.flatMap((tier) => PEOPLE.flatMap((person) => ACTIONS.map((action) => expected(`aad:${person}@cafehyna.com.br`, action, tier, 'aad:requester@cafehyna.com.br')))));
  expect([...outcomes].sort()).toEqual(['done', 'pending', 'refused']);
});
