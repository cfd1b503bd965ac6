import { http, type RequestHandler } from 'msw';
import { armAuthorizationRoutes } from './armAuthorization.js';
import { armContainerServiceRoutes } from './armContainerService.js';
import { ARM_HOST, armError, authenticateArm, type ArmRoute } from './armHttp.js';
import { armKeyVaultRoutes } from './armKeyVault.js';
import { armManagedClusterCredentialRoutes } from './armManagedClusterCredentials.js';
import { armManagedIdentityRoutes } from './armManagedIdentity.js';
import { armSubscriptionRoutes } from './armSubscriptions.js';
import type { AzureHandlerContext } from './context.js';
import { checkArmApiVersion, withArmHeaders } from './armApiVersions.js';
import { deterministicUuid } from './ids.js';

const ROUTES: readonly ArmRoute[] = [...armSubscriptionRoutes, ...armKeyVaultRoutes, ...armContainerServiceRoutes, ...armManagedClusterCredentialRoutes, ...armManagedIdentityRoutes, ...armAuthorizationRoutes];

/**
 * Azure Resource Manager at `https://management.azure.com`: one router, because ARM paths are case-insensitive and
 * role-assignment scopes contain slashes. Every request is authenticated (ARM audience, home tenant) and authorised
 * with Azure RBAC on the control plane.
 */
export function createArmHandlers(ctx: AzureHandlerContext): RequestHandler[] {
  let requestCount = 0;
  return [
    http.all(new RegExp(`^${ARM_HOST.replace(/\./g, '\\.')}/`), async ({ request }) => {
      const fault = await ctx.applyFaults(request);
      if (fault) return fault;
      const url = new URL(request.url);
      const path = url.pathname.replace(/\/+$/, '');
      const candidates = ROUTES.filter((r) => r.pattern.test(path));
      const route = candidates.find((r) => r.method === request.method);
      if (route === undefined) {
        if (candidates.length > 0) return armError(405, 'MethodNotAllowed', `The requested method '${request.method}' is not allowed for '${url.pathname}'.`);
        return armError(400, 'InvalidResourceType', `The resource path '${url.pathname}' is not served by the kvcsi sandbox.`);
      }
      const azure = ctx.azure();
      const caller = authenticateArm(azure, request);
      if (caller instanceof Response) return caller;
      requestCount += 1;
      const requestId = deterministicUuid('arm-request', String(ctx.clock.nowMs()), String(requestCount));
      const badVersion = checkArmApiVersion(url, path, azure.vaults[0]?.location ?? 'brazilsouth');
      if (badVersion) return withArmHeaders(badVersion, request.method, requestId);
      const groups = route.pattern.exec(path)?.groups ?? {};
      return withArmHeaders(await route.handle({ request, url, path, caller, ctx, azure }, { ...groups }), request.method, requestId);
    }),
  ];
}
