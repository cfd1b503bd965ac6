/**
 * A last line of defence for records that must never hold a secret value (audit events, request details): spot keys
 * named like credentials and strings that look like credentials or random key material.
 */
import { redact } from '../diagnostics/redact.js';

const SECRET_KEY_NAME = /^(value|values|secret|secretvalue|secret_value|password|passwd|pwd|token|accesstoken|access_token|refreshtoken|refresh_token|clientsecret|client_secret|privatekey|private_key|connectionstring|connection_string|apikey|api_key|credential|credentials|sas|sastoken)$/i;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Things that are long and varied but not secret: ARM ids and paths, URLs, principals, e-mail addresses. */
const HARMLESS_TOKEN = /^(\/|https?:\/\/|(slack|backstage|cli|group):|[^@\s]+@[^@\s]+\.[a-z]{2,}$)/i;
const MIN_RANDOM_TOKEN_LENGTH = 24;
const MIN_RANDOM_ENTROPY_BITS_PER_CHAR = 3.5;

export function isSecretLookingKey(key: string): boolean {
  return SECRET_KEY_NAME.test(key);
}

function entropyBitsPerChar(text: string): number {
  const counts = new Map<string, number>();
  for (const char of text) counts.set(char, (counts.get(char) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

function characterClasses(text: string): number {
  return [/[a-z]/, /[A-Z]/, /[0-9]/, /[^a-zA-Z0-9]/].filter((pattern) => pattern.test(text)).length;
}

/** A long unbroken token mixing upper case, lower case and digits with high entropy: generated key material. */
function looksRandom(token: string): boolean {
  const bare = token.replace(/^["'([{]+|["')\]},.;:]+$/g, '');
  if (bare.length < MIN_RANDOM_TOKEN_LENGTH || GUID.test(bare) || HARMLESS_TOKEN.test(bare)) return false;
  return /[a-z]/.test(bare) && /[A-Z]/.test(bare) && /[0-9]/.test(bare) && characterClasses(bare) >= 3
    && entropyBitsPerChar(bare) >= MIN_RANDOM_ENTROPY_BITS_PER_CHAR;
}

/**
 * A credential written in prose: "the password is Hunter2024!", "pwd: s3cret-9", "senha = Abc12345", "token 'x'".
 * What follows the word must look like a value (quoted, or with at least two character classes), so "the password
 * is required" or "password is stored in Key Vault" pass.
 */
const PROSE_CREDENTIAL = /(?<![\w./-])(?:password|passwd|passphrase|pwd|pass|senha|secret|token|api[ -]?key|client[ -]?secret)(?:\s*(?:=|:|:=|->|=>)\s*|\s+(?:is|was|é)\s+|\s+)(?:"([^"]{4,})"|'([^']{4,})'|`([^`]{4,})`|(\S{6,}))/gi;

function hasProseCredential(text: string): boolean {
  for (const match of text.matchAll(PROSE_CREDENTIAL)) {
    const quoted = match[1] ?? match[2] ?? match[3];
    if (quoted !== undefined) return true;
    const candidate = (match[4] ?? '').replace(/[.,;)]+$/, '');
    if (candidate.length >= 6 && characterClasses(candidate) >= 2 && !HARMLESS_TOKEN.test(candidate) && !GUID.test(candidate) && !/^[a-z]+(-[a-z0-9]+)+$/.test(candidate)) return true;
  }
  return false;
}

/** Whether the text contains a credential (token, key, connection string, password) or random key material. */
export function looksLikeSecretValue(text: string): boolean {
  if (redact(text) !== text) return true;
  if (hasProseCredential(text)) return true;
  return text.split(/\s+/).some(looksRandom);
}

/**
 * The path of the first field whose key or string content looks like a secret, or `undefined` when the record is clean.
 * Walks nested objects and arrays.
 */
export function findSecretLookingField(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return looksLikeSecretValue(value) ? path || '(value)' : undefined;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const hit = findSecretLookingField(item, `${path}[${index}]`);
      if (hit !== undefined) return hit;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const keyPath = path ? `${path}.${key}` : key;
      if (isSecretLookingKey(key)) return keyPath;
      const hit = findSecretLookingField(item, keyPath);
      if (hit !== undefined) return hit;
    }
  }
  return undefined;
}
