/**
 * The texts kubelet, the Secrets Store CSI driver and the Azure provider write, per version, as quoted in
 * csi-failure-catalogue.md. Each function returns one layer; `failedMountEvent` nests them the way the components do.
 */
import type { EntraErrorJson } from '../azure/entra.js';

/** Provider message eras (catalogue §0): autorest ≤1.4.1, azidentity/azcore 1.5.0–1.7.2, identity-mode enum 1.8.x. */
export type ProviderEra = 'autorest' | 'azcore' | 'modes';
/** Driver eras: ≤1.5.x has the rotation reconciler; 1.6.0 rotates through kubelet RequiresRepublish. */
export type DriverEra = 'reconciler' | 'republish';
/** Older kubelets prefix NodePublish errors with `kubernetes.io/csi: mounter.SetupAt failed: `. */
export type KubeletEra = 'wrapped' | 'unwrapped';

/**
 * How kubelet's WaitForAttachAndMount ends (pkg/kubelet/volumemanager/volume_manager.go): two lists and
 * "timed out waiting for the condition" (wait.PollImmediate's ErrWaitTimeout), then a third list "failed to process
 * volumes", then wait.PollUntilContextTimeout whose error is the context's. The Kubernetes versions where each
 * changed are the sandbox's estimate (1.25 and 1.28); the format strings are upstream's.
 */
export type PodTimeoutEra = 'two-lists' | 'three-lists' | 'context';

export interface MessageEras {
  provider: ProviderEra;
  driver: DriverEra;
  kubelet: KubeletEra;
  podTimeout: PodTimeoutEra;
}

export interface MountVersions {
  providerVersion: string;
  driverVersion: string;
  /** The cluster's Kubernetes version (kubelet), e.g. `1.30.5`. */
  kubernetesVersion?: string;
}

function parseVersion(version: string): [number, number, number] {
  const match = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(version.trim());
  if (!match) throw new RangeError(`not a version: "${version}"`);
  return [Number(match[1]), Number(match[2]), Number(match[3] ?? '0')];
}

function atLeast(version: string, minimum: [number, number, number]): boolean {
  const v = parseVersion(version);
  for (let i = 0; i < 3; i += 1) {
    if ((v[i] ?? 0) !== minimum[i]) return (v[i] ?? 0) > minimum[i]!;
  }
  return true;
}

/**
 * The message eras for a cluster's stated versions. The kubelet wrapper was dropped when kubelet started to return
 * the driver's gRPC error as is; we place that at Kubernetes 1.19 (the catalogue notes both forms in the wild).
 */
export function messageErasFor(versions: MountVersions): MessageEras {
  const provider: ProviderEra = atLeast(versions.providerVersion, [1, 8, 0]) ? 'modes'
    : atLeast(versions.providerVersion, [1, 5, 0]) ? 'azcore' : 'autorest';
  const driver: DriverEra = atLeast(versions.driverVersion, [1, 6, 0]) ? 'republish' : 'reconciler';
  const kubelet: KubeletEra = versions.kubernetesVersion !== undefined && !atLeast(versions.kubernetesVersion, [1, 19, 0]) ? 'wrapped' : 'unwrapped';
  const kubernetes = versions.kubernetesVersion ?? '1.31.0';
  const podTimeout: PodTimeoutEra = atLeast(kubernetes, [1, 28, 0]) ? 'context' : atLeast(kubernetes, [1, 25, 0]) ? 'three-lists' : 'two-lists';
  return { provider, driver, kubelet, podTimeout };
}

export const CSI_DRIVER_NAME = 'secrets-store.csi.k8s.io';
export const PROVIDERS_DIR = '/var/run/secrets-store-csi-providers';

// ---------------------------------------------------------------- kubelet (the FailedMount event text)

/** `MountVolume.SetUp failed for volume "<v>" : [kubernetes.io/csi: mounter.SetupAt failed: ]<rpc error>` */
export function setUpFailed(eras: MessageEras, volume: string, rpcError: string): string {
  const wrapper = eras.kubelet === 'wrapped' ? 'kubernetes.io/csi: mounter.SetupAt failed: ' : '';
  return `MountVolume.SetUp failed for volume "${volume}" : ${wrapper}${rpcError}`;
}

/** A1: the driver is not registered with kubelet on the node. */
export function driverNotRegistered(volume: string): string {
  return `MountVolume.SetUp failed for volume "${volume}" : kubernetes.io/csi: mounter.SetUpAt failed to get CSI client: driver name ${CSI_DRIVER_NAME} not found in the list of registered CSI drivers`;
}

