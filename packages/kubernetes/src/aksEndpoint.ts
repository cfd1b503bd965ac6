import { ContainerServiceClient, type ManagedCluster } from '@azure/arm-containerservice';
import type { TokenCredential } from '@azure/core-auth';
import { KubeConfig } from '@kubernetes/client-node';
import { KvcsiError, withDeadline } from '@kvcsi/core';

/** The AKS resource behind a registry cluster (the registry's `aks`). */
export interface AksClusterRef {
  name: string;
  subscriptionId?: string;
  resourceGroup?: string;
}

/** Where and how to reach an AKS API server, as ARM describes it. No credential: the CA is public, the token separate. */
export interface AksEndpoint {
  /** `https://<fqdn>:443`. */
  server: string;
  /** `public` (`properties.fqdn`) or `private` (`privateFQDN`, used when the cluster has no public FQDN). */
  endpoint: 'public' | 'private';
  host: string;
  /** The cluster CA (PEM), from `listClusterUserCredential`'s kubeconfig; its user (the kubelogin exec block) is unused. */
  caPem: string;
  resourceId: string;
  /** `aadProfile.managed`: the API server accepts Entra ID tokens. */
  entraId: boolean;
  /** `aadProfile.enableAzureRbac`: authorization by Azure RBAC for Kubernetes role assignments too. */
  azureRbac: boolean;
  localAccountsDisabled: boolean;
}

export interface AksEndpointResolverOptions {
  credential: TokenCredential;
  /** ARM, e.g. `https://management.azure.com` (default). */
  resourceManager?: string;
  /** How long an endpoint and CA stay cached. Default one hour: they change only when the cluster is recreated. */
  ttlInMs?: number;
  /** Budget of one resolution (two ARM calls). Default 15000. */
  timeoutInMs?: number;
  nowMs?: () => number;
}

export const DEFAULT_AKS_ENDPOINT_TTL_IN_MS = 3_600_000;

const where = (ref: AksClusterRef): string => `AKS cluster ${ref.name}${ref.resourceGroup === undefined ? '' : ` in resource group ${ref.resourceGroup}`}${ref.subscriptionId === undefined ? '' : ` (subscription ${ref.subscriptionId})`}`;

function restStatus(error: unknown): { status?: number; code?: string; message: string } {
  const e = error as { statusCode?: unknown; code?: unknown; message?: unknown };
  return {
    ...(typeof e.statusCode === 'number' ? { status: e.statusCode } : {}),
    ...(typeof e.code === 'string' ? { code: e.code } : {}),
    message: typeof e.message === 'string' ? e.message.split('\n')[0] ?? '' : String(error),
  };
}

function translate(error: unknown, ref: AksClusterRef, operation: string): KvcsiError {
  if (error instanceof KvcsiError) return error;
  const { status, code, message } = restStatus(error);
  const details = { operation, cluster: ref.name, ...(status === undefined ? {} : { status }), ...(code === undefined ? {} : { armCode: code }) };
  const text = `${operation} of ${where(ref)}: ${status === undefined ? '' : `${status} `}${code === undefined ? '' : `${code}: `}${message}`;
  if (status === 403) return new KvcsiError('FORBIDDEN', text, { details });
  if (status === 401) return new KvcsiError('UNAUTHENTICATED', text, { details });
  if (status === 404) return new KvcsiError('NOT_FOUND', text, { details });
  if (status === 429) return new KvcsiError('THROTTLED', text, { details });
  if (status === undefined || status >= 500) return new KvcsiError('UNAVAILABLE', text, { details });
  return new KvcsiError('INVALID_INPUT', text, { details });
}

/** The CA of the kubeconfig's current cluster; the exec block (kubelogin) is parsed but never run or used. */
function caOfKubeconfig(text: string, ref: AksClusterRef): string {
  const kc = new KubeConfig();
  kc.loadFromString(text);
  const cluster = kc.getCurrentCluster() ?? kc.getClusters()[0];
  const caData = cluster?.caData;
  if (caData === undefined || caData === '') {
    throw new KvcsiError('INVALID_INPUT', `listClusterUserCredential of ${where(ref)} returned a kubeconfig without certificate-authority-data`, { details: { cluster: ref.name } });
  }
  return Buffer.from(caData, 'base64').toString('utf8');
}

/**
 * AKS endpoints from ARM: `managedClusters.get` (FQDN or private FQDN, Entra ID profile) and
 * `listClusterUserCredential` (the CA), cached per cluster with a TTL so repeated diagnoses pay no ARM call.
 */
export class AksEndpointResolver {
  private readonly cache = new Map<string, { endpoint: AksEndpoint; expiresAtMs: number }>();
  private readonly inFlight = new Map<string, Promise<AksEndpoint>>();
  private readonly clients = new Map<string, ContainerServiceClient>();
  private readonly nowMs: () => number;
  /** ARM requests made, for tests and benches. */
  armCalls = 0;

