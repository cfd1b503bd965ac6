import { createHash } from 'node:crypto';
import type { AzureState } from './model.js';

function digest(parts: readonly string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex');
}

/** A GUID derived from its parts: the same scenario always yields the same object IDs. */
export function deterministicUuid(...parts: string[]): string {
  const hex = digest(parts);
  // Shape it like a v4 GUID so strict validators accept it.
  const variant = ((parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** A 32-hex Key Vault object version derived from its parts. */
export function deterministicVersion(...parts: string[]): string {
  return digest(parts).slice(0, 32);
}

/** The next generated GUID of this state (advances its counter, so restore-then-continue stays deterministic). */
export function nextUuid(azure: AzureState, purpose: string): string {
  azure.idCounter += 1;
  return deterministicUuid(azure.idSeed, purpose, String(azure.idCounter));
}

/** The next generated Key Vault version of this state. */
export function nextVersion(azure: AzureState): string {
  azure.idCounter += 1;
  return deterministicVersion(azure.idSeed, 'version', String(azure.idCounter));
}
