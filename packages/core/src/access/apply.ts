/**
 * Applies a grant plan idempotently and reads the result back. What is in place is left alone; a role assignment
 * that ARM reports as existing (409) counts as present. Revoke removes only the steps' own permissions/assignments.
 */
import type { AuditState } from '../audit/event.js';
import { KvcsiError } from '../errors.js';
import type { AccessPolicyPermissions, CallOptions, VaultPort, VaultRef } from '../ports.js';
import type { GrantPlan, GrantStep } from '../service/types.js';
import { heldPermissions, isChange, isEmptyPermissions, isSecretsUserAssignment, missingPermissions, RBAC_PROPAGATION_WARNING } from './plan.js';

/** The VaultPort, plus deleting a role assignment for revoke (the Azure adapter has it). */
export interface AccessVaultPort extends VaultPort {
  deleteRoleAssignment?(options: CallOptions & { id: string }): Promise<void>;
}

export interface ApplyAccessResult {
  changed: boolean;
  /** Every changed step read back as intended. */
  verified: boolean;
  message: string;
  warnings: string[];
  before: AuditState;
  after: AuditState;
}

/** A VaultRef from an ARM vault id, so ARM calls go straight to the vault. */
export function vaultRefFromId(name: string, id: string): VaultRef {
  const match = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\//i.exec(id);
  return match ? { name, subscriptionId: match[1]!, resourceGroup: match[2]! } : { name };
}

function permissionList(permissions: AccessPolicyPermissions | undefined): string[] {
  return (['secrets', 'certificates', 'keys'] as const).flatMap((family) => (permissions?.[family] ?? []).map((p) => `${family}:${p.toLowerCase()}`)).sort();
}

function describeStep(step: GrantStep): string {
  if (step.kind === 'access-policy') {
    const verb = step.change === 'remove' ? 'removed' : 'added';
    return `${verb} access policy ${permissionList(step.delta).join(',')} on ${step.vault} for ${step.objectId}`;
  }
  const verb = step.change === 'remove' ? 'removed' : 'assigned';
  return `${verb} role ${step.roleName} at ${step.scope} for ${step.principalObjectId}`;
}

/** The plan's state as a flat audit record: access-policy permissions and Secrets User scopes per vault. */
function stateOf(plan: GrantPlan, read: (step: GrantStep) => string[]): AuditState {
  const state: AuditState = {};
  for (const vault of plan.vaults) {
    for (const step of vault.steps) {
      const key = step.kind === 'access-policy' ? `accessPolicy:${step.vault}` : `roleAssignments:${step.vault}`;
      const existing = state[key];
      state[key] = [...(Array.isArray(existing) ? existing : []), ...read(step)];
    }
  }
  return state;
}

function plannedBefore(step: GrantStep): string[] {
  if (step.kind === 'access-policy') return permissionList(step.present);
  return step.change === 'add' ? [] : step.existingAssignmentId !== undefined || step.change === 'remove' ? [step.scope] : [];
}

async function applyStep(step: GrantStep, ref: VaultRef, vault: AccessVaultPort, call: CallOptions): Promise<void> {
  if (step.change === 'none') return;
  if (step.kind === 'access-policy') {
    await vault.updateAccessPolicy(ref, {
      operation: step.change === 'add' ? 'add' : 'remove',
      policy: { tenantId: step.tenantId, objectId: step.objectId, permissions: step.delta },
      ...call,
    });
    return;
  }
  if (step.change === 'add') {
    try {
      await vault.createRoleAssignment({
        scope: step.scope,
        roleDefinitionId: step.roleDefinitionId,
        principalObjectId: step.principalObjectId,
        principalType: 'ServicePrincipal',
        description: 'kvcsi grant: read access for the Secrets Store CSI driver',
        ...call,
      });
    } catch (error) {
      if (!KvcsiError.is(error, 'ALREADY_EXISTS')) throw error;
    }
    return;
  }
  if (step.existingAssignmentId === undefined) return;
  if (!vault.deleteRoleAssignment) {
    throw new KvcsiError('INTERNAL', 'this vault port cannot delete role assignments; revoke needs the Azure adapter');
  }
  await vault.deleteRoleAssignment({ id: step.existingAssignmentId, ...call });
}