/** A2: no CSIDriver object, so kubelet refuses the inline (ephemeral) volume. */
export function noCsiDriverObject(volume: string): string {
  return `MountVolume.NewMounter initialization failed for volume "${volume}" : volume mode "Ephemeral" not supported by driver ${CSI_DRIVER_NAME} (no CSIDriver object)`;
}

/** A6: the NodePublishVolume call ran into kubelet's 2-minute csiTimeout. */
export function deadlineExceeded(volume: string): string {
  return `MountVolume.SetUp failed for volume "${volume}" : rpc error: code = DeadlineExceeded desc = context deadline exceeded`;
}

/**
 * kubelet.go's pod-level event `Unable to attach or mount volumes: %v` around volume_manager.go's
 * `unmounted volumes=%v, unattached volumes=%v[, failed to process volumes=%v]: %s|%w` (Go prints a []string as
 * `[a b]`). CSI ephemeral volumes are not attachable, so kubelet counts them attached at once: the second list is empty.
 */
export function unableToAttachOrMount(eras: MessageEras, input: { unmounted: string[]; all: string[] }): string {
  const list = (names: string[]): string => `[${names.join(' ')}]`;
  const lists = eras.podTimeout === 'two-lists'
    ? `unmounted volumes=${list(input.unmounted)}, unattached volumes=[]`
    : `unmounted volumes=${list(input.unmounted)}, unattached volumes=[], failed to process volumes=[]`;
  const cause = eras.podTimeout === 'context' ? 'context deadline exceeded' : 'timed out waiting for the condition';
  return `Unable to attach or mount volumes: ${lists}: ${cause}`;
}

/** A8: kubelet could not read the nodePublishSecretRef Secret from the pod's namespace. */
export function nodePublishSecretMissing(volume: string, namespace: string, secret: string): string {
  return `MountVolume.SetUp failed for volume "${volume}" : fetching NodePublishSecretRef ${namespace}/${secret} failed: kubernetes.io/csi: failed to find the secret ${secret} in the namespace ${namespace} with error: secrets "${secret}" not found`;
}

// ---------------------------------------------------------------- driver (NodePublishVolume gRPC status)

/** A plain Go error returned by NodePublishVolume reaches kubelet as gRPC code Unknown. */
export function rpcUnknown(description: string): string {
  return `rpc error: code = Unknown desc = ${description}`;
}

/** A3: the SPC is looked up in the pod's namespace. */
export function secretProviderClassNotFound(namespace: string, name: string): string {
  return rpcUnknown(`failed to get secretproviderclass ${namespace}/${name}, error: secretproviderclasses.secrets-store.csi.x-k8s.io "${name}" not found`);
}

export function readOnlyNotTrue(): string {
  return 'rpc error: code = InvalidArgument desc = Readonly is not true in request';
}

export function secretProviderClassNotSet(): string {
  return rpcUnknown('secretProviderClass is not set');
}

/** `failed to mount secrets store objects for pod <ns>/<pod>, err: <cause>` (driver nodeserver.go:251). */
export function mountObjectsFailed(namespace: string, pod: string, cause: string): string {
  return rpcUnknown(`failed to mount secrets store objects for pod ${namespace}/${pod}, err: ${cause}`);
}

/** A4: no provider socket. */
export function providerNotFound(provider: string): string {
  return `error connecting to provider "${provider}": provider not found: provider "${provider}"`;
}

/** A5: the socket exists but nothing accepts connections (provider restarting). */
export function providerNotAnswering(provider: string): string {
  return `rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial unix ${PROVIDERS_DIR}/${provider}.sock: connect: connection refused"`;
}

/**
 * A5 on drivers that dial with waitForReady (provider_client.go ServiceConfig): the RPC waits for the connection
 * until the context ends, and grpc-go's picker then reports DeadlineExceeded with "latest balancer error: <last
 * connection error>" (picker_wrapper.go). Only the driver's log shows it; kubelet sees its own deadline.
 */
export function providerDeadlineWhileRefused(provider: string): string {
  return `rpc error: code = DeadlineExceeded desc = latest balancer error: connection error: desc = "transport: Error while dialing: dial unix ${PROVIDERS_DIR}/${provider}.sock: connect: connection refused"`;
}

