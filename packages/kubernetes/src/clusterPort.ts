import { CoreV1Api, CustomObjectsApi, StorageV1Api, type ConfigurationOptions, type KubeConfig } from '@kubernetes/client-node';
import {
  KvcsiError,
  type CallOptions,
  type ClusterPort,
  type CsiDriverResource,
  type KubeEvent,
  type KubeObjectMeta,
  type KubeNode,
  type KubePod,
  type SecretMetadata,
  type SecretProviderClassPodStatusResource,
  type SecretProviderClassResource,
} from '@kvcsi/core';
import { callKube } from './call.js';
import { loadKubeConfig } from './kubeconfig.js';

export interface KubernetesClusterPortOptions {
  /** The registry's cluster: its `name` (for messages) and `kubeContext`. */
  cluster: { name: string; kubeContext: string };
  /** A kubeconfig's YAML text or a loaded KubeConfig. Default: KUBECONFIG, then ~/.kube/config. */
  kubeconfig?: string | KubeConfig;
  /** Use the pod's service account instead of a kubeconfig (kvcsi running in the cluster it inspects). */
  inCluster?: boolean;
  /** Budget of one port call. Defaults to 15000. */
  timeoutInMs?: number;
}

export const DEFAULT_KUBERNETES_TIMEOUT_IN_MS = 15_000;
export const SECRETS_STORE_GROUP = 'secrets-store.csi.x-k8s.io';
export const SECRETS_STORE_CSI_DRIVER = 'secrets-store.csi.k8s.io';

/**
 * DaemonSet pod labels: the AKS add-on (`secrets-store-csi-driver`, `secrets-store-provider-azure`), the upstream
 * manifests and Helm charts (`csi-secrets-store`, `csi-secrets-store-provider-azure`).
 */
export const DRIVER_POD_SELECTOR = 'app in (secrets-store-csi-driver,csi-secrets-store)';
export const PROVIDER_POD_SELECTOR = 'app in (secrets-store-provider-azure,csi-secrets-store-provider-azure)';

/** Annotations that can carry a whole object, Secret data included. */
const DROPPED_ANNOTATIONS = ['kubectl.kubernetes.io/last-applied-configuration'];

/** client-node hands back class instances with Date fields; the ports speak JSON (RFC 3339 strings). */
function plain<T>(value: unknown): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function metadataOnly(raw: Record<string, unknown> | undefined): KubeObjectMeta {
  const meta = plain<KubeObjectMeta & { managedFields?: unknown }>(raw ?? {});
  delete meta.managedFields;
  if (meta.annotations !== undefined) {
    for (const key of DROPPED_ANNOTATIONS) delete meta.annotations[key];
  }
  return meta;
}

function eventTime(event: KubeEvent): number {
  const stamp = event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp ?? event.metadata?.creationTimestamp;
  const parsed = stamp === null || stamp === undefined ? Number.NaN : Date.parse(stamp);
  return Number.isNaN(parsed) ? 0 : parsed;
}

const itemsOf = <T>(list: unknown): T[] => plain<T[]>((list as { items?: unknown[] } | undefined)?.items ?? []);

