/**
 * Server-signed decisions. A person's approval or rejection is made only by a server that authenticated the decider
 * (the bot checks Slack's signature, the Backstage backend the Backstage token); the server signs the decided request
 * with its Ed25519 key, and every applier verifies the signature before acting. Holding the store's credentials or
 * the CLI is therefore not enough to approve: a row written by hand carries no valid signature.
 *
 * Keys: a server holds the private key (`KVCSI_DECISION_KEY`, PEM PKCS#8); anyone who only applies (the CLI writing
 * the value of an approved secret request) holds the public key (`KVCSI_DECISION_PUBLIC_KEY`, PEM SPKI). The sandbox
 * has its own well-known key, trusted only in sandbox mode, over a store the sandbox created.
 */
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { KvcsiError } from '../errors.js';
import type { AccessRequest } from './model.js';

export const DECISION_KEY_ENV = 'KVCSI_DECISION_KEY';
export const DECISION_PUBLIC_KEY_ENV = 'KVCSI_DECISION_PUBLIC_KEY';

export interface DecisionVerifier {
  /** True when the request's decision carries a valid signature by a trusted server key. */
  verify(request: AccessRequest): boolean;
}

export interface DecisionSigner extends DecisionVerifier {
  /** The signature of the request as decided (its `decision` set, without `signature`). */
  sign(request: AccessRequest): string;
}

/** What a service may do with decisions: sign them (servers), verify them (everyone that applies). */
export interface DecisionKeys {
  signer?: DecisionSigner;
  verifier?: DecisionVerifier;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]));
  }
  return value;
}

/** The signed bytes: what the decision covers (who asked what, where, and who decided), in a stable order. */
export function decisionPayload(request: AccessRequest): Buffer {
  const { signature: _signature, ...decision } = request.decision ?? { by: '', at: '' };
  const covered = {
    id: request.id,
    kind: request.kind,
    requester: request.requester,
    target: request.target,
    details: request.details ?? {},
    approvalRequired: request.approvalRequired,
    approverGroup: request.approverGroup ?? null,
    approvalTier: request.approvalTier ?? null,
    decided: request.status === 'rejected' ? 'rejected' : 'approved',
    decision,
  };
  return Buffer.from(JSON.stringify(sortKeys(covered)), 'utf8');
}

function publicKeyOf(pem: string, field: string): KeyObject {
  try {
    const key = createPublicKey(pem);
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`an ${key.asymmetricKeyType ?? 'unknown'} key`);
    return key;
  } catch (error) {
    throw new KvcsiError('CONFIG_INVALID', `${field} is not an Ed25519 public or private key in PEM (${(error as Error).message})`, { field, cause: error });
  }
}

/** Verifies with any of the given public (or private) keys in PEM. */
export function createDecisionVerifier(publicKeysPem: readonly string[], field = DECISION_PUBLIC_KEY_ENV): DecisionVerifier {
  const keys = publicKeysPem.map((pem) => publicKeyOf(pem, field));
  return {
    verify(request) {
      const signature = request.decision?.signature;
      if (signature === undefined || signature === '') return false;
      const bytes = Buffer.from(signature, 'base64');
      const payload = decisionPayload(request);
      return keys.some((key) => verify(null, payload, key, bytes));
    },
  };
}

/** Signs with an Ed25519 private key (PEM PKCS#8) and verifies with its public half, plus any extra public keys. */
export function createDecisionSigner(privateKeyPem: string, options: { extraPublicKeysPem?: readonly string[]; field?: string } = {}): DecisionSigner {
  const field = options.field ?? DECISION_KEY_ENV;
  let key: KeyObject;
  try {
    key = createPrivateKey(privateKeyPem);
  } catch (error) {
    throw new KvcsiError('CONFIG_INVALID', `${field} is not a private key in PEM (${(error as Error).message})`, { field, cause: error });
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new KvcsiError('CONFIG_INVALID', `${field} must be an Ed25519 key, not ${key.asymmetricKeyType ?? 'unknown'}`, { field });
  const own = createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString();
  const verifier = createDecisionVerifier([own, ...(options.extraPublicKeysPem ?? [])], field);
  return {
    sign: (request) => sign(null, decisionPayload(request), key).toString('base64'),
    verify: (request) => verifier.verify(request),
  };
}

/** PKCS#8 DER prefix of an Ed25519 private key; the 32-byte seed follows it. */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * The sandbox's decision key: derived from a public seed, so every sandbox-mode process (CLI, bot, Backstage dev
 * backend) over one sandbox store agrees on it. It is worth nothing elsewhere: live servers sign and verify with their
 * own key, and sandbox mode refuses a store the sandbox did not create.
 */
export function sandboxDecisionSigner(): DecisionSigner {
  const seed = createHash('sha256').update('kvcsi sandbox decisions: not a secret, trusted only over a sandbox store').digest();
  const pem = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' }).export({ type: 'pkcs8', format: 'pem' }).toString();
  return createDecisionSigner(pem, { field: 'sandbox decision key' });
}

/**
 * The decision keys of a process from its environment: a server's private key (`KVCSI_DECISION_KEY`), public keys to
 * verify with (`KVCSI_DECISION_PUBLIC_KEY`, several PEM blocks allowed), or in sandbox mode the sandbox key.
 * `server: false` (the CLI) never reads the private key: the CLI verifies decisions, it does not make them.
 */
export function decisionKeysFromEnv(env: Readonly<Record<string, string | undefined>>, options: { sandbox?: boolean; server?: boolean } = {}): DecisionKeys {
  if (options.sandbox) {
    const signer = sandboxDecisionSigner();
    return { signer, verifier: signer };
  }
  const publicKeys = (env[DECISION_PUBLIC_KEY_ENV] ?? '').match(/-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/g) ?? [];
  const privateKey = options.server === false ? undefined : env[DECISION_KEY_ENV];
  if (privateKey !== undefined && privateKey.trim() !== '') {
    const signer = createDecisionSigner(privateKey, { extraPublicKeysPem: publicKeys });
    return { signer, verifier: signer };
  }
  return publicKeys.length > 0 ? { verifier: createDecisionVerifier(publicKeys) } : {};
}
