import type { AzureState, Certificate, CertificateVersion, DeletedSecret, FederatedIdentityCredential, Key, KeyVersion, ManagedIdentity, PrincipalKind, Secret, SecretVersion, Vault } from './model.js';
import { roleGrants } from './roles.js';
import { normalizeScope, scopeContains, vaultResourceId } from './resourceIds.js';

export type DataPlaneOperation = 'get' | 'list' | 'set' | 'delete' | 'recover' | 'purge';
export type DataPlaneObjectType = 'secret' | 'key' | 'certificate';

export interface DataPlaneAccessRequest {
  vaultName: string;
  principal: { clientId?: string; objectId?: string };
  operation: DataPlaneOperation;
  objectType: DataPlaneObjectType;
  objectName?: string;
  nowMs: number;
  /** The client address Key Vault sees (a firewall checks it). Default: the state's `callerAddress`. */
  clientAddress?: string;
}

export type DataPlaneDecision =
  | { allowed: true }
  | { allowed: false; status: 401 | 403 | 404; code: string; innerCode?: string; message: string };

export interface ResolvedPrincipal {
  kind: PrincipalKind;
  name: string;
  objectId: string;
  clientId?: string;
}

const lower = (s: string): string => s.toLowerCase();

/** Vault names are globally unique DNS labels; Azure compares them case-insensitively. */
export function findVault(azure: AzureState, vaultName: string): Vault | undefined {
  return azure.vaults.find((v) => lower(v.name) === lower(vaultName));
}

/** Key Vault object names are case-insensitive: `Cloudflare-Api-Key` and `cloudflare-api-key` are one secret. */
export function findSecret(vault: Vault, name: string): Secret | undefined {
  return vault.secrets.find((s) => lower(s.name) === lower(name));
}

export function findKey(vault: Vault, name: string): Key | undefined {
  return (vault.keys ?? []).find((k) => lower(k.name) === lower(name));
}

export function findDeletedSecret(vault: Vault, name: string): DeletedSecret | undefined {
  return (vault.deletedSecrets ?? []).find((d) => lower(d.secret.name) === lower(name));
}

export function findCertificate(vault: Vault, name: string): Certificate | undefined {
  return vault.certificates.find((c) => lower(c.name) === lower(name));
}

/** Latest = the most recently created version, as Key Vault defines it. */
export function latestVersion<T extends { createdMs: number }>(versions: readonly T[]): T | undefined {
  let latest: T | undefined;
  for (const v of versions) if (latest === undefined || v.createdMs >= latest.createdMs) latest = v;
  return latest;
}

export type ObjectLookup<T> =
  | { found: true; vault: Vault; name: string; version: T }
  | { found: false; reason: 'VaultNotFound' | 'NotFound' | 'VersionNotFound' | 'Disabled' };

function lookupVersioned<T extends { version: string; enabled: boolean; createdMs: number }>(
  vault: Vault | undefined,
  object: { name: string; versions: T[] } | undefined,
  version: string | undefined,
): ObjectLookup<T> {
  if (vault === undefined) return { found: false, reason: 'VaultNotFound' };
  if (object === undefined) return { found: false, reason: 'NotFound' };
  const picked = version === undefined || version === '' ? latestVersion(object.versions) : object.versions.find((v) => lower(v.version) === lower(version));
  if (picked === undefined) return { found: false, reason: version ? 'VersionNotFound' : 'NotFound' };
  if (!picked.enabled) return { found: false, reason: 'Disabled' };
  return { found: true, vault, name: object.name, version: picked };
}

/** A secret's latest (or given) version, honouring `enabled`. */
export function getSecret(azure: AzureState, vaultName: string, secretName: string, version?: string): ObjectLookup<SecretVersion> {
  const vault = findVault(azure, vaultName);
  return lookupVersioned(vault, vault && findSecret(vault, secretName), version);
}

/** A certificate's latest (or given) version, honouring `enabled`. Its key and PEM/PFX live in the backing secret of the same name. */
export function getCertificate(azure: AzureState, vaultName: string, certificateName: string, version?: string): ObjectLookup<CertificateVersion> {
  const vault = findVault(azure, vaultName);
  return lookupVersioned(vault, vault && findCertificate(vault, certificateName), version);
}

/** A key's latest (or given) version, honouring `enabled`. */
export function getKey(azure: AzureState, vaultName: string, keyName: string, version?: string): ObjectLookup<KeyVersion> {
  const vault = findVault(azure, vaultName);
  return lookupVersioned(vault, vault && findKey(vault, keyName), version);
}

/** Every version of a secret, oldest first (empty when the vault or secret does not exist). */
export function listSecretVersions(azure: AzureState, vaultName: string, secretName: string): SecretVersion[] {
  const vault = findVault(azure, vaultName);
  const secret = vault && findSecret(vault, secretName);
  return secret ? [...secret.versions].sort((a, b) => a.createdMs - b.createdMs) : [];
}

