import type { Vault } from '@azure/arm-keyvault';
import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import type { SecretProperties as SdkSecretProperties } from '@azure/keyvault-secrets';
import {
  KvcsiError,
  type AzureCloud,
  type CallOptions,
  type ClusterRegistry,
  type IdentityAccess,
  type SecretPropertiesPage,
  type VaultPort,
  type VaultProperties,
  type VaultRef,
} from '@kvcsi/core';
import { AzureClients, type AzureRetryOptions } from './clients.js';
import { createCall, type AdapterContext } from './context.js';
import { endpointsFor, type AzureEndpoints } from './endpoints.js';
import { IdentityResolver } from './identities.js';
import { accessToken, currentPrincipal, type CurrentPrincipal } from './principal.js';
import { toDeletedSecretInfo, toSecretProperties, toVaultProperties } from './mapping.js';
import { RoleAssignments } from './roleAssignments.js';
import { currentObservation } from './observe.js';
import { listVisibleSubscriptions } from './subscriptions.js';
import { VaultLocator } from './vaultLocator.js';

export interface AzureVaultPortOptions {
  /**
   * Who kvcsi acts as. Defaults to `DefaultAzureCredential`: environment variables, then workload identity (in a pod
   * with the `azure.workload.identity/use` label the webhook sets AZURE_CLIENT_ID, AZURE_TENANT_ID and
   * AZURE_FEDERATED_TOKEN_FILE), managed identity, Azure CLI login.
   */
  credential?: TokenCredential;
  /** The cluster registry: vault subscriptions and resource groups, configured identity object ids, tenant and cloud. */
  registry?: Pick<ClusterRegistry, 'list' | 'findByVault' | 'tenantId' | 'cloud'>;
  /** Defaults to the registry's tenant. */
  tenantId?: string;
  /** Defaults to the registry's cloud, else `AzurePublicCloud`. */
  cloud?: AzureCloud;
  /** Required for Azure Stack; overrides the cloud's endpoints otherwise. */
  endpoints?: Partial<AzureEndpoints>;
  /**
   * Subscriptions to search for vaults, identities and AKS clusters the registry does not locate. Defaults to those
   * the registry names plus AZURE_SUBSCRIPTION_ID; when there are none, every subscription the credential sees.
   */
  subscriptionIds?: string[];
  /** Budget of one port call, SDK retries included. Defaults to 30000. */
  timeoutInMs?: number;
  /** A moment (ms since the epoch) no call outlives, retries and Retry-After waits included: a CLI command's deadline. */
  notAfter?: number;
  /** The SDK pipeline's own retries (429 with Retry-After, 408, 5xx). Defaults: 3 retries, 800 ms, at most 8000 ms. */
  retryOptions?: AzureRetryOptions;
}

/** The VaultPort, plus what the grant flow needs to undo a role assignment. */
export interface AzureVaultPort extends VaultPort {
  /** Deletes a role assignment by id; one that is already gone is no error. */
  deleteRoleAssignment(options: CallOptions & { id: string }): Promise<void>;
  /** Who the credential is (its ARM token's claims): how the CLI names its user. */
  currentPrincipal(options?: CallOptions): Promise<CurrentPrincipal>;
  /** An access token of the credential for another scope (kvcsi's API, for a deciding server). */
  accessToken(scope: string, options?: CallOptions): Promise<string>;
}

export const DEFAULT_AZURE_TIMEOUT_IN_MS = 30_000;

/** Key Vault object names: 1–127 letters, digits and dashes. */
const SECRET_NAME = /^[0-9a-zA-Z-]{1,127}$/;
/** Key Vault recovers within seconds; the SDK's default poll interval is 2 s. */
const RECOVER_POLL_INTERVAL_IN_MS = 1_000;

function configuredSubscriptions(options: AzureVaultPortOptions): string[] {
  const ids = [...(options.subscriptionIds ?? [])];
  for (const cluster of options.registry?.list() ?? []) {
    if (cluster.keyVault.subscriptionId !== undefined) ids.push(cluster.keyVault.subscriptionId);
    if (cluster.identity.kind === 'discover' && cluster.identity.subscriptionId !== undefined) ids.push(cluster.identity.subscriptionId);
  }
  const fromEnv = process.env['AZURE_SUBSCRIPTION_ID'];
  if (fromEnv !== undefined && fromEnv !== '') ids.push(fromEnv);
  const seen = new Set<string>();
  return ids.filter((id) => !seen.has(id.toLowerCase()) && seen.add(id.toLowerCase()));
}

