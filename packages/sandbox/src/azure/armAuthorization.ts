import { HttpResponse } from 'msw';
import { effectiveObjectIds, findVault, resolvePrincipal } from './access.js';
import { armError, authorize, checkContainers, readJsonBody, resourceNotFound, type ArmRequest, type ArmRoute } from './armHttp.js';
import type { AzureState, RoleAssignment, RoleDefinition } from './model.js';
import { normalizeScope, roleDefinitionNameFromId, roleDefinitionResourceId, scopeContains } from './resourceIds.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PRINCIPAL_TYPES = ['User', 'Group', 'ServicePrincipal', 'ForeignGroup', 'Device'] as const;

/** The scope as ARM prints it: leading slash, no trailing slash, caller's casing. */
function displayScope(raw: string): string {
  const trimmed = raw.replace(/^\/+/, '').replace(/\/+$/, '');
  return `/${trimmed}`;
}

function subscriptionOf(scope: string): string | undefined {
  return /^\/subscriptions\/([^/]+)/i.exec(scope)?.[1];
}

export function roleAssignmentJson(a: RoleAssignment): Record<string, unknown> {
  const iso = new Date(a.createdMs).toISOString();
  const scopePrefix = a.scope === '/' ? '' : a.scope;
  return {
    properties: {
      roleDefinitionId: a.roleDefinitionId,
      principalId: a.principalId,
      principalType: a.principalType,
      scope: a.scope,
      condition: null,
      conditionVersion: null,
      createdOn: iso,
      updatedOn: iso,
      createdBy: a.createdBy ?? null,
      updatedBy: a.createdBy ?? null,
      delegatedManagedIdentityResourceId: null,
      description: a.description ?? null,
    },
    id: `${scopePrefix}/providers/Microsoft.Authorization/roleAssignments/${a.name}`,
    type: 'Microsoft.Authorization/roleAssignments',
    name: a.name,
  };
}

export function roleDefinitionJson(d: RoleDefinition, subscriptionId: string | undefined): Record<string, unknown> {
  return {
    id: roleDefinitionResourceId(d.name, subscriptionId),
    type: 'Microsoft.Authorization/roleDefinitions',
    name: d.name,
    properties: {
      roleName: d.roleName,
      type: d.roleType,
      description: d.description,
      assignableScopes: ['/'],
      permissions: d.permissions,
      createdOn: '2015-02-02T21:55:09.8806423Z',
      updatedOn: '2021-11-11T20:13:47.8628684Z',
      createdBy: null,
      updatedBy: null,
    },
  };
}

/** ARM refuses scopes whose subscription, resource group or Key Vault does not exist. */
function checkScope(azure: AzureState, scope: string): Response | undefined {
  const match = /^\/subscriptions\/(?<sub>[^/]+)(?:\/resourceGroups\/(?<rg>[^/]+)(?:\/providers\/Microsoft\.KeyVault\/vaults\/(?<vault>[^/]+))?)?/i.exec(scope);
  if (match === null) return undefined;
  const g = match.groups ?? {};
  const missing = checkContainers(azure, g['sub'] ?? '', g['rg']);
  if (missing) return missing;
  if (g['vault'] !== undefined && findVault(azure, g['vault']) === undefined) return resourceNotFound('Microsoft.KeyVault/vaults', g['vault'], g['rg'] ?? '');
  return undefined;
}

function checkSubscription(azure: AzureState, scope: string): Response | undefined {
  const sub = subscriptionOf(scope);
  return sub === undefined ? undefined : checkContainers(azure, sub);
}

function findAssignment(azure: AzureState, scope: string, name: string): RoleAssignment | undefined {
  return azure.roleAssignments.find((a) => a.name.toLowerCase() === name.toLowerCase() && normalizeScope(a.scope) === normalizeScope(scope));
}

