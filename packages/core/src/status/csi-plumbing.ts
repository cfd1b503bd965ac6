import type { CallOptions, ClusterPort, CsiDriverResource, KubeNode, KubePod } from '../ports.js';

/** One DaemonSet pod (driver or provider) as `status` shows it. */
export interface PlumbingPod {
  name: string;
  namespace: string;
  ready: boolean;
  phase?: string;
  restarts: number;
  /** Image tag of the main container (`v1.6.0`), when it has one. */
  version?: string;
}

export interface NodePlumbing {
  name: string;
  os?: string;
  ready?: boolean;
  driver?: PlumbingPod;
  provider?: PlumbingPod;
  /** Why pods on this node cannot mount Key Vault secrets, in words. */
  problems: string[];
}

export interface CsiPlumbingStatus {
  csiDriver?: {
    installed: boolean;
    podInfoOnMount?: boolean;
    requiresRepublish?: boolean;
    tokenAudiences: string[];
  };
  nodes: NodePlumbing[];
  versions: { driver: string[]; provider: string[] };
  /** From the driver container's flags: the ≤ v1.5 rotation reconciler (v1.6 rotates through kubelet republish). */
  rotation: { enabled?: boolean; pollInterval?: string };
  /** From the provider container's flags. */
  provider: { constructPemChain?: boolean; writeCertAndKeyInSeparateFiles?: boolean };
  /** Sources that could not be read. */
  unknowns: { source: string; reason: string }[];
}

const DRIVER_CONTAINERS = ['secrets-store', 'secrets-store-csi-driver'];
const PROVIDER_CONTAINERS = ['provider-azure-installer', 'secrets-store-provider-azure'];

function mainContainer(pod: KubePod, names: readonly string[]) {
  return pod.spec.containers.find((container) => names.includes(container.name)) ?? pod.spec.containers[0];
}

function imageTag(image: string | undefined): string | undefined {
  const tag = image?.split('@')[0]?.split('/').pop()?.split(':')[1];
  return tag || undefined;
}

function toPlumbingPod(pod: KubePod, containerNames: readonly string[]): PlumbingPod {
  const statuses = pod.status?.containerStatuses ?? [];
  const version = imageTag(mainContainer(pod, containerNames)?.image);
  return {
    name: pod.metadata.name,
    namespace: pod.metadata.namespace ?? '',
    ready: statuses.length > 0 && statuses.every((status) => status.ready === true),
    ...(pod.status?.phase === undefined ? {} : { phase: pod.status.phase }),
    restarts: statuses.reduce((sum, status) => sum + (status.restartCount ?? 0), 0),
    ...(version === undefined ? {} : { version }),
  };
}

/** `--flag=value` or `--flag value` from a container's args. */
export function flagValue(args: readonly string[], flag: string): string | undefined {
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!.replace(/^"|"$/g, '');
    if (arg === `--${flag}`) {
      const next = args[index + 1];
      return next !== undefined && !next.startsWith('--') ? next : 'true';
    }
    if (arg.startsWith(`--${flag}=`)) return arg.slice(flag.length + 3);
  }
  return undefined;
}

function booleanFlag(args: readonly string[], flag: string): boolean | undefined {
  const value = flagValue(args, flag);
  return value === undefined ? undefined : value.toLowerCase() === 'true';
}

function argsOf(pods: readonly KubePod[], names: readonly string[]): string[] {
  const container = pods[0] === undefined ? undefined : mainContainer(pods[0], names);
  return [...(container?.command ?? []), ...(container?.args ?? [])];
}

function nodeReady(node: KubeNode): boolean | undefined {
  const condition = node.status?.conditions?.find((c) => c.type === 'Ready');
  return condition === undefined ? undefined : condition.status === 'True';
}

function describeCsiDriver(driver: CsiDriverResource | undefined): CsiPlumbingStatus['csiDriver'] {
  if (driver === undefined) return { installed: false, tokenAudiences: [] };
  return {
    installed: true,
    ...(driver.spec.podInfoOnMount === undefined ? {} : { podInfoOnMount: driver.spec.podInfoOnMount }),
    ...(driver.spec.requiresRepublish === undefined ? {} : { requiresRepublish: driver.spec.requiresRepublish }),
    tokenAudiences: (driver.spec.tokenRequests ?? []).map((request) => request.audience),
  };
}