  constructor(private readonly options: AksEndpointResolverOptions) {
    this.nowMs = options.nowMs ?? (() => Date.now());
  }

  async resolve(ref: AksClusterRef, options: { signal?: AbortSignal } = {}): Promise<AksEndpoint> {
    const key = `${ref.subscriptionId ?? ''}/${ref.resourceGroup ?? ''}/${ref.name}`.toLowerCase();
    const cached = this.cache.get(key);
    if (cached !== undefined && cached.expiresAtMs > this.nowMs()) return cached.endpoint;
    let pending = this.inFlight.get(key);
    if (pending === undefined) {
      pending = withDeadline((signal) => this.read(ref, signal), {
        timeoutInMs: this.options.timeoutInMs ?? 15_000,
        signal: options.signal,
        what: `reading ${where(ref)} from ARM`,
        details: { cluster: ref.name },
        translate: (error) => translate(error, ref, 'read'),
      }).then((endpoint) => {
        this.cache.set(key, { endpoint, expiresAtMs: this.nowMs() + (this.options.ttlInMs ?? DEFAULT_AKS_ENDPOINT_TTL_IN_MS) });
        return endpoint;
      }).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  /** Drop a cached endpoint (e.g. its host stopped resolving: the cluster may have moved). */
  forget(ref: AksClusterRef): void {
    this.cache.delete(`${ref.subscriptionId ?? ''}/${ref.resourceGroup ?? ''}/${ref.name}`.toLowerCase());
  }

  private client(subscriptionId: string): ContainerServiceClient {
    let client = this.clients.get(subscriptionId);
    if (client === undefined) {
      client = new ContainerServiceClient(this.options.credential, subscriptionId, {
        endpoint: (this.options.resourceManager ?? 'https://management.azure.com').replace(/\/+$/, ''),
        retryOptions: { maxRetries: 2 },
      });
      this.clients.set(subscriptionId, client);
    }
    return client;
  }

  private async findCluster(ref: AksClusterRef, signal: AbortSignal): Promise<{ cluster: ManagedCluster; resourceGroup: string }> {
    if (ref.subscriptionId === undefined) {
      throw new KvcsiError('CONFIG_INVALID', `kubeAuth azure needs the subscription of ${where(ref)}: set aks.subscriptionId in the registry`, {
        field: 'aks.subscriptionId',
        rule: 'required with kubeAuth: azure',
        details: { cluster: ref.name },
      });
    }
    const client = this.client(ref.subscriptionId);
    if (ref.resourceGroup !== undefined) {
      this.armCalls++;
      return { cluster: await client.managedClusters.get(ref.resourceGroup, ref.name, { abortSignal: signal }), resourceGroup: ref.resourceGroup };
    }
    this.armCalls++;
    for await (const candidate of client.managedClusters.list({ abortSignal: signal })) {
      if (candidate.name?.toLowerCase() === ref.name.toLowerCase()) {
        const resourceGroup = /\/resourcegroups\/([^/]+)\//i.exec(candidate.id ?? '')?.[1];
        if (resourceGroup !== undefined) return { cluster: candidate, resourceGroup };
      }
    }
    throw new KvcsiError('NOT_FOUND', `no ${where(ref)}: set aks.resourceGroup and aks.name in the registry`, { field: 'aks', details: { cluster: ref.name } });
  }

  private async read(ref: AksClusterRef, signal: AbortSignal): Promise<AksEndpoint> {
    const { cluster, resourceGroup } = await this.findCluster(ref, signal);
    const host = cluster.fqdn ?? cluster.privateFqdn;
    if (host === undefined || host === '') {
      throw new KvcsiError('NOT_FOUND', `${where(ref)} has neither fqdn nor privateFQDN in ARM (is it provisioned?)`, { details: { cluster: ref.name } });
    }
    this.armCalls++;
    const credentials = await this.client(ref.subscriptionId!).managedClusters.listClusterUserCredentials(resourceGroup, cluster.name ?? ref.name, { abortSignal: signal })
      .catch((error: unknown) => {
        throw translate(error, ref, 'listClusterUserCredential');
      });
    const value = credentials.kubeconfigs?.[0]?.value;
    if (value === undefined) throw new KvcsiError('INVALID_INPUT', `listClusterUserCredential of ${where(ref)} returned no kubeconfig`, { details: { cluster: ref.name } });
    return {
      server: `https://${host}:443`,
      endpoint: cluster.fqdn === undefined || cluster.fqdn === '' ? 'private' : 'public',
      host,
      caPem: caOfKubeconfig(Buffer.from(value).toString('utf8'), ref),
      resourceId: cluster.id ?? `/subscriptions/${ref.subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${ref.name}`,
      entraId: cluster.aadProfile?.managed === true,
      azureRbac: cluster.aadProfile?.enableAzureRbac === true,
      localAccountsDisabled: cluster.disableLocalAccounts === true,
    };
  }
}
