/**
 * The only place a diagnosis does I/O. Facts are gathered in parallel along the short dependency chain
 *   pod, events, SPCPS, CSIDriver, registry identity and vault  →  SPCs, driver/provider pods, Secrets
 *   →  logs, SPC-named vaults and identities  →  the identity's access
 * with bounded concurrency and a timeout per source. A source that fails is an unknown fact, never a crash.
 */
import type { Cluster, ClusterRegistry } from '../clusters/registry.js';
import { KvcsiError } from '../errors.js';
import type { ClusterPort, Clock, KubePod, ResolvedIdentity, SecretMetadata, SecretProperties, SecretProviderClassResource, VaultPort, VaultRef } from '../ports.js';
import { systemClock } from '../ports.js';
import { CSI_DRIVER_NAME, APP_NAME_LABEL } from '../spc/model.js';
import { referencedSecrets } from './analyzers/secret-sync.js';
import { known, unknown, valueOf, type AppFacts, type AppTarget, type Fact, type IdentityFacts, type LogText, type PodFacts, type PodTarget, type UnknownFact, type VaultFacts, type VolumeFacts } from './facts.js';
import { createGatherer, DEFAULT_TIMEOUTS_IN_MS, type Gatherer, type Timeouts } from './gather.js';
import { viewSecretProviderClass, type SpcView } from './spc-view.js';
import { objectKind } from './commands.js';

export interface CollectOptions {
  cluster: ClusterPort;
  /** Without a vault port, vault and identity facts are unknown ("no Azure access"). */
  vault?: VaultPort;
  registry?: ClusterRegistry;
  signal?: AbortSignal;
  /** One number for every source, or per kind of source. */
  timeoutsInMs?: number | Partial<Timeouts>;
  /** Port calls in flight at once (default 8). */
  concurrency?: number;
  clock?: Clock;
  logTailLines?: number;
  logSinceSeconds?: number;
  /** Max pages of secret properties to read from a vault (default 10). */
  maxSecretPages?: number;
}

export interface CollectResult<F> {
  facts: F;
  unknowns: UnknownFact[];
  /** Port calls made. */
  calls: number;
}

interface Context {
  port: ClusterPort;
  vaultPort?: VaultPort;
  cluster?: Cluster;
  g: Gatherer;
  options: CollectOptions;
}

function timeoutsOf(option: CollectOptions['timeoutsInMs']): Timeouts {
  if (typeof option === 'number') return { kubernetes: option, logs: option, azure: option };
  return { ...DEFAULT_TIMEOUTS_IN_MS, ...(option ?? {}) };
}

function clusterOf(registry: ClusterRegistry | undefined, name: string | undefined): Cluster | undefined {
  if (!registry || !name) return undefined;
  return registry.find(name);
}

function csiVolumesOf(pod: KubePod): { name: string; csi: NonNullable<NonNullable<KubePod['spec']['volumes']>[number]['csi']> }[] {
  return (pod.spec.volumes ?? [])
    .filter((volume) => volume.csi?.driver === CSI_DRIVER_NAME)
    .map((volume) => ({ name: volume.name, csi: volume.csi! }));
}

