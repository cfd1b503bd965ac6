import { KvcsiError } from '../errors.js';
import { checkDnsLabel, checkKeyVaultObjectName } from '../spc/names.js';

/** Key Vault's limit on a secret value: 25 KB. */
export const MAX_SECRET_VALUE_BYTES = 25 * 1024;
const MAX_CONTENT_TYPE_LENGTH = 255;

/** Key Vault secret names: 1–127 letters, digits and dashes. Throws INVALID_INPUT naming the rule (the name is not secret). */
export function validateSecretName(name: string): string {
  const rule = typeof name === 'string' ? checkKeyVaultObjectName(name) : 'must be a string';
  if (rule !== undefined) throw new KvcsiError('INVALID_INPUT', `secret name ${JSON.stringify(name)} ${rule}`, { field: 'name', rule });
  return name;
}

export function validateAppName(app: string): string {
  const rule = checkDnsLabel(app);
  if (rule !== undefined) throw new KvcsiError('INVALID_INPUT', `app ${JSON.stringify(app)} ${rule}`, { field: 'app', rule });
  return app;
}

/** Checks a value without ever echoing it. */
export function validateSecretValue(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new KvcsiError('INVALID_INPUT', 'the secret value is empty', { field: 'value', rule: 'a value of 1 byte to 25 KB' });
  }
  if (Buffer.byteLength(value, 'utf8') > MAX_SECRET_VALUE_BYTES) {
    throw new KvcsiError('INVALID_INPUT', 'the secret value is larger than Key Vault\'s 25 KB limit', { field: 'value', rule: 'a value of 1 byte to 25 KB' });
  }
  return value;
}

export function validateContentType(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  if (contentType.length === 0 || contentType.length > MAX_CONTENT_TYPE_LENGTH || /[\r\n]/.test(contentType)) {
    throw new KvcsiError('INVALID_INPUT', `content type must be 1-${MAX_CONTENT_TYPE_LENGTH} characters on one line`, { field: 'contentType' });
  }
  return contentType;
}
