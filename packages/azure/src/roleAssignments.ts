import { randomUUID } from 'node:crypto';
import type { RoleAssignment, RoleDefinition } from '@azure/arm-authorization';
import { KvcsiError, type CallOptions, type CreateRoleAssignmentOptions, type RoleAssignmentInfo } from '@kvcsi/core';
import type { AdapterContext } from './context.js';
import { normalizeScope, roleDefinitionGuid, toRoleAssignmentInfo } from './mapping.js';

/** `Key Vault Secrets User`: get and list secret values, nothing else. */
export const KEY_VAULT_SECRETS_USER_ROLE_ID = '4633458b-17de-408a-b874-0445c86b69e6';

const subscriptionOf = (scope: string): string | undefined => /^\/?subscriptions\/([^/]+)/i.exec(scope)?.[1];

/**
 * The SDK's URL template is `/{scope}/providers/…` with the scope unencoded: a leading slash would make `//subscriptions`,
 * which ARM (and msw) do not read as the path we mean. So scopes go in without it.
 */
const sdkScope = (scope: string): string => scope.replace(/^\/+/, '').replace(/\/+$/, '');

export interface ListRoleAssignmentsOptions extends CallOptions {
  scope: string;
  principalObjectId?: string;
  /** `assignedTo('<id>')` — includes the groups the principal is in — instead of `principalId eq '<id>'`. */
  includeGroups?: boolean;
  /** Resolve role names and data actions (one cached read per role definition). Default true. */
  resolveDefinitions?: boolean;
}

/** Role assignments through @azure/arm-authorization: list (at, above and below a scope), create idempotently, delete. */
export class RoleAssignments {
  private readonly definitions = new Map<string, Promise<RoleDefinition | undefined>>();

  constructor(private readonly ctx: AdapterContext) {}

  private async client(scope: string, options?: CallOptions) {
    const subscriptionId = subscriptionOf(scope) ?? (await this.ctx.subscriptionIds(options))[0];
    if (subscriptionId === undefined) throw new KvcsiError('INVALID_INPUT', `scope ${scope} names no subscription`, { field: 'scope' });
    return { client: this.ctx.clients.authorization(subscriptionId), subscriptionId };
  }

  async list(options: ListRoleAssignmentsOptions): Promise<RoleAssignmentInfo[]> {
    const { client, subscriptionId } = await this.client(options.scope, options);
    const principal = options.principalObjectId;
    const filter = principal === undefined ? undefined : options.includeGroups === true ? `assignedTo('${principal}')` : `principalId eq '${principal}'`;
    const assignments = await this.ctx.call(options, { operation: 'list role assignments', target: options.scope }, async (abortSignal) => {
      const out: RoleAssignment[] = [];
      for await (const assignment of client.roleAssignments.listForScope(sdkScope(options.scope), { abortSignal, ...(filter === undefined ? {} : { filter }) })) out.push(assignment);
      return out;
    });
    if (options.resolveDefinitions === false) return assignments.map((a) => toRoleAssignmentInfo(a));
    return Promise.all(assignments.map(async (a) => toRoleAssignmentInfo(a, await this.definition(a.roleDefinitionId ?? '', subscriptionId, options))));
  }

  /** Creates the assignment; one that already exists (409 RoleAssignmentExists) is returned as it is. */
  async create(options: CreateRoleAssignmentOptions): Promise<RoleAssignmentInfo> {
    const { client, subscriptionId } = await this.client(options.scope, options);
    const roleDefinitionId = options.roleDefinitionId.includes('/')
      ? options.roleDefinitionId
      : `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${options.roleDefinitionId}`;
    try {
      const created = await this.ctx.call(options, { operation: 'create role assignment', target: options.scope }, (abortSignal) =>
        client.roleAssignments.create(sdkScope(options.scope), randomUUID(), {
          roleDefinitionId,
          principalId: options.principalObjectId,
          principalType: options.principalType,
          ...(options.description === undefined ? {} : { description: options.description }),
        }, { abortSignal }),
      );
      return toRoleAssignmentInfo(created, await this.definition(roleDefinitionId, subscriptionId, options));
    } catch (error) {
      if (!KvcsiError.is(error, 'ALREADY_EXISTS')) throw error;
      const existing = (await this.list({ scope: options.scope, principalObjectId: options.principalObjectId, ...(options.signal ? { signal: options.signal } : {}) })).find(
        (a) => normalizeScope(a.scope) === normalizeScope(options.scope) && roleDefinitionGuid(a.roleDefinitionId) === roleDefinitionGuid(roleDefinitionId),
      );
      // ARM said it exists; a list that races replication may not show it yet.
      return existing ?? { scope: `/${sdkScope(options.scope)}`, roleDefinitionId, principalId: options.principalObjectId, principalType: options.principalType };
    }
  }

  /** Deletes by assignment id (`<scope>/providers/Microsoft.Authorization/roleAssignments/<name>`); a missing one is no error. */
  async delete(options: CallOptions & { id: string }): Promise<void> {
    const match = /^(?<scope>.*)\/providers\/Microsoft\.Authorization\/roleAssignments\/(?<name>[^/]+)$/i.exec(options.id);
    const scope = match?.groups?.['scope'];
    const name = match?.groups?.['name'];
    if (scope === undefined || name === undefined) throw new KvcsiError('INVALID_INPUT', `not a role assignment id: ${options.id}`, { field: 'id' });
    const { client } = await this.client(scope, options);
    try {
      await this.ctx.call(options, { operation: 'delete role assignment', target: options.id }, (abortSignal) => client.roleAssignments.delete(sdkScope(scope), name, { abortSignal }));
    } catch (error) {
      if (!KvcsiError.is(error, 'NOT_FOUND')) throw error;
    }
  }

  /** The role definition (name, data actions), read once per GUID; undefined when it cannot be read. */
  private definition(roleDefinitionId: string, subscriptionId: string, options?: CallOptions): Promise<RoleDefinition | undefined> {
    const guid = roleDefinitionGuid(roleDefinitionId);
    if (guid === '') return Promise.resolve(undefined);
    let pending = this.definitions.get(guid);
    if (pending === undefined) {
      const client = this.ctx.clients.authorization(subscriptionId);
      pending = this.ctx
        .call(options, { operation: 'read role definition', target: guid }, (abortSignal) => client.roleDefinitions.get(`subscriptions/${subscriptionId}`, guid, { abortSignal }))
        .catch((error: unknown) => {
          this.definitions.delete(guid);
          if (KvcsiError.is(error, 'NOT_FOUND') || KvcsiError.is(error, 'FORBIDDEN')) return undefined;
          throw error;
        });
      this.definitions.set(guid, pending);
    }
    return pending;
  }
}
