import type { TokenCredential } from '@azure/core-auth';
import { CoordinationV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, StorageV1Api, Watch, type ConfigurationOptions, type V1Lease, type RequestContext } from '@kubernetes/client-node';
import {
  budgetBefore,
  runInformer,
  KvcsiError,
  type CallOptions,
  type ClusterPort,
  type CsiDriverResource,
  type KubeEvent,
  type KubeLease,
  type KubeObjectMeta,
  type KubeNode,
  type KubePod,
  type KvcsiErrorCode,
  type SecretMetadata,
  type SecretProviderClassPodStatusResource,
  type SecretProviderClassResource,
  type WatchOptions,
} from '@kvcsi/core';
import { AksEndpointResolver, type AksClusterRef, type AksEndpoint } from './aksEndpoint.js';
import { AksTokenSource, type TokenIdentity } from './aksToken.js';
import { callKube } from './call.js';
import { toKvcsiError } from './errors.js';
import { bindingToAdd, type ForbiddenCall } from './forbidden.js';
import { loadKubeConfig } from './kubeconfig.js';

export interface KubernetesClusterPortOptions {
  /**
   * The registry's cluster: its `name` (for messages), `kubeContext`, and with `kubeAuth: 'azure'` the AKS resource
   * (`aks`) whose API server, CA and Entra ID profile are read from ARM.
   */
  cluster: { name: string; kubeContext: string; kubeAuth?: 'kubeconfig' | 'azure'; aks?: AksClusterRef };
  /** A kubeconfig's YAML text or a loaded KubeConfig. Default: KUBECONFIG, then ~/.kube/config. */
  kubeconfig?: string | KubeConfig;
  /** Use the pod's service account instead of a kubeconfig (kvcsi running in the cluster it inspects). Wins over kubeAuth. */
  inCluster?: boolean;
  /** Budget of one port call. Defaults to 15000. */
  timeoutInMs?: number;
  /** A moment (ms since the epoch) no call outlives: a CLI command's overall deadline. */
  notAfter?: number;
  /** kubeAuth azure: kvcsi's Azure credential, for ARM and for tokens for the AKS server application. */
  credential?: TokenCredential;
  /** kubeAuth azure: one endpoint cache for every cluster (built from `credential` when absent). */
  aksEndpoints?: AksEndpointResolver;
  /** kubeAuth azure: one token cache for every cluster (built from `credential` when absent). */
  aksTokens?: AksTokenSource;
}

/** How the port reaches its cluster and how the last call went: what `kvcsi status` reports. Never a token. */
export interface ClusterAccess {
  cluster: string;
  mode: 'kubeconfig' | 'in-cluster' | 'azure';
  kubeContext?: string;
  /** The API server (kubeAuth azure: once resolved from ARM). */
  server?: string;
  /** kubeAuth azure: whether the private FQDN is used (the cluster has no public one). */
  endpoint?: 'public' | 'private';
  /** kubeAuth azure: the managed cluster's ARM id (the scope of an Azure RBAC for Kubernetes assignment). */
  resourceId?: string;
  /** Who calls the API server: the kubeconfig user, the pod's service account, or the Entra ID token's principal. */
  identity?: TokenIdentity & { kubeconfigUser?: string; serviceAccount?: boolean };
  lastCall?:
    | { operation: string; ok: true }
    /** `fix`: for a 403, the binding to add (bindingToAdd). */
    | { operation: string; ok: false; code: KvcsiErrorCode; message: string; status?: number; forbidden?: ForbiddenCall; fix?: string[] };
}

/** The ClusterPort plus what it can say about its own access. */
export type KubernetesClusterPort = ClusterPort & { describeAccess(): ClusterAccess };

interface KubeApis {
  coordination: CoordinationV1Api;
  core: CoreV1Api;
  custom: CustomObjectsApi;
  storage: StorageV1Api;
}

const makeApis = (kc: KubeConfig): KubeApis => ({ coordination: kc.makeApiClient(CoordinationV1Api), core: kc.makeApiClient(CoreV1Api), custom: kc.makeApiClient(CustomObjectsApi), storage: kc.makeApiClient(StorageV1Api) });

/** A KubeConfig that authenticates with an Entra ID bearer token fetched (and refreshed) per request. */
class EntraIdKubeConfig extends KubeConfig {
  constructor(private readonly tokens: AksTokenSource) {
    super();
  }

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    context.setHeaderParam('Authorization', `Bearer ${await this.tokens.token()}`);
  }

  /** What client-node's Watch uses (it does not go through applySecurityAuthentication). */
  override async applyToFetchOptions(opts: Parameters<KubeConfig['applyToFetchOptions']>[0]): ReturnType<KubeConfig['applyToFetchOptions']> {
    const init = await super.applyToFetchOptions(opts);
    (init.headers as unknown as Headers).set('Authorization', `Bearer ${await this.tokens.token()}`);
    return init;
  }
}

