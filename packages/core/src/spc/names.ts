/**
 * Name rules shared by the renderer (which refuses bad input) and the linter (which reports it).
 * Each check returns undefined when the value is fine, else the broken rule in words.
 */

/** Key Vault object names (secrets, keys, certificates): 1–127 letters, digits and dashes. */
export const KEY_VAULT_OBJECT_NAME_PATTERN = /^[0-9a-zA-Z-]{1,127}$/;
/** What the provider accepts for `keyvaultName` (provider.go:99-113). Key Vault itself is stricter. */
export const PROVIDER_VAULT_NAME_PATTERN = /^[-A-Za-z0-9]{3,24}$/;
const DNS_LABEL_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const SECRET_KEY_PATTERN = /^[-._a-zA-Z0-9]+$/;
const LABEL_VALUE_PATTERN = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_NAME_PATTERN = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const OBJECT_VERSION_PATTERN = /^[0-9a-zA-Z]{0,64}$/;
const SECRET_TYPE_PATTERN = /^[A-Za-z0-9][-._A-Za-z0-9/]{0,252}$/;
export const GUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
/** `filePermission`: an octal mode the provider's ParseInt(s, 8, 32) reads, at most 0777 plus special bits. */
export const FILE_PERMISSION_PATTERN = /^0?[0-7]{3,4}$/;

export function checkKeyVaultObjectName(name: string): string | undefined {
  return KEY_VAULT_OBJECT_NAME_PATTERN.test(name) ? undefined : 'must be 1-127 letters, digits and dashes (a Key Vault object name)';
}

export function checkDnsLabel(name: string): string | undefined {
  if (name.length > 63) return 'must be at most 63 characters';
  return DNS_LABEL_PATTERN.test(name) ? undefined : 'must be lower-case letters, digits and dashes, starting and ending with a letter or digit';
}

export function checkDnsSubdomain(name: string): string | undefined {
  if (name.length > 253) return 'must be at most 253 characters';
  return DNS_SUBDOMAIN_PATTERN.test(name) ? undefined : 'must be lower-case letters, digits, dashes and dots (a DNS subdomain)';
}

export function checkSecretDataKey(key: string): string | undefined {
  if (key.length > 253) return 'must be at most 253 characters';
  return SECRET_KEY_PATTERN.test(key) ? undefined : 'must be letters, digits, "-", "_" and "." (a Kubernetes Secret key)';
}

export function checkSecretType(type: string): string | undefined {
  return SECRET_TYPE_PATTERN.test(type) ? undefined : 'must be a Kubernetes Secret type such as Opaque or kubernetes.io/tls';
}

export function checkObjectVersion(version: string): string | undefined {
  return OBJECT_VERSION_PATTERN.test(version) ? undefined : 'must be empty, "latest" or a Key Vault version id (letters and digits)';
}

export function checkLabelValue(value: string): string | undefined {
  if (value.length > 63) return 'must be at most 63 characters';
  return LABEL_VALUE_PATTERN.test(value) ? undefined : 'must be letters, digits, "-", "_" and ".", starting and ending with a letter or digit';
}

/** A qualified name: `[prefix/]name`, the prefix a DNS subdomain. */
export function checkQualifiedName(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && checkDnsSubdomain(prefix) !== undefined) return 'must have a DNS subdomain prefix before "/"';
  if (name.length > 63 || !LABEL_NAME_PATTERN.test(name)) return 'must be a qualified name: letters, digits, "-", "_" and ".", at most 63 characters';
  return undefined;
}

/**
 * The mounted file path (objectAlias, or objectName without alias): what the provider and the driver's atomic
 * writer accept (validate.go:67-82, fileutil/writer.go:35, atomic_writer.go:267-287), plus no surrounding
 * whitespace, because the provider trims every field before use.
 */
export function checkMountedFilePath(file: string): string | undefined {
  if (file === '') return 'must not be empty';
  if (file.trim() !== file) return 'must not start or end with whitespace (the provider trims it, so the file name changes)';
  if (file.startsWith('/')) return 'must be a relative path';
  if (file.includes('\0')) return 'must not contain NUL';
  if (file.length > 4096) return 'must be at most 4096 characters';
  const segments = file.split('/');
  if (segments.includes('..')) return "must not contain '..'";
  // The driver's atomic writer owns names starting with '..' (e.g. '..data').
  if (file.startsWith('..')) return "must not start with '..'";
  if (segments.some((segment) => segment === '' || segment === '.')) return 'must be a clean path (no "//", "./" or trailing "/")';
  if (segments.some((segment) => Buffer.byteLength(segment) > 255)) return 'must have path segments of at most 255 bytes';
  return undefined;
}
