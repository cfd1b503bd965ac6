import type { TokenCredential } from '@azure/identity';
import type { AzureVaultPort } from '@kvcsi/azure';
import type { ClusterPort, ClusterRegistry } from '@kvcsi/core';
import type { Sandbox, SandboxServer } from '@kvcsi/sandbox';
import { loadAzureAdapter, loadKubernetesAdapter } from './load-on-first-use.js';
import { startSandboxMode, type SandboxModeOptions } from './sandbox-mode.js';

export interface RuntimeOptions {
  registry: ClusterRegistry;
  /** Run against the embedded sandbox instead of Azure and real clusters. */
  sandbox?: SandboxModeOptions;
  /** Azure credential; `DefaultAzureCredential` when absent (and not in sandbox mode). */
  credential?: TokenCredential;
  /** Kubeconfig YAML; KUBECONFIG or ~/.kube/config when absent. */
  kubeconfig?: string;
  /** Use the pod's service account (kvcsi running inside the cluster it inspects). */
  inCluster?: boolean;
  azureTimeoutInMs?: number;
  kubernetesTimeoutInMs?: number;
}

/** The core's ports, built once per process. */
export interface Runtime {
  registry: ClusterRegistry;
  vault: AzureVaultPort;
  /** The ClusterPort of a registry cluster (one per cluster, built on first use). */
  clusterPort(clusterName: string): ClusterPort;
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
      ...(credential === undefined ? {} : { credential }),
      ...(options.azureTimeoutInMs === undefined ? {} : { timeoutInMs: options.azureTimeoutInMs }),
    }));
  const clusterPorts = new Map<string, ClusterPort>();
  const clusterPort = (clusterName: string): ClusterPort => {
    let port = clusterPorts.get(clusterName);
    if (port === undefined) {
      const cluster = registry.get(clusterName);
      port = loadKubernetesAdapter().createKubernetesClusterPort({
        cluster: { name: cluster.name, kubeContext: cluster.kubeContext },
        ...(kubeconfig === undefined ? {} : { kubeconfig }),
        ...(options.inCluster === true && sandboxMode === undefined ? { inCluster: true } : {}),
        ...(options.kubernetesTimeoutInMs === undefined ? {} : { timeoutInMs: options.kubernetesTimeoutInMs }),
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