/** G1: the ≤ v1.5 rotation reconciler's event (pkg/rotation/reconciler.go:403 at v1.5.6: `provider mount err: %+v`). */
export function mountRotationFailed(providerError: string): string {
  return `provider mount err: ${providerError}`;
}

/** A10: the provider returned no objects. */
export const MISSING_OBJECT_VERSIONS = 'missing object versions';

/** The provider's error as the driver receives it over gRPC (provider server.go:61). */
export function providerMountFailed(providerMessage: string): string {
  return rpcUnknown(`failed to mount objects, error: ${providerMessage}`);
}

// ---------------------------------------------------------------- provider: configuration (catalogue B)

export function keyvaultNameMissing(eras: MessageEras): string {
  return eras.provider === 'modes' ? 'keyvaultName is not provided' : 'keyvaultName is not set';
}

export function tenantIdMissing(eras: MessageEras): string {
  return eras.provider === 'modes' ? 'tenantId is not provided' : 'tenantId is not set';
}

export function invalidVaultNameLength(name: string): string {
  return `failed to get vault: Invalid vault name: ${goQuote(name)}, must be between 3 and 24 chars`;
}

export function invalidVaultNameCharacters(name: string): string {
  return `failed to get vault: Invalid vault name: ${goQuote(name)}, must match [-a-zA-Z0-9]{3,24}`;
}

export function parseBoolFailed(flag: string, value: string): string {
  return `failed to parse ${flag} flag, error: strconv.ParseBool: parsing ${goQuote(value)}: invalid syntax`;
}

export function identityModesConflict(eras: MessageEras): string {
  return eras.provider === 'modes'
    ? 'only one identity mode can be enabled at a time: usePodIdentity, useVMManagedIdentity, or useAzureTokenProxy'
    : 'failed to create auth config, error: cannot enable both pod identity and user-assigned managed identity';
}

export type AuthMode = 'None' | 'PodIdentity' | 'VMManagedIdentity' | 'AzureTokenProxy';

/** v1.8 wraps auth-config failures with the mode; older providers with `failed to create auth config, error:`. */
export function authConfigFailed(eras: MessageEras, mode: AuthMode, cause: string): string {
  return eras.provider === 'modes' ? `failed to build auth config for mode ${mode}: ${cause}` : `failed to create auth config, error: ${cause}`;
}

export const NODE_PUBLISH_SECRET_NOT_SET = 'failed to get credentials, nodePublishSecretRef secret is not set';

export function credentialKeyMissing(key: 'clientid' | 'clientsecret'): string {
  return `could not find ${key} in secrets`;
}

/** C4.1: no projected token for the workload-identity audience (CSIDriver `tokenRequests`). */
export function workloadIdentityTokensMissing(eras: MessageEras): string {
  const cause = 'failed to parse workload identity tokens, error: service account tokens not found';
  return eras.provider === 'modes' ? `failed to build auth config for mode None: ${cause}` : cause;
}

export function objectsNotSet(): string {
  return 'objects is not set';
}

export function objectsYamlFailed(detail: string): string {
  return `failed to yaml unmarshal objects, error: ${detail}`;
}

export function objectEntryYamlFailed(index: number, detail: string): string {
  return `unmarshal failed for keyVaultObjects at index ${index}, error: ${detail}`;
}

export interface ObjectRef {
  objectType: string;
  objectName: string;
  objectVersion: string;
}

/** Every per-object provider error is prefixed with the object's type, name and version. */
export function objectFailed(object: ObjectRef, cause: string): string {
  return `failed to get objectType:${object.objectType}, objectName:${object.objectName}, objectVersion:${object.objectVersion}: ${cause}`;
}

export const INVALID_OBJECT_TYPE = 'Invalid vaultObjectTypes. Should be secret, key, or cert';

export function invalidObjectFormat(format: string): string {
  return `invalid objectFormat: ${format}, should be PEM or PFX`;
}

export const PFX_ONLY_FOR_SECRET = 'PFX format only supported for objectType: secret';
export const ENCODING_ONLY_FOR_SECRET = 'objectEncoding only supported for objectType: secret';

export function invalidObjectEncoding(encoding: string): string {
  return `invalid objectEncoding: ${encoding}, should be hex, base64 or utf-8`;
}

export const FILE_NAME_EMPTY = 'file name must not be empty';
export const FILE_NAME_NOT_RELATIVE = 'file name must be a relative path';
export const FILE_NAME_DOT_DOT = "file name must not contain '..'";

// ---------------------------------------------------------------- provider: identity and Key Vault (catalogue C, D)

