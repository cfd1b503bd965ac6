/**
 * The Azure side of the sandbox state. Plain JSON: it is saved to and restored from a state file as is.
 * Times are epoch milliseconds from the sandbox clock.
 */

export interface FederatedIdentityCredential {
  name: string;
  issuer: string;
  subject: string;
  audiences: string[];
}

/** A user-assigned managed identity (`Microsoft.ManagedIdentity/userAssignedIdentities`). */
export interface ManagedIdentity {
  name: string;
  clientId: string;
  /** The identity's service principal object ID (ARM calls it `principalId`). */
  objectId: string;
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  tags: Record<string, string>;
  federatedCredentials: FederatedIdentityCredential[];
  /**
   * Sandbox-only convenience: real managed identities get tokens from IMDS, never with a secret. A secret here lets a
   * test or a demo act as the identity through `ClientSecretCredential`.
   */
  clientSecret?: string;
}

/** An app registration's service principal, e.g. the kvcsi operator that applies grants. */
export interface ServicePrincipal {
  name: string;
  clientId: string;
  objectId: string;
  clientSecret?: string;
  /** App registrations can hold federated credentials too (none in the shipped scenarios). */
  federatedCredentials?: FederatedIdentityCredential[];
}

export interface User {
  name: string;
  objectId: string;
  userPrincipalName: string;
  displayName: string;
  slackUserId?: string;
}

export interface Group {
  name: string;
  objectId: string;
  /** Object IDs of the members. */
  memberObjectIds: string[];
}

export type PrincipalKind = 'managedIdentity' | 'servicePrincipal' | 'user' | 'group';

export interface AccessPolicy {
  tenantId: string;
  objectId: string;
  /** Set for a compound identity ("authorized application"); Key Vault then demands the on-behalf-of flow. */
  applicationId?: string;
  permissions: { secrets?: string[]; keys?: string[]; certificates?: string[]; storage?: string[] };
}

export interface SecretVersion {
  version: string;
  value: string;
  contentType?: string;
  tags: Record<string, string>;
  enabled: boolean;
  createdMs: number;
  updatedMs: number;
  notBeforeMs?: number;
  expiresMs?: number;
  /** Set on the secret that backs a certificate: its key ID. Key Vault marks such secrets `managed: true`. */
  kid?: string;
}

export interface Secret {
  /** Stored casing. Key Vault compares object names case-insensitively. */
  name: string;
  versions: SecretVersion[];
}

export interface CertificateVersion {
  version: string;
  /** Base64 DER of the certificate (Key Vault's `cer`). */
  cer: string;
  /** Base64url SHA-1 thumbprint. */
  x5t: string;
  subject: string;
  enabled: boolean;
  createdMs: number;
  updatedMs: number;
  notBeforeMs: number;
  expiresMs: number;
  /** Content type of the backing secret: `application/x-pem-file` or `application/x-pkcs12`. */
  contentType: string;
}

/** A certificate; its backing secret (same name and versions) lives in the vault's `secrets`. */
export interface Certificate {
  name: string;
  versions: CertificateVersion[];
}

/** A vault firewall (`properties.networkAcls`). `Deny` admits only the listed client addresses (CIDR or single IPv4). */
export interface NetworkAcls {
  defaultAction: 'Allow' | 'Deny';
  bypass: 'AzureServices' | 'None';
  ipRules: string[];
  virtualNetworkRules: string[];
}

/** A soft-deleted secret: recoverable or purgeable until `scheduledPurgeMs`. */
export interface DeletedSecret {
  secret: Secret;
  deletedMs: number;
  scheduledPurgeMs: number;
}

/** A Key Vault key version: the public half only (the sandbox never signs or decrypts). */
export interface KeyVersion {
  version: string;
  kty: 'RSA';
  /** Base64url modulus and exponent, as a JWK carries them. */
  n: string;
  e: string;
  keyOps: string[];
  enabled: boolean;
  createdMs: number;
  updatedMs: number;
  tags: Record<string, string>;
}

