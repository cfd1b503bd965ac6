/** Shared reads over the facts for analyzers: the pod, its CSI volumes as the provider sees them, vault and identity. */
import type { IdentityAccess, KubePod, ResolvedIdentity, VaultProperties } from '../ports.js';
import { valueOf, type IdentityFacts, type PodFacts, type VaultFacts, type VolumeFacts } from './facts.js';
import { viewSecretProviderClass, type SpcView } from './spc-view.js';

export interface VolumeView {
  volume: VolumeFacts;
  /** Undefined when the SPC is missing or unknown. */
  spc?: SpcView;
}

const viewCache = new WeakMap<PodFacts, VolumeView[]>();

export function podOf(facts: PodFacts): KubePod | undefined {
  return valueOf(facts.pod) ?? undefined;
}

export function podName(facts: PodFacts): string | undefined {
  return podOf(facts)?.metadata.name ?? facts.target.name;
}

export function podNamespace(facts: PodFacts): string | undefined {
  return podOf(facts)?.metadata.namespace ?? facts.target.namespace;
}

export function volumeViews(facts: PodFacts): VolumeView[] {
  const cached = viewCache.get(facts);
  if (cached) return cached;
  const views = facts.volumes.map((volume) => {
    const spc = valueOf(volume.spc);
    return spc ? { volume, spc: viewSecretProviderClass(spc, volume.csi) } : { volume };
  });
  viewCache.set(facts, views);
  return views;
}

export function vaultFacts(facts: PodFacts, vaultName: string | undefined): VaultFacts | undefined {
  if (!vaultName) return undefined;
  return facts.vaults[vaultName.toLowerCase()];
}

export function vaultProperties(facts: PodFacts, vaultName: string | undefined): VaultProperties | undefined {
  return valueOf(vaultFacts(facts, vaultName)?.properties) ?? undefined;
}

/** The vault a finding is about: the one named in the text, else the SPC's, else the registry's. */
export function pickVaultName(facts: PodFacts, fromText?: string): string | undefined {
  if (fromText) return fromText;
  const fromSpc = volumeViews(facts).find((view) => view.spc?.vaultName)?.spc?.vaultName;
  return fromSpc ?? facts.cluster?.keyVault.name;
}

/**
 * The identity a volume authenticates as, by the SPC's identity mode: the client id it names (workload identity,
 * identity binding, a VM user-assigned identity). Never the cluster (kubelet) identity for another mode: system-assigned,
 * service principal (nodePublishSecretRef) and pod identity have no client id kvcsi can know from the SPC, so undefined.
 * Only when the SPC itself is unknown does the registry's identity stand in.
 */
export function identityFor(facts: PodFacts, spc: SpcView | undefined): IdentityFacts | undefined {
  if (!spc) return facts.identities.find((identity) => identity.role === 'registry' || identity.role === 'discovered');
  const clientId = spc.identityClientId;
  if (!clientId) return undefined;
  return facts.identities.find((identity) => identity.clientId.toLowerCase() === clientId.toLowerCase());
}

/** The identity an SPC uses, in words, for titles: "workload identity 1234…", "the service principal …". */
export function identityLabel(spc: SpcView | undefined, clientIdFromText?: string): string {
  if (!spc) return clientIdFromText ? `the caller ${clientIdFromText}` : 'the cluster identity';
  switch (spc.identityMode) {
    case 'workloadIdentity':
      return `workload identity ${spc.identityClientId ?? ''}`.trim();
    case 'tokenProxy':
      return `identity-binding identity ${spc.identityClientId ?? ''}`.trim();
    case 'vmManagedIdentity':
      return spc.identityClientId ? `the VM identity ${spc.identityClientId}` : 'the node\'s system-assigned identity';
    case 'servicePrincipal':
      return clientIdFromText ? `the service principal ${clientIdFromText}` : 'the service principal in nodePublishSecretRef';
    case 'podIdentity':
      return 'the pod identity (aad-pod-identity)';
    default:
      return 'the configured identity';
  }
}

/**
 * The volume view the signals are about: the volume they name, else the one whose vault they name, else the only one.
 * With several CSI volumes and no hint, undefined: guessing would patch the wrong SecretProviderClass.
 */
export function viewForSignals(facts: PodFacts, signals: readonly { fields: { volume?: string; vault?: string } }[]): VolumeView | undefined {
  const views = volumeViews(facts);
  const volume = signals.map((signal) => signal.fields.volume).find((name) => name !== undefined);
  const byVolume = volume ? views.find((view) => view.volume.name === volume) : undefined;
  if (byVolume) return byVolume;
  const vault = signals.map((signal) => signal.fields.vault).find((name) => name !== undefined)?.toLowerCase();
  const byVault = vault ? views.filter((view) => view.spc?.vaultName?.toLowerCase() === vault) : [];
  if (byVault.length === 1) return byVault[0];
  const withSpc = views.filter((view) => view.spc);
  return withSpc.length === 1 ? withSpc[0] : undefined;
}

