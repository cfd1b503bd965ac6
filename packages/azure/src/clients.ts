import { AuthorizationManagementClient } from '@azure/arm-authorization';
import { ContainerServiceClient } from '@azure/arm-containerservice';
import { KeyVaultManagementClient } from '@azure/arm-keyvault';
import { ManagedServiceIdentityClient } from '@azure/arm-msi';
import type { TokenCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import { vaultUrl, type AzureEndpoints } from './endpoints.js';
import { observingPolicy } from './observe.js';
import { valueFreeSecretGetPolicy } from './value-free-get.js';

/** The SDK pipeline's retry settings (429 with Retry-After, 408, 5xx, network errors). */
export interface AzureRetryOptions {
  /** Defaults to 3. */
  maxRetries?: number;
  /** First back-off; doubles with jitter. Defaults to 800. */
  retryDelayInMs?: number;
  /** Cap of one back-off. Defaults to 8000. */
  maxRetryDelayInMs?: number;
}

/** One SDK client per vault and per subscription, created on first use and kept: each holds its own token cache. */
export class AzureClients {
  private readonly secretClients = new Map<string, SecretClient>();
  private readonly recoveringClients = new Map<string, SecretClient>();
  private readonly perSubscription = new Map<string, unknown>();
  private readonly retryOptions: Required<AzureRetryOptions>;

  constructor(
    private readonly credential: TokenCredential,
    private readonly endpoints: AzureEndpoints,
    retryOptions: AzureRetryOptions = {},
  ) {
    this.retryOptions = { maxRetries: retryOptions.maxRetries ?? 3, retryDelayInMs: retryOptions.retryDelayInMs ?? 800, maxRetryDelayInMs: retryOptions.maxRetryDelayInMs ?? 8000 };
  }

  secrets(vaultName: string): SecretClient {
    const url = vaultUrl(vaultName, this.endpoints);
    let client = this.secretClients.get(url);
    if (client === undefined) {
      client = new SecretClient(url, this.credential, { retryOptions: this.retryOptions, additionalPolicies: [{ policy: observingPolicy, position: 'perCall' }] });
      this.secretClients.set(url, client);
    }
    return client;
  }

  /** A secret client for recovering: its getSecret calls read versions' attributes, never a value (value-free-get.ts). */
  recoveringSecrets(vaultName: string): SecretClient {
    const url = vaultUrl(vaultName, this.endpoints);
    let client = this.recoveringClients.get(url);
    if (client === undefined) {
      client = new SecretClient(url, this.credential, {
        retryOptions: this.retryOptions,
        additionalPolicies: [{ policy: observingPolicy, position: 'perCall' }, { policy: valueFreeSecretGetPolicy, position: 'perCall' }],
      });
      this.recoveringClients.set(url, client);
    }
    return client;
  }

  keyVault(subscriptionId: string): KeyVaultManagementClient {
    return this.cached(`kv:${subscriptionId}`, () => new KeyVaultManagementClient(this.credential, subscriptionId, this.armOptions()));
  }

  authorization(subscriptionId: string): AuthorizationManagementClient {
    return this.cached(`auth:${subscriptionId}`, () => new AuthorizationManagementClient(this.credential, subscriptionId, this.armOptions()));
  }

  managedIdentities(subscriptionId: string): ManagedServiceIdentityClient {
    return this.cached(`msi:${subscriptionId}`, () => new ManagedServiceIdentityClient(this.credential, subscriptionId, this.armOptions()));
  }

  containerService(subscriptionId: string): ContainerServiceClient {
    return this.cached(`aks:${subscriptionId}`, () => new ContainerServiceClient(this.credential, subscriptionId, this.armOptions()));
  }

  private armOptions(): { endpoint: string; retryOptions: Required<AzureRetryOptions> } {
    return { endpoint: this.endpoints.resourceManager, retryOptions: this.retryOptions };
  }

  private cached<T>(key: string, create: () => T): T {
    const key2 = key.toLowerCase();
    if (!this.perSubscription.has(key2)) this.perSubscription.set(key2, create());
    return this.perSubscription.get(key2) as T;
  }
}
