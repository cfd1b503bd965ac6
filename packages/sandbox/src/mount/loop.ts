import { createPublicKey } from 'node:crypto';
import { evaluateDataPlaneAccess, findIdentityByClientId, findVault, getCertificate, getKey, getSecret } from '../azure/access.js';
import { entraErrorBody, federatedAssertionError, type EntraError } from '../azure/entra.js';
import { deterministicUuid } from '../azure/ids.js';
import type { AzureState, ManagedCluster } from '../azure/model.js';
import type { KubeClusterState } from '../kubernetes/store.js';
import type {
  ContainerStatus, KubeObject, PodCondition, PodObject, PodVolume, SecretProviderClassObject,
} from '../kubernetes/types.js';
import * as m from './messages.js';
import type { MessageEras, MountVersions, ObjectRef } from './messages.js';
import { decodeContent, fileNameOf, parseKeyVaultObjects, validateKeyVaultObject } from './objects.js';
import type { KeyVaultObject } from './objects.js';

/** The slice of the sandbox state the mount loop reads and writes (structurally the sandbox's `SandboxState`). */
export interface MountLoopState {
  azure: AzureState;
  kubernetes: Record<string, KubeClusterState>;
}

export interface ReconcileMountsOptions {
  nowMs: number;
  /** Hosts that do not resolve or answer (the sandbox's faults); a vault there fails like a DNS failure (A6/D10). */
  isHostUnreachable?: (host: string) => boolean;
  /**
   * `realistic`: kubelet retries a failed mount only when its backoff has passed, a call that hangs fails at kubelet's
   * 2-minute deadline, and the pod-level timeout event follows. `instant` (default): every pass retries every mount
   * and a hanging call fails at once, so callers that never move the clock still see the outcome.
   */
  timing?: MountTiming;
}

export type MountTiming = 'instant' | 'realistic';

/** Versions used when the scenario states none for a cluster: the releases the catalogue read at HEAD. */
export const DEFAULT_MOUNT_VERSIONS: MountVersions = { providerVersion: 'v1.8.2', driverVersion: 'v1.6.0' };

const DRIVER_POD_APPS = ['secrets-store-csi-driver', 'csi-secrets-store'];
const PROVIDER_POD_APPS = ['secrets-store-provider-azure', 'csi-secrets-store-provider-azure'];
const WORKLOAD_IDENTITY_AUDIENCE = 'api://AzureADTokenExchange';
const MANAGED_LABEL = 'secrets-store.csi.k8s.io/managed';

interface MountedFile {
  id: string;
  version: string;
  content: Buffer;
}

interface VolumeFailure {
  /** The FailedMount event text (kubelet). */
  event: string;
  /** What the provider logged, if the request reached it. */
  providerLog?: string;
  /** What the driver logged, if the failure came back from the provider call (nodeserver.go:245). */
  driverError?: string;
  /** The call hangs until kubelet's deadline instead of failing at once. */
  deadline?: boolean;
}

type VolumeResult = { ok: true; spc: SecretProviderClassObject; files: Map<string, MountedFile> } | ({ ok: false } & VolumeFailure);

interface ClusterContext {
  name: string;
  kube: KubeClusterState;
  azure: AzureState;
  managedCluster: ManagedCluster | undefined;
  eras: MessageEras;
  nowMs: number;
  isHostUnreachable: (host: string) => boolean;
  timing: MountTiming;
}

function versionsFor(managedCluster: ManagedCluster | undefined): MountVersions {
  if (managedCluster === undefined) return DEFAULT_MOUNT_VERSIONS;
  return {
    providerVersion: managedCluster.secretsStoreCsi?.providerVersion ?? DEFAULT_MOUNT_VERSIONS.providerVersion,
    driverVersion: managedCluster.secretsStoreCsi?.driverVersion ?? DEFAULT_MOUNT_VERSIONS.driverVersion,
    kubernetesVersion: managedCluster.kubernetesVersion,
  };
}