const SEPARATOR = '--------------------------------------------------------------------------------';

/** Go's %q for the ASCII texts we quote (JSON string escaping matches it there). */
function goQuote(value: string): string {
  return JSON.stringify(value);
}

const OBJECT_PATHS: Record<string, { path: string; autorestMethod: string }> = {
  secret: { path: 'secrets', autorestMethod: 'GetSecret' },
  key: { path: 'keys', autorestMethod: 'GetKey' },
  cert: { path: 'certificates', autorestMethod: 'GetCertificate' },
};

export interface KeyVaultServiceError {
  vaultName: string;
  object: ObjectRef;
  status: number;
  code: string;
  innerCode?: string;
  message: string;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable',
};

/**
 * A Key Vault error as the provider's SDK prints it: autorest's one-liner (≤1.4.1) or azcore's multi-line
 * ResponseError (≥1.5.0). Not yet wrapped with the object prefix.
 */
export function keyVaultError(eras: MessageEras, error: KeyVaultServiceError): string {
  const target = OBJECT_PATHS[error.object.objectType] ?? { path: 'secrets', autorestMethod: 'GetSecret' };
  if (eras.provider === 'autorest') {
    const inner = error.innerCode === undefined ? '' : ` InnerError={"code":"${error.innerCode}"}`;
    return `keyvault.BaseClient#${target.autorestMethod}: Failure responding to request: StatusCode=${error.status} -- Original Error: autorest/azure: Service returned an error. Status=${error.status} Code=${goQuote(error.code)} Message=${goQuote(error.message)}${inner}`;
  }
  const body = { error: { code: error.code, message: error.message, ...(error.innerCode === undefined ? {} : { innererror: { code: error.innerCode } }) } };
  return [
    `GET https://${error.vaultName}.vault.azure.net/${target.path}/${error.object.objectName}/${error.object.objectVersion}`,
    SEPARATOR,
    `RESPONSE ${error.status}: ${error.status} ${STATUS_TEXT[error.status] ?? ''}`.trimEnd(),
    `ERROR CODE: ${error.code}`,
    SEPARATOR,
    JSON.stringify(body, null, 2),
    SEPARATOR,
    '',
  ].join('\n');
}

/**
 * A workload-identity token failure (C4.2–C4.4). ≤1.4.1 fails while building the client (MSAL's text); ≥1.5 fails
 * lazily at the first object with azidentity's ClientAssertionCredential error. Returns the full provider message.
 */
export function workloadIdentityTokenFailed(eras: MessageEras, input: { tenantId: string; status: number; body: EntraErrorJson; firstObject: ObjectRef }): string {
  const url = `https://login.microsoftonline.com/${input.tenantId}/oauth2/v2.0/token`;
  if (eras.provider === 'autorest') {
    return `failed to get keyvault client: failed to get authorizer for keyvault client: failed to acquire token: FromAssertion(): http call(${url})(POST) error: reply status code was ${input.status}: ${JSON.stringify(input.body)}`;
  }
  const text = [
    'ClientAssertionCredential authentication failed. ',
    `POST ${url}`,
    SEPARATOR,
    `RESPONSE ${input.status}: ${input.status} ${STATUS_TEXT[input.status] ?? ''}`.trimEnd(),
    SEPARATOR,
    JSON.stringify(input.body, null, 2),
    SEPARATOR,
    '',
  ].join('\n');
  return objectFailed(input.firstObject, text);
}

/** C3: IMDS does not know the requested user-assigned identity on the node VMSS. */
export function managedIdentityNotFound(eras: MessageEras, input: { clientId: string; vaultName: string; object: ObjectRef }): string {
  const imdsBody = '{"error":"invalid_request","error_description":"Identity not found"}';
  if (eras.provider === 'autorest') {
    const resource = encodeURIComponent('https://vault.azure.net');
    return objectFailed(input.object, `azure.BearerAuthorizer#WithAuthorization: Failed to refresh the Token for request to https://${input.vaultName}.vault.azure.net/secrets/${input.object.objectName}/?api-version=2016-10-01: StatusCode=400 -- Original Error: adal: Refresh request failed. Status Code = '400'. Response body: ${imdsBody} Endpoint http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&client_id=${input.clientId}&resource=${resource}`);
  }
  return objectFailed(input.object, [
    "ManagedIdentityCredential authentication failed. the requested identity isn't assigned to this resource",
    'GET http://169.254.169.254/metadata/identity/oauth2/token',
    SEPARATOR,
    'RESPONSE 400: 400 Bad Request',
    SEPARATOR,
    JSON.stringify(JSON.parse(imdsBody), null, 2),
    SEPARATOR,
    'To troubleshoot, visit https://aka.ms/azsdk/go/identity/troubleshoot#managed-id',
  ].join('\n'));
}