export function findIdentityByClientId(azure: AzureState, clientId: string): ManagedIdentity | undefined {
  return azure.identities.find((i) => lower(i.clientId) === lower(clientId));
}

export function federatedCredentialsOf(azure: AzureState, clientId: string): FederatedIdentityCredential[] {
  return findIdentityByClientId(azure, clientId)?.federatedCredentials ?? [];
}

/** Any principal (identity, service principal, user, group) by client ID or object ID. */
export function resolvePrincipal(azure: AzureState, ref: { clientId?: string; objectId?: string }): ResolvedPrincipal | undefined {
  const byClient = (c: { clientId: string }): boolean => ref.clientId !== undefined && lower(c.clientId) === lower(ref.clientId);
  const byObject = (o: { objectId: string }): boolean => ref.objectId !== undefined && lower(o.objectId) === lower(ref.objectId);
  const identity = azure.identities.find((i) => byClient(i) || byObject(i));
  if (identity) return { kind: 'managedIdentity', name: identity.name, objectId: identity.objectId, clientId: identity.clientId };
  const sp = azure.servicePrincipals.find((s) => byClient(s) || byObject(s));
  if (sp) return { kind: 'servicePrincipal', name: sp.name, objectId: sp.objectId, clientId: sp.clientId };
  const user = azure.users.find(byObject);
  if (user) return { kind: 'user', name: user.name, objectId: user.objectId };
  const group = azure.groups.find(byObject);
  if (group) return { kind: 'group', name: group.name, objectId: group.objectId };
  return undefined;
}

/** The principal's own object ID plus those of the groups it belongs to. */
export function effectiveObjectIds(azure: AzureState, objectId: string): string[] {
  const groups = azure.groups.filter((g) => g.memberObjectIds.some((m) => lower(m) === lower(objectId))).map((g) => g.objectId);
  return [objectId, ...groups].map(lower);
}

/** Whether the principal holds `action` at `scope` through a role assignment that has propagated by `nowMs`. */
export function hasRbacPermission(
  azure: AzureState,
  request: { principalObjectId: string; action: string; scope: string; kind: 'control' | 'data'; nowMs: number },
): boolean {
  const ids = effectiveObjectIds(azure, request.principalObjectId);
  return azure.roleAssignments.some((a) => {
    if (!ids.includes(lower(a.principalId))) return false;
    if (!scopeContains(a.scope, request.scope)) return false;
    if (a.createdMs + azure.roleAssignmentPropagationDelayInMs > request.nowMs) return false;
    const definition = azure.roleDefinitions.find((d) => lower(d.name) === lower(a.roleDefinitionName));
    return definition !== undefined && roleGrants(definition, request.action, request.kind);
  });
}

/** A documentation address (RFC 5737): where the sandbox's callers outside any cluster appear to come from. */
export const DEFAULT_CALLER_ADDRESS = '198.51.100.23';

function ipv4ToNumber(address: string): number | undefined {
  const parts = address.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    const n = Number(part);
    if (!/^\d{1,3}$/.test(part) || n > 255) return undefined;
    value = value * 256 + n;
  }
  return value;
}

/** Whether an IPv4 address falls in a firewall rule: a single address or a CIDR range. */
export function ipInRule(address: string, rule: string): boolean {
  const [base = '', bits = '32'] = rule.split('/');
  const ip = ipv4ToNumber(address);
  const start = ipv4ToNumber(base);
  const prefix = Number(bits);
  if (ip === undefined || start === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) return false;
  const size = 2 ** (32 - prefix);
  const network = Math.floor(start / size) * size;
  return ip >= network && ip < network + size;
}

const ACCESS_POLICY_FAMILY: Record<DataPlaneObjectType, 'secrets' | 'keys' | 'certificates'> = {
  secret: 'secrets',
  key: 'keys',
  certificate: 'certificates',
};

/** The RBAC data action Key Vault checks for each operation. */
export function dataActionFor(objectType: DataPlaneObjectType, operation: DataPlaneOperation): string {
  if (objectType === 'secret') {
    if (operation === 'get') return 'Microsoft.KeyVault/vaults/secrets/getSecret/action';
    if (operation === 'set') return 'Microsoft.KeyVault/vaults/secrets/setSecret/action';
    if (operation === 'delete') return 'Microsoft.KeyVault/vaults/secrets/delete';
    if (operation === 'recover') return 'Microsoft.KeyVault/vaults/secrets/recover/action';
    if (operation === 'purge') return 'Microsoft.KeyVault/vaults/secrets/purge/action';
    return 'Microsoft.KeyVault/vaults/secrets/readMetadata/action';
  }
  if (objectType === 'key') return operation === 'set' ? 'Microsoft.KeyVault/vaults/keys/create/action' : 'Microsoft.KeyVault/vaults/keys/read';
  return operation === 'set' ? 'Microsoft.KeyVault/vaults/certificates/create/action' : 'Microsoft.KeyVault/vaults/certificates/read';
}

