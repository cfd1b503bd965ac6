/** Which principal a binding authenticates as, down to the object id that access policies and role assignments name. */
import type { Cluster } from '../clusters/registry.js';
import { KvcsiError } from '../errors.js';
import type { CallOptions, VaultPort } from '../ports.js';
import type { AppBinding, PlannedIdentity } from '../service/types.js';

export interface ResolveBindingIdentityOptions extends CallOptions {
  binding: AppBinding;
  cluster: Cluster;
  vault: Pick<VaultPort, 'resolveIdentity' | 'discoverKubeletIdentity'>;
  /** Memo shared across one plan, so several SPCs with one identity cost one lookup. */
  cache?: Map<string, Promise<PlannedIdentity>>;
}

/**
 * The SPC's userAssignedIdentityID / clientID, else the registry's fixed identity, else (clusters marked `discover`)
 * the AKS kubelet identity. A configured object id is trusted for the configured client id.
 */
export function resolveBindingIdentity(options: ResolveBindingIdentityOptions): Promise<PlannedIdentity> {
  const { binding, cluster, vault } = options;
  const call: CallOptions = options.signal ? { signal: options.signal } : {};
  const clientId = binding.identity.clientId;
  const key = clientId?.toLowerCase() ?? `discover:${cluster.name}`;
  const cached = options.cache?.get(key);
  if (cached) return cached;

  const resolve = async (): Promise<PlannedIdentity> => {
    if (clientId === undefined) {
      if (cluster.identity.kind !== 'discover') {
        throw new KvcsiError('NOT_FOUND', `SecretProviderClass ${binding.namespace}/${binding.name} names no identity and cluster ${cluster.name} has none configured`, { field: 'identity' });
      }
      const discovered = await vault.discoverKubeletIdentity(cluster, call);
      return { clientId: discovered.clientId, objectId: discovered.objectId, ...(discovered.displayName ? { displayName: discovered.displayName } : {}), source: 'discovered' };
    }
    const source = binding.identity.source === 'spc' ? 'spc' : 'registry';
    const configured = cluster.identity.kind === 'fixed' && cluster.identity.clientId.toLowerCase() === clientId.toLowerCase() ? cluster.identity.objectId : undefined;
    if (configured !== undefined) return { clientId, objectId: configured, source };
    const resolved = await vault.resolveIdentity({ clientId, tenantId: binding.tenantId ?? cluster.tenantId, ...call });
    if (!resolved) {
      throw new KvcsiError('NOT_FOUND', `no service principal with client id ${clientId} in tenant ${binding.tenantId ?? cluster.tenantId} (named by ${binding.namespace}/${binding.name})`, {
        field: 'identity.clientId',
        rule: 'the SecretProviderClass must name an identity that exists in the vault\'s tenant',
      });
    }
    return { clientId, objectId: resolved.objectId, ...(resolved.displayName ? { displayName: resolved.displayName } : {}), source };
  };
  const pending = resolve();
  options.cache?.set(key, pending);
  return pending;
}
