import { HttpResponse } from 'msw';
import { hasRbacPermission } from './access.js';
import type { AzureHandlerContext } from './context.js';
import type { AzureState } from './model.js';
import { ARM_AUDIENCES, bearerToken, decodeAccessToken, type AccessTokenClaims } from './tokens.js';

export const ARM_HOST = 'https://management.azure.com';

export function armError(status: number, code: string, message: string): Response {
  return HttpResponse.json({ error: { code, message } }, { status });
}

/** ARM's 401s: missing, foreign or wrong-audience tokens. */
export function authenticateArm(azure: AzureState, request: Request): AccessTokenClaims | Response {
  const token = bearerToken(request);
  const challenge = {
    'WWW-Authenticate': `Bearer authorization_uri="https://login.microsoftonline.com/${azure.tenantId}", error="invalid_token", error_description="The authentication failed because of missing 'Authorization' header."`,
  };
  if (token === undefined) {
    return HttpResponse.json({ error: { code: 'AuthenticationFailed', message: "Authentication failed. The 'Authorization' header is missing." } }, { status: 401, headers: challenge });
  }
  const claims = decodeAccessToken(token);
  if (claims === undefined) {
    return armError(401, 'InvalidAuthenticationToken', 'The access token is invalid.');
  }
  if (!ARM_AUDIENCES.includes(claims.aud)) {
    return armError(
      401,
      'InvalidAuthenticationTokenAudience',
      `The access token has been obtained for wrong audience or resource '${claims.aud}'. It should exactly match with one of the allowed audiences 'https://management.core.windows.net/','https://management.core.windows.net','https://management.azure.com/','https://management.azure.com'.`,
    );
  }
  if (claims.tid.toLowerCase() !== azure.tenantId.toLowerCase()) {
    return armError(
      401,
      'InvalidAuthenticationTokenTenant',
      `The access token is from the wrong issuer '${claims.iss}'. It must match the tenant 'https://sts.windows.net/${azure.tenantId}/' associated with this subscription. Please use the authority (URL) 'https://login.windows.net/${azure.tenantId}' to get the token. Note, if the subscription is transferred to another tenant there is no impact to the services, but information about new tenant could take time to propagate (up to an hour). If you just transferred your subscription and see this error message, please try back later.`,
    );
  }
  return claims;
}

/** The per-request view the ARM resource handlers work with. */
export interface ArmRequest {
  request: Request;
  url: URL;
  path: string;
  caller: AccessTokenClaims;
  ctx: AzureHandlerContext;
  azure: AzureState;
}

/** Azure RBAC on the control plane: the caller needs `action` at `scope`, else ARM's 403 AuthorizationFailed. */
export function authorize(req: ArmRequest, action: string, scope: string): Response | undefined {
  const allowed = hasRbacPermission(req.azure, { principalObjectId: req.caller.oid, action, scope, kind: 'control', nowMs: req.ctx.clock.nowMs() });
  if (allowed) return undefined;
  return armError(
    403,
    'AuthorizationFailed',
    `The client '${req.caller.appid}' with object id '${req.caller.oid}' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
  );
}

export function canRead(req: ArmRequest, action: string, scope: string): boolean {
  return hasRbacPermission(req.azure, { principalObjectId: req.caller.oid, action, scope, kind: 'control', nowMs: req.ctx.clock.nowMs() });
}

/** ARM's 404s for a missing subscription or resource group, checked before the resource itself. */
export function checkContainers(azure: AzureState, subscriptionId: string, resourceGroup?: string): Response | undefined {
  if (!azure.subscriptions.some((s) => s.id.toLowerCase() === subscriptionId.toLowerCase())) {
    return armError(404, 'SubscriptionNotFound', `The subscription '${subscriptionId}' could not be found.`);
  }
  if (resourceGroup !== undefined && !azure.resourceGroups.some((rg) => rg.toLowerCase() === `${subscriptionId}/${resourceGroup}`.toLowerCase())) {
    return armError(404, 'ResourceGroupNotFound', `Resource group '${resourceGroup}' could not be found.`);
  }
  return undefined;
}

/**
 * ARM's order for a caller: the subscription must exist (404 SubscriptionNotFound), then the caller needs `action` at
 * the requested scope (403 AuthorizationFailed "… or the scope is invalid", even when the resource group or the
 * resource does not exist: a caller without access learns nothing), then the resource group must exist (404).
 */
export function authorizeThenCheckContainers(req: ArmRequest, action: string, subscriptionId: string, resourceGroup?: string): Response | undefined {
  return checkContainers(req.azure, subscriptionId) ?? authorize(req, action, req.path) ?? checkContainers(req.azure, subscriptionId, resourceGroup);
}

export function resourceNotFound(type: string, name: string, resourceGroup: string): Response {
  return armError(
    404,
    'ResourceNotFound',
    `The Resource '${type}/${name}' under resource group '${resourceGroup}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
  );
}

export async function readJsonBody(request: Request): Promise<Record<string, unknown> | undefined> {
  try {
    const body: unknown = await request.json();
    return body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export const sameText = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/** A route: method and a case-insensitive path pattern with named groups. */
export interface ArmRoute {
  method: string;
  pattern: RegExp;
  handle: (req: ArmRequest, groups: Record<string, string>) => Promise<Response> | Response;
}