function entraIdKubeConfig(clusterName: string, endpoint: AksEndpoint, tokens: AksTokenSource): KubeConfig {
  const kc = new EntraIdKubeConfig(tokens);
  kc.loadFromOptions({
    clusters: [{ name: clusterName, server: endpoint.server, caData: Buffer.from(endpoint.caPem).toString('base64'), skipTLSVerify: false }],
    users: [{ name: 'kvcsi-entra-id' }],
    contexts: [{ name: clusterName, cluster: clusterName, user: 'kvcsi-entra-id' }],
    currentContext: clusterName,
  });
  return kc;
}

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN']);

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

/** client-node's V1Lease takes Date objects for MicroTime fields; the port speaks RFC 3339 strings. */
function leaseBody(lease: KubeLease): V1Lease {
  const spec = lease.spec ?? {};
  const time = (value: string | null | undefined) => (value === null || value === undefined ? undefined : new Date(value));
  // Only what a lease write needs: name, namespace and the resourceVersion the compare-and-set checks.
  const { name, namespace, resourceVersion } = lease.metadata;
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name, ...(namespace === undefined ? {} : { namespace }), ...(resourceVersion === undefined ? {} : { resourceVersion }) },
    spec: {
      ...(spec.holderIdentity === undefined || spec.holderIdentity === null ? {} : { holderIdentity: spec.holderIdentity }),
      ...(spec.leaseDurationSeconds === undefined ? {} : { leaseDurationSeconds: spec.leaseDurationSeconds }),
      ...(time(spec.acquireTime) === undefined ? {} : { acquireTime: time(spec.acquireTime) }),
      ...(time(spec.renewTime) === undefined ? {} : { renewTime: time(spec.renewTime) }),
      ...(spec.leaseTransitions === undefined ? {} : { leaseTransitions: spec.leaseTransitions }),
    },
  };
}

const itemsOf = <T>(list: unknown): T[] => plain<T[]>((list as { items?: unknown[] } | undefined)?.items ?? []);

