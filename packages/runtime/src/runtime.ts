import type { TokenCredential } from '@azure/identity';
import type { AzureVaultPort } from '@kvcsi/azure';
import type { ClusterPort, ClusterRegistry } from '@kvcsi/core';
import type { AksEndpointResolver, AksTokenSource, ClusterAccess } from '@kvcsi/kubernetes';
import type { Sandbox, SandboxServer } from '@kvcsi/sandbox';
import { loadAzureAdapter, loadAzureIdentity, loadKubernetesAdapter } from './load-on-first-use.js';
import { startSandboxMode, type SandboxModeOptions } from './sandbox-mode.js';

export interface RuntimeOptions {
  registry: ClusterRegistry;
  /** Run against the embedded sandbox instead of Azure and real clusters. */
  sandbox?: SandboxModeOptions;
  /** Azure credential; `DefaultAzureCredential` when absent (and not in sandbox mode). */
  credential?: TokenCredential;
  /** Kubeconfig YAML; KUBECONFIG or ~/.kube/config when absent. */
  kubeconfig?: string;
  /**
   * kvcsi runs in a pod: the registry cluster marked `inCluster: true` (the one it runs in) is read with the pod's
   * service account. Every other cluster keeps its own `kubeAuth`.
   */
  inCluster?: boolean;
  azureTimeoutInMs?: number;
  kubernetesTimeoutInMs?: number;
  /** A moment (ms since the epoch) no Azure or Kubernetes call outlives: a CLI command's overall deadline. */
  notAfter?: number;
}

/** A ClusterPort that can say how it reaches its cluster and how its last call went (`kvcsi status`). */
export type RuntimeClusterPort = ClusterPort & { describeAccess?(): ClusterAccess };

/** The core's ports, built once per process. */
export interface Runtime {
  registry: ClusterRegistry;
  vault: AzureVaultPort;
  /** The ClusterPort of a registry cluster (one per cluster, built on first use). */
  clusterPort(clusterName: string): RuntimeClusterPort;
  /** Set when the sandbox runs in this process. */
  sandbox?: Sandbox;
  /** Set in sandbox mode: the msw server intercepting this process's HTTP (its `events` see every request). */
  sandboxServer?: SandboxServer;
  close(): Promise<void>;
}

export function createRuntime(options: RuntimeOptions): Runtime {
  const { registry } = options;
  const sandboxMode = options.sandbox === undefined ? undefined : startSandboxMode(registry, options.sandbox);
  const credential = sandboxMode?.credential ?? options.credential;
  const kubeconfig = sandboxMode?.kubeconfig ?? options.kubeconfig;
  // Built on first use: the Azure SDKs load only for commands that talk to Azure.
  let vault: AzureVaultPort | undefined;
  const vaultPort = (): AzureVaultPort =>
    (vault ??= loadAzureAdapter().createAzureVaultPort({
      registry,
      credential: azureCredential(),
      ...(options.azureTimeoutInMs === undefined ? {} : { timeoutInMs: options.azureTimeoutInMs }),
      ...(options.notAfter === undefined ? {} : { notAfter: options.notAfter }),
    }));
  // One Azure credential for everything kvcsi does in Azure: Key Vault, ARM, and the AKS API servers (kubeAuth azure).
  let defaultCredential: TokenCredential | undefined;
  const azureCredential = (): TokenCredential =>
    credential ?? (defaultCredential ??= new (loadAzureIdentity().DefaultAzureCredential)({
      tenantId: registry.tenantId,
      authorityHost: loadAzureAdapter().endpointsFor(registry.cloud).authorityHost,
    }));
  // One endpoint cache and one token cache for every kubeAuth azure cluster.
  let aks: { endpoints: AksEndpointResolver; tokens: AksTokenSource } | undefined;
  const aksAccess = (): { endpoints: AksEndpointResolver; tokens: AksTokenSource } => {
    if (aks === undefined) {
      const adapter = loadKubernetesAdapter();
      const shared = azureCredential();
      aks = {
        endpoints: new adapter.AksEndpointResolver({ credential: shared, resourceManager: loadAzureAdapter().endpointsFor(registry.cloud).resourceManager }),
        tokens: new adapter.AksTokenSource({ credential: shared }),
      };
    }
    return aks;
  };
  const clusterPorts = new Map<string, RuntimeClusterPort>();
  const clusterPort = (clusterName: string): RuntimeClusterPort => {
    let port = clusterPorts.get(clusterName);
    if (port === undefined) {
      const cluster = registry.get(clusterName);
      // In-cluster credentials reach only the cluster kvcsi runs in; the others are reached the way the registry says.
      const inCluster = options.inCluster === true && cluster.inCluster && sandboxMode === undefined;
      const azure = !inCluster && cluster.kubeAuth === 'azure' ? aksAccess() : undefined;
      port = loadKubernetesAdapter().createKubernetesClusterPort({
        cluster: { name: cluster.name, kubeContext: cluster.kubeContext, kubeAuth: cluster.kubeAuth, aks: cluster.aks },
        ...(kubeconfig === undefined ? {} : { kubeconfig }),
        ...(inCluster ? { inCluster: true } : {}),
        ...(azure === undefined ? {} : { aksEndpoints: azure.endpoints, aksTokens: azure.tokens }),
        ...(options.kubernetesTimeoutInMs === undefined ? {} : { timeoutInMs: options.kubernetesTimeoutInMs }),
        ...(options.notAfter === undefined ? {} : { notAfter: options.notAfter }),
      });
      clusterPorts.set(clusterName, port);
    }
    return port;
  };
  return {
    registry,
    get vault() {
      return vaultPort();
    },
    clusterPort,
    ...(sandboxMode?.sandbox === undefined ? {} : { sandbox: sandboxMode.sandbox }),
    ...(sandboxMode === undefined ? {} : { sandboxServer: sandboxMode.server }),
    async close() {
      sandboxMode?.server.close();
    },
  };
}