export function resolvedIdentity(identity: IdentityFacts | undefined): ResolvedIdentity | undefined {
  return valueOf(identity?.resolved) ?? undefined;
}

export function accessOf(facts: PodFacts, vaultName: string | undefined, objectId: string | undefined): IdentityAccess | undefined {
  if (!objectId) return undefined;
  return valueOf(vaultFacts(facts, vaultName)?.access[objectId.toLowerCase()]);
}

const GET_ACTION: Record<string, string> = {
  secret: 'Microsoft.KeyVault/vaults/secrets/getSecret/action',
  key: 'Microsoft.KeyVault/vaults/keys/read',
  cert: 'Microsoft.KeyVault/vaults/certificates/read',
};
const ROLE_GRANTS: Record<string, string[]> = {
  // Built-in roles by name, for adapters that do not resolve data actions.
  secret: ['Key Vault Secrets User', 'Key Vault Secrets Officer', 'Key Vault Administrator'],
  key: ['Key Vault Crypto User', 'Key Vault Crypto Officer', 'Key Vault Administrator', 'Key Vault Reader'],
  cert: ['Key Vault Certificate User', 'Key Vault Certificates Officer', 'Key Vault Administrator', 'Key Vault Reader'],
};

function actionMatches(pattern: string, action: string): boolean {
  const regex = new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('.*')}$`, 'i');
  return regex.test(action);
}

/**
 * Whether the identity may read the object: access policy `get` on the collection, or a role whose data actions
 * include the read action at the vault scope, one of its parents, or the object itself.
 */
export function canRead(access: IdentityAccess, vault: VaultProperties, objectType: string, objectName?: string): boolean {
  const kind = objectType === 'key' || objectType === 'cert' ? objectType : 'secret';
  if (access.authModel === 'accessPolicy') {
    const permissions = kind === 'key' ? access.accessPolicy?.keys : kind === 'cert' ? access.accessPolicy?.certificates : access.accessPolicy?.secrets;
    return (permissions ?? []).some((permission) => ['get', 'all'].includes(permission.toLowerCase()));
  }
  const vaultId = vault.id.toLowerCase();
  const collection = kind === 'key' ? 'keys' : kind === 'cert' ? 'certificates' : 'secrets';
  return access.roleAssignments.some((assignment) => {
    const scope = assignment.scope.toLowerCase().replace(/\/$/, '');
    const inScope = vaultId === scope || vaultId.startsWith(`${scope}/`) || scope === '/' || (objectName !== undefined && scope === `${vaultId}/${collection}/${objectName.toLowerCase()}`);
    if (!inScope) return false;
    if (assignment.dataActions) {
      const allowed = assignment.dataActions.some((pattern) => actionMatches(pattern, GET_ACTION[kind]!));
      const denied = (assignment.notDataActions ?? []).some((pattern) => actionMatches(pattern, GET_ACTION[kind]!));
      return allowed && !denied;
    }
    return ROLE_GRANTS[kind]!.some((role) => role.toLowerCase() === assignment.roleName?.toLowerCase());
  });
}

/** Pending: scheduled, containers waiting in ContainerCreating (the CSI mount blocks them). */
export function isStuckCreating(pod: KubePod | undefined): boolean {
  if (!pod) return false;
  if (pod.status?.phase !== 'Pending') return false;
  const statuses = [...(pod.status.containerStatuses ?? []), ...(pod.status.initContainerStatuses ?? [])];
  if (statuses.length === 0) return Boolean(pod.spec.nodeName);
  return statuses.some((status) => status.state?.waiting?.reason === 'ContainerCreating' || status.state?.waiting?.reason === 'PodInitializing');
}

export function isRunningReady(pod: KubePod | undefined): boolean {
  if (!pod || pod.status?.phase !== 'Running') return false;
  return (pod.status.containerStatuses ?? []).every((status) => status.ready);
}

/** Waiting containers with a reason other than ContainerCreating (e.g. CreateContainerConfigError). */
export function waitingContainers(pod: KubePod | undefined): { name: string; reason: string; message?: string }[] {
  return (pod?.status?.containerStatuses ?? [])
    .filter((status) => status.state?.waiting?.reason && status.state.waiting.reason !== 'ContainerCreating')
    .map((status) => {
      const out: { name: string; reason: string; message?: string } = { name: status.name, reason: status.state!.waiting!.reason! };
      if (status.state!.waiting!.message !== undefined) out.message = status.state!.waiting!.message;
      return out;
    });
}

/** A pod subject for findings. */
export function podSubject(facts: PodFacts): { kind: 'Pod'; namespace?: string; name: string } | undefined {
  const name = podName(facts);
  if (!name) return undefined;
  const namespace = podNamespace(facts);
  return namespace ? { kind: 'Pod', namespace, name } : { kind: 'Pod', name };
}