function isReady(pod: PodObject): boolean {
  return pod.status?.phase === 'Running' && (pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

function componentPods(kube: KubeClusterState, apps: string[], nodeName: string): PodObject[] {
  return kube.list('pods', { labelSelector: `app in (${apps.join(',')})`, fieldSelector: `spec.nodeName=${nodeName}` }).items as PodObject[];
}

function csiVolumes(pod: PodObject): PodVolume[] {
  return (pod.spec.volumes ?? []).filter((v) => v.csi?.driver === m.CSI_DRIVER_NAME);
}

function parseBool(value: string | undefined): boolean | undefined {
  if (value === undefined || value === '') return false;
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  return undefined;
}

function spcpsName(pod: PodObject, spcName: string): string {
  return `${pod.metadata.name}-${pod.metadata.namespace ?? 'default'}-${spcName}`;
}

function alreadyMounted(kube: KubeClusterState, pod: PodObject, volume: PodVolume): boolean {
  const spcName = volume.csi?.volumeAttributes?.secretProviderClass ?? '';
  const status = kube.get('secretproviderclasspodstatuses', pod.metadata.namespace, spcpsName(pod, spcName));
  const mounted = (status?.status as { mounted?: boolean; targetPath?: string } | undefined);
  return mounted?.mounted === true && (mounted.targetPath ?? '').includes(pod.metadata.uid ?? '\u0000');
}

/** A per-object Key Vault failure with the service's status and texts, or the object's content. */
function fetchObject(ctx: ClusterContext, vaultName: string, principal: { clientId: string }, object: KeyVaultObject):
  { ok: true; version: string; value: string } | { ok: false; message: string } {
  const ref: ObjectRef = object;
  const objectType = object.objectType === 'cert' ? 'certificate' : object.objectType === 'key' ? 'key' : 'secret';
  // The vault firewall sees the nodes' egress address (the provider runs with hostNetwork).
  const decision = evaluateDataPlaneAccess(ctx.azure, {
    vaultName, principal, operation: 'get', objectType, objectName: object.objectName, nowMs: ctx.nowMs,
    ...(ctx.managedCluster?.outboundIp === undefined ? {} : { clientAddress: ctx.managedCluster.outboundIp }),
  });
  const serviceError = (status: number, code: string, message: string, innerCode?: string): { ok: false; message: string } => ({
    ok: false,
    message: m.objectFailed(ref, m.keyVaultError(ctx.eras, { vaultName, object: ref, status, code, message, ...(innerCode === undefined ? {} : { innerCode }) })),
  });
  if (!decision.allowed) return serviceError(decision.status, decision.code, decision.message, decision.innerCode);
  const version = object.objectVersion === 'latest' ? '' : object.objectVersion;
  const notFound = (kind: 'secret' | 'key' | 'certificate', code: string): { ok: false; message: string } => {
    const id = version === '' ? object.objectName : `${object.objectName}/${version}`;
    return serviceError(404, code, `A ${kind} with (name/id) ${id} was not found in this key vault. If you recently deleted this ${kind} you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`);
  };
  if (objectType === 'key') {
    const key = getKey(ctx.azure, vaultName, object.objectName, version);
    if (!key.found) return key.reason === 'Disabled' ? serviceError(403, 'Forbidden', 'Operation get is not allowed on a disabled key.', 'KeyDisabled') : notFound('key', 'KeyNotFound');
    // The provider writes an RSA key's public half as a PEM "PUBLIC KEY" (x509.MarshalPKIXPublicKey).
    const pem = createPublicKey({ key: { kty: 'RSA', n: key.version.n, e: key.version.e }, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
    return { ok: true, version: key.version.version, value: pem };
  }
  const lookup = objectType === 'certificate' ? getCertificate(ctx.azure, vaultName, object.objectName, version) : getSecret(ctx.azure, vaultName, object.objectName, version);
  if (!lookup.found) {
    if (lookup.reason === 'Disabled') return serviceError(403, 'Forbidden', `Operation get is not allowed on a disabled ${objectType}.`, objectType === 'secret' ? 'SecretDisabled' : 'CertificateDisabled');
    return notFound(objectType, objectType === 'secret' ? 'SecretNotFound' : 'CertificateNotFound');
  }
  if (objectType === 'certificate') {
    const cer = (lookup.version as { cer: string }).cer;
    const pem = `-----BEGIN CERTIFICATE-----\n${(cer.match(/.{1,64}/g) ?? []).join('\n')}\n-----END CERTIFICATE-----\n`;
    return { ok: true, version: lookup.version.version, value: pem };
  }
  return { ok: true, version: lookup.version.version, value: (lookup.version as { value: string }).value };
}

type Principal = { ok: true; clientId: string } | { ok: false; message: string };

/** Resolves the identity the provider authenticates as, with the token-time failures of catalogue C. */
function acquirePrincipal(ctx: ClusterContext, pod: PodObject, params: Record<string, string>, mode: m.AuthMode, vaultName: string, firstObject: ObjectRef,
  spCredentials: { clientid: string; clientsecret: string } | undefined): Principal {
  const tenantId = params.tenantID ?? params.tenantId ?? '';
  if (mode === 'PodIdentity') return { ok: false, message: m.podIdentityUnavailable(ctx.eras, firstObject) };
  if (mode === 'VMManagedIdentity') {
    const nodeIdentities = ctx.managedCluster?.nodeIdentityClientIds ?? [];
    const requested = params.userAssignedIdentityID ?? '';
    if (requested === '') {
      if (nodeIdentities.length === 1 && nodeIdentities[0] !== undefined) return { ok: true, clientId: nodeIdentities[0] };
      return { ok: false, message: m.managedIdentityAmbiguous(ctx.eras, { vaultName, object: firstObject }) };
    }
    if (!nodeIdentities.some((id) => id.toLowerCase() === requested.toLowerCase())) {
      return { ok: false, message: m.managedIdentityNotFound(ctx.eras, { clientId: requested, vaultName, object: firstObject }) };
    }
    return { ok: true, clientId: requested };
  }
  const clientId = mode === 'None' && spCredentials !== undefined ? spCredentials.clientid : params.clientID ?? '';
  if (spCredentials !== undefined && mode === 'None') {
    const sp = ctx.azure.servicePrincipals.find((s) => s.clientId.toLowerCase() === clientId.toLowerCase());
    if (sp === undefined || (sp.clientSecret !== undefined && sp.clientSecret !== spCredentials.clientsecret)) {
      return { ok: false, message: m.objectFailed(firstObject, `ClientSecretCredential authentication failed. AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`) };
    }
    return { ok: true, clientId };
  }
  // Workload identity (or identity binding, which the sandbox treats alike once its token is there).
  const entra = (error: EntraError): Principal => ({
    ok: false,
    message: m.workloadIdentityTokenFailed(ctx.eras, { tenantId, status: error.status, firstObject, body: entraErrorBody(error, ctx.nowMs) }),
  });
  const identity = findIdentityByClientId(ctx.azure, clientId);
  if (identity === undefined) {
    return entra({ status: 400, error: 'unauthorized_client', code: 700016, description: `Application with identifier '${clientId}' was not found in the directory '${tenantId}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.` });
  }
  if (mode === 'AzureTokenProxy') return { ok: true, clientId };
  const issuer = ctx.managedCluster?.oidcIssuerUrl ?? `https://oidc.sandbox.azmk8s.io/${ctx.name}/`;
  const subject = `system:serviceaccount:${pod.metadata.namespace ?? 'default'}:${pod.spec.serviceAccountName ?? 'default'}`;
  // The same check the token endpoint makes (entra.ts), so the mount and a direct token request agree.
  const refused = federatedAssertionError(identity, { iss: issuer, sub: subject, audiences: [WORKLOAD_IDENTITY_AUDIENCE] });
  return refused === undefined ? { ok: true, clientId } : entra(refused);
}

const VALID_CLOUDS = ['azurepubliccloud', 'azureusgovernmentcloud', 'azurechinacloud', 'azuregermancloud', 'azurestackcloud'];

/** Everything the Azure provider does for one mount request (catalogue §1.2–§1.5, B, C, D, E). */
function runProvider(ctx: ClusterContext, pod: PodObject, volume: PodVolume, spc: SecretProviderClassObject): { ok: true; files: Map<string, MountedFile> } | { ok: false; message: string; deadline?: boolean } {
  const csiDriver = ctx.kube.get('csidrivers', undefined, m.CSI_DRIVER_NAME) as { spec?: { podInfoOnMount?: boolean; tokenRequests?: { audience?: string }[] } } | undefined;
  // The driver overlays the pod's volumeAttributes on the SPC parameters (catalogue §1.2); the provider trims values.
  const params: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...(spc.spec.parameters ?? {}), ...(volume.csi?.volumeAttributes ?? {}) })) params[k] = String(v).trim();
  const fail = (message: string): { ok: false; message: string } => ({ ok: false, message });

  if (ctx.eras.provider === 'modes' && csiDriver?.spec?.podInfoOnMount !== true) return fail('pod name is not provided');
  const flags: Record<string, boolean> = {};
  for (const flag of ['usePodIdentity', 'useVMManagedIdentity', ...(ctx.eras.provider === 'modes' ? ['useAzureTokenProxy'] : [])]) {
    const parsed = parseBool(params[flag]);
    if (parsed === undefined) return fail(m.parseBoolFailed(flag, params[flag] ?? ''));
    flags[flag] = parsed;
  }
  const enabled = Object.entries(flags).filter(([, v]) => v).map(([k]) => k);
  if (ctx.eras.provider === 'modes' ? enabled.length > 1 : flags.usePodIdentity === true && flags.useVMManagedIdentity === true) {
    return fail(m.identityModesConflict(ctx.eras));
  }
  const vaultName = params.keyvaultName ?? '';
  if (vaultName === '') return fail(m.keyvaultNameMissing(ctx.eras));
  if ((params.tenantID ?? params.tenantId ?? '') === '') return fail(m.tenantIdMissing(ctx.eras));
  const cloudName = params.cloudName ?? '';
  if (cloudName !== '' && !VALID_CLOUDS.includes(cloudName.toLowerCase())) {
    return fail(`cloudName ${cloudName} is not valid, error: autorest/azure: There is no cloud environment matching the name "${cloudName.toUpperCase()}"`);
  }

  let mode: m.AuthMode = 'None';
  if (flags.usePodIdentity) mode = 'PodIdentity';
  else if (flags.useVMManagedIdentity) mode = 'VMManagedIdentity';
  else if (flags.useAzureTokenProxy) mode = 'AzureTokenProxy';
  const audiences = (csiDriver?.spec?.tokenRequests ?? []).map((t) => t.audience ?? '');
  let spCredentials: { clientid: string; clientsecret: string } | undefined;
  if (mode === 'AzureTokenProxy') {
    if ((params.clientID ?? '') === '') return fail(m.authConfigFailed(ctx.eras, mode, 'clientID is required for identity binding'));
    if (!audiences.includes('api://AKSIdentityBinding')) return fail(m.authConfigFailed(ctx.eras, mode, 'service account tokens are required for identity binding'));
  } else if (mode === 'None' && (params.clientID ?? '') !== '') {
    if (!audiences.includes(WORKLOAD_IDENTITY_AUDIENCE)) return fail(m.workloadIdentityTokensMissing(ctx.eras));
  } else if (mode === 'None') {
    const ref = volume.csi?.nodePublishSecretRef?.name;
    if (ref === undefined) return fail(m.authConfigFailed(ctx.eras, mode, m.NODE_PUBLISH_SECRET_NOT_SET));
    const secret = ctx.kube.get('secrets', pod.metadata.namespace, ref) as { data?: Record<string, string> } | undefined;
    const data = Object.fromEntries(Object.entries(secret?.data ?? {}).map(([k, v]) => [k.toLowerCase(), Buffer.from(v, 'base64').toString('utf8')]));
    if (data.clientid === undefined) return fail(m.authConfigFailed(ctx.eras, mode, m.credentialKeyMissing('clientid')));
    if (data.clientsecret === undefined) return fail(m.authConfigFailed(ctx.eras, mode, m.credentialKeyMissing('clientsecret')));
    spCredentials = { clientid: data.clientid, clientsecret: data.clientsecret };
  }

  const objectsText = params.objects ?? '';
  if (objectsText === '') return fail(m.objectsNotSet());
  const parsed = parseKeyVaultObjects(objectsText);
  if (!parsed.ok) return fail(parsed.message);
  for (const object of parsed.objects) {
    const invalid = validateKeyVaultObject(object);
    if (invalid !== undefined) return fail(invalid);
  }
  if (vaultName.length < 3 || vaultName.length > 24) return fail(m.invalidVaultNameLength(vaultName));
  if (!/^[-A-Za-z0-9]+$/.test(vaultName)) return fail(m.invalidVaultNameCharacters(vaultName));
  const first = parsed.objects[0];
  if (first === undefined) return { ok: true, files: new Map() };

  const principal = acquirePrincipal(ctx, pod, params, mode, vaultName, first, spCredentials);
  if (!principal.ok) return fail(principal.message);
  // A vault name that does not resolve: the SDK retries until kubelet's deadline (catalogue A6/D10).
  if (findVault(ctx.azure, vaultName) === undefined || ctx.isHostUnreachable(`${vaultName.toLowerCase()}.vault.azure.net`)) return { ok: false, message: m.objectFailed(first, m.vaultDnsFailure(vaultName)), deadline: true };

  const files = new Map<string, MountedFile>();
  for (const object of parsed.objects) {
    const fetched = fetchObject(ctx, vaultName, { clientId: principal.clientId }, object);
    if (!fetched.ok) return fail(fetched.message);
    const decoded = decodeContent(fetched.value, object.objectType === 'secret' ? object.objectEncoding : '');
    if (!decoded.ok) return fail(decoded.message);
    // Duplicate file names are not detected: the last object wins (catalogue §1.5).
    files.set(fileNameOf(object), { id: `${object.objectType}/${object.objectName}`, version: fetched.version, content: decoded.content });
  }
  return { ok: true, files };
}

/**
 * Kubelet → driver → provider for one CSI volume, in their order. The driver's own order is NodePublishVolume's at
 * v1.6.0 (pkg/secrets-store/nodeserver.go): secretProviderClass set, SPC lookup, provider, parameters, then the
 * read-only check, then the provider call. Only failures of the provider call are logged by the driver (:245).
 */
function mountVolume(ctx: ClusterContext, pod: PodObject, volume: PodVolume): VolumeResult {
  const namespace = pod.metadata.namespace ?? 'default';
  const nodeName = pod.spec.nodeName ?? '';
  if (ctx.kube.get('csidrivers', undefined, m.CSI_DRIVER_NAME) === undefined) return { ok: false, event: m.noCsiDriverObject(volume.name) };
  if (!componentPods(ctx.kube, DRIVER_POD_APPS, nodeName).some(isReady)) return { ok: false, event: m.driverNotRegistered(volume.name) };
  const secretRef = volume.csi?.nodePublishSecretRef?.name;
  if (secretRef !== undefined && ctx.kube.get('secrets', namespace, secretRef) === undefined) {
    return { ok: false, event: m.nodePublishSecretMissing(volume.name, namespace, secretRef) };
  }
  const driverFailure = (rpc: string, driverError?: string): VolumeResult => ({
    ok: false,
    event: m.setUpFailed(ctx.eras, volume.name, rpc),
    ...(driverError === undefined ? {} : { driverError }),
  });
  const spcName = volume.csi?.volumeAttributes?.secretProviderClass ?? '';
  if (spcName === '') return driverFailure(m.secretProviderClassNotSet());
  const spc = ctx.kube.get('secretproviderclasses', namespace, spcName) as SecretProviderClassObject | undefined;
  if (spc === undefined) return driverFailure(m.secretProviderClassNotFound(namespace, spcName));
  const provider = spc.spec.provider ?? '';
  if (provider === '') return driverFailure(m.rpcUnknown(`provider not set in ${namespace}/${spcName}`));
  if (Object.keys(spc.spec.parameters ?? {}).length === 0) return driverFailure(m.rpcUnknown(`parameters not set in ${namespace}/${spcName}`));
  if (volume.csi?.readOnly !== true) return driverFailure(m.readOnlyNotTrue());
  const providerPods = provider === 'azure' ? componentPods(ctx.kube, PROVIDER_POD_APPS, nodeName) : [];
  if (providerPods.length === 0) {
    const cause = m.providerNotFound(provider);
    return driverFailure(m.mountObjectsFailed(namespace, pod.metadata.name, cause), cause);
  }
  if (!providerPods.some(isReady)) {
    // The driver dials with waitForReady (provider_client.go ServiceConfig), so the call blocks until kubelet's
    // deadline; the refused connection shows only in the driver's log, as grpc-go's picker reports it.
    return { ok: false, event: m.deadlineExceeded(volume.name), driverError: m.providerDeadlineWhileRefused(provider), deadline: true };
  }

  const result = runProvider(ctx, pod, volume, spc);
  if (!result.ok) {
    const rpc = m.mountObjectsFailed(namespace, pod.metadata.name, m.providerMountFailed(result.message));
    return {
      ok: false,
      event: result.deadline === true ? m.deadlineExceeded(volume.name) : m.setUpFailed(ctx.eras, volume.name, rpc),
      providerLog: result.message,
      driverError: result.deadline === true ? 'rpc error: code = DeadlineExceeded desc = context deadline exceeded' : m.providerMountFailed(result.message),
      ...(result.deadline === true ? { deadline: true } : {}),
    };
  }
  if (result.files.size === 0) {
    return driverFailure(m.mountObjectsFailed(namespace, pod.metadata.name, m.MISSING_OBJECT_VERSIONS), m.MISSING_OBJECT_VERSIONS);
  }
  return { ok: true, spc, files: result.files };
}

function logTo(ctx: ClusterContext, apps: string[], nodeName: string, line: string): void {
  for (const pod of componentPods(ctx.kube, apps, nodeName)) {
    const container = pod.spec.containers.find((c) => c.name === 'secrets-store' || c.name === 'provider-azure-installer') ?? pod.spec.containers[0];
    if (container !== undefined) ctx.kube.appendLog({ namespace: pod.metadata.namespace ?? 'kube-system', pod: pod.metadata.name, container: container.name }, line, ctx.nowMs);
  }
}

/** Writes the SPCPS and syncs `secretObjects` (catalogue §1.6, §1.7); returns sync failures as controller events. */
function recordMount(ctx: ClusterContext, pod: PodObject, volume: PodVolume, spc: SecretProviderClassObject, files: Map<string, MountedFile>): void {
  const namespace = pod.metadata.namespace ?? 'default';
  const nodeName = pod.spec.nodeName ?? '';
  const objects = [...new Map([...files.values()].map((f) => [f.id, { id: f.id, version: f.version }])).values()].sort((a, b) => a.id.localeCompare(b.id));
  ctx.kube.upsert('secretproviderclasspodstatuses', {
    apiVersion: 'secrets-store.csi.x-k8s.io/v1',
    kind: 'SecretProviderClassPodStatus',
    metadata: {
      name: spcpsName(pod, spc.metadata.name), namespace,
      labels: { 'internal.secrets-store.csi.k8s.io/node-name': nodeName },
      ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name, uid: pod.metadata.uid ?? '' }],
    },
    status: {
      podName: pod.metadata.name,
      secretProviderClassName: spc.metadata.name,
      mounted: true,
      targetPath: `/var/lib/kubelet/pods/${pod.metadata.uid ?? ''}/volumes/kubernetes.io~csi/${volume.name}/mount`,
      objects,
    },
  });
  for (const secretObject of spc.spec.secretObjects ?? []) {
    const emptyField = (secretObject.secretName ?? '') === '' ? 'secret name is empty' as const
      : (secretObject.type ?? '') === '' ? 'secret type is empty' as const
        : (secretObject.data ?? []).length === 0 ? 'data is empty' as const : undefined;
    if (emptyField !== undefined) {
      // v1.6 only logs it; the ≤1.5 rotation reconciler is not simulated (it runs on a timer).
      logTo(ctx, DRIVER_POD_APPS, nodeName, m.driverLog(ctx.nowMs, 'E', 'secretproviderclasspodstatus_controller.go:294', `"failed to validate secret object in spc" err="${emptyField}" spc="${namespace}/${spc.metadata.name}"`));
      continue;
    }
    const secretName = secretObject.secretName ?? '';
    const data: Record<string, string> = {};
    let missing: string | undefined;
    for (const item of secretObject.data ?? []) {
      const file = files.get(item.objectName ?? '');
      if (file === undefined) {
        missing = item.objectName ?? '';
        break;
      }
      data[item.key ?? ''] = file.content.toString('base64');
    }
    if (missing !== undefined) {
      ctx.kube.recordEvent({
        involvedObject: pod, type: 'Warning', reason: 'FailedToCreateSecret', component: 'csi-secrets-store-controller', host: nodeName,
        message: m.fileNotFoundInPod({ namespace, spc: spc.metadata.name, secret: secretName, objectName: missing }),
      });
      continue;
    }
    const existing = ctx.kube.get('secrets', namespace, secretName);
    ctx.kube.upsert('secrets', {
      ...(existing ?? {}),
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        ...(existing?.metadata ?? {}),
        name: secretName, namespace,
        labels: { ...(existing?.metadata.labels ?? {}), ...(secretObject.labels ?? {}), [MANAGED_LABEL]: 'true' },
        ...(secretObject.annotations === undefined ? {} : { annotations: secretObject.annotations }),
        ownerReferences: (pod.metadata.ownerReferences ?? []).length > 0 ? pod.metadata.ownerReferences : [{ apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name, uid: pod.metadata.uid ?? '' }],
      },
      type: secretObject.type,
      data,
    } as KubeObject);
  }
}

