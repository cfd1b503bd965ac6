import type { Vault } from '@azure/arm-keyvault';
import { KvcsiError, type CallOptions, type ClusterRegistry, type VaultRef } from '@kvcsi/core';
import type { AdapterContext } from './context.js';
import { parseResourceId } from './mapping.js';

export interface VaultLocation {
  name: string;
  subscriptionId: string;
  resourceGroup: string;
}

type RegistryView = Pick<ClusterRegistry, 'findByVault'>;

/**
 * Where a vault lives in ARM. The registry usually says (keyVault.subscriptionId + resourceGroup); otherwise the
 * subscriptions are listed once and the answer is kept: a vault does not move between resource groups.
 */
export class VaultLocator {
  private readonly known = new Map<string, VaultLocation>();

  constructor(
    private readonly ctx: AdapterContext,
    private readonly registry: RegistryView | undefined,
  ) {}

  /** The location, or undefined when no searched subscription holds a vault of that name. */
  async locate(ref: VaultRef, options?: CallOptions): Promise<VaultLocation | undefined> {
    const key = ref.name.toLowerCase();
    if (ref.subscriptionId !== undefined && ref.resourceGroup !== undefined) {
      return { name: ref.name, subscriptionId: ref.subscriptionId, resourceGroup: ref.resourceGroup };
    }
    const fromRegistry = this.registry?.findByVault(ref.name).map((cluster) => cluster.keyVault)
      .find((vault) => vault.subscriptionId !== undefined && vault.resourceGroup !== undefined && (ref.subscriptionId === undefined || vault.subscriptionId.toLowerCase() === ref.subscriptionId.toLowerCase()));
    if (fromRegistry?.subscriptionId !== undefined && fromRegistry.resourceGroup !== undefined) {
      return { name: ref.name, subscriptionId: fromRegistry.subscriptionId, resourceGroup: fromRegistry.resourceGroup };
    }
    const cached = this.known.get(key);
    if (cached !== undefined) return cached;

    const subscriptions = ref.subscriptionId !== undefined ? [ref.subscriptionId] : await this.ctx.subscriptionIds(options);
    if (subscriptions.length === 0) {
      throw new KvcsiError('NOT_FOUND', `cannot find vault ${ref.name}: the credential sees no subscription; set keyVault.subscriptionId and resourceGroup in the registry`, {
        field: 'keyVault.subscriptionId',
      });
    }
    for (const subscriptionId of subscriptions) {
      const found = await this.ctx.call(options, { operation: 'list vaults', target: `subscription ${subscriptionId}` }, async (abortSignal) => {
        for await (const vault of this.ctx.clients.keyVault(subscriptionId).vaults.listBySubscription({ abortSignal }) as AsyncIterable<Vault>) {
          if (vault.name?.toLowerCase() === key) return vault;
        }
        return undefined;
      });
      const parts = parseResourceId(found?.id ?? '');
      if (found !== undefined && parts.resourceGroup !== undefined) {
        const location = { name: found.name ?? ref.name, subscriptionId, resourceGroup: parts.resourceGroup };
        this.known.set(key, location);
        return location;
      }
    }
    return undefined;
  }
}