/** C3: no client ID given and the VMSS carries several user-assigned identities. */
export function managedIdentityAmbiguous(eras: MessageEras, input: { vaultName: string; object: ObjectRef }): string {
  const body = '{"error":"invalid_request","error_description":"Multiple user assigned identities exist, please specify the clientId / resourceId of the identity in the token request"}';
  if (eras.provider === 'autorest') {
    return objectFailed(input.object, `azure.BearerAuthorizer#WithAuthorization: Failed to refresh the Token for request to https://${input.vaultName}.vault.azure.net/secrets/${input.object.objectName}/?api-version=2016-10-01: StatusCode=400 -- Original Error: adal: Refresh request failed. Status Code = '400'. Response body: ${body} Endpoint http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=${encodeURIComponent('https://vault.azure.net')}`);
  }
  return objectFailed(input.object, `ManagedIdentityCredential: failed to authenticate a system assigned identity. The endpoint responded with ${body}`);
}

/** C2: the aad-pod-identity NMI does not answer on the node. */
export function podIdentityUnavailable(eras: MessageEras, object: ObjectRef): string {
  const cause = 'nmi response failed with status code: 404, response body: getting assigned identities for pod in CREATED state failed after 16 attempts, retry duration [5]s, error: <nil>. Check MIC pod logs for identity assignment errors';
  return eras.provider === 'autorest' ? `failed to get keyvault client: failed to get authorizer for keyvault client: ${cause}` : objectFailed(object, cause);
}

/** D10 in the provider log: the vault name does not resolve (the pod event only shows the kubelet deadline). */
export function vaultDnsFailure(vaultName: string): string {
  return `dial tcp: lookup ${vaultName}.vault.azure.net on 10.0.0.10:53: no such host`;
}

// ---------------------------------------------------------------- secret sync (catalogue F) and container start

export function fileNotFoundInPod(input: { namespace: string; spc: string; secret: string; objectName: string }): string {
  return `failed to get data in spc ${input.namespace}/${input.spc} for secret ${input.secret}, err: file matching objectName ${input.objectName} not found in the pod`;
}

export function secretObjectInvalid(input: { namespace: string; spc: string; reason: 'secret name is empty' | 'secret type is empty' | 'data is empty' }): string {
  return `failed to validate secret object in spc ${input.namespace}/${input.spc}, err: ${input.reason}`;
}

/** Kubelet's `Failed` event when an env var or envFrom names a Secret that does not exist. */
export function containerSecretNotFound(secret: string): string {
  return `Error: secret "${secret}" not found`;
}

// ---------------------------------------------------------------- component logs (klog)

/** A klog header line: `E0101 00:00:00.000000       1 server.go:60] ...`. */
export function klogLine(severity: 'I' | 'W' | 'E', nowMs: number, location: string, text: string): string {
  const d = new Date(nowMs);
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  const stamp = `${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds() * 1000, 6)}`;
  return `${severity}${stamp}       1 ${location}] ${text}`;
}

/** The provider's log line for a failed mount (server.go:60). */
export function providerMountLog(nowMs: number, providerMessage: string): string {
  return klogLine('E', nowMs, 'server.go:60', `"failed to process mount request" err=${goQuote(providerMessage)}`);
}

/**
 * The driver's log line when the provider call fails: nodeserver.go:245 at v1.6.0 adds isRemountRequest (a remount
 * for rotation, whose error is masked from kubelet); :241 at v1.5.6 and v1.4.6 does not.
 */
export function driverMountLog(eras: MessageEras, nowMs: number, error: string, pod: string, isRemountRequest: boolean): string {
  const remount = eras.driver === 'republish' ? ` isRemountRequest=${String(isRemountRequest)}` : '';
  const location = eras.driver === 'republish' ? 'nodeserver.go:245' : 'nodeserver.go:241';
  return klogLine('E', nowMs, location, `"failed to mount secrets store object content" err=${goQuote(error)} pod=${goQuote(pod)}${remount}`);
}

export function driverLog(nowMs: number, severity: 'I' | 'E', location: string, text: string): string {
  return klogLine(severity, nowMs, location, text);
}