/** kvcsi's ClusterPort over @kubernetes/client-node 1.x: reads only, and no Secret data ever leaves it. */
export function createKubernetesClusterPort(options: KubernetesClusterPortOptions): KubernetesClusterPort {
  const { cluster } = options;
  const timeoutInMs = options.timeoutInMs ?? DEFAULT_KUBERNETES_TIMEOUT_IN_MS;
  const mode: ClusterAccess['mode'] = options.inCluster === true ? 'in-cluster' : cluster.kubeAuth === 'azure' ? 'azure' : 'kubeconfig';
  const access: ClusterAccess = { cluster: cluster.name, mode };

  let apis: (signal: AbortSignal) => Promise<KubeApis>;
  /** The KubeConfig behind `apis` (client-node's Watch takes one). */
  let kubeConfig: (signal: AbortSignal) => Promise<KubeConfig>;
  let tokens: AksTokenSource | undefined;
  let endpoint: AksEndpoint | undefined;
  if (mode === 'azure') {
    const credential = options.credential;
    if ((options.aksEndpoints === undefined || options.aksTokens === undefined) && credential === undefined) {
      throw new KvcsiError('CONFIG_INVALID', `cluster ${cluster.name} has kubeAuth azure but no Azure credential was given`, { field: 'kubeAuth', details: { cluster: cluster.name } });
    }
    const resolver = options.aksEndpoints ?? new AksEndpointResolver({ credential: credential! });
    const tokenSource = options.aksTokens ?? new AksTokenSource({ credential: credential! });
    tokens = tokenSource;
    const ref: AksClusterRef = cluster.aks ?? { name: cluster.name };
    let built: { endpoint: AksEndpoint; apis: KubeApis; kc: KubeConfig } | undefined;
    apis = async (signal) => {
      const current = await resolver.resolve(ref, { signal });
      endpoint = current;
      access.server = current.server;
      access.endpoint = current.endpoint;
      access.resourceId = current.resourceId;
      if (!current.entraId) {
        throw new KvcsiError('CONFIG_INVALID', `cluster ${cluster.name}: AKS cluster ${ref.name} has no Entra ID integration (aadProfile): use kubeAuth kubeconfig with its local accounts`, {
          field: 'kubeAuth',
          details: { cluster: cluster.name },
        });
      }
      if (built === undefined || built.endpoint !== current) {
        const kc = entraIdKubeConfig(cluster.name, current, tokenSource);
        built = { endpoint: current, apis: makeApis(kc), kc };
      }
      return built.apis;
    };
    kubeConfig = async (signal) => {
      await apis(signal);
      return built!.kc;
    };
  } else {
    const kc = loadKubeConfig({ context: cluster.kubeContext, ...(options.kubeconfig === undefined ? {} : { kubeconfig: options.kubeconfig }), ...(options.inCluster === undefined ? {} : { inCluster: options.inCluster }) });
    const ready = Promise.resolve(makeApis(kc));
    apis = () => ready;
    kubeConfig = () => Promise.resolve(kc);
    access.server = kc.getCurrentCluster()?.server ?? '';
    if (mode === 'kubeconfig') {
      access.kubeContext = cluster.kubeContext;
      access.identity = { kubeconfigUser: kc.getCurrentUser()?.name ?? '' };
    } else {
      access.identity = { serviceAccount: true };
    }
  }

  const record = (operation: string, error?: unknown): void => {
    if (tokens !== undefined) {
      const identity = tokens.identity();
      if (identity !== undefined) access.identity = identity;
    }
    if (error === undefined) {
      access.lastCall = { operation, ok: true };
      return;
    }
    const e = KvcsiError.is(error) ? error : undefined;
    const status = typeof e?.details?.['status'] === 'number' ? e.details['status'] : undefined;
    const forbidden = e?.details?.['forbidden'] as ForbiddenCall | undefined;
    access.lastCall = {
      operation, ok: false, code: e?.code ?? 'INTERNAL', message: e?.message ?? String(error),
      ...(status === undefined ? {} : { status }),
      ...(forbidden === undefined ? {} : { forbidden, fix: bindingToAdd(forbidden, access.resourceId === undefined ? {} : { clusterResourceId: access.resourceId }) }),
    };
  };

  /** A private FQDN that does not resolve or answer is the usual case outside the cluster's network: say so. */
  const explainUnreachable = (error: unknown): unknown => {
    if (!KvcsiError.is(error, 'UNAVAILABLE') || endpoint?.endpoint !== 'private' || error.details?.['status'] !== undefined) return error;
    const dns = DNS_CODES.has(String(error.details?.['networkCode']));
    return new KvcsiError('UNAVAILABLE', `${error.message} (${endpoint.host} is the cluster's private FQDN${dns ? ' and does not resolve here' : ''}: it resolves and answers only inside the cluster's virtual network or a network linked to its private DNS zone; run kvcsi there)`, {
      details: { ...error.details, privateFqdn: endpoint.host },
      cause: error,
    });
  };

  const call = async <T>(callOptions: CallOptions | undefined, operation: string, target: string | undefined, run: (apis: KubeApis, o: ConfigurationOptions) => Promise<T>): Promise<T> => {
    const attempt = (): Promise<T> => callKube({ signal: callOptions?.signal, timeoutInMs: budgetBefore(timeoutInMs, options.notAfter) }, { operation, cluster: cluster.name, ...(target === undefined ? {} : { target }) }, async (o, signal) => run(await apis(signal), o));
    try {
      const result = await attempt();
      record(operation);
      return result;
    } catch (error) {
      // A refused token (expired early, revoked, clock skew): one fresh token, one retry.
      if (tokens !== undefined && KvcsiError.is(error, 'UNAUTHENTICATED') && error.details?.['status'] === 401) {
        tokens.invalidate();
        try {
          const result = await attempt();
          record(operation);
          return result;
        } catch (retryError) {
          record(operation, retryError);
          throw retryError;
        }
      }
      const explained = explainUnreachable(error);
      if (!KvcsiError.is(explained, 'NOT_FOUND')) record(operation, explained);
      else record(operation);
      throw explained;
    }
  };

  /** A get whose 404 means "not there". */
  async function getOrUndefined<T>(callOptions: CallOptions | undefined, operation: string, target: string, run: (apis: KubeApis, o: ConfigurationOptions) => Promise<T>): Promise<T | undefined> {
    try {
      return await call(callOptions, operation, target, run);
    } catch (error) {
      if (KvcsiError.is(error, 'NOT_FOUND')) return undefined;
      throw error;
    }
  }

  const podsOnNode = (callOptions: CallOptions, what: string, labelSelector: string, nodeName: string | undefined): Promise<KubePod[]> =>
    call(callOptions, `list ${what} pods`, nodeName === undefined ? 'on every node' : `on node ${nodeName}`, ({ core }, o) =>
      core.listPodForAllNamespaces({ labelSelector, ...(nodeName === undefined ? {} : { fieldSelector: `spec.nodeName=${nodeName}` }) }, o),
    ).then(itemsOf<KubePod>);

  /** A list-then-watch of a core/v1 collection (`events`, `pods`) over client-node's Watch, run by the core's informer loop. */
  const watchCollection = <T>(plural: 'events' | 'pods', what: string, watchOptions: WatchOptions<T>): Promise<void> => {
    const { namespace, signal, onChange, onConnection, backoff } = watchOptions;
    const path = namespace === undefined ? `/api/v1/${plural}` : `/api/v1/namespaces/${namespace}/${plural}`;
    return runInformer<T>({
      list: async (roundSignal) => {
        const list = await call({ signal: roundSignal }, `list ${what}`, namespace ?? 'every namespace', ({ core }, o) => {
          if (plural === 'events') return namespace === undefined ? core.listEventForAllNamespaces({}, o) : core.listNamespacedEvent({ namespace }, o);
          return namespace === undefined ? core.listPodForAllNamespaces({}, o) : core.listNamespacedPod({ namespace }, o);
        });
        return { items: itemsOf<T>(list), resourceVersion: String((list as { metadata?: { resourceVersion?: string } }).metadata?.resourceVersion ?? '') };
      },
      stream: async (resourceVersion, { onOpen, onLine }, roundSignal) => {
        const kc = await kubeConfig(roundSignal);
        await new Promise<void>((resolve, reject) => {
          let controller: AbortController | undefined;
          // Watch.watch keeps its own AbortController and hands it over only once the server answered: stop waiting at
          // once, and abort the request when it is handed over.
          const stop = (): void => {
            controller?.abort();
            resolve();
          };
          roundSignal.addEventListener('abort', stop, { once: true });
          new Watch(kc).watch(path, { resourceVersion, allowWatchBookmarks: true }, (type: string, object: unknown) => onLine(type, object), (error: unknown) => {
            roundSignal.removeEventListener('abort', stop);
            if (error === null || error === undefined || roundSignal.aborted) resolve();
            else reject(toKvcsiError(error, { operation: `watch ${what}`, cluster: cluster.name }));
          }).then((c) => {
            controller = c;
            // Watch.watch returns once the server answered; a refused answer has already called `done`.
            if (!c.signal.aborted) onOpen();
            if (roundSignal.aborted) c.abort();
          }, reject);
        });
      },
    }, {
      signal: signal ?? new AbortController().signal, onChange,
      ...(onConnection === undefined ? {} : { onConnection }),
      ...(backoff?.initialInMs === undefined ? {} : { initialBackoffInMs: backoff.initialInMs }),
      ...(backoff?.maxInMs === undefined ? {} : { maxBackoffInMs: backoff.maxInMs }),
    });
  };

  return {
    describeAccess: () => structuredClone(access),

    watchEvents: (watchOptions) => watchCollection<KubeEvent>('events', 'events', watchOptions),

    watchPods: (watchOptions) => watchCollection<KubePod>('pods', 'pods', watchOptions),

    async getLease({ namespace, name, ...callOptions }) {
      const lease = await getOrUndefined(callOptions, 'get lease', `${namespace}/${name}`, ({ coordination }, o) => coordination.readNamespacedLease({ namespace, name }, o));
      return lease === undefined ? undefined : plain<KubeLease>(lease);
    },

    async createLease({ lease, ...callOptions }) {
      const namespace = lease.metadata.namespace ?? '';
      const created = await call(callOptions, 'create lease', `${namespace}/${lease.metadata.name}`, ({ coordination }, o) =>
        coordination.createNamespacedLease({ namespace, body: leaseBody(lease) }, o));
      return plain<KubeLease>(created);
    },

    async replaceLease({ lease, ...callOptions }) {
      const namespace = lease.metadata.namespace ?? '';
      const replaced = await call(callOptions, 'replace lease', `${namespace}/${lease.metadata.name}`, ({ coordination }, o) =>
        coordination.replaceNamespacedLease({ namespace, name: lease.metadata.name, body: leaseBody(lease) }, o));
      return plain<KubeLease>(replaced);
    },

    async getPod({ namespace, name, ...callOptions }) {
      const pod = await getOrUndefined(callOptions, 'get pod', `${namespace}/${name}`, ({ core }, o) => core.readNamespacedPod({ namespace, name }, o));
      return pod === undefined ? undefined : plain<KubePod>(pod);
    },

    async listPods({ namespace, labelSelector, ...callOptions }) {
      const selector = labelSelector === undefined ? {} : { labelSelector };
      const list = await call(callOptions, 'list pods', namespace, ({ core }, o) =>
        namespace === undefined ? core.listPodForAllNamespaces(selector, o) : core.listNamespacedPod({ namespace, ...selector }, o),
      );
      return itemsOf<KubePod>(list);
    },

    async listPodEvents({ namespace, podName, podUid, ...callOptions }) {
      const fields = [`involvedObject.kind=Pod`, `involvedObject.namespace=${namespace}`, `involvedObject.name=${podName}`];
      if (podUid !== undefined) fields.push(`involvedObject.uid=${podUid}`);
      const list = await call(callOptions, 'list events of pod', `${namespace}/${podName}`, ({ core }, o) => core.listNamespacedEvent({ namespace, fieldSelector: fields.join(',') }, o));
      return itemsOf<KubeEvent>(list).sort((a, b) => eventTime(a) - eventTime(b));
    },

    async getSecretProviderClass({ namespace, name, ...callOptions }) {
      const spc = await getOrUndefined(callOptions, 'get SecretProviderClass', `${namespace}/${name}`, ({ custom }, o) =>
        custom.getNamespacedCustomObject({ group: SECRETS_STORE_GROUP, version: 'v1', namespace, plural: 'secretproviderclasses', name }, o),
      );
      return spc === undefined ? undefined : plain<SecretProviderClassResource>(spc);
    },

    async listSecretProviderClasses({ namespace, labelSelector, ...callOptions }) {
      const selector = labelSelector === undefined ? {} : { labelSelector };
      const list = await call(callOptions, 'list SecretProviderClasses', namespace, ({ custom }, o) =>
        namespace === undefined
          ? custom.listClusterCustomObject({ group: SECRETS_STORE_GROUP, version: 'v1', plural: 'secretproviderclasses', ...selector }, o)
          : custom.listNamespacedCustomObject({ group: SECRETS_STORE_GROUP, version: 'v1', namespace, plural: 'secretproviderclasses', ...selector }, o),
      );
      return itemsOf<SecretProviderClassResource>(list);
    },

    async listSecretProviderClassPodStatuses({ namespace, podName, ...callOptions }) {
      const list = await call(callOptions, 'list SecretProviderClassPodStatuses', namespace, ({ custom }, o) =>
        custom.listNamespacedCustomObject({ group: SECRETS_STORE_GROUP, version: 'v1', namespace, plural: 'secretproviderclasspodstatuses' }, o),
      );
      // The driver labels these by node, not by pod: filter on status.podName here.
      return itemsOf<SecretProviderClassPodStatusResource>(list).filter((s) => podName === undefined || s.status?.podName === podName);
    },

    async getCsiDriver({ name = SECRETS_STORE_CSI_DRIVER, ...callOptions } = {}) {
      const driver = await getOrUndefined(callOptions, 'get CSIDriver', name, ({ storage }, o) => storage.readCSIDriver({ name }, o));
      return driver === undefined ? undefined : plain<CsiDriverResource>(driver);
    },

    listDriverPods({ nodeName, ...callOptions }) {
      return podsOnNode(callOptions, 'CSI driver', DRIVER_POD_SELECTOR, nodeName);
    },

    listProviderPods({ nodeName, ...callOptions }) {
      return podsOnNode(callOptions, 'Azure provider', PROVIDER_POD_SELECTOR, nodeName);
    },

    async listNodes(callOptions) {
      const list = await call(callOptions, 'list nodes', 'cluster', ({ core }, o) => core.listNode({}, o));
      return itemsOf<KubeNode>(list);
    },

    async readContainerLog({ namespace, pod, container, tailLines, sinceSeconds, ...callOptions }) {
      const log = await call(callOptions, 'read log', `${namespace}/${pod}/${container}`, ({ core }, o) =>
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
      const secret = await getOrUndefined(callOptions, 'get Secret', `${namespace}/${name}`, ({ core }, o) => core.readNamespacedSecret({ namespace, name }, o));
      if (secret === undefined) return undefined;
      // Only names leave: data and stringData are dropped here, before anything else sees the object.
      const keys = [...new Set([...Object.keys(secret.data ?? {}), ...Object.keys(secret.stringData ?? {})])].sort();
      const out: SecretMetadata = { metadata: metadataOnly(secret.metadata as Record<string, unknown> | undefined), keys };
      if (secret.type !== undefined) out.type = secret.type;
      return out;
    },
  };
}
