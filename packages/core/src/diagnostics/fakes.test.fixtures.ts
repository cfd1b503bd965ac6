/** In-memory fake ports and builders for the diagnostics tests (unit tests of the core may fake the ports). */
import type { Cluster } from '../clusters/registry.js';
import { ClusterRegistry } from '../clusters/registry.js';
import { KvcsiError } from '../errors.js';
import type { PodFacts } from './facts.js';
import type {
  ClusterPort, CsiDriverResource, IdentityAccess, KubeEvent, KubePod, ResolvedIdentity, SecretMetadata, SecretProperties,
  SecretProviderClassPodStatusResource, SecretProviderClassResource, VaultPort, VaultProperties,
} from '../ports.js';

export const TENANT = '3f7a3df4-f85b-4ca8-98d0-08b1034e6567';
export const CLIENT_ID = 'f1a14a8f-6d38-40a0-a935-3cdd91a25f47';
export const OBJECT_ID = '0b3c1b0e-9d2a-4a7e-9a1c-2f5b7c9d1e3f';
export const VAULT = 'kv-cafehyna-dev-hlg';
export const VAULT_ID = `/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-kv/providers/Microsoft.KeyVault/vaults/${VAULT}`;

export function registry(): ClusterRegistry {
  return new ClusterRegistry(
    {
      tenantId: TENANT,
      cloud: 'AzurePublicCloud',
      gitops: { root: 'argo-cd-helm-values/kube-addons' },
      grantScope: 'vault',
      clusters: [{ name: 'cafehyna-dev', tier: 'dev', keyVault: { name: VAULT }, identity: { clientId: CLIENT_ID }, identityMode: 'vmManagedIdentity' }],
    },
    { source: 'test' },
  );
}

export function cluster(): Cluster {
  return registry().get('cafehyna-dev');
}

export function objectsYaml(objects: { objectName: string; objectType?: string; objectAlias?: string; extra?: string }[]): string {
  return `array:\n${objects.map((object) => `  - |\n    objectName: ${object.objectName}\n    objectType: ${object.objectType ?? 'secret'}${object.objectAlias ? `\n    objectAlias: ${object.objectAlias}` : ''}${object.extra ? `\n    ${object.extra}` : ''}`).join('\n')}\n`;
}