/** kvcsi's VaultPort over the Azure SDKs. No method returns a secret value. */
export function createAzureVaultPort(options: AzureVaultPortOptions = {}): AzureVaultPort {
  const tenantId = options.tenantId ?? options.registry?.tenantId;
  const endpoints = endpointsFor(options.cloud ?? options.registry?.cloud ?? 'AzurePublicCloud', options.endpoints);
  const credential = options.credential ?? new DefaultAzureCredential({ ...(tenantId === undefined ? {} : { tenantId }), authorityHost: endpoints.authorityHost });
  const retryOptions = options.retryOptions ?? {};
  const clients = new AzureClients(credential, endpoints, retryOptions);
  const timeoutInMs = options.timeoutInMs ?? DEFAULT_AZURE_TIMEOUT_IN_MS;
  const call = createCall(timeoutInMs, options.notAfter);
  const configured = configuredSubscriptions(options);
  let visible: Promise<string[]> | undefined;

  const ctx: AdapterContext = {
    clients,
    tenantId,
    timeoutInMs,
    call,
    subscriptionIds(callOptions) {
      if (configured.length > 0) return Promise.resolve(configured);
      visible ??= call(callOptions, { operation: 'list subscriptions' }, (abortSignal) => listVisibleSubscriptions(credential, endpoints.resourceManager, { abortSignal, retryOptions }));
      visible.catch(() => {
        visible = undefined;
      });
      return visible;
    },
  };
  const locator = new VaultLocator(ctx, options.registry);
  const identities = new IdentityResolver(ctx, options.registry);
  const roles = new RoleAssignments(ctx);

  async function getVaultProperties(vault: VaultRef, callOptions?: CallOptions): Promise<VaultProperties | undefined> {
    const location = await locator.locate(vault, callOptions);
    if (location === undefined) return undefined;
    try {
      const found: Vault = await call(callOptions, { operation: 'get vault properties', target: vault.name }, (abortSignal) =>
        clients.keyVault(location.subscriptionId).vaults.get(location.resourceGroup, location.name, { abortSignal }),
      );
      return toVaultProperties(found);
    } catch (error) {
      if (KvcsiError.is(error, 'NOT_FOUND')) return undefined;
      throw error;
    }
  }

  async function requireVault(vault: VaultRef, callOptions?: CallOptions): Promise<VaultProperties> {
    const properties = await getVaultProperties(vault, callOptions);
    if (properties === undefined) throw new KvcsiError('NOT_FOUND', `vault ${vault.name} not found`, { field: 'keyVault.name', details: { vault: vault.name } });
    return properties;
  }

  return {
    getVaultProperties,

    resolveIdentity(request) {
      return identities.resolve(request.clientId, request);
    },

    discoverKubeletIdentity(cluster, callOptions) {
      return identities.kubeletIdentity(cluster, callOptions);
    },

    listFederatedCredentials(request) {
      return identities.federatedCredentials(request.clientId, request);
    },

    getClusterOidcIssuer(cluster, callOptions) {
      return identities.oidcIssuer(cluster, callOptions);
    },

    currentPrincipal(callOptions) {
      return currentPrincipal(credential, endpoints.resourceManager, callOptions);
    },

    accessToken(scope, callOptions) {
      return accessToken(credential, scope, callOptions);
    },

    async listSecretProperties(vault, request = {}): Promise<SecretPropertiesPage> {
      return call(request, { operation: 'list secret properties', target: vault.name }, async (abortSignal) => {
        const pages = clients
          .secrets(vault.name)
          .listPropertiesOfSecrets({ abortSignal })
          .byPage({ ...(request.continuationToken === undefined ? {} : { continuationToken: request.continuationToken }), ...(request.maxPageSize === undefined ? {} : { maxPageSize: request.maxPageSize }) });
        const first = await pages.next();
        const nextLink = currentObservation()?.nextLink;
        if (first.done === true) return { items: [] };
        const page: SdkSecretProperties[] = first.value;
        return { items: page.map(toSecretProperties), ...(nextLink === undefined ? {} : { continuationToken: nextLink }) };
      });
    },

    async checkAccess(vault, request): Promise<IdentityAccess> {
      const properties = await requireVault(vault, request);
      const access: IdentityAccess = { objectId: request.objectId, authModel: properties.authModel, roleAssignments: [] };
      if (properties.authModel === 'accessPolicy') {
        const own = properties.accessPolicies.filter((p) => p.objectId.toLowerCase() === request.objectId.toLowerCase());
        if (own.length > 0) {
          const merge = (family: 'secrets' | 'keys' | 'certificates'): string[] | undefined => {
            const values = own.flatMap((p) => p.permissions[family] ?? []);
            return values.length === 0 ? undefined : [...new Set(values)];
          };
          access.accessPolicy = {};
          for (const family of ['secrets', 'keys', 'certificates'] as const) {
            const values = merge(family);
            if (values !== undefined) access.accessPolicy[family] = values;
          }
        }
        return access;
      }
      const scope = request.secretName === undefined ? properties.id : `${properties.id}/secrets/${request.secretName}`;
      access.roleAssignments = await roles.list({ scope, principalObjectId: request.objectId, includeGroups: true, ...(request.signal ? { signal: request.signal } : {}) });
      return access;
    },

    async setSecret(vault, name, value, request = {}) {
      if (!SECRET_NAME.test(name)) {
        throw new KvcsiError('INVALID_INPUT', `invalid secret name "${name}": 1-127 letters, digits and dashes`, { field: 'name', rule: '^[0-9a-zA-Z-]{1,127}$' });
      }
      const written = await call(request, { operation: 'set secret', target: `${vault.name}/${name}`, sensitive: [value] }, (abortSignal) =>
        clients.secrets(vault.name).setSecret(name, value, {
          abortSignal,
          ...(request.contentType === undefined ? {} : { contentType: request.contentType }),
          ...(request.tags === undefined ? {} : { tags: request.tags }),
        }),
      );
      return toSecretProperties(written.properties);
    },

    async findDeletedSecret(vault, name, request = {}) {
      // Listed (secrets/list), not read one by one: GetDeletedSecret needs secrets/get, which kvcsi does not ask for.
      return call(request, { operation: 'list deleted secrets', target: vault.name }, async (abortSignal) => {
        const wanted = name.toLowerCase();
        for await (const page of clients.secrets(vault.name).listDeletedSecrets({ abortSignal }).byPage()) {
          const found = page.find((deleted) => deleted.name.toLowerCase() === wanted);
          if (found) return toDeletedSecretInfo(found);
        }
        return undefined;
      });
    },

    async recoverDeletedSecret(vault, name, request = {}) {
      if (!SECRET_NAME.test(name)) {
        throw new KvcsiError('INVALID_INPUT', `invalid secret name "${name}": 1-127 letters, digits and dashes`, { field: 'name', rule: '^[0-9a-zA-Z-]{1,127}$' });
      }
      const recovered = await call(request, { operation: 'recover deleted secret', target: `${vault.name}/${name}` }, async (abortSignal) => {
        const poller = await clients.recoveringSecrets(vault.name).beginRecoverDeletedSecret(name, { abortSignal, intervalInMs: RECOVER_POLL_INTERVAL_IN_MS });
        return poller.pollUntilDone({ abortSignal });
      });
      return toSecretProperties(recovered);
    },

    async updateAccessPolicy(vault, request) {
      const location = await locator.locate(vault, request);
      if (location === undefined) throw new KvcsiError('NOT_FOUND', `vault ${vault.name} not found`, { details: { vault: vault.name } });
      const { policy } = request;
      await call(request, { operation: `${request.operation} access policy`, target: vault.name }, (abortSignal) =>
        clients.keyVault(location.subscriptionId).vaults.updateAccessPolicy(location.resourceGroup, location.name, request.operation, {
          properties: {
            accessPolicies: [{ tenantId: policy.tenantId, objectId: policy.objectId, ...(policy.applicationId ? { applicationId: policy.applicationId } : {}), permissions: { ...policy.permissions } }],
          },
        }, { abortSignal }),
      );
    },

    listRoleAssignments(request) {
      return roles.list(request);
    },

    createRoleAssignment(request) {
      return roles.create(request);
    },

    deleteRoleAssignment(request) {
      return roles.delete(request);
    },
  };
}


