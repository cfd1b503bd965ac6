/**
 * The text signatures of docs/csi-failure-catalogue.md §2 (A–G), in every provider, driver and kubelet era.
 * Ids are the catalogue's; K-ids are ours, for symptoms the catalogue describes without an id.
 *
 * Specificity: 3 names a cause, 2 narrows it down (needs cluster or vault facts to finish), 1 is a symptom only
 * ("timed out waiting for the condition"); ranking puts specific before generic.
 */
import type { MatchFields } from './fields.js';

export type Family = 'A' | 'B' | 'C' | 'D' | 'E' | 'F' | 'G' | 'K';

export interface Signature {
  id: string;
  family: Family;
  title: string;
  specificity: 1 | 2 | 3;
  /** Any pattern matching the record is a hit. */
  patterns?: RegExp[];
  /** A hit on the service fields (status, inner code, AADSTS). */
  when?: (fields: MatchFields) => boolean;
  /** No hit when any of these matches the record too (a more specific sibling owns it). */
  unless?: RegExp[];
  /** When the record carries an inner error code, it must be one of these (the inner code is authoritative). */
  innerCodes?: string[];
  /** Only when no other signature matched the record. */
  fallback?: boolean;
  /** A gate on the parsed fields that must hold before patterns or `when` count (e.g. "a token source answered"). */
  requires?: (fields: MatchFields) => boolean;
}

const NMI = /nmi response failed|localhost:2579/;
const SOCKET = /\.sock\b/;

/**
 * Entra ID error codes and the signature each one means (https://learn.microsoft.com/entra/identity-platform/reference-error-codes).
 * The code is authoritative whatever the SDK wrapped around it (adal, msal, azidentity, Azure.Identity, MSAL.NET).
 */
export const AADSTS_SIGNATURE: Readonly<Record<string, string>> = {
  // Service principal (nodePublishSecretRef): bad or expired client secret.
  '7000215': 'C1', '7000222': 'C1', '50012': 'C1', '70002': 'C1', '7000216': 'C1',
  // Workload identity: no federated credential matches (none at all, subject, audience).
  '70021': 'C4.2', '700213': 'C4.2', '700212': 'C4.2', '70025': 'C4.2',
  '700016': 'C4.3',
  '90002': 'C4.4',
  // Federated token rejected: expired, issuer, subject case.
  '700024': 'C4.6', '700211': 'C4.6', '7002138': 'C4.6',
  '50196': 'C8', '90055': 'C8',
};

function aadstsMeans(fields: MatchFields, id: string): boolean {
  return (fields.aadstsCodes ?? []).some((code) => AADSTS_SIGNATURE[code] === id);
}

/** A service other than Key Vault answered (or did not): its status codes say nothing about the vault. */
function notKeyVault(fields: MatchFields): boolean {
  return fields.service !== undefined && fields.service !== 'keyvault';
}

const TOKEN_FAILURE = /Failed to refresh the Token|Refresh request failed|failed to acquire token|failed to get authorizer|AuthenticationFailedException|authentication failed|Failed to execute the refresh request|FromAssertion\(\)|get_token failed|Msal\w*Exception|AdalServiceException|failed to get (?:key vault|management) token/i;

