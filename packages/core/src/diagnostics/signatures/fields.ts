/**
 * Fields extracted from a record, whatever the provider, driver or kubelet era (catalogue §2.0): the innermost
 * segment, the gRPC code, the object, the HTTP status, the service and inner error codes, AADSTS codes and the
 * names the messages print (vault, caller oid, audience, …).
 */

export interface MatchFields {
  /** The text after the last wrapper (`: rpc error: code = … desc = `, `, err: `, `, error: `). */
  innermost?: string;
  grpcCode?: string;
  volume?: string;
  podNamespace?: string;
  podName?: string;
  spcNamespace?: string;
  spcName?: string;
  provider?: string;
  objectType?: string;
  objectName?: string;
  objectVersion?: string;
  status?: number;
  errorCode?: string;
  innerCode?: string;
  aadsts?: string;
  vault?: string;
  /** Object id of the caller Key Vault names in a 403 (`oid=…`). */
  callerObjectId?: string;
  callerAppId?: string;
  /** `Action: '…'` of an RBAC denial, or the access-policy permission (`secrets get`). */
  action?: string;
  permission?: string;
  audience?: string;
  issuer?: string;
  subject?: string;
  clientId?: string;
  tenant?: string;
  clientAddress?: string;
  host?: string;
  secretName?: string;
  parameter?: string;
  value?: string;
  /** Every AADSTS code in the record, in order (`aadsts` is the first). */
  aadstsCodes?: string[];
  /** OAuth2 `error` of a token endpoint answer (`invalid_client`, `invalid_request`, `invalid_resource` …). */
  oauthError?: string;
  /** AD FS error code (`MSIS9602`). */
  msis?: string;
  /**
   * Who answered, or failed to: the token source (IMDS, aad-pod-identity NMI, AD FS, Entra ID), Key Vault, or the
   * Kubernetes API server. A 429 or 400 means different things from each.
   */
  service?: Service;
  /** How the connection failed, when it did not get an HTTP answer. */
  transport?: Transport;
  /** Age of a `kubectl describe` / `kubectl get events` row (`3m`, `5m35s`), in seconds. */
  ageInSeconds?: number;
  /** The row's count (`(x5 over 9m)`). */
  count?: number;
}

function durationInSeconds(text: string): number {
  const unit: Record<string, number> = { d: 86_400, h: 3_600, m: 60, s: 1 };
  return [...text.matchAll(/(\d+)([dhms])/g)].reduce((sum, [, value, u]) => sum + Number(value) * unit[u!]!, 0);
}

export type Service = 'imds' | 'nmi' | 'adfs' | 'entra' | 'keyvault' | 'apiserver';
export type Transport = 'tls' | 'proxy' | 'reset' | 'eof' | 'timeout' | 'refused' | 'dns' | 'no-answer';