export interface Key {
  name: string;
  versions: KeyVersion[];
}

export interface Vault {
  name: string;
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  tenantId: string;
  enableRbacAuthorization: boolean;
  publicNetworkAccess: 'Enabled' | 'Disabled';
  enableSoftDelete: boolean;
  softDeleteRetentionInDays: number;
  sku: 'standard' | 'premium';
  tags: Record<string, string>;
  accessPolicies: AccessPolicy[];
  secrets: Secret[];
  certificates: Certificate[];
  /** Optional so state files written before these existed still load. */
  networkAcls?: NetworkAcls;
  deletedSecrets?: DeletedSecret[];
  keys?: Key[];
}

export interface RolePermission {
  actions: string[];
  notActions: string[];
  dataActions: string[];
  notDataActions: string[];
}

export interface RoleDefinition {
  /** The GUID. The full ID is `/subscriptions/<sub>/providers/Microsoft.Authorization/roleDefinitions/<guid>` or without the subscription. */
  name: string;
  roleName: string;
  description: string;
  roleType: 'BuiltInRole' | 'CustomRole';
  permissions: RolePermission[];
}

export interface RoleAssignment {
  /** The assignment's GUID (the last segment of its ID). */
  name: string;
  /** As ARM prints it, with a leading slash: `/subscriptions/…/providers/Microsoft.KeyVault/vaults/<v>`. */
  scope: string;
  /** The role definition GUID. */
  roleDefinitionName: string;
  /** The roleDefinitionId as sent by the caller (kept to echo it back). */
  roleDefinitionId: string;
  principalId: string;
  principalType: 'User' | 'Group' | 'ServicePrincipal' | 'ForeignGroup' | 'Device';
  description?: string;
  createdMs: number;
  createdBy?: string;
}

export interface SecretsStoreCsiVersions {
  /** e.g. `v1.4.6`. The mount loop picks the catalogue's message era from these. */
  driverVersion: string;
  providerVersion: string;
}

export interface ManagedCluster {
  name: string;
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  kubernetesVersion: string;
  dnsPrefix: string;
  nodeResourceGroup: string;
  /** Client ID of the kubelet identity (`identityProfile.kubeletidentity`). */
  kubeletIdentityClientId: string;
  /** Client IDs of every user-assigned identity on the node pools' VMSS (kubelet, add-ons). IMDS only serves these. */
  nodeIdentityClientIds: string[];
  /** Client ID of the `azureKeyvaultSecretsProvider` add-on identity, when the add-on is enabled. */
  keyVaultSecretsProviderIdentityClientId?: string;
  oidcIssuerUrl: string;
  workloadIdentityEnabled: boolean;
  secretsStoreCsi: SecretsStoreCsiVersions;
  /** The AKS add-on's `enableSecretRotation` / `rotationPollInterval` (off unless the scenario turns it on). */
  secretRotation?: { enabled: boolean; pollIntervalInMs: number };
  /** The nodes' egress address: what a vault firewall sees for mounts from this cluster. */
  outboundIp?: string;
  tags: Record<string, string>;
}

export interface Subscription {
  id: string;
  name: string;
}

export interface AzureState {
  tenantId: string;
  tenantDomain: string;
  subscriptions: Subscription[];
  /** Resource groups per subscription, `<subscriptionId>/<name>`. */
  resourceGroups: string[];
  identities: ManagedIdentity[];
  servicePrincipals: ServicePrincipal[];
  users: User[];
  groups: Group[];
  vaults: Vault[];
  roleDefinitions: RoleDefinition[];
  roleAssignments: RoleAssignment[];
  managedClusters: ManagedCluster[];
  /** Delay before a new role assignment takes effect on the data plane (0: at once). */
  roleAssignmentPropagationDelayInMs: number;
  /** The address Key Vault sees for callers outside the clusters (tests, the kvcsi operator). */
  callerAddress?: string;
  /** Counter behind every generated ID, so a restored state keeps generating the same IDs. */
  idCounter: number;
  /** Seed of the ID generator. */
  idSeed: string;
}