function callerText(azure: AzureState, principal: { clientId?: string; objectId?: string }, resolved: ResolvedPrincipal | undefined): string {
  const appid = principal.clientId ?? resolved?.clientId ?? '';
  const oid = resolved?.objectId ?? principal.objectId ?? '';
  return `appid=${appid};oid=${oid};iss=https://sts.windows.net/${azure.tenantId}/`;
}

/**
 * Key Vault's data-plane authorization, with its real status codes and texts (csi-failure-catalogue §D):
 * network first (ForbiddenByConnection), then the vault's permission model — access policies (AccessDenied,
 * ForbiddenByPolicy) or Azure RBAC at vault or object scope, after the scenario's propagation delay (ForbiddenByRbac).
 */
export function evaluateDataPlaneAccess(azure: AzureState, request: DataPlaneAccessRequest): DataPlaneDecision {
  const vault = findVault(azure, request.vaultName);
  if (vault === undefined) {
    return { allowed: false, status: 404, code: 'VaultNotFound', message: `No vault named '${request.vaultName}' exists (the name does not resolve: no such host).` };
  }
  const resolved = resolvePrincipal(azure, request.principal);
  if (resolved === undefined && request.principal.clientId === undefined && request.principal.objectId === undefined) {
    return { allowed: false, status: 401, code: 'Unauthorized', message: 'AKV10000: Request is missing a Bearer or PoP token.' };
  }
  const caller = callerText(azure, request.principal, resolved);
  if (vault.publicNetworkAccess === 'Disabled') {
    return {
      allowed: false,
      status: 403,
      code: 'Forbidden',
      innerCode: 'ForbiddenByConnection',
      message: `Public network access is disabled and request is not from a trusted service nor via an approved private link.\r\nCaller: ${caller}\r\nVault: ${vault.name};location=${vault.location}`,
    };
  }
  const address = request.clientAddress ?? azure.callerAddress ?? DEFAULT_CALLER_ADDRESS;
  if (vault.networkAcls?.defaultAction === 'Deny' && !vault.networkAcls.ipRules.some((rule) => ipInRule(address, rule))) {
    // Text as Key Vault returns it (quoted in public Terraform and PowerShell logs): client address, caller, vault.
    return {
      allowed: false,
      status: 403,
      code: 'Forbidden',
      innerCode: 'ForbiddenByFirewall',
      message: `Client address is not authorized and caller is not a trusted service.\r\nClient address: ${address}\r\nCaller: ${caller}\r\nVault: ${vault.name};location=${vault.location}`,
    };
  }
  const objectId = resolved?.objectId ?? request.principal.objectId ?? '';
  if (vault.enableRbacAuthorization) {
    const action = dataActionFor(request.objectType, request.operation);
    const family = ACCESS_POLICY_FAMILY[request.objectType];
    const scope = request.objectName ? `${vaultResourceId(vault)}/${family}/${request.objectName}` : vaultResourceId(vault);
    if (hasRbacPermission(azure, { principalObjectId: objectId, action, scope, kind: 'data', nowMs: request.nowMs })) return { allowed: true };
    return {
      allowed: false,
      status: 403,
      code: 'Forbidden',
      innerCode: 'ForbiddenByRbac',
      message:
        'Caller is not authorized to perform action on resource.\r\n' +
        'If role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\n' +
        `Caller: ${caller}\r\n` +
        `Action: '${action}'\r\n` +
        `Resource: '${normalizeScope(scope)}'\r\n` +
        'Assignment: (not found)\r\n' +
        'DenyAssignmentId: null\r\n' +
        "DecisionReason: 'DeniedWithNoValidRBAC' \r\n" +
        `Vault: ${vault.name};location=${vault.location}`,
    };
  }
  const family = ACCESS_POLICY_FAMILY[request.objectType];
  const ids = effectiveObjectIds(azure, objectId);
  const policies = vault.accessPolicies.filter((p) => ids.includes(lower(p.objectId)));
  const granting = policies.filter((p) => (p.permissions[family] ?? []).some((perm) => lower(perm) === request.operation || lower(perm) === 'all'));
  if (granting.some((p) => p.applicationId === undefined)) return { allowed: true };
  if (granting.length > 0) {
    return {
      allowed: false,
      status: 403,
      code: 'Forbidden',
      innerCode: 'ForbiddenByPolicy',
      message: `The policy requires the caller '${caller}' to use on-behalf-of (OBO) flow. For more information on OBO, please see https://go.microsoft.com/fwlink/?linkid=2152310`,
    };
  }
  return {
    allowed: false,
    status: 403,
    code: 'Forbidden',
    innerCode: 'AccessDenied',
    message: `The user, group or application '${caller}' does not have ${family} ${request.operation} permission on key vault '${vault.name};location=${vault.location}'. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287`,
  };
}
