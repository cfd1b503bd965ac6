import { createHash } from 'node:crypto';

/** A UUID-shaped id derived from its inputs, so a scenario loads the same way every time. */
export function deterministicUid(...parts: string[]): string {
  const hex = createHash('sha1').update(parts.join('\u0000')).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

// The alphabet Kubernetes uses for generated name suffixes (no vowels, no look-alikes).
const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** A `generateName`-style suffix (`-x7k2p`) derived from its inputs. */
export function deterministicSuffix(length: number, ...parts: string[]): string {
  const digest = createHash('sha1').update(parts.join('\u0000')).digest();
  let suffix = '';
  for (let i = 0; i < length; i += 1) suffix += SUFFIX_ALPHABET[(digest[i] ?? 0) % SUFFIX_ALPHABET.length];
  return suffix;
}