/** Vault facts: properties and secret names start at once; access is added per identity. */
function vaultFactsFor(ctx: Context, ref: VaultRef, vaults: Map<string, { facts: VaultFacts; ready: Promise<void> }>): { facts: VaultFacts; ready: Promise<void> } {
  const key = ref.name.toLowerCase();
  const existing = vaults.get(key);
  if (existing) return existing;
  const facts: VaultFacts = { ref, properties: unknown('not read yet'), secrets: unknown('not read yet'), access: {} };
  const port = ctx.vaultPort;
  let ready: Promise<void>;
  if (!port) {
    facts.properties = unknown('no Azure access configured');
    facts.secrets = unknown('no Azure access configured');
    ready = Promise.resolve();
  } else {
    const properties = ctx.g.fetch(`vault:${key}`, `vault ${ref.name} properties`, 'azure', async (signal) => (await port.getVaultProperties(ref, { signal })) ?? null);
    const secrets = ctx.g.fetch(`secrets:${key}`, `vault ${ref.name} secret names`, 'azure', async (signal) => {
      const all: SecretProperties[] = [];
      let token: string | undefined;
      const maxPages = ctx.options.maxSecretPages ?? 10;
      for (let page = 0; page < maxPages; page++) {
        if (page > 0) ctx.g.countCall();
        const result = await port.listSecretProperties(ref, token === undefined ? { signal } : { signal, continuationToken: token });
        all.push(...result.items.map(({ name, enabled, contentType, managed, updatedOn }) => ({ name, ...(enabled === undefined ? {} : { enabled }), ...(contentType === undefined ? {} : { contentType }), ...(managed === undefined ? {} : { managed }), ...(updatedOn === undefined ? {} : { updatedOn }) })));
        token = result.continuationToken;
        if (!token) break;
      }
      return all;
    });
    ready = Promise.all([properties, secrets]).then(([p, s]) => {
      facts.properties = p;
      facts.secrets = s;
    });
  }
  const entry = { facts, ready };
  vaults.set(key, entry);
  return entry;
}

/**
 * Level 5: an SPC secret the vault's listing lacks may be soft-deleted, and then a recover (not a new secret) is the
 * fix. Asked only for such names, so a healthy pod costs nothing more.
 */
function readDeletedSecrets(ctx: Context, views: readonly (SpcView | undefined)[], vaults: Map<string, { facts: VaultFacts; ready: Promise<void> }>): Promise<void>[] {
  const port = ctx.vaultPort;
  if (!port?.findDeletedSecret) return [];
  const reads: Promise<void>[] = [];
  for (const view of views) {
    const vaultFacts = view?.vaultName ? vaults.get(view.vaultName.toLowerCase())?.facts : undefined;
    const listed = vaultFacts ? valueOf(vaultFacts.secrets) : undefined;
    if (!view || !vaultFacts || !listed) continue;
    const names = new Set(listed.map((secret) => secret.name.toLowerCase()));
    const deleted = (vaultFacts.deleted ??= {});
    for (const object of view.objects) {
      const key = object.objectName?.toLowerCase();
      if (!key || objectKind(object.objectType) !== 'secret' || names.has(key) || key in deleted) continue;
      deleted[key] = unknown('not read yet');
      reads.push(
        ctx.g
          .fetch(`deleted:${vaultFacts.ref.name.toLowerCase()}:${key}`, `deleted secret ${object.objectName} in ${vaultFacts.ref.name}`, 'azure', async (signal) =>
            (await port.findDeletedSecret!(vaultFacts.ref, object.objectName, { signal })) ?? null)
          .then((fact) => {
            deleted[key] = fact;
          }),
      );
    }
  }
  return reads;
}

function resolveIdentity(ctx: Context, clientId: string, role: IdentityFacts['role']): Promise<IdentityFacts> {
  const port = ctx.vaultPort;
  const cluster = ctx.cluster;
  if (cluster?.identity.kind === 'fixed' && cluster.identity.objectId && cluster.identity.clientId.toLowerCase() === clientId.toLowerCase()) {
    return Promise.resolve({ clientId, role, resolved: known({ clientId, objectId: cluster.identity.objectId }) });
  }
  if (!port) return Promise.resolve({ clientId, role, resolved: unknown('no Azure access configured') });
  return ctx.g
    .fetch(`identity:${clientId.toLowerCase()}`, `identity ${clientId}`, 'azure', async (signal) => (await port.resolveIdentity(cluster ? { clientId, tenantId: cluster.tenantId, signal } : { clientId, signal })) ?? null)
    .then((resolved) => ({ clientId, role, resolved }));
}

