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

  const status = first(text, [/RESPONSE (\d{3})\b/, /\bStatus=(\d{3})\b/, /StatusCode=(\d{3})\b/, /Status Code = '(\d{3})'/, /status code(?: was|:)? (\d{3})\b/i]);
  if (status?.[1]) set('status', Number(status[1]));
  set('errorCode', first(text, [/ERROR CODE: (\w+)/, /\bCode="(\w+)"/, /"error":\s*\{\s*"code":\s*"(\w+)"/])?.[1]);
  set('innerCode', first(text, [/InnerError=\{"code":"(\w+)"/, /"innererror":\s*\{\s*"code":\s*"(\w+)"/i])?.[1]);
  set('aadsts', text.match(/AADSTS(\d+)/)?.[1]);

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
  set('host', text.match(/lookup (\S+?) on \S+: no such host/)?.[1] ?? text.match(/dial tcp: lookup (\S+?)[: ]/)?.[1]);
  set('secretName', first(text, [/secret "([^"]+)" not found/, /for secret ([a-z0-9.-]+)/, /the secret ([a-z0-9.-]+) in the namespace/, /patch secret ([a-z0-9.-]+)/])?.[1]);
  return fields;
}