async function createAssignment(req: ArmRequest, rawScope: string, name: string): Promise<Response> {
  const scope = displayScope(rawScope);
  // ARM authorises before it looks the scope up: a caller without access gets 403 even for a scope that does not exist.
  const denied = checkSubscription(req.azure, scope) ?? authorize(req, 'Microsoft.Authorization/roleAssignments/write', scope) ?? checkScope(req.azure, scope);
  if (denied) return denied;
  if (!GUID.test(name)) {
    return armError(400, 'InvalidRoleAssignmentId', `The role assignment ID '${name}' is not valid. The role assignment ID must be a GUID.`);
  }
  const body = await readJsonBody(req.request);
  const props = (body?.['properties'] ?? {}) as Record<string, unknown>;
  const roleDefinitionId = typeof props['roleDefinitionId'] === 'string' ? props['roleDefinitionId'] : '';
  const principalId = typeof props['principalId'] === 'string' ? props['principalId'] : '';
  if (roleDefinitionId === '' || principalId === '') {
    return armError(400, 'InvalidRequestBody', 'The request body must contain properties.roleDefinitionId and properties.principalId.');
  }
  const definitionName = roleDefinitionNameFromId(roleDefinitionId);
  if (!req.azure.roleDefinitions.some((d) => d.name.toLowerCase() === definitionName)) {
    return armError(400, 'RoleDefinitionDoesNotExist', `The specified role definition with ID '${definitionName}' does not exist.`);
  }
  const principal = resolvePrincipal(req.azure, { objectId: principalId });
  const requestedType = props['principalType'];
  if (principal === undefined && requestedType === undefined) {
    return armError(
      400,
      'PrincipalNotFound',
      `Principal ${principalId.replace(/-/g, '')} does not exist in the directory ${req.azure.tenantId}. Check that you have the correct principal ID. If you are creating this principal and then immediately assigning a role, this error might be related to a replication delay. In this case, set the role assignment principalType property to a value, such as ServicePrincipal, User, or Group.  See https://aka.ms/docs-principaltype`,
    );
  }
  const inferredType = principal === undefined ? 'ServicePrincipal' : principal.kind === 'user' ? 'User' : principal.kind === 'group' ? 'Group' : 'ServicePrincipal';
  const principalType = PRINCIPAL_TYPES.find((t) => t === requestedType) ?? inferredType;
  if (principal !== undefined && requestedType !== undefined && principalType !== inferredType) {
    // 400 UnmatchedPrincipalType, as quoted in public deployment logs: "The PrincipalId '634c8d99…' has type
    // 'ServicePrincipal', which is different from specified PrincipalType 'User'." (the ID without dashes).
    return armError(
      400,
      'UnmatchedPrincipalType',
      `The PrincipalId '${principalId.replace(/-/g, '')}' has type '${inferredType}', which is different from specified PrincipalType '${String(requestedType)}'.`,
    );
  }
  const existing = findAssignment(req.azure, scope, name);
  if (existing !== undefined) {
    const same = existing.principalId.toLowerCase() === principalId.toLowerCase() && existing.roleDefinitionName === definitionName;
    if (!same) return armError(409, 'RoleAssignmentUpdateNotPermitted', 'Tenant ID, application ID, principal ID, and scope are not allowed to be updated.');
    return HttpResponse.json(roleAssignmentJson(existing), { status: 201 });
  }
  const duplicate = req.azure.roleAssignments.some(
    (a) => normalizeScope(a.scope) === normalizeScope(scope) && a.principalId.toLowerCase() === principalId.toLowerCase() && a.roleDefinitionName === definitionName,
  );
  if (duplicate) return armError(409, 'RoleAssignmentExists', 'The role assignment already exists.');
  const assignment: RoleAssignment = {
    name: name.toLowerCase(),
    scope,
    roleDefinitionName: definitionName,
    roleDefinitionId,
    principalId,
    principalType,
    createdMs: req.ctx.clock.nowMs(),
    createdBy: req.caller.oid,
  };
  if (typeof props['description'] === 'string') assignment.description = props['description'];
  req.azure.roleAssignments.push(assignment);
  req.ctx.onMutation();
  return HttpResponse.json(roleAssignmentJson(assignment), { status: 201 });
}