function registryIdentity(ctx: Context): Promise<IdentityFacts | undefined> {
  const cluster = ctx.cluster;
  if (!cluster) return Promise.resolve(undefined);
  if (cluster.identity.kind === 'fixed') return resolveIdentity(ctx, cluster.identity.clientId, 'registry');
  const port = ctx.vaultPort;
  if (!port) return Promise.resolve({ clientId: '(discover)', role: 'discovered', resolved: unknown('no Azure access configured') });
  return ctx.g
    .fetch(`kubelet-identity:${cluster.name}`, `kubelet identity of ${cluster.name}`, 'azure', (signal) => port.discoverKubeletIdentity(cluster, { signal }))
    .then((fact: Fact<ResolvedIdentity>) => ({ clientId: valueOf(fact)?.clientId ?? '(discover)', role: 'discovered' as const, resolved: fact }));
}

function filterLog(text: string, keep: (line: string) => boolean): string {
  return text
    .split('\n')
    .filter((line) => keep(line))
    .join('\n');
}

async function collectPod(ctx: Context, target: PodTarget, vaults: Map<string, { facts: VaultFacts; ready: Promise<void> }>, knownPod?: KubePod): Promise<PodFacts> {
  const { port, g, options } = ctx;
  const { namespace, name } = target;
  const tag = `${namespace}/${name}`;
  const clock = options.clock ?? systemClock;

  // Level 1: nothing here depends on the pod object.
  const podP: Promise<Fact<KubePod | null>> = knownPod
    ? Promise.resolve(known(knownPod))
    : g.fetch(`pod:${tag}`, `pod ${tag}`, 'kubernetes', async (signal) => (await port.getPod({ namespace, name, signal })) ?? null);
  const knownUid = knownPod?.metadata.uid;
  const eventsP = g.fetch(`events:${tag}`, `events of pod ${tag}`, 'kubernetes', (signal) => port.listPodEvents({ namespace, podName: name, signal, ...(knownUid ? { podUid: knownUid } : {}) }));
  const statusesP = g.fetch(`spcps:${tag}`, `SecretProviderClassPodStatuses of ${tag}`, 'kubernetes', (signal) => port.listSecretProviderClassPodStatuses({ namespace, podName: name, signal }));
  const csiDriverP = g.fetch('csidriver', 'CSIDriver secrets-store.csi.k8s.io', 'kubernetes', async (signal) => (await port.getCsiDriver({ name: CSI_DRIVER_NAME, signal })) ?? null);
  const registryIdentityP = registryIdentity(ctx);
  if (ctx.cluster) vaultFactsFor(ctx, { ...ctx.cluster.keyVault }, vaults);

  const podFact = await podP;
  const pod = valueOf(podFact) ?? undefined;
  const facts: PodFacts = {
    target: { ...(target.cluster ? { cluster: target.cluster } : {}), namespace, name },
    ...(ctx.cluster ? { cluster: ctx.cluster } : {}),
    pod: podFact,
    events: unknown('not read'),
    volumes: [],
    podStatuses: unknown('not read'),
    csiDriver: unknown('not read'),
    driverPods: unknown(pod ? 'the pod is not scheduled on a node' : 'the pod could not be read'),
    providerPods: unknown(pod ? 'the pod is not scheduled on a node' : 'the pod could not be read'),
    logs: unknown(pod ? 'the pod is not scheduled on a node' : 'the pod could not be read'),
    secrets: {},
    identities: [],
    vaults: {},
    texts: [],
    collectedAtMs: clock.now(),
  };

  // Level 2: from the pod — its SPCs, the node's driver and provider pods, Secrets it reads.
  const node = pod?.spec.nodeName;
  const volumes = pod ? csiVolumesOf(pod) : [];
  const spcFacts = new Map<string, Promise<Fact<SecretProviderClassResource | null>>>();
  for (const volume of volumes) {
    const spcName = volume.csi.volumeAttributes?.secretProviderClass;
    if (spcName && !spcFacts.has(spcName)) {
      spcFacts.set(spcName, g.fetch(`spc:${namespace}/${spcName}`, `SecretProviderClass ${namespace}/${spcName}`, 'kubernetes', async (signal) => (await port.getSecretProviderClass({ namespace, name: spcName, signal })) ?? null));
    }
  }
  const driverPodsP = node && volumes.length > 0 ? g.fetch(`driver-pods:${node}`, `CSI driver pods on ${node}`, 'kubernetes', (signal) => port.listDriverPods({ nodeName: node, signal })) : undefined;
  const providerPodsP = node && volumes.length > 0 ? g.fetch(`provider-pods:${node}`, `provider pods on ${node}`, 'kubernetes', (signal) => port.listProviderPods({ nodeName: node, signal })) : undefined;
  const nodePublishSecrets = new Map<string, Promise<Fact<SecretMetadata | null>>>();
  for (const volume of volumes) {
    const secretName = volume.csi.nodePublishSecretRef?.name;
    if (secretName) nodePublishSecrets.set(volume.name, g.fetch(`secret:${namespace}/${secretName}`, `Secret ${namespace}/${secretName}`, 'kubernetes', async (signal) => (await port.getSecretMetadata({ namespace, name: secretName, signal })) ?? null));
  }

  const spcEntries = await Promise.all([...spcFacts].map(async ([spcName, fact]) => [spcName, await fact] as const));
  const spcByName = new Map(spcEntries);
  facts.volumes = volumes.map((volume): VolumeFacts => {
    const spcName = volume.csi.volumeAttributes?.secretProviderClass;
    const out: VolumeFacts = { name: volume.name, csi: volume.csi, spc: spcName ? spcByName.get(spcName)! : known(null) };
    if (spcName) out.spcName = spcName;
    if (pod) out.mountedBy = [...(pod.spec.initContainers ?? []), ...pod.spec.containers].filter((container) => (container.volumeMounts ?? []).some((mount) => mount.name === volume.name)).map((container) => container.name);
    return out;
  });

  // Level 3: from the SPCs — the vaults and identities they name, the Secrets they sync; logs from the node.
  const views = facts.volumes.map((volume) => {
    const spc = valueOf(volume.spc);
    return spc ? viewSecretProviderClass(spc, volume.csi) : undefined;
  });
  for (const view of views) {
    if (view?.vaultName && /^[-A-Za-z0-9]{3,24}$/.test(view.vaultName)) {
      const sameAsRegistry = ctx.cluster && ctx.cluster.keyVault.name.toLowerCase() === view.vaultName.toLowerCase();
      vaultFactsFor(ctx, sameAsRegistry ? { ...ctx.cluster!.keyVault } : { name: view.vaultName }, vaults);
    }
  }
  const identityPromises: Promise<IdentityFacts | undefined>[] = [registryIdentityP];
  for (const view of views) {
    if (view?.identityClientId) identityPromises.push(resolveIdentity(ctx, view.identityClientId, view.identityMode === 'workloadIdentity' ? 'workloadIdentity' : 'vmManagedIdentity'));
  }
  const syncedNames = new Set(views.flatMap((view) => view?.secretObjects.map((secretObject) => secretObject.secretName ?? '') ?? []).filter(Boolean));
  const blockedOnSecrets = (pod?.status?.containerStatuses ?? []).some((status) => status.state?.waiting?.reason === 'CreateContainerConfigError');
  const secretNames = referencedSecrets(pod)
    .map((ref) => ref.name)
    .filter((secretName) => syncedNames.has(secretName) || blockedOnSecrets);
  for (const secretName of syncedNames) if (!secretNames.includes(secretName) && blockedOnSecrets) secretNames.push(secretName);
  const secretPromises = secretNames.map(async (secretName) => [secretName, await g.fetch(`secret:${namespace}/${secretName}`, `Secret ${namespace}/${secretName}`, 'kubernetes', async (signal) => (await port.getSecretMetadata({ namespace, name: secretName, signal })) ?? null)] as const);

  const keepLine = (line: string) => {
    if (line.includes(name) || line.includes(`${namespace}/${name}`)) return true;
    return views.some((view) => view && ((view.vaultName && line.includes(view.vaultName)) || view.objects.some((object) => object.objectName && line.includes(`objectName:${object.objectName}`))));
  };
  const logsP = (async (): Promise<Fact<LogText[]>> => {
    if (!driverPodsP || !providerPodsP) return facts.logs;
    const [driverPods, providerPods] = await Promise.all([driverPodsP, providerPodsP]);
    facts.driverPods = driverPods;
    facts.providerPods = providerPods;
    const reads: Promise<Fact<LogText | undefined>>[] = [];
    const tailLines = options.logTailLines ?? 200;
    const sinceSeconds = options.logSinceSeconds ?? 3600;
    const read = (component: LogText['component'], logPod: KubePod, preferred: RegExp) => {
      const container = logPod.spec.containers.find((candidate) => preferred.test(candidate.name)) ?? logPod.spec.containers[0];
      const logNs = logPod.metadata.namespace ?? 'kube-system';
      if (!container) return;
      reads.push(
        g.fetch(`log:${logNs}/${logPod.metadata.name}/${container.name}`, `${component} log ${logNs}/${logPod.metadata.name}`, 'logs', async (signal) => {
          const text = await port.readContainerLog({ namespace: logNs, pod: logPod.metadata.name, container: container.name, tailLines, sinceSeconds, signal });
          return { component, pod: logPod.metadata.name, namespace: logNs, container: container.name, text: filterLog(text, keepLine) };
        }),
      );
    };
    const firstProvider = valueOf(providerPods)?.[0];
    if (firstProvider) read('provider', firstProvider, /provider/);
    const firstDriver = valueOf(driverPods)?.[0];
    if (firstDriver) read('driver', firstDriver, /^secrets-store$/);
    const results = await Promise.all(reads);
    const failed = results.find((result) => result.status === 'unknown');
    const texts = results.map((result) => valueOf(result)).filter((log): log is LogText => log !== undefined);
    if (texts.length === 0 && failed && failed.status === 'unknown') return unknown(failed.reason, failed.code);
    return known(texts);
  })();

  const identities = (await Promise.all(identityPromises)).filter((identity): identity is IdentityFacts => identity !== undefined);
  const seenIdentity = new Set<string>();
  facts.identities = identities.filter((identity) => {
    const key = identity.clientId.toLowerCase();
    if (seenIdentity.has(key)) return false;
    seenIdentity.add(key);
    return true;
  });

  // Level 4: what each identity holds on each vault.
  const vaultPort = ctx.vaultPort;
  const accessReads: Promise<void>[] = [];
  for (const { facts: vaultFacts } of vaults.values()) {
    for (const identity of facts.identities) {
      const objectId = valueOf(identity.resolved)?.objectId;
      if (!objectId || !vaultPort) continue;
      accessReads.push(
        g
          .fetch(`access:${vaultFacts.ref.name.toLowerCase()}:${objectId.toLowerCase()}`, `access of ${objectId} on ${vaultFacts.ref.name}`, 'azure', (signal) => vaultPort.checkAccess(vaultFacts.ref, { objectId, signal }))
          .then((fact) => {
            vaultFacts.access[objectId.toLowerCase()] = fact;
          }),
      );
    }
  }

  const [events, statuses, csiDriver, logs] = await Promise.all([eventsP, statusesP, csiDriverP, logsP]);
  // Events are listed by name: a recreated StatefulSet pod (same name, new UID) must not inherit its predecessor's.
  const uid = pod?.metadata.uid;
  facts.events = events.status === 'known' && uid ? known(events.value.filter((event) => !event.involvedObject.uid || event.involvedObject.uid === uid)) : events;
  facts.podStatuses = statuses;
  facts.csiDriver = csiDriver;
  facts.logs = logs;
  for (const [volumeName, promise] of nodePublishSecrets) {
    const volume = facts.volumes.find((candidate) => candidate.name === volumeName);
    if (volume) volume.nodePublishSecret = await promise;
  }
  for (const [secretName, fact] of await Promise.all(secretPromises)) facts.secrets[secretName] = fact;
  await Promise.all([...accessReads, ...[...vaults.values()].map((entry) => entry.ready)]);
  await Promise.all(readDeletedSecrets(ctx, views, vaults));
  for (const [key, entry] of vaults) facts.vaults[key] = entry.facts;
  return facts;
}

