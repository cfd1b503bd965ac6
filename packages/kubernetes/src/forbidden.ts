/**
 * The API server's 403 as data and the binding to add: parsed and built in @kvcsi/core (one place for `kvcsi status`
 * and the diagnosis's K18 finding); this adapter adds the cluster's ARM id as the role assignment's scope.
 */
import { clusterBindingCommands, type ForbiddenCall } from '@kvcsi/core';

export { parseForbidden, KVCSI_AKS_ROLE_NAME, KVCSI_CLUSTER_ROLE_NAME, type ForbiddenCall } from '@kvcsi/core';

/** The ClusterRoleBinding of `kvcsi-reader` to the refused identity, and on Azure RBAC clusters the role assignment. */
export function bindingToAdd(forbidden: ForbiddenCall, options: { clusterResourceId?: string } = {}): string[] {
  return clusterBindingCommands(forbidden, options);
}