/** Secrets the containers need before they can start (env secretKeyRef and envFrom secretRef, unless optional). */
function missingContainerSecrets(kube: KubeClusterState, pod: PodObject): string[] {
  const names = new Set<string>();
  for (const container of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
    const env = (container.env ?? []) as { valueFrom?: { secretKeyRef?: { name: string; optional?: boolean } } }[];
    for (const e of env) if (e.valueFrom?.secretKeyRef && e.valueFrom.secretKeyRef.optional !== true) names.add(e.valueFrom.secretKeyRef.name);
    const envFrom = (container.envFrom ?? []) as { secretRef?: { name: string; optional?: boolean } }[];
    for (const e of envFrom) if (e.secretRef && e.secretRef.optional !== true) names.add(e.secretRef.name);
  }
  return [...names].filter((name) => kube.get('secrets', pod.metadata.namespace, name) === undefined);
}

function condition(type: string, ok: boolean, at: string, reason?: string, message?: string): PodCondition {
  return { type, status: ok ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: at, ...(reason === undefined ? {} : { reason }), ...(message === undefined ? {} : { message }) };
}

function containerStatuses(pod: PodObject, state: 'running' | { reason: string; message?: string }, at: string): ContainerStatus[] {
  return pod.spec.containers.map((c) => {
    const image = c.image ?? '';
    const running = state === 'running';
    return {
      name: c.name,
      ready: running,
      started: running,
      restartCount: 0,
      image,
      imageID: running ? `${image.split(':')[0] ?? image}@sha256:${deterministicUuid('image', image).replace(/-/g, '')}${'0'.repeat(32)}` : '',
      ...(running ? { containerID: `containerd://${deterministicUuid('container', pod.metadata.uid ?? '', c.name).replace(/-/g, '')}${'0'.repeat(32)}` } : {}),
      state: running ? { running: { startedAt: at } } : { waiting: state },
    };
  });
}

