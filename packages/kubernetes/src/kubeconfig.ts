import { KubeConfig } from '@kubernetes/client-node';
import { KvcsiError } from '@kvcsi/core';

export interface KubeConfigSource {
  /** The context to use (the registry's `kubeContext`); ignored in-cluster. */
  context: string;
  /** A kubeconfig's YAML text, or a loaded KubeConfig. Default: KUBECONFIG, then ~/.kube/config. */
  kubeconfig?: string | KubeConfig;
  /** Use the pod's service account (KUBERNETES_SERVICE_HOST and the mounted token). */
  inCluster?: boolean;
}

/** A KubeConfig on the wanted context; CONFIG_INVALID naming the known contexts when it is missing. */
export function loadKubeConfig(source: KubeConfigSource): KubeConfig {
  if (source.inCluster === true) {
    const kc = new KubeConfig();
    kc.loadFromCluster();
    return kc;
  }
  let kc: KubeConfig;
  if (source.kubeconfig instanceof KubeConfig) {
    kc = source.kubeconfig;
  } else {
    kc = new KubeConfig();
    try {
      if (typeof source.kubeconfig === 'string') kc.loadFromString(source.kubeconfig);
      else kc.loadFromDefault();
    } catch (error) {
      throw new KvcsiError('CONFIG_INVALID', `cannot read the kubeconfig: ${error instanceof Error ? error.message.split('\n')[0] ?? '' : String(error)}`, { field: 'kubeconfig' });
    }
  }
  const names = kc.getContexts().map((c) => c.name);
  if (!names.includes(source.context)) {
    throw new KvcsiError('CONFIG_INVALID', `kube context "${source.context}" is not in the kubeconfig (contexts: ${names.join(', ') || 'none'})`, {
      field: 'kubeContext',
      rule: 'must name a context of the kubeconfig',
      details: { contexts: names },
    });
  }
  // makeApiClient reads the current context; a copy keeps the caller's KubeConfig unchanged.
  const copy = new KubeConfig();
  copy.loadFromOptions({ clusters: kc.clusters, users: kc.users, contexts: kc.contexts, currentContext: source.context });
  return copy;
}