const SERVICES: { service: Service; pattern: RegExp }[] = [
  { service: 'nmi', pattern: /nmi response failed|nmi did not return|localhost:2579|127\.0\.0\.1:2579|getting assigned identities for pod|pod list is empty/i },
  { service: 'adfs', pattern: /\/adfs\/|\bMSIS\d{4}\b|\badfs\./i },
  { service: 'imds', pattern: /169\.254\.169\.254|"Identity not found"|ManagedIdentityCredential|\bIMDS\b|no default identity is assigned|Multiple user assigned identities exist|UserAssignedClientID/i },
  {
    service: 'entra',
    pattern: /login\.(?:microsoftonline\.(?:com|us)|chinacloudapi\.cn|microsoftonline\.de)|\bAADSTS\d+|FromAssertion\(\)|Client(?:Secret|Assertion|Certificate)Credential|WorkloadIdentityCredential|clientCredentialsToken|\/oauth2\/(?:v2\.0\/)?token|Failed to refresh the Token|Refresh request failed|refresh request|Msal\w*Exception|OAuth2 server|Azure\.Identity\.AuthenticationFailedException|AdalServiceException/i,
  },
  { service: 'keyvault', pattern: /\.vault\.(?:azure\.net|azure\.cn|usgovcloudapi\.net|microsoftazure\.de)|vaultcore|keyvault\.Base(?:Client)?#|keyVault\.Base#|\bKey ?Vault\b|ERROR CODE: |Caller is not authorized|not allowed by RBAC|Client address is not authorized|AKV\d{5}/i },
  { service: 'apiserver', pattern: /failed to get secretproviderclass|secretproviderclasses\.secrets-store/i },
];

/** The service that answered (or not): token sources first, since a token failure names the vault it was for. */
export function serviceOf(text: string): Service | undefined {
  return SERVICES.find(({ pattern }) => pattern.test(text))?.service;
}

const TRANSPORTS: { transport: Transport; pattern: RegExp }[] = [
  { transport: 'proxy', pattern: /ProxyError|proxyconnect tcp|Cannot connect to proxy|Proxy Authentication Required|tunneling socket could not be established/i },
  { transport: 'tls', pattern: /\bx509: |tls: failed to verify certificate|CERTIFICATE_VERIFY_FAILED|SSLError|\[X509[:\]]|certificate verify failed|unable to get local issuer certificate|self[- ]signed certificate in certificate chain|tls: handshake failure|remote error: tls:/i },
  { transport: 'reset', pattern: /connection reset by peer|ConnectionResetError|forcibly closed by the remote host|ECONNRESET|broken pipe/i },
  { transport: 'eof', pattern: /(?::|\b)\s?(?:unexpected )?EOF\b(?! occurred in violation)/ },
  { transport: 'dns', pattern: /no such host|getaddrinfo ENOTFOUND|Name or service not known|Temporary failure in name resolution|dial tcp: lookup /i },
  { transport: 'refused', pattern: /connect: connection refused|ECONNREFUSED|No connection could be made because the target machine actively refused/i },
  { transport: 'timeout', pattern: /i\/o timeout|ETIMEDOUT|Client\.Timeout exceeded|TLS handshake timeout/i },
  { transport: 'no-answer', pattern: /Failure sending request:\s*Status(?:Code)?\s*=\s*0\b|no response from the IMDS endpoint/i },
];

export function transportOf(text: string): Transport | undefined {
  return TRANSPORTS.find(({ pattern }) => pattern.test(text))?.transport;
}

const SEPARATORS = /: rpc error: code = \w+ desc = |rpc error: code = \w+ desc = |, err: |, error: |: failed to mount objects, error: /g;

/** The innermost segment: what remains after the last known wrapper. */
export function innermostSegment(text: string): string {
  let last = 0;
  for (const match of text.matchAll(SEPARATORS)) last = (match.index ?? 0) + match[0].length;
  return text.slice(last).trim();
}

function lastMatch(text: string, pattern: RegExp): RegExpMatchArray | undefined {
  const flags = pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`;
  let found: RegExpMatchArray | undefined;
  for (const match of text.matchAll(new RegExp(pattern.source, flags))) found = match;
  return found;
}

function first(text: string, patterns: RegExp[]): RegExpMatchArray | undefined {
  for (const pattern of patterns) {
    const match = text.match(pattern);
    if (match) return match;
  }
  return undefined;
}

const GUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const VAULT_HOST = /https?:\/\/([a-zA-Z0-9-]{3,24})\.vault\.(?:azure\.net|azure\.cn|usgovcloudapi\.net|microsoftazure\.de)/;

/** Every field found in a (normalised) record. Absent fields are left out. */
export function extractFields(text: string): MatchFields {
  const fields: MatchFields = {};
  const set = <K extends keyof MatchFields>(key: K, value: MatchFields[K] | undefined) => {
    if (value !== undefined && value !== '') fields[key] = value;
  };

  set('innermost', innermostSegment(text));
  set('grpcCode', lastMatch(text, /code = (\w+)/)?.[1]);
  const volume = text.match(/for volume "([^"]+)"/) ?? text.match(/unmounted volumes=\[([^\]\s]+)/);
  set('volume', volume?.[1]);
  const pod = text.match(/for pod ([a-z0-9.-]+)\/([a-z0-9.-]+)/) ?? text.match(/pod="([a-z0-9.-]+)\/([a-z0-9.-]+)"/);
  set('podNamespace', pod?.[1]);
  set('podName', pod?.[2]);
  const spc = first(text, [/secretproviderclass ([a-z0-9.-]+)\/([a-z0-9.-]+)/i, /in spc ([a-z0-9.-]+)\/([a-z0-9.-]+)/, /(?:not set in|for spc) ([a-z0-9.-]+)\/([a-z0-9.-]+)/]);
  set('spcNamespace', spc?.[1]);
  set('spcName', spc?.[2]);
  set('provider', first(text, [/provider "([^"]+)"/, /provider binary (\S+?),/, /secrets-store-csi-providers\/(\w+)\//, /\/(\w+)\.sock\b/])?.[1]);

  const object = text.match(/objectType:(\w*), objectName:([^,]*), objectVersion:([^:]*):/);
  set('objectType', object?.[1]);
  set('objectName', object?.[2]?.trim());
  set('objectVersion', object?.[3]?.trim());

  const status = first(text, [
    /RESPONSE (\d{3})\b/,
    /\bStatus=(\d{3})\b/,
    /StatusCode=(\d{3})\b/,
    /Status Code = '(\d{3})'/,
    /\bStatus: (\d{3})\b/,
    /\bStatusCode: (\d{3})\b/,
    /reply status code was (\d{3})\b/i,
    /received HTTP status (\d{3})\b/i,
    /status code(?: was|:)? (\d{3})\b/i,
    /\b(\d{3}) (?:Too Many Requests|Forbidden|Unauthorized|Not Found)\b/,
  ]);
  if (status?.[1]) set('status', Number(status[1]));
  set('errorCode', first(text, [/ERROR CODE: (\w+)/, /\bCode="(\w+)"/, /"error":\s*\{\s*"code":\s*"(\w+)"/])?.[1]);
  set('innerCode', first(text, [/InnerError=\{"code":"(\w+)"/, /"innererror":\s*\{\s*"code":\s*"(\w+)"/i])?.[1]);
  const aadstsCodes = [...new Set([...text.matchAll(/AADSTS(\d+)/g)].map((match) => match[1]!))];
  set('aadsts', aadstsCodes[0]);
  if (aadstsCodes.length > 0) fields.aadstsCodes = aadstsCodes;
  set('oauthError', text.match(/['"]error['"]\s*:\s*['"](\w+)['"]/)?.[1] ?? text.match(/\((invalid_\w+|unauthorized_client|access_denied)\)/)?.[1]);
  set('msis', text.match(/\b(MSIS\d{4})\b/)?.[1]);
  set('service', serviceOf(text));
  const row = text.match(/^\s*(?:Warning|Normal)\s+\S+\s+((?:\d+[dhms])+)\s+(?:\(x(\d+) over [^)]*\)\s+)?/) ?? text.match(/^\s*((?:\d+[dhms])+)\s+(?:Warning|Normal)\s+/);
  if (row?.[1]) fields.ageInSeconds = durationInSeconds(row[1]);
  if (row?.[2]) fields.count = Number(row[2]);
  set('transport', transportOf(text));

  set(
    'vault',
    first(text, [VAULT_HOST, /key vault '([a-zA-Z0-9-]{3,24});location=/, /\bVault: ([a-zA-Z0-9-]{3,24});location=/, /\/vaults\/([a-zA-Z0-9-]{3,24})\b/, /Invalid vault name: "([^"]*)"/])?.[1],
  );
  set('callerObjectId', text.match(new RegExp(`oid=(${GUID})`))?.[1]);
  set('callerAppId', text.match(new RegExp(`appid=(${GUID})`))?.[1]);
  set('action', text.match(/Action: '([^']+)'/)?.[1]);
  set('permission', text.match(/does not have (\w+ \w+) permission/)?.[1]);
  set('audience', first(text, [/Assertion Audience: '([^']+)'/, /audience (api:\/\/\S+?) not found/, /token for audience (\S+) not found/])?.[1]);
  set('issuer', text.match(/Assertion Issuer: '([^']+)'/)?.[1]);
  set('subject', text.match(/Assertion Subject: '([^']+)'/)?.[1]);
  set('clientId', first(text, [new RegExp(`client_id=(${GUID})`), /Application with identifier '([^']+)'/])?.[1]);
  set('tenant', first(text, [/Tenant '([^']+)' not found/, /for tenant "([^"]+)"/, new RegExp(`sts\\.windows\\.net/(${GUID})/`)])?.[1]);
  set('clientAddress', text.match(/Client address: (\S+)/)?.[1]);
  set('host', text.match(/lookup (\S+?) on \S+: no such host/)?.[1] ?? text.match(/dial tcp: lookup (\S+?)[: ]/)?.[1] ?? text.match(/host='([^']+)'/)?.[1] ?? text.match(/(?:Get|Post|POST|GET) \\?"?https?:\/\/([^/\s"\\:?]+)/)?.[1]);
  set('secretName', first(text, [/node publish secret [a-z0-9.-]+\/([a-z0-9.-]+)/, /secrets? "([^"]+)" not found/, /for secret ([a-z0-9.-]+)/, /the secret ([a-z0-9.-]+) in the namespace/, /patch secret ([a-z0-9.-]+)/])?.[1]);
  return fields;
}
