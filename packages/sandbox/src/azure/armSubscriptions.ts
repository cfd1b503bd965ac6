import { HttpResponse } from 'msw';
import { canRead, type ArmRequest, type ArmRoute } from './armHttp.js';

/**
 * `GET /subscriptions`: the subscriptions the caller can see — those where it holds a role at the subscription or
 * anywhere below it, as ARM lists them (api-version 2022-12-01 shape).
 */
function listSubscriptions(req: ArmRequest): Response {
  const { azure, caller } = req;
  const visible = azure.subscriptions.filter((subscription) => {
    const scope = `/subscriptions/${subscription.id}`;
    if (canRead(req, 'Microsoft.Resources/subscriptions/read', scope)) return true;
    return azure.roleAssignments.some((assignment) => assignment.principalId === caller.oid && assignment.scope.toLowerCase().startsWith(`${scope.toLowerCase()}/`));
  });
  return HttpResponse.json({
    value: visible.map((subscription) => ({
      id: `/subscriptions/${subscription.id}`,
      authorizationSource: 'RoleBased',
      managedByTenants: [],
      subscriptionId: subscription.id,
      tenantId: azure.tenantId,
      displayName: subscription.name,
      state: 'Enabled',
      subscriptionPolicies: { locationPlacementId: 'Public_2014-09-01', quotaId: 'PayAsYouGo_2014-09-01', spendingLimit: 'Off' },
    })),
    count: { type: 'Total', value: visible.length },
  });
}

export const armSubscriptionRoutes: readonly ArmRoute[] = [{ method: 'GET', pattern: /^\/subscriptions$/i, handle: (req) => listSubscriptions(req) }];
