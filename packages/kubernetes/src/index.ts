export {
  createKubernetesClusterPort,
  DEFAULT_KUBERNETES_TIMEOUT_IN_MS,
  DRIVER_POD_SELECTOR,
  PROVIDER_POD_SELECTOR,
  SECRETS_STORE_CSI_DRIVER,
  SECRETS_STORE_GROUP,
} from './clusterPort.js';
export type { KubernetesClusterPortOptions } from './clusterPort.js';
export { loadKubeConfig } from './kubeconfig.js';
export type { KubeConfigSource } from './kubeconfig.js';
export { toKvcsiError, parseStatus } from './errors.js';