function createContext(target: { cluster?: string }, options: CollectOptions): Context {
  const g = createGatherer({ concurrency: options.concurrency ?? 8, timeoutsInMs: timeoutsOf(options.timeoutsInMs), ...(options.signal ? { signal: options.signal } : {}) });
  const ctx: Context = { port: options.cluster, g, options };
  if (options.vault) ctx.vaultPort = options.vault;
  const cluster = clusterOf(options.registry, target.cluster);
  if (cluster) ctx.cluster = cluster;
  return ctx;
}

/** Facts about one pod. Never throws for a failing source; throws ABORTED only if the caller's signal fired. */
export async function collectFacts(target: PodTarget, options: CollectOptions): Promise<CollectResult<PodFacts>> {
  const ctx = createContext(target, options);
  const facts = await collectPod(ctx, target, new Map());
  if (options.signal?.aborted) throw new KvcsiError('ABORTED', 'the diagnosis was cancelled');
  return { facts, unknowns: ctx.g.unknowns, calls: ctx.g.calls() };
}

/** Facts about an app: every pod of the app that mounts a CSI volume, and the app's SPCs no pod mounts. */
export async function collectAppFacts(target: AppTarget, options: CollectOptions): Promise<CollectResult<AppFacts>> {
  const ctx = createContext(target, options);
  const { port, g } = ctx;
  const labelSelector = target.labelSelector ?? `${APP_NAME_LABEL}=${target.app}`;
  const scope = target.namespace ? { namespace: target.namespace } : {};
  const [podsFact, spcsFact] = await Promise.all([
    g.fetch('app-pods', `pods of app ${target.app}`, 'kubernetes', (signal) => port.listPods({ ...scope, labelSelector, signal })),
    g.fetch('app-spcs', `SecretProviderClasses of app ${target.app}`, 'kubernetes', (signal) => port.listSecretProviderClasses({ ...scope, labelSelector, signal })),
  ]);
  const pods = (valueOf(podsFact) ?? []).filter((pod) => csiVolumesOf(pod).length > 0);
  const vaults = new Map<string, { facts: VaultFacts; ready: Promise<void> }>();
  const podFacts = await Promise.all(
    pods.map((pod) => collectPod(ctx, { kind: 'pod', ...(target.cluster ? { cluster: target.cluster } : {}), namespace: pod.metadata.namespace ?? target.namespace ?? 'default', name: pod.metadata.name }, vaults, pod)),
  );
  const allPods = valueOf(podsFact) ?? [];
  const mountedBy = (spc: SecretProviderClassResource) =>
    allPods
      .filter((pod) => (pod.metadata.namespace ?? '') === (spc.metadata.namespace ?? '') && csiVolumesOf(pod).some((volume) => volume.csi.volumeAttributes?.secretProviderClass === spc.metadata.name))
      .map((pod) => pod.metadata.name);
  const spcs: AppFacts['secretProviderClasses'] =
    spcsFact.status === 'known' ? known(spcsFact.value.map((spc) => ({ spc, mountedBy: mountedBy(spc) }))) : spcsFact;
  const secrets: AppFacts['secrets'] = {};
  const unmounted = (valueOf(spcs) ?? []).filter((entry) => entry.mountedBy.length === 0);
  await Promise.all(
    unmounted.flatMap(({ spc }) =>
      (spc.spec.secretObjects ?? [])
        .map((secretObject) => secretObject.secretName)
        .filter((secretName): secretName is string => Boolean(secretName))
        .map(async (secretName) => {
          const ns = spc.metadata.namespace ?? target.namespace ?? 'default';
          secrets[secretName] = await g.fetch(`secret:${ns}/${secretName}`, `Secret ${ns}/${secretName}`, 'kubernetes', async (signal) => (await port.getSecretMetadata({ namespace: ns, name: secretName, signal })) ?? null);
        }),
    ),
  );
  if (options.signal?.aborted) throw new KvcsiError('ABORTED', 'the diagnosis was cancelled');
  return { facts: { target, pods: podFacts, secretProviderClasses: spcs, secrets }, unknowns: g.unknowns, calls: g.calls() };
}