/** Writes the pod's status only when it changes, as kubelet's status manager does. */
function setPodStatus(ctx: ClusterContext, pod: PodObject, ready: 'running' | { reason: string; message?: string }): void {
  const at = new Date(ctx.nowMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const previous = pod.status ?? {};
  const running = ready === 'running';
  const keep = (type: string, ok: boolean, reason?: string): PodCondition => {
    const old = (previous.conditions ?? []).find((c) => c.type === type);
    return old !== undefined && (old.status === 'True') === ok && old.reason === reason ? old : condition(type, ok, at, reason, reason === undefined ? undefined : `containers with unready status: [${pod.spec.containers.map((c) => c.name).join(' ')}]`);
  };
  const status = {
    ...previous,
    phase: running ? 'Running' : 'Pending',
    conditions: [
      keep('PodReadyToStartContainers', running || typeof ready !== 'string' && ready.reason !== 'ContainerCreating'),
      keep('Initialized', true),
      keep('Ready', running, running ? undefined : 'ContainersNotReady'),
      keep('ContainersReady', running, running ? undefined : 'ContainersNotReady'),
      keep('PodScheduled', true),
    ],
    containerStatuses: containerStatuses(pod, ready, at),
    hostIP: previous.hostIP ?? '10.224.0.4',
    startTime: previous.startTime ?? at,
    qosClass: previous.qosClass ?? 'BestEffort',
    ...(running ? { podIP: previous.podIP ?? `10.244.${(deterministicUuid('ip', pod.metadata.uid ?? '').charCodeAt(0) % 200) + 1}.${(deterministicUuid('ip2', pod.metadata.uid ?? '').charCodeAt(1) % 250) + 2}` } : {}),
  };
  // Compare without timestamps of states that did not change.
  const comparable = (s: unknown): string => JSON.stringify(s, (k, v: unknown) => (k === 'startedAt' ? undefined : v));
  if (comparable(status) === comparable(previous)) return;
  if (previous.phase === 'Running' && running) return;
  ctx.kube.upsert('pods', { ...pod, status } as KubeObject);
}

/** What kubelet remembers about one volume of one pod between passes. */
interface VolumeMemory {
  failures: number;
  nextRetryMs: number;
  /** A call that hangs: it fails (with `pending`) when kubelet's deadline passes. */
  inFlightUntilMs?: number;
  pending?: VolumeFailure;
}

interface PodMemory {
  firstFailureMs: number;
  lastTimeoutEventMs?: number;
  lastRotationMs?: number;
}

/** kubelet's exponential backoff for volume operations (pkg/util/goroutinemap/exponentialbackoff): 500 ms doubling to 2m2s. */
export const KUBELET_INITIAL_BACKOFF_MS = 500;
export const KUBELET_MAX_BACKOFF_MS = 122_000;
/** kubelet's csiTimeout for NodePublishVolume (pkg/volume/csi/csi_plugin.go). */
export const CSI_TIMEOUT_MS = 120_000;
/** kubelet's podAttachAndMountTimeout (pkg/kubelet/volumemanager/volume_manager.go): 2m3s. */
export const POD_ATTACH_AND_MOUNT_TIMEOUT_MS = 123_000;

function backoffMs(failures: number): number {
  return Math.min(KUBELET_INITIAL_BACKOFF_MS * 2 ** Math.max(0, failures - 1), KUBELET_MAX_BACKOFF_MS);
}

function memoryOf<T>(ctx: ClusterContext, key: string): T | undefined {
  return ctx.kube.kubelet.get(key) as T | undefined;
}

/**
 * kubelet mounts only the volumes some container mounts: the desired-state populator skips the rest
 * (pkg/kubelet/volumemanager/populator/desired_state_of_world_populator.go, "Skipping unused volume").
 */
function usedVolumeNames(pod: PodObject): Set<string> {
  const names = new Set<string>();
  for (const container of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
    for (const mount of (container['volumeMounts'] ?? []) as { name?: string }[]) if (mount.name !== undefined) names.add(mount.name);
    for (const device of (container['volumeDevices'] ?? []) as { name?: string }[]) if (device.name !== undefined) names.add(device.name);
  }
  return names;
}

function reportFailure(ctx: ClusterContext, pod: PodObject, failure: VolumeFailure): void {
  const nodeName = pod.spec.nodeName ?? '';
  const namespace = pod.metadata.namespace ?? 'default';
  ctx.kube.recordEvent({ involvedObject: pod, type: 'Warning', reason: 'FailedMount', component: 'kubelet', host: nodeName, message: failure.event });
  // The provider logs only what reached it; the driver only what came back from the provider call.
  if (failure.providerLog !== undefined) logTo(ctx, PROVIDER_POD_APPS, nodeName, m.providerMountLog(ctx.nowMs, failure.providerLog));
  if (failure.driverError !== undefined) logTo(ctx, DRIVER_POD_APPS, nodeName, m.driverMountLog(ctx.eras, ctx.nowMs, failure.driverError, `${namespace}/${pod.metadata.name}`, false));
}

/** One volume: mounted already, waiting for backoff or a hanging call, or a fresh attempt. Returns whether it is mounted. */
function reconcileVolume(ctx: ClusterContext, pod: PodObject, volume: PodVolume): boolean {
  if (alreadyMounted(ctx.kube, pod, volume)) return true;
  const key = `volume/${pod.metadata.uid ?? pod.metadata.name}/${volume.name}`;
  const memory = memoryOf<VolumeMemory>(ctx, key);
  const realistic = ctx.timing === 'realistic';
  if (realistic && memory?.inFlightUntilMs !== undefined) {
    if (ctx.nowMs < memory.inFlightUntilMs) return false;
    if (memory.pending !== undefined) reportFailure(ctx, pod, memory.pending);
    const failures = memory.failures + 1;
    ctx.kube.kubelet.set(key, { failures, nextRetryMs: ctx.nowMs + backoffMs(failures) } satisfies VolumeMemory);
    return false;
  }
  if (realistic && memory !== undefined && ctx.nowMs < memory.nextRetryMs) return false;
  const result = mountVolume(ctx, pod, volume);
  if (result.ok) {
    recordMount(ctx, pod, volume, result.spc, result.files);
    ctx.kube.kubelet.delete(key);
    return true;
  }
  const failures = (memory?.failures ?? 0) + 1;
  if (realistic && result.deadline === true) {
    ctx.kube.kubelet.set(key, { failures: failures - 1, nextRetryMs: ctx.nowMs, inFlightUntilMs: ctx.nowMs + CSI_TIMEOUT_MS, pending: result } satisfies VolumeMemory);
    return false;
  }
  reportFailure(ctx, pod, result);
  ctx.kube.kubelet.set(key, { failures, nextRetryMs: ctx.nowMs + backoffMs(failures) } satisfies VolumeMemory);
  return false;
}

/**
 * kubelet's pod-level FailedMount once WaitForAttachAndMount gives up (podAttachAndMountTimeout), on the kubelets
 * whose wait ends with "timed out waiting for the condition" (see m.unableToAttachOrMount).
 */
function reportPodTimeout(ctx: ClusterContext, pod: PodObject, unmounted: string[], used: string[]): void {
  if (ctx.timing !== 'realistic') return;
  const key = `pod/${pod.metadata.uid ?? pod.metadata.name}`;
  const memory = memoryOf<PodMemory>(ctx, key) ?? { firstFailureMs: ctx.nowMs };
  const since = memory.lastTimeoutEventMs ?? memory.firstFailureMs;
  const text = ctx.nowMs - since >= POD_ATTACH_AND_MOUNT_TIMEOUT_MS ? m.unableToAttachOrMount(ctx.eras, { unmounted, all: used }) : undefined;
  if (text !== undefined) {
    ctx.kube.recordEvent({ involvedObject: pod, type: 'Warning', reason: 'FailedMount', component: 'kubelet', host: pod.spec.nodeName ?? '', message: text });
    memory.lastTimeoutEventMs = ctx.nowMs;
  } else if (ctx.nowMs - since >= POD_ATTACH_AND_MOUNT_TIMEOUT_MS) {
    memory.lastTimeoutEventMs = ctx.nowMs;
  }
  ctx.kube.kubelet.set(key, memory);
}

function reconcilePod(ctx: ClusterContext, pod: PodObject): void {
  const used = usedVolumeNames(pod);
  const volumes = csiVolumes(pod).filter((v) => used.has(v.name));
  const nodeName = pod.spec.nodeName ?? '';
  const namespace = pod.metadata.namespace ?? 'default';
  const unmounted: string[] = [];
  for (const volume of volumes) {
    if (!reconcileVolume(ctx, pod, volume)) unmounted.push(volume.name);
  }
  const current = (ctx.kube.get('pods', namespace, pod.metadata.name) as PodObject | undefined) ?? pod;
  if (unmounted.length > 0) {
    reportPodTimeout(ctx, current, unmounted, (pod.spec.volumes ?? []).map((v) => v.name).filter((name) => used.has(name)));
    setPodStatus(ctx, current, { reason: 'ContainerCreating' });
    return;
  }
  ctx.kube.kubelet.delete(`pod/${pod.metadata.uid ?? pod.metadata.name}`);
  rotateMounts(ctx, current, volumes);
  const missing = missingContainerSecrets(ctx.kube, current);
  if (missing.length > 0) {
    const message = `secret "${missing[0] ?? ''}" not found`;
    ctx.kube.recordEvent({ involvedObject: current, type: 'Warning', reason: 'Failed', component: 'kubelet', host: nodeName, message: m.containerSecretNotFound(missing[0] ?? '') });
    setPodStatus(ctx, current, { reason: 'CreateContainerConfigError', message });
    return;
  }
  setPodStatus(ctx, current, 'running');
}

/**
 * Rotation of mounted volumes, when the cluster's add-on has it on (catalogue G). Drivers ≤ v1.5 run a reconciler
 * every rotation poll interval that emits MountRotationFailed / SecretRotationFailed (pkg/rotation/reconciler.go at
 * v1.5.6, component csi-secrets-store-rotation); v1.6 rotates through kubelet's requiresRepublish remounts, whose
 * errors the driver masks: only its log has them, with isRemountRequest=true (nodeserver.go:245).
 */
function rotateMounts(ctx: ClusterContext, pod: PodObject, volumes: PodVolume[]): void {
  const rotation = ctx.managedCluster?.secretRotation;
  if (rotation?.enabled !== true || volumes.length === 0) return;
  const key = `rotation/${pod.metadata.uid ?? pod.metadata.name}`;
  const memory = memoryOf<PodMemory>(ctx, key);
  if (memory?.lastRotationMs !== undefined && ctx.nowMs - memory.lastRotationMs < rotation.pollIntervalInMs) return;
  ctx.kube.kubelet.set(key, { firstFailureMs: memory?.firstFailureMs ?? ctx.nowMs, lastRotationMs: ctx.nowMs } satisfies PodMemory);
  const nodeName = pod.spec.nodeName ?? '';
  const namespace = pod.metadata.namespace ?? 'default';
  for (const volume of volumes) {
    const spcName = volume.csi?.volumeAttributes?.secretProviderClass ?? '';
    const spc = ctx.kube.get('secretproviderclasses', namespace, spcName) as SecretProviderClassObject | undefined;
    if (spc === undefined) continue;
    const result = runProvider(ctx, pod, volume, spc);
    if (result.ok) {
      recordMount(ctx, pod, volume, spc, result.files);
      continue;
    }
    logTo(ctx, PROVIDER_POD_APPS, nodeName, m.providerMountLog(ctx.nowMs, result.message));
    if (ctx.eras.driver === 'reconciler') {
      ctx.kube.recordEvent({ involvedObject: pod, type: 'Warning', reason: 'MountRotationFailed', component: 'csi-secrets-store-rotation', message: m.mountRotationFailed(m.providerMountFailed(result.message)) });
    } else {
      logTo(ctx, DRIVER_POD_APPS, nodeName, m.driverMountLog(ctx.eras, ctx.nowMs, m.providerMountFailed(result.message), `${namespace}/${pod.metadata.name}`, true));
    }
  }
}

/** The next sandbox time at which kubelet or the driver would act by themselves (a retry, a deadline, a rotation). */
export function nextMountActionMs(state: MountLoopState, nowMs: number): number | undefined {
  let next: number | undefined;
  const consider = (at: number | undefined): void => {
    if (at !== undefined && at > nowMs && (next === undefined || at < next)) next = at;
  };
  for (const [name, kube] of Object.entries(state.kubernetes)) {
    const rotation = state.azure.managedClusters.find((c) => c.name === name)?.secretRotation;
    for (const [key, value] of kube.kubelet) {
      if (key.startsWith('volume/')) {
        const memory = value as VolumeMemory;
        consider(memory.inFlightUntilMs ?? memory.nextRetryMs);
      } else if (key.startsWith('pod/')) {
        const memory = value as PodMemory;
        consider((memory.lastTimeoutEventMs ?? memory.firstFailureMs) + POD_ATTACH_AND_MOUNT_TIMEOUT_MS);
      } else if (key.startsWith('rotation/') && rotation?.enabled === true) {
        consider(((value as PodMemory).lastRotationMs ?? nowMs) + rotation.pollIntervalInMs);
      }
    }
  }
  return next;
}

/** Pods kubelet is still trying to start (or that mount a CSI volume): scheduled, not finished, not being deleted. */
function podsToReconcile(kube: KubeClusterState): PodObject[] {
  return (kube.list('pods').items as PodObject[]).filter((pod) => pod.spec.nodeName !== undefined && pod.metadata.deletionTimestamp === undefined
    && !['Succeeded', 'Failed'].includes(pod.status?.phase ?? '')
    && !(pod.metadata.ownerReferences ?? []).some((o) => o.kind === 'DaemonSet')
    && (csiVolumes(pod).length > 0 || pod.status?.phase === undefined || pod.status.phase === 'Pending'));
}

/**
 * One pass of what kubelet, the driver and the provider would do for every pod: mount CSI volumes (or record the
 * FailedMount with the catalogue's text for the cluster's versions), sync Secrets, write the SPCPS, start containers.
 * Runs only when called, so tests and demos are deterministic.
 */
export function reconcileMounts(state: MountLoopState, options: ReconcileMountsOptions): void {
  for (const [name, kube] of Object.entries(state.kubernetes)) {
    const managedCluster = state.azure.managedClusters.find((c) => c.name === name);
    const ctx: ClusterContext = { name, kube, azure: state.azure, managedCluster, eras: m.messageErasFor(versionsFor(managedCluster)), nowMs: options.nowMs,
      isHostUnreachable: options.isHostUnreachable ?? (() => false),
      timing: options.timing ?? 'instant',
    };
    for (const pod of podsToReconcile(kube)) reconcilePod(ctx, pod);
  }
}
