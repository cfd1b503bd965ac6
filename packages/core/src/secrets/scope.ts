/**
 * Secret requests are scoped to their app: a new version of an existing secret may be written for an app only when
 * the secret is tagged for that app (kvcsi tags what it creates) or one of the app's SecretProviderClasses mounts it.
 * Anything else overwrites a secret someone else uses, and so needs an approval even on dev.
 */
import { findAppBindings } from '../access/bindings.js';
import type { Cluster } from '../clusters/registry.js';
import type { CallOptions, ClusterPort, SecretProperties } from '../ports.js';

/** The tag kvcsi puts on the secrets it writes for an app (see secretTags). */
export const APP_TAG = 'app';

export interface SecretUsers {
  /** The secret's `app` tag, when it has one. */
  taggedFor?: string;
  /** Apps whose SecretProviderClasses, on any cluster that uses the vault, mount the secret (`<app> (<cluster>)`). */
  mountedBy: { app: string; cluster: string }[];
  /** Clusters that could not be read: their apps may use the secret too. */
  unread: string[];
}

export interface FindSecretUsersOptions extends CallOptions {
  /** The clusters whose registry vault holds the secret. */
  clusters: Cluster[];
  clusterPort: (clusterName: string) => ClusterPort;
  vaultName: string;
  secret: SecretProperties;
}

/** Who uses an existing secret: its app tag and the SPCs that mount it (Key Vault names compare case-insensitively). */
export async function findSecretUsers(options: FindSecretUsersOptions): Promise<SecretUsers> {
  const name = options.secret.name.toLowerCase();
  const vault = options.vaultName.toLowerCase();
  const mountedBy: SecretUsers['mountedBy'] = [];
  const unread: string[] = [];
  await Promise.all(options.clusters.map(async (cluster) => {
    try {
      const bindings = await findAppBindings({ clusterPort: options.clusterPort(cluster.name), cluster, ...(options.signal ? { signal: options.signal } : {}) });
      for (const binding of bindings) {
        if (binding.vault?.toLowerCase() !== vault) continue;
        if (binding.objects.some((object) => object.objectName.toLowerCase() === name)) mountedBy.push({ app: binding.app, cluster: cluster.name });
      }
    } catch (error) {
      if (options.signal?.aborted) throw error;
      unread.push(cluster.name);
    }
  }));
  const taggedFor = options.secret.tags?.[APP_TAG];
  return { ...(taggedFor !== undefined && taggedFor !== '' ? { taggedFor } : {}), mountedBy, unread: unread.sort() };
}

/** Whether `app` may write a new version: the secret is tagged for it, or one of its SPCs mounts it. */
export function secretBelongsTo(app: string | undefined, users: SecretUsers): boolean {
  if (app === undefined) return false;
  return users.taggedFor === app || users.mountedBy.some((use) => use.app === app);
}

/** The apps other than `app` that use the secret, for the card: `overwrites a secret used by X`. */
export function otherUsersOf(app: string | undefined, users: SecretUsers): string[] {
  const others = new Set<string>();
  if (users.taggedFor !== undefined && users.taggedFor !== app) others.add(users.taggedFor);
  for (const use of users.mountedBy) if (use.app !== app) others.add(use.app);
  return [...others].sort();
}

/** The sentence an approver reads on the card. */
export function overwriteNote(secretName: string, app: string | undefined, users: SecretUsers): string {
  const others = otherUsersOf(app, users);
  const who = others.length > 0 ? `used by ${others.join(', ')}` : `not tagged for ${app ?? 'any app'} and mounted by none of ${app ?? 'its'} SecretProviderClasses`;
  const unread = users.unread.length > 0 ? ` (clusters not read: ${users.unread.join(', ')})` : '';
  return `overwrites a secret ${who}: ${secretName}${unread}`;
}