export const SIGNATURES: readonly Signature[] = [
  // A. kubelet / driver plumbing
  { id: 'A1', family: 'A', specificity: 3, title: 'CSI driver not registered on the node', patterns: [/driver name \S+ not found in the list of registered CSI drivers/] },
  { id: 'A2', family: 'A', specificity: 3, title: 'CSIDriver object missing (driver not installed)', patterns: [/\(no CSIDriver object\)/, /volume mode "Ephemeral" not supported by driver/] },
  {
    id: 'A3', family: 'A', specificity: 3, title: 'SecretProviderClass not found in the pod\'s namespace',
    patterns: [
      /failed to get secretproviderclass [^,]+, error: .*(?:secretproviderclasses|SecretProviderClass)\.secrets-store\.csi\.x-k8s\.io "[^"]+" not found/i,
      // Retyped by hand: "secretsproviderclass", stray spaces and '=' (kubernetes-sigs/secrets-store-csi-driver#811).
      /failed to get secrets?providerclass\s+\S+\s*,\s*error:\s*secrets?providerclass(?:es)?\.secrets-store\.csi\.x-k8s\.io\s*=?\s*"[^"]*"\s*not found/i,
      /failed to get spc \S+, err: .*not found/,
      /cannot (?:get|list|watch) resource "secretproviderclasses"/,
    ],
  },
  {
    id: 'A4', family: 'A', specificity: 3, title: 'Provider not found on the node (no socket)',
    patterns: [/provider not found: provider "[^"]*"/, /error connecting to provider "[^"]*": provider not found/, /failed to find provider binary \S+/, /secrets-store-csi-providers\/\w+\/provider-\w+: no such file or directory/],
  },
  { id: 'A5', family: 'A', specificity: 3, title: 'Provider present but not answering', patterns: [/dial unix \S*\.sock: connect: (?:connection refused|no such file or directory|No connection could be made)/], unless: [/csi\.sock/] },
  {
    id: 'A6', family: 'A', specificity: 1, title: 'Mount timed out (symptom: the cause is inside)',
    patterns: [/code = DeadlineExceeded desc = context deadline exceeded/, /code = Canceled desc = context canceled/, /Unable to attach or mount volumes: unmounted volumes=\[[^\]]*\].*timed out waiting for the condition/s],
  },
  { id: 'A7', family: 'A', specificity: 3, title: 'Driver cannot reach the API server', patterns: [/failed to get secretproviderclass .*(?:broken pipe|connection reset by peer|i\/o timeout|connection refused)/, /an error on the server \(""\) has prevented the request from succeeding/] },
  { id: 'A8', family: 'A', specificity: 3, title: 'nodePublishSecretRef Secret missing in the pod\'s namespace', patterns: [/fetching NodePublishSecretRef \S+ failed/, /failed to find the secret \S+ in the namespace \S+/] },
  { id: 'A9', family: 'A', specificity: 3, title: 'gRPC response from the provider too large', patterns: [/received message larger than max/, /max-call-recv-msg-size/] },
  { id: 'A10', family: 'A', specificity: 3, title: 'Provider returned no objects (empty objects array)', patterns: [/err: missing object versions?\b/, /^missing object versions?$/m] },
  { id: 'A11', family: 'A', specificity: 3, title: 'File write / path problem in the mount', patterns: [/invalid filepath: "/, /invalid path: (?:must not contain '\.\.'|filenames must be)/, /cleanup failure: /, /failed to write file: /] },
  {
    id: 'A12', family: 'A', specificity: 3, title: 'CSI volume or SecretProviderClass incomplete',
    patterns: [/Readonly is not true in request/, /secretProviderClass is not set/, /provider not set in \S+/, /parameters not set in \S+/, /failed to check if target path \S+ is mount point/, /failed to create secret provider class pod status for pod/],
  },

  // B. provider configuration
  { id: 'B1', family: 'B', specificity: 3, title: 'keyvaultName missing or invalid', patterns: [/keyvaultName is not (?:provided|set)/, /Invalid vault name: "[^"]*", must (?:be between|match)/] },
  { id: 'B2', family: 'B', specificity: 3, title: 'tenantId missing', patterns: [/tenantId is not (?:provided|set)/] },
  { id: 'B3', family: 'B', specificity: 3, title: 'Identity flag is not a boolean', patterns: [/failed to parse (?:usePodIdentity|useVMManagedIdentity|useAzureTokenProxy) flag/] },
  { id: 'B4', family: 'B', specificity: 3, title: 'More than one identity mode enabled', patterns: [/only one identity mode can be enabled at a time/, /cannot enable both pod identity and user-assigned managed identity/] },
  { id: 'B5', family: 'B', specificity: 3, title: '`objects` missing or not valid YAML', patterns: [/objects is not set/, /failed to yaml unmarshal objects/, /unmarshal failed for keyVaultObjects at index \d+/] },
  { id: 'B6', family: 'B', specificity: 3, title: 'Invalid objectType', patterns: [/Invalid vaultObjectTypes\. Should be secret, key, or cert/] },
  { id: 'B7', family: 'B', specificity: 3, title: 'Invalid objectFormat / objectEncoding', patterns: [/invalid objectFormat: /, /PFX format only supported for objectType/, /objectEncoding only supported for objectType/, /invalid objectEncoding: /] },
  { id: 'B8', family: 'B', specificity: 3, title: 'Invalid objectAlias', patterns: [/file name must not be empty/, /file name must be a relative path/, /file name must not contain '\.\.'/] },
  { id: 'B9', family: 'B', specificity: 3, title: 'Invalid cloudName', patterns: [/cloudName \S* ?is not valid/, /failed to set AZURE_ENVIRONMENT_FILEPATH/] },
  { id: 'B10', family: 'B', specificity: 3, title: 'CSIDriver lacks podInfoOnMount', patterns: [/pod (?:name|namespace) is not provided/, /pod information is not available\. deploy a CSIDriver object/] },
  { id: 'B12', family: 'B', specificity: 3, title: 'Driver/provider protocol mismatch', patterns: [/failed to unmarshal (?:attributes|secrets|file permission), error/] },

  // C. identity / authentication
  {
    id: 'C1', family: 'C', specificity: 3, title: 'Service-principal mode: nodePublishSecretRef missing or wrong (often a forgotten identity flag)',
    patterns: [/nodePublishSecretRef secret is not (?:set|provided)/, /could not find client(?:id|secret) in secrets/],
    when: (f) => aadstsMeans(f, 'C1'),
  },
  {
    id: 'C2', family: 'C', specificity: 3, title: 'aad-pod-identity (NMI) failed',
    patterns: [/nmi response failed with status code: \d+/, /nmi did not return expected values/, /localhost:2579\/host\/token.*(?:connection refused|No connection could be made)/s, /getting assigned identities for pod \S+ in CREATED state failed/, /\bpod list is empty\b/],
  },
  {
    id: 'C3', family: 'C', specificity: 3, title: 'VM managed identity not assigned to the node (IMDS)',
    patterns: [/"error_description":\s*"Identity not found"/, /Multiple user assigned identities exist/, /no default identity is assigned to this resource/, /failed to authenticate a system assigned identity/, /the requested identity isn't assigned to this resource/, /empty managedidentity\.UserAssignedClientID/],
    unless: [NMI],
  },
  { id: 'C4.1', family: 'C', specificity: 3, title: 'Workload identity: no service-account token for the audience', patterns: [/service account tokens not found/, /token for audience \S+ not found/], unless: [/AKSIdentityBinding|identity binding/] },
  { id: 'C4.2', family: 'C', specificity: 3, title: 'Workload identity: no matching federated identity credential', when: (f) => aadstsMeans(f, 'C4.2') },
  { id: 'C4.3', family: 'C', specificity: 3, title: 'Client id not found in the tenant', when: (f) => aadstsMeans(f, 'C4.3') },
  { id: 'C4.4', family: 'C', specificity: 3, title: 'Tenant not found', when: (f) => aadstsMeans(f, 'C4.4') },
  { id: 'C4.5', family: 'C', specificity: 3, title: 'Vault in another tenant than tenantId', patterns: [/isn't configured to acquire tokens for tenant/] },
  { id: 'C4.6', family: 'C', specificity: 3, title: 'Federated token rejected (time, issuer or subject case)', when: (f) => aadstsMeans(f, 'C4.6') },
  { id: 'C5', family: 'C', specificity: 3, title: 'Identity binding (useAzureTokenProxy) misconfigured', patterns: [/clientID is required for identity binding/, /service account tokens are required for identity binding/, /failed to parse service account token for identity binding/, /proxy transport not available/] },
  { id: 'C6', family: 'C', specificity: 3, title: 'Token from the wrong tenant or audience (Key Vault 401)', patterns: [/AKV10032: Invalid issuer/, /AKV10022: Invalid audience/, /Request is missing a Bearer or PoP token/] },
  // Ours: throttling of the token sources (not Key Vault), and AD FS token endpoints.
  { id: 'C7', family: 'C', specificity: 3, title: 'IMDS throttled the node\'s token requests (429)', when: (f) => f.status === 429 && f.service === 'imds' },
  { id: 'C8', family: 'C', specificity: 3, title: 'Entra ID throttled the token requests (429)', patterns: [/MsalThrottledServiceException/], when: (f) => (f.status === 429 && f.service === 'entra') || aadstsMeans(f, 'C8') },
  { id: 'C9', family: 'C', specificity: 3, title: 'The token endpoint is AD FS, which the Azure provider does not support', when: (f) => f.service === 'adfs' && (f.msis !== undefined || f.status !== undefined || f.oauthError !== undefined) },

  // D. Key Vault data plane
  { id: 'D1', family: 'D', specificity: 3, innerCodes: ['AccessDenied'], title: 'Access policy missing for the caller (403 AccessDenied)', patterns: [/does not have \w+ \w+ permission on key vault/], when: (f) => f.innerCode === 'AccessDenied' },
  { id: 'D2', family: 'D', specificity: 3, innerCodes: ['ForbiddenByRbac'], title: 'No data-plane role for the caller (403 ForbiddenByRbac)', patterns: [/DeniedWithNoValidRBAC/, /Caller is not authorized to perform action on resource/, /The operation is not allowed by RBAC/], when: (f) => f.innerCode === 'ForbiddenByRbac' || f.errorCode === 'ForbiddenByRbac' },
  { id: 'D3', family: 'D', specificity: 3, innerCodes: ['ForbiddenByFirewall'], title: 'Vault firewall blocks the node (403 ForbiddenByFirewall)', patterns: [/Client address is not authorized and caller is not a trusted service/], when: (f) => f.innerCode === 'ForbiddenByFirewall' },
  { id: 'D4', family: 'D', specificity: 3, innerCodes: ['ForbiddenByConnection'], title: 'Public network access disabled (403 ForbiddenByConnection)', patterns: [/Public network access is disabled and request is not from a trusted service nor via an approved private link/], when: (f) => f.innerCode === 'ForbiddenByConnection' },
  { id: 'D5', family: 'D', specificity: 3, innerCodes: ['ForbiddenByPolicy'], title: 'Access policy requires on-behalf-of flow (403 ForbiddenByPolicy)', patterns: [/to use on-behalf-of \(OBO\) flow/], when: (f) => f.innerCode === 'ForbiddenByPolicy' },
  { id: 'D6', family: 'D', specificity: 3, title: 'Secret version disabled', patterns: [/Operation \w+ is not allowed on a disabled secret/], when: (f) => f.errorCode === 'SecretDisabled' || f.innerCode === 'SecretDisabled' },
  { id: 'D7', family: 'D', specificity: 3, title: 'Object not found in the vault (404)', patterns: [/A (?:secret|key|certificate) with \(name\/id\) \S+ was not found in this key vault/, /Version "[^"]*" of \S+ was not found/], when: (f) => f.status === 404 && /NotFound$/.test(f.errorCode ?? '') },
  {
    id: 'K4', family: 'K', specificity: 2, title: 'Key Vault answered 403 Forbidden (no inner code)',
    when: (f) => f.status === 403 && f.innerCode === undefined && !notKeyVault(f),
    unless: [/does not have \w+ \w+ permission/, /DeniedWithNoValidRBAC|Caller is not authorized/, /Client address is not authorized/, /Public network access is disabled/, /on-behalf-of/, /disabled secret/, NMI],
  },
  { id: 'D8', family: 'D', specificity: 2, title: 'Key Vault answered 401 Unauthorized', when: (f) => f.status === 401 && (f.errorCode === 'Unauthorized' || f.errorCode === undefined) && !notKeyVault(f), unless: [/AKV100(?:32|22)|Bearer or PoP token|AADSTS|adal: Refresh request failed/] },
  { id: 'D9', family: 'D', specificity: 3, title: 'Key Vault throttling (429)', patterns: [/Request was not processed because too many requests were received/, /VaultRequestTypeLimitReached/], when: (f) => (f.status === 429 || f.errorCode === 'Throttled') && !notKeyVault(f) },
  {
    id: 'D10', family: 'D', specificity: 3, title: 'Network: vault or Entra ID unreachable (DNS, egress)',
    patterns: [/lookup \S+ on \S+: no such host/, /dial tcp: lookup \S+/, /dial tcp [^:]+:443: (?:i\/o timeout|connect: connection refused)/, /dial tcp: i\/o timeout/, /Failed to execute the refresh request/],
    unless: [SOCKET, NMI, /x509: |Proxy|proxyconnect/i],
  },
  // Ours: what the connection did when no HTTP answer came back (parsed into `transport`).
  { id: 'D10.1', family: 'D', specificity: 3, title: 'TLS to Key Vault or Entra ID failed (certificate not trusted or not for that host)', when: (f) => f.transport === 'tls' },
  { id: 'D10.2', family: 'D', specificity: 3, title: 'An HTTP proxy refused or broke the connection', when: (f) => f.transport === 'proxy' },
  {
    id: 'D10.3', family: 'D', specificity: 2, title: 'The connection to Key Vault or Entra ID was reset or closed early (EOF)',
    when: (f) => (f.transport === 'reset' || f.transport === 'eof') && f.service !== 'apiserver' && f.service !== 'nmi',
    unless: [SOCKET, /failed to get secretproviderclass/],
  },
  {
    id: 'D10.4', family: 'D', specificity: 2, title: 'No answer from Key Vault before the deadline (StatusCode=0, context canceled)',
    patterns: [/Failure sending request:\s*Status(?:Code)?\s*=\s*0\s*--\s*Original Error:\s*context (?:deadline exceeded|cancell?ed)/i],
  },
  { id: 'D11', family: 'D', specificity: 2, title: 'Key Vault answered another error (400 / 5xx)', when: (f) => f.status !== undefined && (f.status === 400 || f.status >= 500) && f.aadsts === undefined && !/^NotFound$/.test(f.errorCode ?? '') && !notKeyVault(f), unless: [/Refresh request failed|IMDS|169\.254\.169\.254|nmi response/] },

  // E. content conversion
  { id: 'E1', family: 'E', specificity: 3, title: 'PFX could not be converted to PEM', patterns: [/pkcs12: /] },
  { id: 'E2', family: 'E', specificity: 3, title: 'Private key in an unsupported format', patterns: [/failed to parse key for type pkcs1, pkcs8 or ec/] },
  { id: 'E3', family: 'E', specificity: 3, title: 'Certificate-backed secret with an unknown content type', patterns: [/failed to get certificate\. unknown content type/] },
  { id: 'E4', family: 'E', specificity: 3, title: 'Key type or curve not supported', patterns: [/key type '[^']+' currently not supported/, /curve \S+ is not supported/] },
  { id: 'E5', family: 'E', specificity: 3, title: 'objectEncoding does not match the stored value', patterns: [/illegal base64 data at input byte \d+/, /encoding\/hex: (?:invalid byte|odd length hex string)/] },
  { id: 'E6', family: 'E', specificity: 2, title: 'Certificate chain incomplete or odd', patterns: [/no leaf found/, /constructing chain resulted in cycle/, /certificate chain is not complete due to missing intermediate\/root certificates/] },

  // F. secret sync
  { id: 'F1', family: 'F', specificity: 3, title: 'Driver may not create Secrets (syncSecret.enabled=false)', patterns: [/cannot create resource "secrets"/, /The secret operation failed with forbidden error/, /ensure syncSecret\.enabled=true/] },
  { id: 'F2', family: 'F', specificity: 3, title: 'secretObjects.data.objectName is not a mounted file', patterns: [/file matching objectName(?:\s+\S+)?\s+not found in the pod/i] },
  { id: 'F3', family: 'F', specificity: 3, title: 'secretObjects entry incomplete', patterns: [/secret name is empty/, /secret type is empty/, /failed validation for secret object in spc/, /failed to validate secret object in spc/], unless: [/object name in secretObjects|key in secretObjects/] },
  { id: 'F4', family: 'F', specificity: 3, title: 'secretObjects.data item empty', patterns: [/object name in secretObjects\.data/, /key in secretObjects\.data is empty/] },
  { id: 'F5', family: 'F', specificity: 3, title: 'TLS Secret sync failed', patterns: [/failed to get cert data from file/, /key '[^']+' is not supported\. Only 'tls\.key' and 'tls\.crt' are supported/, /unknown private key type found while getting key/] },
  { id: 'F6', family: 'F', specificity: 3, title: 'Mounted files unreadable for sync', patterns: [/failed to get mounted files, err/] },
  { id: 'F8', family: 'F', specificity: 3, title: 'Owner reference on the synced Secret failed', patterns: [/failed to set owner ref for secret/] },
  { id: 'K5', family: 'K', specificity: 1, title: 'Secret sync gave up (symptom)', patterns: [/FailedToCreateSecret[\s\S]*timed out waiting for the condition/] },
  // Not the rotation reconciler's "failed to get node publish secret …: secret "x" not found" (G2: usually the label).
  { id: 'K3', family: 'K', specificity: 2, title: 'Container references a Secret that does not exist', patterns: [/(?:Error: )?secrets? "[^"]+" not found/], unless: [/failed to find the secret|NodePublishSecretRef|node publish secret/i] },

  // G. rotation
  { id: 'G1', family: 'G', specificity: 2, title: 'Rotation re-mount failed (pod keeps old content)', patterns: [/provider mount err: /] },
  { id: 'G2', family: 'G', specificity: 3, title: 'Rotation: credentials Secret or provider gone', patterns: [/failed to get node publish secret \S+, err/, /failed to lookup provider client: /] },
  { id: 'G3', family: 'G', specificity: 3, title: 'Rotation: synced Secret not updated', patterns: [/failed to patch secret \S+ with new data/, /SecretRotationFailed/] },
  { id: 'G4', family: 'G', specificity: 2, title: 'Re-mount failure masked by the driver (v1.6)', patterns: [/failed to mount secrets store object content[\s\S]*isRemountRequest=true/] },
  { id: 'G5', family: 'G', specificity: 1, title: 'Rotation succeeded', patterns: [/successfully rotated (?:mounted contents for spc|K8s secret)/] },

  // Fallbacks, first hit only, when no other signature matched the record.
  {
    id: 'C0', family: 'C', specificity: 2, title: 'Could not get a token (the reason is not in the text)', fallback: true,
    requires: (f) => f.service !== undefined && f.service !== 'keyvault' && f.service !== 'apiserver',
    patterns: [TOKEN_FAILURE],
    unless: [/\.sock\b/],
  },
  // A mount failure no signature explains.
  { id: 'K6', family: 'K', specificity: 1, title: 'Mount failed for a reason kvcsi does not recognise', patterns: [/MountVolume\.SetUp failed/, /failed to mount secrets store objects/, /failed to process mount request/], fallback: true },
];

export const SIGNATURES_BY_ID: ReadonlyMap<string, Signature> = new Map(SIGNATURES.map((signature) => [signature.id, signature]));
