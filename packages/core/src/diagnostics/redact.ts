/**
 * Redaction of anything that looks like a credential or a secret value, applied to every piece of evidence a finding
 * carries. Error texts of old providers leaked the service-principal secret map (catalogue §1.4), kubelet passes
 * service-account tokens to the provider as JSON, and people paste `Authorization:` headers: none of it may reach a
 * report, a Slack message or a log.
 */

export const REDACTED = '<redacted>';

interface Rule {
  pattern: RegExp;
  replace: string | ((...groups: string[]) => string);
}

const SECRET_JSON_KEYS = [
  'access_token', 'refresh_token', 'id_token', 'token', 'client_secret', 'clientsecret', 'client_assertion',
  'password', 'secret', 'value', 'assertion', 'private_key', 'key',
];
const SECRET_QUERY_KEYS = ['client_secret', 'clientsecret', 'client_assertion', 'password', 'access_token', 'refresh_token', 'sig', 'assertion'];

const RULES: Rule[] = [
  // PEM private keys, whole block.
  { pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g, replace: `-----BEGIN PRIVATE KEY----- ${REDACTED} -----END PRIVATE KEY-----` },
  // JWTs (service-account tokens, AAD tokens, client assertions).
  { pattern: /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, replace: `${REDACTED}:jwt` },
  // Authorization headers and bearer tokens.
  { pattern: /\b(Authorization\s*[:=]\s*)(?:(Bearer|Basic|PoP)\s+)?[^\s"',]+/gi, replace: (_m, prefix = '', scheme) => `${prefix}${scheme ? `${scheme} ` : ''}${REDACTED}` },
  { pattern: /\b(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/g, replace: `$1${REDACTED}` },
  // "key": "value" for credential-ish keys, with plain or backslash-escaped quotes.
  {
    pattern: new RegExp(`(\\\\?"(?:${SECRET_JSON_KEYS.join('|')})\\\\?"\\s*:\\s*\\\\?")((?:[^"\\\\]|\\\\[^"])*)(\\\\?")`, 'gi'),
    replace: (_m, open = '', _value, close = '') => `${open}${REDACTED}${close}`,
  },
  // key=value in URLs and query strings.
  { pattern: new RegExp(`\\b(${SECRET_QUERY_KEYS.join('|')})=([^&\\s"']+)`, 'gi'), replace: `$1=${REDACTED}` },
  // Connection strings.
  { pattern: /\b(AccountKey|SharedAccessKey|SharedAccessSignature|Password|Pwd)=([^;"'\s]+)/gi, replace: `$1=${REDACTED}` },
  // The whole nodePublishSecretRef map as old providers printed it: `in secrets(map[clientid:… clientsecret:…])`.
  { pattern: /(secrets\()map\[[^\]]*\]/g, replace: `$1map[${REDACTED}]` },
  // Go map printing of the nodePublishSecretRef secrets (provider <= v1.4.1 leaked it): map[clientid:x clientsecret:y].
  { pattern: /\b(clientsecret|client_secret|password)(:)([^\s\]]+)/gi, replace: `$1$2${REDACTED}` },
  // Entra ID client secrets (new format, e.g. `abc8Q~…`).
  { pattern: /\b[A-Za-z0-9_.-]{3}\dQ~[A-Za-z0-9_.~-]{31,34}/g, replace: `${REDACTED}:client-secret` },
  // `--value`, `--from-literal=k=v`, `--password` on pasted command lines.
  { pattern: /(--(?:value|password|client-secret|secret)[ =])("[^"]*"|'[^']*'|\S+)/gi, replace: `$1${REDACTED}` },
  { pattern: /(--from-literal=[^=\s]+=)("[^"]*"|'[^']*'|\S+)/gi, replace: `$1${REDACTED}` },
];

/** The text with credentials and secret values replaced by `<redacted>`. Idempotent. */
export function redact(text: string): string {
  let out = text;
  for (const rule of RULES) {
    out = typeof rule.replace === 'string' ? out.replace(rule.pattern, rule.replace) : out.replace(rule.pattern, rule.replace as (...args: string[]) => string);
  }
  return out;
}

/** Evidence lines, redacted and trimmed to a readable length. */
export function redactEvidence(lines: readonly string[], options: { maxLength?: number } = {}): string[] {
  const maxLength = options.maxLength ?? 1200;
  return lines.map((line) => {
    const clean = redact(line).trim();
    return clean.length > maxLength ? `${clean.slice(0, maxLength - 1)}…` : clean;
  });
}
