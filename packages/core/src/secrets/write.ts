/**
 * Writes a secret value straight to Key Vault. The value is passed to `setSecret` and nowhere else: it is not logged,
 * returned, audited, stored, or put in an error.
 */
import { KvcsiError } from '../errors.js';
import type { CallOptions, SecretProperties, VaultPort, VaultRef } from '../ports.js';
import { validateContentType, validateSecretName, validateSecretValue } from './validate.js';

export interface FindSecretOptions extends CallOptions {
  /** Pages of properties to read at most (default 50). */
  maxPages?: number;
}

/** The secret's properties by name (Key Vault compares names case-insensitively), listing properties only — never values. */
export async function findSecretProperties(vault: Pick<VaultPort, 'listSecretProperties'>, ref: VaultRef, name: string, options: FindSecretOptions = {}): Promise<SecretProperties | undefined> {
  const wanted = name.toLowerCase();
  let continuationToken: string | undefined;
  for (let page = 0; page < (options.maxPages ?? 50); page++) {
    const result = await vault.listSecretProperties(ref, {
      ...(continuationToken !== undefined ? { continuationToken } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const found = result.items.find((item) => item.name.toLowerCase() === wanted);
    if (found) return found;
    if (result.continuationToken === undefined) return undefined;
    continuationToken = result.continuationToken;
  }
  return undefined;
}

/** Tags kvcsi puts on what it writes: who, for which app, under which request. */
export function secretTags(options: { createdBy: string; app?: string; requestId?: string }): Record<string, string> {
  return {
    'created-by': options.createdBy,
    ...(options.app !== undefined ? { app: options.app } : {}),
    ...(options.requestId !== undefined ? { 'request-id': options.requestId } : {}),
  };
}

export interface WriteSecretOptions extends CallOptions {
  vault: Pick<VaultPort, 'listSecretProperties' | 'setSecret'>;
  ref: VaultRef;
  name: string;
  value: string;
  contentType?: string;
  tags?: Record<string, string>;
  /** Without it, an existing secret is refused with ALREADY_EXISTS. */
  newVersion?: boolean;
}

/** Throws ALREADY_EXISTS when the secret exists and no new version was asked for. */
export async function assertSecretAbsent(vault: Pick<VaultPort, 'listSecretProperties'>, ref: VaultRef, name: string, options: CallOptions = {}): Promise<void> {
  const existing = await findSecretProperties(vault, ref, name, options);
  if (existing) {
    throw new KvcsiError('ALREADY_EXISTS', `secret ${existing.name} exists already in vault ${ref.name}; ask for a new version (--new-version) to replace its value`, {
      field: 'name',
      rule: 'kvcsi never overwrites a secret unless a new version is asked for',
    });
  }
}

/** An error without the value in it and without the upstream cause (which may hold the request body). */
function scrubbed(error: unknown, value: string): KvcsiError {
  const code = KvcsiError.is(error) ? error.code : 'INTERNAL';
  const raw = KvcsiError.is(error) ? error.message : 'writing the secret failed unexpectedly';
  const message = raw.split(value).join('[REDACTED]');
  return new KvcsiError(code, message, KvcsiError.is(error) && error.field !== undefined ? { field: error.field } : {});
}

/** Validates, refuses to overwrite (unless a new version is asked), writes; returns the new version's properties. */
export async function writeSecret(options: WriteSecretOptions): Promise<SecretProperties> {
  const name = validateSecretName(options.name);
  const value = validateSecretValue(options.value);
  const contentType = validateContentType(options.contentType);
  const call: CallOptions = options.signal ? { signal: options.signal } : {};
  if (!options.newVersion) await assertSecretAbsent(options.vault, options.ref, name, call);
  try {
    return await options.vault.setSecret(options.ref, name, value, {
      ...(contentType !== undefined ? { contentType } : {}),
      ...(options.tags !== undefined ? { tags: options.tags } : {}),
      ...call,
    });
  } catch (error) {
    throw scrubbed(error, value);
  }
}