export function spc(options: { name?: string; namespace?: string; parameters?: Record<string, string>; objects?: Parameters<typeof objectsYaml>[0]; secretObjects?: SecretProviderClassResource['spec']['secretObjects'] } = {}): SecretProviderClassResource {
  const out: SecretProviderClassResource = {
    metadata: { name: options.name ?? 'defectdojo-spc', namespace: options.namespace ?? 'defectdojo', labels: { 'app.kubernetes.io/name': 'defectdojo' }, creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: {
      provider: 'azure',
      parameters: {
        keyvaultName: VAULT,
        tenantId: TENANT,
        useVMManagedIdentity: 'true',
        userAssignedIdentityID: CLIENT_ID,
        objects: objectsYaml(options.objects ?? [{ objectName: 'db-password' }]),
        ...(options.parameters ?? {}),
      },
    },
  };
  if (options.secretObjects) out.spec.secretObjects = options.secretObjects;
  return out;
}

export function pod(options: { name?: string; namespace?: string; phase?: 'Pending' | 'Running'; spcName?: string; readOnly?: boolean; env?: { name: string; secret: string; key: string }[]; waiting?: { reason: string; message?: string }; noCsi?: boolean } = {}): KubePod {
  const phase = options.phase ?? 'Pending';
  const waiting = options.waiting ?? (phase === 'Pending' ? { reason: 'ContainerCreating' } : undefined);
  return {
    metadata: { name: options.name ?? 'defectdojo-7c9d', namespace: options.namespace ?? 'defectdojo', uid: 'uid-1', labels: { 'app.kubernetes.io/name': 'defectdojo' } },
    spec: {
      nodeName: 'aks-node-1',
      serviceAccountName: 'defectdojo',
      containers: [{ name: 'app', image: 'defectdojo', env: (options.env ?? []).map((env) => ({ name: env.name, valueFrom: { secretKeyRef: { name: env.secret, key: env.key } } })), volumeMounts: [{ name: 'secrets-store', mountPath: '/mnt/secrets', readOnly: true }] }],
      volumes: options.noCsi ? [] : [{ name: 'secrets-store', csi: { driver: 'secrets-store.csi.k8s.io', readOnly: options.readOnly ?? true, volumeAttributes: { secretProviderClass: options.spcName ?? 'defectdojo-spc' } } }],
    },
    status: {
      phase: waiting && phase === 'Running' ? 'Pending' : phase,
      containerStatuses: [{ name: 'app', ready: phase === 'Running' && !waiting, restartCount: 0, state: waiting ? { waiting } : { running: { startedAt: '2026-01-01T00:00:00Z' } } }],
    },
  };
}

export function daemonPod(name: string, container: string, ready = true): KubePod {
  return {
    metadata: { name, namespace: 'kube-system' },
    spec: { nodeName: 'aks-node-1', containers: [{ name: container }] },
    status: { phase: ready ? 'Running' : 'Pending', containerStatuses: [{ name: container, ready, restartCount: ready ? 0 : 7, state: ready ? { running: {} } : { waiting: { reason: 'CrashLoopBackOff' } } }] },
  };
}

export function event(reason: string, message: string, options: { type?: string; count?: number } = {}): KubeEvent {
  return { involvedObject: { kind: 'Pod', name: 'defectdojo-7c9d', namespace: 'defectdojo' }, reason, message, type: options.type ?? 'Warning', count: options.count ?? 1, lastTimestamp: '2026-01-01T00:05:00Z', source: { component: 'kubelet' } };
}

export const CSI_DRIVER: CsiDriverResource = {
  metadata: { name: 'secrets-store.csi.k8s.io' },
  spec: { podInfoOnMount: true, attachRequired: false, requiresRepublish: false, volumeLifecycleModes: ['Ephemeral'], tokenRequests: [{ audience: 'api://AzureADTokenExchange' }] },
};

export interface ClusterState {
  pods: KubePod[];
  events: KubeEvent[];
  spcs: SecretProviderClassResource[];
  statuses: SecretProviderClassPodStatusResource[];
  csiDriver?: CsiDriverResource;
  driverPods: KubePod[];
  providerPods: KubePod[];
  logs: Record<string, string>;
  secrets: SecretMetadata[];
}

export function clusterState(overrides: Partial<ClusterState> = {}): ClusterState {
  return {
    pods: [pod()],
    events: [],
    spcs: [spc()],
    statuses: [],
    csiDriver: CSI_DRIVER,
    driverPods: [daemonPod('csi-secrets-store-abc', 'secrets-store')],
    providerPods: [daemonPod('csi-secrets-store-provider-azure-xyz', 'provider-azure-installer')],
    logs: {},
    secrets: [],
    ...overrides,
  };
}

export interface FakeBehaviour {
  /** Methods that throw this error. */
  fail?: Record<string, Error>;
  /** Methods that never answer (until aborted). */
  hang?: string[];
  /** Every call waits this long (a resolved promise per tick when 0). */
  delayInMs?: number;
}

export interface CallLog {
  calls: string[];
  maxInFlight: number;
}

function instrument<T extends object>(target: T, behaviour: FakeBehaviour, log: CallLog): T {
  let inFlight = 0;
  return new Proxy(target, {
    get(object, property, receiver) {
      const value = Reflect.get(object, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      const name = String(property);
      return async (...args: unknown[]) => {
        log.calls.push(name);
        inFlight++;
        log.maxInFlight = Math.max(log.maxInFlight, inFlight);
        try {
          const options = args.find((arg): arg is { signal?: AbortSignal } => typeof arg === 'object' && arg !== null && 'signal' in arg);
          if (behaviour.hang?.includes(name)) {
            await new Promise((_, reject) => options?.signal?.addEventListener('abort', () => reject(options.signal?.reason)));
          }
          if (behaviour.delayInMs) await new Promise((resolve) => setTimeout(resolve, behaviour.delayInMs));
          else await Promise.resolve();
          const failure = behaviour.fail?.[name];
          if (failure) throw failure;
          return await (value as (...a: unknown[]) => unknown).apply(object, args);
        } finally {
          inFlight--;
        }
      };
    },
  });
}

export function fakeCluster(state: ClusterState, behaviour: FakeBehaviour = {}, log: CallLog = { calls: [], maxInFlight: 0 }): ClusterPort {
  const port: ClusterPort = {
    getPod: async ({ namespace, name }) => state.pods.find((p) => p.metadata.namespace === namespace && p.metadata.name === name),
    listPods: async ({ namespace, labelSelector }) =>
      state.pods.filter((p) => (!namespace || p.metadata.namespace === namespace) && (!labelSelector || labelSelector.split(',').every((part) => { const [k, v] = part.split('='); return p.metadata.labels?.[k!] === v; }))),
    listPodEvents: async ({ namespace, podName }) => state.events.filter((e) => e.involvedObject.namespace === namespace && e.involvedObject.name === podName),
    getSecretProviderClass: async ({ namespace, name }) => state.spcs.find((s) => s.metadata.namespace === namespace && s.metadata.name === name),
    listSecretProviderClasses: async ({ namespace }) => state.spcs.filter((s) => !namespace || s.metadata.namespace === namespace),
    listSecretProviderClassPodStatuses: async ({ namespace, podName }) => state.statuses.filter((s) => s.metadata.namespace === namespace && (!podName || s.status?.podName === podName)),
    getCsiDriver: async () => state.csiDriver,
    listDriverPods: async ({ nodeName }) => state.driverPods.filter((p) => nodeName === undefined || p.spec.nodeName === nodeName),
    listProviderPods: async ({ nodeName }) => state.providerPods.filter((p) => nodeName === undefined || p.spec.nodeName === nodeName),
    listNodes: async () => [],
    readContainerLog: async ({ pod: name }) => state.logs[name] ?? '',
    getSecretMetadata: async ({ namespace, name }) => state.secrets.find((s) => s.metadata.namespace === namespace && s.metadata.name === name),
  };
  return instrument(port, behaviour, log);
}

export interface VaultState {
  properties: VaultProperties;
  secrets: SecretProperties[];
  identities: ResolvedIdentity[];
  access: Record<string, IdentityAccess>;
}

export function vaultState(overrides: Partial<VaultState> = {}): VaultState {
  return {
    properties: { name: VAULT, id: VAULT_ID, tenantId: TENANT, authModel: 'accessPolicy', publicNetworkAccess: 'Enabled', accessPolicies: [{ tenantId: TENANT, objectId: OBJECT_ID, permissions: { secrets: ['get', 'list'] } }] },
    secrets: [{ name: 'db-password', enabled: true }, { name: 'api-key', enabled: true }],
    identities: [{ clientId: CLIENT_ID, objectId: OBJECT_ID }],
    access: { [OBJECT_ID]: { objectId: OBJECT_ID, authModel: 'accessPolicy', accessPolicy: { secrets: ['get', 'list'] }, roleAssignments: [] } },
    ...overrides,
  };
}

export function fakeVault(state: VaultState, behaviour: FakeBehaviour = {}, log: CallLog = { calls: [], maxInFlight: 0 }): VaultPort {
  const port: VaultPort = {
    getVaultProperties: async (ref) => (ref.name.toLowerCase() === state.properties.name.toLowerCase() ? state.properties : undefined),
    resolveIdentity: async ({ clientId }) => state.identities.find((identity) => identity.clientId === clientId),
    discoverKubeletIdentity: async () => state.identities[0]!,
    listSecretProperties: async (_ref, options) => {
      // Two pages, to exercise paging.
      const half = Math.ceil(state.secrets.length / 2);
      return options?.continuationToken ? { items: state.secrets.slice(half) } : { items: state.secrets.slice(0, half), ...(state.secrets.length > half ? { continuationToken: 'next' } : {}) };
    },
    checkAccess: async (_ref, { objectId }) => state.access[objectId] ?? { objectId, authModel: state.properties.authModel, roleAssignments: [] },
    setSecret: async () => {
      throw new KvcsiError('INTERNAL', 'not used by diagnostics');
    },
    updateAccessPolicy: async () => undefined,
    listRoleAssignments: async () => [],
    createRoleAssignment: async () => {
      throw new KvcsiError('INTERNAL', 'not used by diagnostics');
    },
  };
  return instrument(port, behaviour, log);
}

/** PodFacts built directly (no collector), for analyzer unit tests. */
export function buildFacts(options: { state?: Partial<ClusterState>; vault?: VaultState | null; texts?: string[] } = {}): PodFacts {
  const state = clusterState(options.state);
  const target = state.pods[0];
  const vault = options.vault === undefined ? vaultState() : options.vault;
  const known = <T,>(value: T) => ({ status: 'known' as const, value });
  const volumes = (target?.spec.volumes ?? [])
    .filter((volume) => volume.csi)
    .map((volume) => {
      const spcName = volume.csi!.volumeAttributes?.secretProviderClass;
      return { name: volume.name, csi: volume.csi!, ...(spcName ? { spcName } : {}), spc: known(state.spcs.find((s) => s.metadata.name === spcName) ?? null) };
    });
  const secrets: Record<string, ReturnType<typeof known<SecretMetadata | null>>> = {};
  for (const container of target?.spec.containers ?? []) {
    for (const env of container.env ?? []) {
      const name = env.valueFrom?.secretKeyRef?.name;
      if (name) secrets[name] = known(state.secrets.find((s) => s.metadata.name === name) ?? null);
    }
  }
  return {
    target: { cluster: 'cafehyna-dev', namespace: 'defectdojo', name: target?.metadata.name ?? 'defectdojo-7c9d' },
    cluster: cluster(),
    pod: known(target ?? null),
    events: known(state.events),
    volumes,
    podStatuses: known(state.statuses),
    csiDriver: known(state.csiDriver ?? null),
    driverPods: known(state.driverPods),
    providerPods: known(state.providerPods),
    logs: known(Object.entries(state.logs).map(([podName, text]) => ({ component: podName.includes('provider') ? ('provider' as const) : ('driver' as const), pod: podName, namespace: 'kube-system', container: 'c', text }))),
    secrets,
    identities: vault ? [{ clientId: CLIENT_ID, role: 'registry', resolved: known(vault.identities.find((identity) => identity.clientId === CLIENT_ID) ?? null) }] : [],
    vaults: vault
      ? { [VAULT.toLowerCase()]: { ref: { name: VAULT }, properties: known(vault.properties), secrets: known(vault.secrets), access: Object.fromEntries(Object.entries(vault.access).map(([oid, access]) => [oid.toLowerCase(), known(access)])) } }
      : {},
    texts: (options.texts ?? []).map((text, index) => ({ label: `text ${index + 1}`, text })),
    collectedAtMs: 0,
  };
}

export function runningPod(overrides: Parameters<typeof pod>[0] = {}): KubePod {
  return pod({ phase: 'Running', ...overrides });
}

export function mountedStatus(spcName = 'defectdojo-spc', objects = [{ id: 'secret/db-password', version: 'v1' }]): SecretProviderClassPodStatusResource {
  return { metadata: { name: `defectdojo-7c9d-defectdojo-${spcName}`, namespace: 'defectdojo' }, status: { podName: 'defectdojo-7c9d', secretProviderClassName: spcName, mounted: true, objects } };
}