/** `$filter` as ARM reads it: `atScope()`, `principalId eq '…'`, `assignedTo('…')`, joined with `and`. */
function listAssignments(req: ArmRequest, rawScope: string): Response {
  const scope = displayScope(rawScope);
  const denied = checkSubscription(req.azure, scope) ?? authorize(req, 'Microsoft.Authorization/roleAssignments/read', scope) ?? checkScope(req.azure, scope);
  if (denied) return denied;
  const filter = req.url.searchParams.get('$filter') ?? '';
  const atScopeOnly = /atScope\(\)/i.test(filter);
  const principalEq = /principalId\s+eq\s+'([^']+)'/i.exec(filter)?.[1];
  const assignedTo = /assignedTo\('([^']+)'\)/i.exec(filter)?.[1];
  const principals = assignedTo !== undefined ? effectiveObjectIds(req.azure, assignedTo) : principalEq !== undefined ? [principalEq.toLowerCase()] : undefined;
  const value = req.azure.roleAssignments
    .filter((a) => {
      const above = scopeContains(a.scope, scope);
      const below = scopeContains(scope, a.scope);
      if (atScopeOnly ? !above : !(above || below)) return false;
      return principals === undefined || principals.includes(a.principalId.toLowerCase());
    })
    .map(roleAssignmentJson);
  return HttpResponse.json({ value });
}

const ASSIGNMENT = /^(?<scope>.*)\/providers\/Microsoft\.Authorization\/roleAssignments\/(?<name>[^/]+)$/i;

export const armAuthorizationRoutes: ArmRoute[] = [
  { method: 'PUT', pattern: ASSIGNMENT, handle: (req, g) => createAssignment(req, g['scope'] ?? '', g['name'] ?? '') },
  {
    method: 'GET',
    pattern: ASSIGNMENT,
    handle: (req, g) => {
      const scope = displayScope(g['scope'] ?? '');
      const denied = authorize(req, 'Microsoft.Authorization/roleAssignments/read', scope);
      if (denied) return denied;
      const found = findAssignment(req.azure, scope, g['name'] ?? '');
      return found ? HttpResponse.json(roleAssignmentJson(found)) : armError(404, 'RoleAssignmentNotFound', `The role assignment '${g['name'] ?? ''}' is not found.`);
    },
  },
  {
    method: 'DELETE',
    pattern: ASSIGNMENT,
    handle: (req, g) => {
      const scope = displayScope(g['scope'] ?? '');
      const denied = authorize(req, 'Microsoft.Authorization/roleAssignments/delete', scope);
      if (denied) return denied;
      const found = findAssignment(req.azure, scope, g['name'] ?? '');
      if (found === undefined) return new HttpResponse(null, { status: 204 });
      req.azure.roleAssignments.splice(req.azure.roleAssignments.indexOf(found), 1);
      req.ctx.onMutation();
      return HttpResponse.json(roleAssignmentJson(found));
    },
  },
  {
    method: 'GET',
    pattern: /^(?<scope>.*)\/providers\/Microsoft\.Authorization\/roleAssignments$/i,
    handle: (req, g) => listAssignments(req, g['scope'] ?? ''),
  },
  {
    method: 'GET',
    pattern: /^(?<scope>.*)\/providers\/Microsoft\.Authorization\/roleDefinitions\/(?<id>[^/]+)$/i,
    handle: (req, g) => {
      const definition = req.azure.roleDefinitions.find((d) => d.name.toLowerCase() === (g['id'] ?? '').toLowerCase());
      if (definition === undefined) return armError(404, 'RoleDefinitionDoesNotExist', `The specified role definition with ID '${g['id'] ?? ''}' does not exist.`);
      return HttpResponse.json(roleDefinitionJson(definition, subscriptionOf(displayScope(g['scope'] ?? ''))));
    },
  },
  {
    method: 'GET',
    pattern: /^(?<scope>.*)\/providers\/Microsoft\.Authorization\/roleDefinitions$/i,
    handle: (req, g) => {
      const roleName = /roleName\s+eq\s+'([^']+)'/i.exec(req.url.searchParams.get('$filter') ?? '')?.[1];
      const subscription = subscriptionOf(displayScope(g['scope'] ?? ''));
      const value = req.azure.roleDefinitions
        .filter((d) => roleName === undefined || d.roleName.toLowerCase() === roleName.toLowerCase())
        .map((d) => roleDefinitionJson(d, subscription));
      return HttpResponse.json({ value });
    },
  },
];
