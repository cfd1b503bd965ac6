import { z } from 'zod';
import { faultConfigSchema } from '../faults/config.js';

const guid = z.string().regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'must be a GUID');
/** Names as Azure allows them for the resources the sandbox models (identities, resource groups, clusters). */
const azureName = z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9._()-]{0,89}$/, 'must be 1-90 letters, digits, ".", "_", "-", "(" or ")"');
const vaultName = z.string().regex(/^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/, 'must be 3-24 letters, digits and dashes, starting with a letter');
const objectName = z.string().regex(/^[0-9a-zA-Z-]{1,127}$/, 'must be 1-127 letters, digits and dashes');
const tags = z.record(z.string(), z.string()).default({});
const isoTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO 8601 time');

const federatedCredentialSchema = z
  .object({
    name: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_-]{2,119}$/, 'must be 3-120 letters, digits, "-" or "_"'),
    /** An issuer URL, or the name of a scenario cluster whose OIDC issuer to use. */
    issuer: z.string().optional(),
    issuerFromCluster: z.string().optional(),
    subject: z.string().min(1),
    audiences: z.array(z.string()).default(['api://AzureADTokenExchange']),
  })
  .strict()
  .refine((f) => (f.issuer === undefined) !== (f.issuerFromCluster === undefined), 'set exactly one of issuer and issuerFromCluster');

const identitySchema = z
  .object({
    name: azureName,
    clientId: guid.optional(),
    objectId: guid.optional(),
    subscription: z.string(),
    resourceGroup: azureName,
    location: z.string().default('brazilsouth'),
    tags,
    /** Sandbox-only: lets tests and demos act as the identity with ClientSecretCredential. */
    clientSecret: z.string().optional(),
    federatedCredentials: z.array(federatedCredentialSchema).default([]),
  })
  .strict();

const servicePrincipalSchema = z
  .object({ name: z.string().min(1), clientId: guid.optional(), objectId: guid.optional(), clientSecret: z.string().optional() })
  .strict();

const userSchema = z
  .object({
    name: z.string().min(1),
    objectId: guid.optional(),
    userPrincipalName: z.string().regex(/^[^@\s]+@[^@\s]+$/, 'must look like user@domain'),
    displayName: z.string().min(1),
    slackUserId: z.string().optional(),
  })
  .strict();

const groupSchema = z.object({ name: z.string().min(1), objectId: guid.optional(), members: z.array(z.string()).default([]) }).strict();

const secretPermission = z.enum(['get', 'list', 'set', 'delete', 'backup', 'restore', 'recover', 'purge', 'all']);
const accessPolicySchema = z
  .object({
    /** The name of a scenario principal (identity, service principal, user or group). */
    principal: z.string(),
    applicationId: guid.optional(),
    secrets: z.array(secretPermission).default([]),
    certificates: z.array(z.string()).default([]),
    keys: z.array(z.string()).default([]),
  })
  .strict();

const secretVersionSchema = z
  .object({ value: z.string(), enabled: z.boolean().default(true), contentType: z.string().optional(), tags, expires: isoTime.optional(), notBefore: isoTime.optional() })
  .strict();

const secretSchema = z
  .object({
    name: objectName,
    /** Shorthand for one version. */
    value: z.string().optional(),
    enabled: z.boolean().default(true),
    contentType: z.string().optional(),
    tags,
    /** Oldest first; the last one is the latest. */
    versions: z.array(secretVersionSchema).optional(),
    /** Soft-deleted when the scenario starts: listed under deleted secrets, recoverable or purgeable. */
    deleted: z.boolean().default(false),
  })
  .strict()
  .refine((s) => (s.value === undefined) !== (s.versions === undefined), 'set exactly one of value and versions');

const certificateSchema = z
  .object({
    name: objectName,
    /** The certificate and its private key, PEM. The backing secret holds both, as Key Vault does for PEM certificates. */
    pem: z.string().includes('-----BEGIN CERTIFICATE-----', { message: 'must hold a PEM certificate' }),
    enabled: z.boolean().default(true),
  })
  .strict();

const keySchema = z
  .object({
    name: objectName,
    enabled: z.boolean().default(true),
    keyOps: z.array(z.enum(['encrypt', 'decrypt', 'sign', 'verify', 'wrapKey', 'unwrapKey'])).default(['encrypt', 'decrypt', 'sign', 'verify', 'wrapKey', 'unwrapKey']),
    tags,
  })
  .strict();

const ipRule = z.string().regex(/^(\d{1,3}\.){3}\d{1,3}(\/\d{1,2})?$/, 'must be an IPv4 address or CIDR range');
const networkAclsSchema = z
  .object({
    defaultAction: z.enum(['Allow', 'Deny']),
    bypass: z.enum(['AzureServices', 'None']).default('AzureServices'),
    ipRules: z.array(ipRule).default([]),
    virtualNetworkRules: z.array(z.string()).default([]),
  })
  .strict();