function settle<T>(promise: Promise<T>, source: string, unknowns: CsiPlumbingStatus['unknowns']): Promise<T | undefined> {
  return promise.catch((error: unknown) => {
    unknowns.push({ source, reason: error instanceof Error ? error.message : String(error) });
    return undefined;
  });
}

/**
 * The CSI plumbing of one cluster: the CSIDriver, the driver and provider pod on every node (a node without them
 * cannot mount Key Vault secrets), their versions, and the rotation and provider settings their flags carry.
 * Sources that fail are listed in `unknowns`; nothing throws but an abort.
 */
export async function inspectCsiPlumbing(clusterPort: ClusterPort, options: CallOptions = {}): Promise<CsiPlumbingStatus> {
  const unknowns: CsiPlumbingStatus['unknowns'] = [];
  const call = options.signal === undefined ? {} : { signal: options.signal };
  const [csiDriver, driverPods, providerPods, nodes] = await Promise.all([
    settle(clusterPort.getCsiDriver(call), 'CSIDriver secrets-store.csi.k8s.io', unknowns),
    settle(clusterPort.listDriverPods(call), 'CSI driver pods', unknowns),
    settle(clusterPort.listProviderPods(call), 'Azure provider pods', unknowns),
    settle(clusterPort.listNodes(call), 'nodes', unknowns),
  ]);
  options.signal?.throwIfAborted();

  const nodeNames = new Set<string>([
    ...(nodes ?? []).map((node) => node.metadata.name),
    ...[...(driverPods ?? []), ...(providerPods ?? [])].flatMap((pod) => (pod.spec.nodeName ? [pod.spec.nodeName] : [])),
  ]);
  const nodeByName = new Map((nodes ?? []).map((node) => [node.metadata.name, node]));
  const perNode: NodePlumbing[] = [...nodeNames].sort().map((name) => {
    const node = nodeByName.get(name);
    const driverPod = driverPods?.find((pod) => pod.spec.nodeName === name);
    const providerPod = providerPods?.find((pod) => pod.spec.nodeName === name);
    const driver = driverPod && toPlumbingPod(driverPod, DRIVER_CONTAINERS);
    const provider = providerPod && toPlumbingPod(providerPod, PROVIDER_CONTAINERS);
    const problems: string[] = [];
    if (driverPods !== undefined && driver === undefined) problems.push('no CSI driver pod: pods here cannot mount secrets-store volumes');
    else if (driver && !driver.ready) problems.push(`CSI driver pod ${driver.name} is not ready`);
    if (providerPods !== undefined && provider === undefined) problems.push('no Azure provider pod: mounts here fail with "provider not found"');
    else if (provider && !provider.ready) problems.push(`Azure provider pod ${provider.name} is not ready`);
    const os = node?.status?.nodeInfo?.operatingSystem ?? node?.metadata.labels?.['kubernetes.io/os'];
    const ready = node === undefined ? undefined : nodeReady(node);
    return { name, ...(os === undefined ? {} : { os }), ...(ready === undefined ? {} : { ready }), ...(driver ? { driver } : {}), ...(provider ? { provider } : {}), problems };
  });

  const distinct = (values: (string | undefined)[]) => [...new Set(values.filter((value): value is string => value !== undefined))].sort();
  const driverArgs = argsOf(driverPods ?? [], DRIVER_CONTAINERS);
  const providerArgs = argsOf(providerPods ?? [], PROVIDER_CONTAINERS);
  const rotationEnabled = booleanFlag(driverArgs, 'enable-secret-rotation');
  const pollInterval = flagValue(driverArgs, 'rotation-poll-interval');
  const constructPemChain = booleanFlag(providerArgs, 'construct-pem-chain');
  const separateFiles = booleanFlag(providerArgs, 'write-cert-and-key-in-separate-files');
  return {
    ...(csiDriver === undefined && unknowns.some((u) => u.source.startsWith('CSIDriver')) ? {} : { csiDriver: describeCsiDriver(csiDriver) }),
    nodes: perNode,
    versions: {
      driver: distinct(perNode.map((node) => node.driver?.version)),
      provider: distinct(perNode.map((node) => node.provider?.version)),
    },
    rotation: { ...(rotationEnabled === undefined ? {} : { enabled: rotationEnabled }), ...(pollInterval === undefined ? {} : { pollInterval }) },
    provider: {
      ...(constructPemChain === undefined ? {} : { constructPemChain }),
      ...(separateFiles === undefined ? {} : { writeCertAndKeyInSeparateFiles: separateFiles }),
    },
    unknowns,
  };
}
