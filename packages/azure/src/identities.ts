import type { FederatedIdentityCredential, Identity } from '@azure/arm-msi';
import type { ManagedCluster, UserAssignedIdentity } from '@azure/arm-containerservice';
import { KvcsiError, type CallOptions, type Cluster, type ClusterRegistry, type FederatedCredential, type ResolvedIdentity } from '@kvcsi/core';
import type { AdapterContext } from './context.js';
import { parseResourceId } from './mapping.js';

type RegistryView = Pick<ClusterRegistry, 'list'>;

/** `identityProfile` is flattened onto the cluster by the SDK; older payloads keep it under `properties`. */
function kubeletIdentityOf(cluster: ManagedCluster): UserAssignedIdentity | undefined {
  const flat = (cluster as { identityProfile?: Record<string, UserAssignedIdentity> }).identityProfile;
  const nested = (cluster as { properties?: { identityProfile?: Record<string, UserAssignedIdentity> } }).properties?.identityProfile;
  const profile = flat ?? nested ?? {};
  const key = Object.keys(profile).find((k) => k.toLowerCase() === 'kubeletidentity');
  return key === undefined ? undefined : profile[key];
}

/**
 * Client id → service principal object id. Order: what the registry already says (identity.objectId), then the
 * user-assigned managed identities of the known subscriptions (arm-msi). Answers are kept: the mapping never changes.
 */
export class IdentityResolver {
  private readonly resolved = new Map<string, ResolvedIdentity | undefined>();

  constructor(
    private readonly ctx: AdapterContext,
    private readonly registry: RegistryView | undefined,
  ) {}

  async resolve(clientId: string, options?: CallOptions): Promise<ResolvedIdentity | undefined> {
    const key = clientId.toLowerCase();
    const configured = this.registry?.list().map((cluster) => cluster.identity)
      .find((identity) => identity.kind === 'fixed' && identity.clientId.toLowerCase() === key && identity.objectId !== undefined);
    if (configured?.kind === 'fixed' && configured.objectId !== undefined) return { clientId: configured.clientId, objectId: configured.objectId };
    if (this.resolved.has(key)) return this.resolved.get(key);

    for (const subscriptionId of await this.ctx.subscriptionIds(options)) {
      const found = await this.ctx.call(options, { operation: 'list managed identities', target: `subscription ${subscriptionId}` }, async (abortSignal) => {
        for await (const identity of this.ctx.clients.managedIdentities(subscriptionId).userAssignedIdentities.listBySubscription({ abortSignal }) as AsyncIterable<Identity>) {
          if (identity.clientId?.toLowerCase() === key) return identity;
        }
        return undefined;
      });
      if (found?.principalId !== undefined) {
        const result: ResolvedIdentity = { clientId: found.clientId ?? clientId, objectId: found.principalId };
        if (found.name !== undefined) result.displayName = found.name;
        if (found.id !== undefined) result.resourceId = found.id;
        this.resolved.set(key, result);
        return result;
      }
    }
    // Not cached: the identity may be created later in the same process.
    return undefined;
  }

  /** The user-assigned managed identity with this client id, found by listing the known subscriptions (never the registry). */
  private async findUserAssigned(clientId: string, options?: CallOptions): Promise<Identity | undefined> {
    const key = clientId.toLowerCase();
    for (const subscriptionId of await this.ctx.subscriptionIds(options)) {
      const found = await this.ctx.call(options, { operation: 'list managed identities', target: `subscription ${subscriptionId}` }, async (abortSignal) => {
        for await (const identity of this.ctx.clients.managedIdentities(subscriptionId).userAssignedIdentities.listBySubscription({ abortSignal }) as AsyncIterable<Identity>) {
          if (identity.clientId?.toLowerCase() === key) return identity;
        }
        return undefined;
      });
      if (found !== undefined) return found;
    }
    return undefined;
  }

  /**
   * The federated credentials of the user-assigned identity with this client id (ARM
   * `userAssignedIdentities/{name}/federatedIdentityCredentials`); `undefined` when no such identity exists.
   */
  async federatedCredentials(clientId: string, options?: CallOptions): Promise<FederatedCredential[] | undefined> {
    const identity = await this.findUserAssigned(clientId, options);
    const location = parseResourceId(identity?.id ?? '');
    if (identity === undefined || location.subscriptionId === undefined || location.resourceGroup === undefined || location.name === undefined) return undefined;
    const { subscriptionId, resourceGroup, name } = location;
    return this.ctx.call(options, { operation: 'list federated identity credentials', target: name }, async (abortSignal) => {
      const credentials: FederatedCredential[] = [];
      for await (const credential of this.ctx.clients.managedIdentities(subscriptionId).federatedIdentityCredentials.list(resourceGroup, name, { abortSignal }) as AsyncIterable<FederatedIdentityCredential>) {
        if (credential.issuer === undefined || credential.subject === undefined) continue;
        credentials.push({ name: credential.name ?? '', issuer: credential.issuer, subject: credential.subject, audiences: credential.audiences ?? [] });
      }
      return credentials;
    });
  }