const vaultSchema = z
  .object({
    name: vaultName,
    subscription: z.string(),
    resourceGroup: azureName,
    location: z.string().default('brazilsouth'),
    enableRbacAuthorization: z.boolean(),
    publicNetworkAccess: z.enum(['Enabled', 'Disabled']).default('Enabled'),
    enableSoftDelete: z.boolean().default(true),
    softDeleteRetentionInDays: z.number().int().min(7).max(90).default(90),
    sku: z.enum(['standard', 'premium']).default('standard'),
    tags,
    accessPolicies: z.array(accessPolicySchema).default([]),
    secrets: z.array(secretSchema).default([]),
    certificates: z.array(certificateSchema).default([]),
    keys: z.array(keySchema).default([]),
    /** The vault firewall; absent means no network rules (every address admitted). */
    networkAcls: networkAclsSchema.optional(),
  })
  .strict();

const roleAssignmentSchema = z
  .object({
    principal: z.string(),
    /** A built-in role name (`Key Vault Secrets User`) or a role definition GUID. */
    role: z.string(),
    /**
     * `vault:<name>`, `vault:<name>/secrets/<secret>`, `subscription:<name>`, `resourceGroup:<subscription>/<rg>`,
     * `cluster:<name>[/namespaces/<namespace>]`, or an ARM scope starting with `/`.
     */
    scope: z.string(),
    name: guid.optional(),
    description: z.string().optional(),
  })
  .strict();

const clusterSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a DNS label (it becomes <name>.sandbox.azmk8s.io)'),
    subscription: z.string(),
    resourceGroup: azureName,
    location: z.string().default('brazilsouth'),
    kubernetesVersion: z.string().default('1.31.5'),
    /** Name of the scenario identity that is the kubelet identity. */
    kubeletIdentity: z.string(),
    /** Name of the identity of the `azureKeyvaultSecretsProvider` add-on, when enabled. */
    keyVaultSecretsProviderIdentity: z.string().optional(),
    /** More identities attached to the node pools (the kubelet and add-on identities always are). */
    nodeIdentities: z.array(z.string()).default([]),
    oidcIssuerUrl: z.url().optional(),
    workloadIdentityEnabled: z.boolean().default(true),
    secretsStoreCsi: z.object({ driverVersion: z.string().regex(/^v\d+\.\d+\.\d+$/), providerVersion: z.string().regex(/^v\d+\.\d+\.\d+$/) }).strict(),
    /** The add-on's auto-rotation (`--enable-secret-rotation`, `--rotation-poll-interval`). */
    secretRotation: z.object({ enabled: z.boolean(), pollIntervalInMs: z.number().int().min(1000).default(120_000) }).strict().optional(),
    /** The nodes' egress IPv4 address, as a vault firewall sees it. Derived from the name when absent. */
    outboundIp: ipRule.optional(),
    tags,
    /**
     * AKS-managed Entra ID: the API server accepts Entra tokens for the AKS server application. `azureRbac`: Azure RBAC
     * for Kubernetes authorizes them too (role assignments); `adminGroups`: scenario groups bound to cluster-admin.
     */
    aad: z.object({ azureRbac: z.boolean().default(false), adminGroups: z.array(z.string()).default([]) }).strict().optional(),
    /** No local accounts: static tokens and the admin kubeconfig are refused. */
    disableLocalAccounts: z.boolean().default(false),
    /** A private cluster: its API server at `<name>.privatelink.sandbox.azmk8s.io`; `publicFqdn` keeps the public name too. */
    privateCluster: z.object({ publicFqdn: z.boolean().default(false) }).strict().optional(),
  })
  .strict();

/** A custom Azure role (e.g. a least-privilege Azure RBAC for Kubernetes role), assignable by `roleName` or `name`. */
const customRoleSchema = z
  .object({
    name: guid.optional(),
    roleName: z.string().min(1),
    description: z.string().default(''),
    actions: z.array(z.string()).default([]),
    notActions: z.array(z.string()).default([]),
    dataActions: z.array(z.string()).default([]),
    notDataActions: z.array(z.string()).default([]),
  })
  .strict();

export const scenarioSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().default(''),
    /** Where the sandbox clock starts. */
    startTime: isoTime.default('2026-01-01T00:00:00Z'),
    /** Seed for every generated ID; the scenario name when absent. */
    idSeed: z.string().optional(),
    tenant: z.object({ id: guid, domain: z.string().min(1) }).strict(),
    subscriptions: z.array(z.object({ name: z.string().min(1), id: guid.optional() }).strict()).min(1),
    /** Delay before a new role assignment takes effect on the Key Vault data plane. */
    roleAssignmentPropagationDelayInMs: z.number().int().min(0).default(0),
    /** The address Key Vault sees for callers outside the clusters (tests, the operator). */
    callerAddress: ipRule.optional(),
    faults: faultConfigSchema.optional(),
    identities: z.array(identitySchema).default([]),
    servicePrincipals: z.array(servicePrincipalSchema).default([]),
    users: z.array(userSchema).default([]),
    groups: z.array(groupSchema).default([]),
    vaults: z.array(vaultSchema).default([]),
    customRoles: z.array(customRoleSchema).default([]),
    roleAssignments: z.array(roleAssignmentSchema).default([]),
    clusters: z.array(clusterSchema).default([]),
  })
  .strict();

export type ScenarioInput = z.input<typeof scenarioSchema>;
export type Scenario = z.output<typeof scenarioSchema>;