/** Reads the step's target back: the permissions or assignment it should leave behind. */
async function readBack(step: GrantStep, ref: VaultRef, vault: AccessVaultPort, call: CallOptions): Promise<{ ok: boolean; state: string[] }> {
  if (step.kind === 'access-policy') {
    const access = await vault.checkAccess(ref, { objectId: step.objectId, ...call });
    const present = access.accessPolicy ?? {};
    const ok = step.change === 'remove' ? isEmptyPermissions(heldPermissions(step.delta, present)) : isEmptyPermissions(missingPermissions(step.permissions, present));
    return { ok, state: permissionList(present) };
  }
  const assignments = await vault.listRoleAssignments({ scope: step.scope, principalObjectId: step.principalObjectId, ...call });
  const present = assignments.some((assignment) => isSecretsUserAssignment(assignment, step.principalObjectId, step.scope));
  const ok = step.change === 'remove' ? !present : present || step.coveredBy !== undefined;
  return { ok, state: present ? [step.scope] : [] };
}

/** The state a changing step leaves behind when it succeeds. */
function plannedAfter(step: GrantStep): string[] {
  if (step.kind === 'access-policy') {
    const present = new Set(permissionList(step.present));
    for (const permission of permissionList(step.delta)) {
      if (step.change === 'remove') present.delete(permission);
      else present.add(permission);
    }
    return [...present].sort();
  }
  return step.change === 'remove' ? [] : [step.scope];
}

/**
 * A step failed after others were made (a 503 on the second vault, say): nothing is rolled back (a rollback can fail
 * the same way), so the error says what was made and carries the before/after the audit records (issue 19).
 */
function partiallyApplied(plan: GrantPlan, made: readonly GrantStep[], failed: GrantStep, error: unknown): KvcsiError {
  const done = new Set(made);
  const before = stateOf(plan, plannedBefore);
  const after = stateOf(plan, (step) => (done.has(step) ? plannedAfter(step) : plannedBefore(step)));
  const code = KvcsiError.is(error) ? error.code : 'INTERNAL';
  const reason = KvcsiError.is(error) ? error.message : error instanceof Error ? error.name : 'unknown error';
  const toDo = describeStep(failed).replace(/^added/, 'add').replace(/^assigned/, 'assign').replace(/^removed/, 'remove');
  return new KvcsiError(code, `partially applied: ${made.map(describeStep).join('; ')}; then failed to ${toDo}: ${reason}`, {
    details: { partiallyApplied: true, before, after },
    cause: error,
  });
}

export interface ApplyAccessOptions extends CallOptions {
  vault: AccessVaultPort;
}

/** Applies the plan's changing steps, one vault after the other, then verifies each by reading it back. */
export async function applyAccessPlan(plan: GrantPlan, options: ApplyAccessOptions): Promise<ApplyAccessResult> {
  const call: CallOptions = options.signal ? { signal: options.signal } : {};
  const before = stateOf(plan, plannedBefore);
  const changed: { step: GrantStep; ref: VaultRef }[] = [];
  for (const vault of plan.vaults) {
    const ref = vaultRefFromId(vault.vault.name, vault.vault.id);
    for (const step of vault.steps.filter(isChange)) {
      try {
        await applyStep(step, ref, options.vault, call);
      } catch (error) {
        if (changed.length === 0) throw error;
        throw partiallyApplied(plan, changed.map((made) => made.step), step, error);
      }
      changed.push({ step, ref });
    }
  }
  const readBacks = new Map<GrantStep, string[]>();
  const warnings: string[] = [];
  let verified = true;
  for (const { step, ref } of changed) {
    const result = await readBack(step, ref, options.vault, call);
    readBacks.set(step, result.state);
    if (!result.ok) {
      verified = false;
      warnings.push(`could not confirm yet: ${describeStep(step)} (read back differs; Azure may still be replicating)`);
    }
  }
  const after = stateOf(plan, (step) => readBacks.get(step) ?? plannedBefore(step));
  if (changed.some(({ step }) => step.kind === 'role-assignment')) warnings.push(RBAC_PROPAGATION_WARNING);
  const message = changed.length === 0
    ? `nothing to change: ${plan.app} on ${plan.cluster} ${plan.action === 'grant' ? 'already has read access' : 'holds nothing kvcsi would remove'}`
    : changed.map(({ step }) => describeStep(step)).join('; ');
  return { changed: changed.length > 0, verified, message, warnings, before, after };
}