  /** The AKS cluster's OIDC issuer URL (`oidcIssuerProfile.issuerURL`), `undefined` when the issuer is not enabled. */
  async oidcIssuer(cluster: Cluster, options?: CallOptions): Promise<string | undefined> {
    const aksName = cluster.identity.kind === 'discover' ? cluster.identity.aksName ?? cluster.name : cluster.name;
    const managed = await this.findManagedCluster(cluster, aksName, options);
    const flat = (managed as { oidcIssuerProfile?: { enabled?: boolean; issuerURL?: string } }).oidcIssuerProfile;
    const nested = (managed as { properties?: { oidcIssuerProfile?: { enabled?: boolean; issuerURL?: string } } }).properties?.oidcIssuerProfile;
    const profile = flat ?? nested;
    return profile?.enabled === false || profile?.issuerURL === undefined || profile.issuerURL === '' ? undefined : profile.issuerURL;
  }

  /** The kubelet identity: as configured (`fixed`), or read from the AKS cluster (`discover`). */
  async kubeletIdentity(cluster: Cluster, options?: CallOptions): Promise<ResolvedIdentity> {
    const identity = cluster.identity;
    if (identity.kind === 'fixed') {
      if (identity.objectId !== undefined) return { clientId: identity.clientId, objectId: identity.objectId };
      const resolved = await this.resolve(identity.clientId, options);
      if (resolved === undefined) {
        throw new KvcsiError('NOT_FOUND', `cluster ${cluster.name}: no managed identity with client id ${identity.clientId} in the searched subscriptions; set identity.objectId in the registry`, {
          field: 'identity.objectId',
          details: { cluster: cluster.name, clientId: identity.clientId },
        });
      }
      return resolved;
    }

    const aksName = identity.aksName ?? cluster.name;
    const managed = await this.findManagedCluster(cluster, aksName, options);
    const kubelet = kubeletIdentityOf(managed);
    if (kubelet?.clientId === undefined) {
      throw new KvcsiError('NOT_FOUND', `AKS cluster ${aksName} has no kubelet identity in identityProfile (a service-principal cluster?)`, { details: { cluster: cluster.name, aksName } });
    }
    if (kubelet.objectId === undefined) {
      const resolved = await this.resolve(kubelet.clientId, options);
      if (resolved !== undefined) return resolved;
      throw new KvcsiError('NOT_FOUND', `AKS cluster ${aksName}: kubelet identity ${kubelet.clientId} has no object id`, { details: { cluster: cluster.name, aksName } });
    }
    const result: ResolvedIdentity = { clientId: kubelet.clientId, objectId: kubelet.objectId };
    if (kubelet.resourceId !== undefined) {
      result.resourceId = kubelet.resourceId;
      const name = parseResourceId(kubelet.resourceId).name;
      if (name !== undefined) result.displayName = name;
    }
    return result;
  }

  private async findManagedCluster(cluster: Cluster, aksName: string, options?: CallOptions): Promise<ManagedCluster> {
    const identity = cluster.identity.kind === 'discover' ? cluster.identity : undefined;
    const preferred = identity?.subscriptionId ?? cluster.keyVault.subscriptionId;
    const subscriptions = preferred !== undefined ? [preferred] : await this.ctx.subscriptionIds(options);
    for (const subscriptionId of subscriptions) {
      const client = this.ctx.clients.containerService(subscriptionId);
      const resourceGroup = identity?.aksResourceGroup;
      const found = await this.ctx.call(options, { operation: 'read AKS cluster', target: `${aksName} in subscription ${subscriptionId}` }, async (abortSignal) => {
        if (resourceGroup !== undefined) return client.managedClusters.get(resourceGroup, aksName, { abortSignal });
        for await (const candidate of client.managedClusters.list({ abortSignal }) as AsyncIterable<ManagedCluster>) {
          if (candidate.name?.toLowerCase() === aksName.toLowerCase()) return candidate;
        }
        return undefined;
      }).catch((error: unknown) => {
        if (KvcsiError.is(error, 'NOT_FOUND') && resourceGroup !== undefined && preferred === undefined) return undefined;
        throw error;
      });
      if (found !== undefined) return found;
    }
    throw new KvcsiError('NOT_FOUND', `no AKS cluster named ${aksName} in subscription(s) ${subscriptions.join(', ')}; set identity.aksResourceGroup and identity.subscriptionId`, {
      field: 'identity',
      details: { cluster: cluster.name, aksName, subscriptions },
    });
  }
}