/** kvcsi's ClusterPort over @kubernetes/client-node 1.x: reads only, and no Secret data ever leaves it. */
export function createKubernetesClusterPort(options: KubernetesClusterPortOptions): ClusterPort {
  const { cluster } = options;
  const kc = loadKubeConfig({ context: cluster.kubeContext, ...(options.kubeconfig === undefined ? {} : { kubeconfig: options.kubeconfig }), ...(options.inCluster === undefined ? {} : { inCluster: options.inCluster }) });
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const storage = kc.makeApiClient(StorageV1Api);
  const timeoutInMs = options.timeoutInMs ?? DEFAULT_KUBERNETES_TIMEOUT_IN_MS;

  const call = <T>(callOptions: CallOptions | undefined, operation: string, target: string | undefined, run: (o: ConfigurationOptions) => Promise<T>): Promise<T> =>
    callKube({ signal: callOptions?.signal, timeoutInMs }, { operation, cluster: cluster.name, ...(target === undefined ? {} : { target }) }, run);

  /** A get whose 404 means "not there". */
  async function getOrUndefined<T>(callOptions: CallOptions | undefined, operation: string, target: string, run: (o: ConfigurationOptions) => Promise<T>): Promise<T | undefined> {
    try {
      return await call(callOptions, operation, target, run);
    } catch (error) {
      if (KvcsiError.is(error, 'NOT_FOUND')) return undefined;
      throw error;
    }
  }

  const podsOnNode = (callOptions: CallOptions, what: string, labelSelector: string, nodeName: string | undefined): Promise<KubePod[]> =>
    call(callOptions, `list ${what} pods`, nodeName === undefined ? 'on every node' : `on node ${nodeName}`, (o) =>
      core.listPodForAllNamespaces({ labelSelector, ...(nodeName === undefined ? {} : { fieldSelector: `spec.nodeName=${nodeName}` }) }, o),
    ).then(itemsOf<KubePod>);

  return {
    async getPod({ namespace, name, ...callOptions }) {
      const pod = await getOrUndefined(callOptions, 'get pod', `${namespace}/${name}`, (o) => core.readNamespacedPod({ namespace, name }, o));
      return pod === undefined ? undefined : plain<KubePod>(pod);
    },

    async listPods({ namespace, labelSelector, ...callOptions }) {
      const selector = labelSelector === undefined ? {} : { labelSelector };
      const list = await call(callOptions, 'list pods', namespace, (o) =>
        namespace === undefined ? core.listPodForAllNamespaces(selector, o) : core.listNamespacedPod({ namespace, ...selector }, o),
      );
      return itemsOf<KubePod>(list);
    },

    async listPodEvents({ namespace, podName, podUid, ...callOptions }) {
      const fields = [`involvedObject.kind=Pod`, `involvedObject.namespace=${namespace}`, `involvedObject.name=${podName}`];
      if (podUid !== undefined) fields.push(`involvedObject.uid=${podUid}`);
      const list = await call(callOptions, 'list events of pod', `${namespace}/${podName}`, (o) => core.listNamespacedEvent({ namespace, fieldSelector: fields.join(',') }, o));
      return itemsOf<KubeEvent>(list).sort((a, b) => eventTime(a) - eventTime(b));
    },

    async getSecretProviderClass({ namespace, name, ...callOptions }) {
      const spc = await getOrUndefined(callOptions, 'get SecretProviderClass', `${namespace}/${name}`, (o) =>
        custom.getNamespacedCustomObject({ group: SECRETS_STORE_GROUP, version: 'v1', namespace, plural: 'secretproviderclasses', name }, o),
      );
      return spc === undefined ? undefined : plain<SecretProviderClassResource>(spc);
    },

    async listSecretProviderClasses({ namespace, labelSelector, ...callOptions }) {
      const selector = labelSelector === undefined ? {} : { labelSelector };
      const list = await call(callOptions, 'list SecretProviderClasses', namespace, (o) =>
        namespace === undefined
          ? custom.listClusterCustomObject({ group: SECRETS_STORE_GROUP, version: 'v1', plural: 'secretproviderclasses', ...selector }, o)
          : custom.listNamespacedCustomObject({ group: SECRETS_STORE_GROUP, version: 'v1', namespace, plural: 'secretproviderclasses', ...selector }, o),
      );
      return itemsOf<SecretProviderClassResource>(list);
    },

    async listSecretProviderClassPodStatuses({ namespace, podName, ...callOptions }) {
      const list = await call(callOptions, 'list SecretProviderClassPodStatuses', namespace, (o) =>
        custom.listNamespacedCustomObject({ group: SECRETS_STORE_GROUP, version: 'v1', namespace, plural: 'secretproviderclasspodstatuses' }, o),
      );
      // The driver labels these by node, not by pod: filter on status.podName here.
      return itemsOf<SecretProviderClassPodStatusResource>(list).filter((s) => podName === undefined || s.status?.podName === podName);
    },

    async getCsiDriver({ name = SECRETS_STORE_CSI_DRIVER, ...callOptions } = {}) {
      const driver = await getOrUndefined(callOptions, 'get CSIDriver', name, (o) => storage.readCSIDriver({ name }, o));
      return driver === undefined ? undefined : plain<CsiDriverResource>(driver);
    },

    listDriverPods({ nodeName, ...callOptions }) {
      return podsOnNode(callOptions, 'CSI driver', DRIVER_POD_SELECTOR, nodeName);
    },

    listProviderPods({ nodeName, ...callOptions }) {
      return podsOnNode(callOptions, 'Azure provider', PROVIDER_POD_SELECTOR, nodeName);
    },

    async listNodes(callOptions) {
      const list = await call(callOptions, 'list nodes', 'cluster', (o) => core.listNode({}, o));
      return itemsOf<KubeNode>(list);
    },

    async readContainerLog({ namespace, pod, container, tailLines, sinceSeconds, ...callOptions }) {
      const log = await call(callOptions, 'read log', `${namespace}/${pod}/${container}`, (o) =>
        core.readNamespacedPodLog({
          namespace,
          name: pod,
          container,
          ...(tailLines === undefined ? {} : { tailLines }),
          ...(sinceSeconds === undefined ? {} : { sinceSeconds }),
        }, o),
      );
      return typeof log === 'string' ? log : String(log ?? '');
    },

    async getSecretMetadata({ namespace, name, ...callOptions }): Promise<SecretMetadata | undefined> {
      const secret = await getOrUndefined(callOptions, 'get Secret', `${namespace}/${name}`, (o) => core.readNamespacedSecret({ namespace, name }, o));
      if (secret === undefined) return undefined;
      // Only names leave: data and stringData are dropped here, before anything else sees the object.
      const keys = [...new Set([...Object.keys(secret.data ?? {}), ...Object.keys(secret.stringData ?? {})])].sort();
      const out: SecretMetadata = { metadata: metadataOnly(secret.metadata as Record<string, unknown> | undefined), keys };
      if (secret.type !== undefined) out.type = secret.type;
      return out;
    },
  };
}
