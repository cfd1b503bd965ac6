/** Plain-text rendering of grant plans and action results, for the CLI (the bot and Backstage render their own). */
import type { AccessPolicyPermissions } from '../ports.js';
import type { ActionResult, GrantPlan, GrantStep } from '../service/types.js';

function permissions(value: AccessPolicyPermissions): string {
  const parts = (['secrets', 'certificates', 'keys'] as const)
    .filter((family) => (value[family] ?? []).length > 0)
    .map((family) => `${family} ${(value[family] ?? []).join(',')}`);
  return parts.length === 0 ? 'nothing' : parts.join('; ');
}

const MARK = { add: '+', remove: '-', none: '=' } as const;

const SOURCE_TEXT = {
  registry: 'the registry\'s identity of the cluster',
  discovered: 'the AKS kubelet identity',
  federated: 'verified for the app',
  spc: 'from the SecretProviderClass',
} as const;

function stepLine(step: GrantStep): string {
  if (step.kind === 'access-policy') {
    const what = step.keptFor !== undefined ? `access policy ${permissions(step.present)} (kept: ${step.keptFor.join(', ')} need it)` : step.change === 'none' ? `access policy ${permissions(step.permissions)} (in place: ${permissions(step.present)})` : `access policy ${permissions(step.delta)} (now: ${permissions(step.present)})`;
    return `  ${MARK[step.change]} ${what}`;
  }
  const where = step.secretName !== undefined ? `secret ${step.secretName}` : 'vault scope';
  const state = step.change === 'add' ? 'to assign' : step.change === 'remove' ? 'to remove' : step.keptFor !== undefined ? `kept: ${step.keptFor.join(', ')} need it` : step.coveredBy !== undefined ? `covered by ${step.coveredBy}` : 'in place';
  return `  ${MARK[step.change]} role ${step.roleName} at ${where} (${state})\n      scope ${step.scope}`;
}

/** The plan: principal, permissions or role, scope, what changes and what is in place. */
export function formatGrantPlan(plan: GrantPlan): string {
  const lines: string[] = [`${plan.action === 'grant' ? 'Grant' : 'Revoke'} read access for ${plan.app} on ${plan.cluster} (tier ${plan.tier})`];
  for (const vault of plan.vaults) {
    const identity = vault.identity;
    lines.push(
      '',
      `Vault ${vault.vault.name} (${vault.vault.authModel === 'rbac' ? 'Azure RBAC' : 'access policies'})`,
      `  principal ${identity.displayName ?? '(no display name)'} (object id ${identity.objectId}, client id ${identity.clientId}; ${SOURCE_TEXT[identity.source]}${identity.verifiedBy ? ` by ${identity.verifiedBy}` : ''})`,
      `  for ${vault.secretProviderClasses.join(', ')}: ${vault.objects.map((object) => `${object.name} (${object.type})`).join(', ') || 'no objects'}`,
      ...vault.steps.map(stepLine),
    );
  }
  lines.push('', plan.changeCount === 0 ? 'Nothing to change.' : `${plan.changeCount} change${plan.changeCount === 1 ? '' : 's'} to make (+ add, - remove, = already as wanted).`);
  if (plan.neededBy?.length) lines.push(`refused: ${plan.neededBy.join(', ')} still read the vault as the same identity; revoke removes only what no other app needs.`);
  for (const warning of plan.warnings) lines.push(`warning: ${warning}`);
  return `${lines.join('\n')}\n`;
}

/** The result of an acting command: request, outcome, warnings. */
export function formatActionResult(result: ActionResult): string {
  const lines: string[] = [];
  if (result.request) {
    const request = result.request;
    lines.push(`Request ${request.id}: ${request.status} (${request.kind} ${request.target.app ?? request.target.secretName ?? ''} on ${request.target.cluster}, requested by ${request.requester})`);
    if (request.decision) lines.push(`  decided by ${request.decision.by} at ${request.decision.at}${request.decision.reason ? `: ${request.decision.reason}` : ''}`);
    if (request.status === 'pending') lines.push(`  expires ${request.expiresAt}${request.approverGroup ? `; approval from group ${request.approverGroup}` : ''}`);
  }
  lines.push(`${result.outcome.status}: ${result.outcome.message}`);
  if (result.outcome.verified !== undefined) lines.push(`verified: ${result.outcome.verified ? 'yes (read back)' : 'not yet'}`);
  if (result.outcome.error) lines.push(`error ${result.outcome.error.code}: ${result.outcome.error.message}`);
  for (const warning of result.outcome.warnings) lines.push(`warning: ${warning}`);
  return `${lines.join('\n')}\n`;
}
