/**
 * Recovering a soft-deleted secret: the fix when a mount fails because someone deleted the secret the app reads. A
 * recover brings back every version as it was (so the app gets its old value, which nobody has to know or type),
 * where creating a new secret of that name fails with 409 ObjectIsDeletedButRecoverable until it is purged.
 */
import { KvcsiError } from '../errors.js';
import type { CallOptions, DeletedSecretInfo, SecretProperties, VaultPort, VaultRef } from '../ports.js';
import { findSecretProperties } from './write.js';

type RecoverPort = Pick<VaultPort, 'listSecretProperties' | 'findDeletedSecret' | 'recoverDeletedSecret'>;

export interface RecoverOutcome {
  changed: boolean;
  message: string;
  properties?: SecretProperties;
}

function portOf(vault: RecoverPort): Required<RecoverPort> {
  if (!vault.findDeletedSecret || !vault.recoverDeletedSecret) {
    throw new KvcsiError('UNAVAILABLE', 'this vault port cannot list or recover deleted secrets', { rule: 'recover needs a VaultPort with findDeletedSecret and recoverDeletedSecret' });
  }
  return vault as Required<RecoverPort>;
}

/**
 * The deleted secret a recover would bring back. Refuses what a recover cannot fix: a live secret (ALREADY_EXISTS)
 * and a name with no deleted secret — never deleted, purged, or a vault without soft delete (NOT_FOUND).
 */
export async function findRecoverableSecret(vault: RecoverPort, ref: VaultRef, name: string, options: CallOptions = {}): Promise<DeletedSecretInfo> {
  const port = portOf(vault);
  const [live, deleted] = await Promise.all([findSecretProperties(port, ref, name, options), port.findDeletedSecret(ref, name, options)]);
  if (live) {
    throw new KvcsiError('ALREADY_EXISTS', `secret ${live.name} is not deleted: vault ${ref.name} has it`, { field: 'name', rule: 'only a soft-deleted secret can be recovered' });
  }
  if (!deleted) {
    throw new KvcsiError('NOT_FOUND', `vault ${ref.name} has no deleted secret named ${name}: it was never deleted, was purged, or the vault has no soft delete; create it instead (kvcsi secret create ${name} -c <cluster>)`, {
      field: 'name', rule: 'only a soft-deleted secret can be recovered',
    });
  }
  return deleted;
}

/** Recovers now; a secret that is live again already (another recover won) is no change, a purged one NOT_FOUND. */
export async function recoverSecretNow(vault: RecoverPort, ref: VaultRef, name: string, options: CallOptions = {}): Promise<RecoverOutcome> {
  const port = portOf(vault);
  const deleted = await port.findDeletedSecret(ref, name, options);
  if (!deleted) {
    const live = await findSecretProperties(port, ref, name, options);
    if (live) return { changed: false, message: `secret ${live.name} is in ${ref.name} already; nothing to recover`, properties: live };
    throw new KvcsiError('NOT_FOUND', `vault ${ref.name} has no deleted secret named ${name} any more: it was purged, and cannot be recovered`, { field: 'name' });
  }
  const properties = await port.recoverDeletedSecret(ref, deleted.name, options);
  return { changed: true, message: `recovered secret ${deleted.name} in ${ref.name}${properties.version ? ` (version ${properties.version})` : ''}`, properties };
}
