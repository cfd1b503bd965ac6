export {
  createKubernetesClusterPort,
  DEFAULT_KUBERNETES_TIMEOUT_IN_MS,
  DRIVER_POD_SELECTOR,
  PROVIDER_POD_SELECTOR,
  SECRETS_STORE_CSI_DRIVER,
  SECRETS_STORE_GROUP,
} from './clusterPort.js';
export type { ClusterAccess, KubernetesClusterPort, KubernetesClusterPortOptions } from './clusterPort.js';
export { AksEndpointResolver, DEFAULT_AKS_ENDPOINT_TTL_IN_MS } from './aksEndpoint.js';
export type { AksClusterRef, AksEndpoint, AksEndpointResolverOptions } from './aksEndpoint.js';
export { AksTokenSource, AKS_SERVER_SCOPE, AKS_TOKEN_REFRESH_MARGIN_IN_MS, identityOfToken } from './aksToken.js';
export type { AksTokenSourceOptions, TokenIdentity } from './aksToken.js';
export { KUBERNETES_CALLS, KUBERNETES_LEADER_CALLS, kubernetesRules, dataActionOf } from './calls.js';
export type { KubernetesCall } from './calls.js';
export { bindingToAdd, KVCSI_AKS_ROLE_NAME, KVCSI_CLUSTER_ROLE_NAME, parseForbidden } from './forbidden.js';
export type { ForbiddenCall } from './forbidden.js';
export { loadKubeConfig } from './kubeconfig.js';
export type { KubeConfigSource } from './kubeconfig.js';
export { toKvcsiError, parseStatus } from './errors.js';
