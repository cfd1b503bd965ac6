import { KvcsiError } from '@kvcsi/core';
import type { KubeObject, SecretObject } from './types.js';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * What the API server does to a Secret on write: `data` must be base64, `stringData` is folded into `data`, and
 * `type` defaults to Opaque.
 */
export function normalizeSecretForWrite(object: KubeObject): SecretObject {
  const secret = object as SecretObject;
  const data: Record<string, string> = { ...(secret.data ?? {}) };
  for (const [key, value] of Object.entries(data)) {
    if (typeof value !== 'string' || !BASE64.test(value)) {
      throw new KvcsiError('INVALID_INPUT', `Secret in version "v1" cannot be handled as a Secret: illegal base64 data in data.${key}`);
    }
  }
  for (const [key, value] of Object.entries(secret.stringData ?? {})) data[key] = Buffer.from(String(value), 'utf8').toString('base64');
  const { stringData: _stringData, ...rest } = secret;
  return { ...rest, type: secret.type ?? 'Opaque', data };
}
