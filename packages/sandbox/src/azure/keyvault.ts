import { http, HttpResponse, type RequestHandler } from 'msw';
import { DEFAULT_CALLER_ADDRESS, evaluateDataPlaneAccess, findCertificate, findDeletedSecret, findKey, findSecret, findVault, latestVersion, type DataPlaneObjectType, type DataPlaneOperation } from './access.js';
import type { AzureHandlerContext } from './context.js';
import { deterministicUuid, nextVersion } from './ids.js';
import type { AzureState, Certificate, CertificateVersion, DeletedSecret, Key, KeyVersion, Secret, SecretVersion, Vault } from './model.js';
import { bearerToken, decodeAccessToken, KEY_VAULT_AUDIENCES, type AccessTokenClaims } from './tokens.js';

const KEY_VAULT_HOST = /^https:\/\/([^./]+)\.vault\.azure\.net(?::443)?\//i;
const PAGE_SIZE = 25;
/** The data-plane versions Key Vault publishes (REST reference); the SDKs here send 2025-07-01. */
const KEY_VAULT_API_VERSIONS: readonly string[] = ['2015-06-01', '2016-10-01', '7.0', '7.1', '7.2', '7.3', '7.4', '7.5', '7.6', '2025-06-01', '2025-07-01'];
const KEY_VAULT_LATEST_API_VERSION = '2025-07-01';
/** As recorded from the service in the azure-sdk-for-js recordings. */
const KEY_VAULT_SERVICE_VERSION = '1.2.164.2';
const SECRET_NAME = /^[0-9a-zA-Z-]{1,127}$/;
const NOT_FOUND_HELP = 'For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182';

export function vaultUri(vault: Vault): string {
  return `https://${vault.name}.vault.azure.net`;
}

function kvError(status: number, code: string, message: string, innerCode?: string, headers?: Record<string, string>): Response {
  const error: Record<string, unknown> = { code, message };
  if (innerCode !== undefined) error['innererror'] = { code: innerCode };
  return HttpResponse.json({ error }, { status, ...(headers ? { headers } : {}) });
}

/** Key Vault's 401: always with the challenge, so the SDK knows where to get a token. */
function unauthorized(vault: Vault, message: string): Response {
  return kvError(401, 'Unauthorized', message, undefined, {
    'WWW-Authenticate': `Bearer authorization="https://login.microsoftonline.com/${vault.tenantId}", resource="https://vault.azure.net"`,
  });
}

const seconds = (ms: number): number => Math.floor(ms / 1000);

function attributes(vault: Vault, v: { enabled: boolean; createdMs: number; updatedMs: number; notBeforeMs?: number; expiresMs?: number }): Record<string, unknown> {
  const out: Record<string, unknown> = { enabled: v.enabled };
  if (v.notBeforeMs !== undefined) out['nbf'] = seconds(v.notBeforeMs);
  if (v.expiresMs !== undefined) out['exp'] = seconds(v.expiresMs);
  out['created'] = seconds(v.createdMs);
  out['updated'] = seconds(v.updatedMs);
  if (vault.enableSoftDelete) {
    out['recoveryLevel'] = 'Recoverable+Purgeable';
    out['recoverableDays'] = vault.softDeleteRetentionInDays;
  } else {
    out['recoveryLevel'] = 'Purgeable';
  }
  return out;
}

function secretItem(vault: Vault, secret: Secret, v: SecretVersion, withVersion: boolean): Record<string, unknown> {
  const item: Record<string, unknown> = {
    id: `${vaultUri(vault)}/secrets/${secret.name}${withVersion ? `/${v.version}` : ''}`,
    attributes: attributes(vault, v),
  };
  if (Object.keys(v.tags).length > 0) item['tags'] = v.tags;
  if (v.contentType !== undefined) item['contentType'] = v.contentType;
  if (v.kid !== undefined) item['managed'] = true;
  return item;
}

function secretBundle(vault: Vault, secret: Secret, v: SecretVersion): Record<string, unknown> {
  const bundle: Record<string, unknown> = { value: v.value, ...secretItem(vault, secret, v, true) };
  if (v.kid !== undefined) bundle['kid'] = v.kid;
  return bundle;
}

function certificateItem(vault: Vault, cert: Certificate, v: CertificateVersion, withVersion: boolean): Record<string, unknown> {
  return {
    id: `${vaultUri(vault)}/certificates/${cert.name}${withVersion ? `/${v.version}` : ''}`,
    x5t: v.x5t,
    attributes: attributes(vault, v),
  };
}

function certificateBundle(vault: Vault, cert: Certificate, v: CertificateVersion): Record<string, unknown> {
  const base = vaultUri(vault);
  return {
    ...certificateItem(vault, cert, v, true),
    kid: `${base}/keys/${cert.name}/${v.version}`,
    sid: `${base}/secrets/${cert.name}/${v.version}`,
    cer: v.cer,
    policy: {
      id: `${base}/certificates/${cert.name}/policy`,
      key_props: { exportable: true, kty: 'RSA', key_size: 2048, reuse_key: false },
      secret_props: { contentType: v.contentType },
      x509_props: { subject: v.subject, ekus: [], key_usage: [], validity_months: 12 },
      // Key Vault's default for a new policy (as in the GetCertificate example): e-mail the contacts at 80 % of the lifetime.
      lifetime_actions: [{ trigger: { lifetime_percentage: 80 }, action: { action_type: 'EmailContacts' } }],
      issuer: { name: 'Self' },
      attributes: { enabled: true, created: seconds(v.createdMs), updated: seconds(v.updatedMs) },
    },
  };
}

/** One page of `items`, with a `nextLink` that carries the offset the way Key Vault's `$skiptoken` does. */
function page(url: URL, items: Record<string, unknown>[]): Response {
  const requested = url.searchParams.get('maxresults');
  const maxResults = requested === null ? PAGE_SIZE : Number(requested);
  if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > PAGE_SIZE) {
    return kvError(400, 'BadParameter', `Invalid maxresults: '${requested ?? ''}'. The value must be between 1 and ${PAGE_SIZE}.`);
  }
  const token = url.searchParams.get('$skiptoken');
  const offset = token === null ? 0 : Number(Buffer.from(token, 'base64url').toString('utf8'));
  if (!Number.isInteger(offset) || offset < 0) return kvError(400, 'BadParameter', 'The skip token is not valid.');
  const end = offset + maxResults;
  let nextLink: string | null = null;
  if (end < items.length) {
    const next = new URL(`${url.origin}${url.pathname}`);
    next.searchParams.set('api-version', url.searchParams.get('api-version') ?? '2025-07-01');
    next.searchParams.set('$skiptoken', Buffer.from(String(end)).toString('base64url'));
    if (requested !== null) next.searchParams.set('maxresults', String(maxResults));
    nextLink = next.toString();
  }
  return HttpResponse.json({ value: items.slice(offset, end), nextLink });
}

function byName<T extends { name: string }>(a: T, b: T): number {
  return a.name.toLowerCase().localeCompare(b.name.toLowerCase());
}

function notFound(kind: 'secret' | 'certificate' | 'key', name: string, version?: string): Response {
  const code = kind === 'secret' ? 'SecretNotFound' : kind === 'key' ? 'KeyNotFound' : 'CertificateNotFound';
  const subject = version ? `Version "${version}" of ${kind} "${name}" was not found in this key vault.` : `A ${kind} with (name/id) ${name} was not found in this key vault.`;
  return kvError(404, code, `${subject} If you recently deleted this ${kind} you may be able to recover it using the correct recovery command. ${NOT_FOUND_HELP}`);
}

function deletedSecretItem(vault: Vault, deleted: DeletedSecret, withVersion: boolean): Record<string, unknown>[] {
  const latest = latestVersion(deleted.secret.versions);
  if (latest === undefined) return [];
  const item = secretItem(vault, deleted.secret, latest, withVersion);
  return [
    {
      recoveryId: `${vaultUri(vault)}/deletedsecrets/${deleted.secret.name}`,
      deletedDate: seconds(deleted.deletedMs),
      scheduledPurgeDate: seconds(deleted.scheduledPurgeMs),
      ...item,
    },
  ];
}

/** As recorded from the service (azure-sdk-for-js keyvault-secrets recordings): no help link on this one. */
function deletedNotFound(name: string): Response {
  return kvError(404, 'SecretNotFound', `Deleted Secret not found: ${name}`);
}

/** DELETE: soft delete (the secret moves to the deleted list for the retention period), or purge at once without soft delete. */
function deleteSecret(ctx: AzureHandlerContext, vault: Vault, name: string): Response {
  const secret = findSecret(vault, name);
  if (secret === undefined) return notFound('secret', name);
  if (secret.versions.some((v) => v.kid !== undefined)) {
    return kvError(403, 'Forbidden', `Secret ${secret.name} is managed by a certificate and cannot be deleted. Delete the certificate instead.`);
  }
  vault.secrets.splice(vault.secrets.indexOf(secret), 1);
  const nowMs = ctx.clock.nowMs();
  const deleted: DeletedSecret = { secret, deletedMs: nowMs, scheduledPurgeMs: nowMs + vault.softDeleteRetentionInDays * 86_400_000 };
  if (vault.enableSoftDelete) (vault.deletedSecrets ??= []).push(deleted);
  ctx.onMutation();
  const body = deletedSecretItem(vault, deleted, true)[0] ?? {};
  if (!vault.enableSoftDelete) {
    delete body['recoveryId'];
    delete body['deletedDate'];
    delete body['scheduledPurgeDate'];
  }
  return HttpResponse.json(body);
}

function recoverSecret(ctx: AzureHandlerContext, vault: Vault, name: string): Response {
  const deleted = findDeletedSecret(vault, name);
  if (deleted === undefined) return deletedNotFound(name);
  vault.deletedSecrets?.splice(vault.deletedSecrets.indexOf(deleted), 1);
  vault.secrets.push(deleted.secret);
  ctx.onMutation();
  const latest = latestVersion(deleted.secret.versions);
  return HttpResponse.json(latest === undefined ? {} : secretItem(vault, deleted.secret, latest, true));
}

function purgeSecret(ctx: AzureHandlerContext, vault: Vault, name: string): Response {
  const deleted = findDeletedSecret(vault, name);
  if (deleted === undefined) return deletedNotFound(name);
  vault.deletedSecrets?.splice(vault.deletedSecrets.indexOf(deleted), 1);
  ctx.onMutation();
  return new HttpResponse(null, { status: 204 });
}

function keyItem(vault: Vault, key: Key, v: KeyVersion, withVersion: boolean): Record<string, unknown> {
  const item: Record<string, unknown> = {
    kid: `${vaultUri(vault)}/keys/${key.name}${withVersion ? `/${v.version}` : ''}`,
    attributes: attributes(vault, v),
  };
  if (Object.keys(v.tags).length > 0) item['tags'] = v.tags;
  return item;
}

function keyBundle(vault: Vault, key: Key, v: KeyVersion): Record<string, unknown> {
  const bundle: Record<string, unknown> = {
    key: { kid: `${vaultUri(vault)}/keys/${key.name}/${v.version}`, kty: v.kty, key_ops: [...v.keyOps], n: v.n, e: v.e },
    attributes: attributes(vault, v),
  };
  if (Object.keys(v.tags).length > 0) bundle['tags'] = v.tags;
  return bundle;
}

function parseTags(value: unknown): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) return undefined;
  const tags: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') tags[k] = v;
  return tags;
}

interface SecretBody {
  value?: unknown;
  contentType?: unknown;
  tags?: unknown;
  attributes?: { enabled?: unknown; nbf?: unknown; exp?: unknown };
}

async function readJson(request: Request): Promise<SecretBody | undefined> {
  try {
    const parsed: unknown = await request.json();
    return parsed !== null && typeof parsed === 'object' ? (parsed as SecretBody) : undefined;
  } catch {
    return undefined;
  }
}

interface Route {
  objectType: DataPlaneObjectType;
  operation: DataPlaneOperation;
  objectName?: string;
  handle: (request: Request, url: URL, vault: Vault, azure: AzureState) => Promise<Response> | Response;
}

function routeFor(method: string, segments: string[], ctx: AzureHandlerContext): Route | undefined {
  const [collection, name, third] = segments;
  if (collection === 'secrets') {
    if (name === undefined) {
      if (method !== 'GET') return undefined;
      return {
        objectType: 'secret',
        operation: 'list',
        handle: (_r, url, vault) =>
          page(
            url,
            [...vault.secrets].sort(byName).flatMap((s) => {
              const latest = latestVersion(s.versions);
              return latest ? [secretItem(vault, s, latest, false)] : [];
            }),
          ),
      };
    }
    if (third === 'versions' && method === 'GET') {
      return {
        objectType: 'secret',
        operation: 'list',
        objectName: name,
        handle: (_r, url, vault) => {
          const secret = findSecret(vault, name);
          if (secret === undefined) return notFound('secret', name);
          return page(url, [...secret.versions].sort((a, b) => a.createdMs - b.createdMs).map((v) => secretItem(vault, secret, v, true)));
        },
      };
    }
    if (method === 'PUT' && third === undefined) {
      return { objectType: 'secret', operation: 'set', objectName: name, handle: (request, _u, vault, azure) => setSecret(ctx, request, vault, azure, name) };
    }
    if (method === 'PATCH' && third !== undefined) {
      return { objectType: 'secret', operation: 'set', objectName: name, handle: (request, _u, vault) => updateSecret(ctx, request, vault, name, third) };
    }
    if (method === 'DELETE' && third === undefined) {
      return { objectType: 'secret', operation: 'delete', objectName: name, handle: (_r, _u, vault) => deleteSecret(ctx, vault, name) };
    }
    if (method === 'GET') {
      return {
        objectType: 'secret',
        operation: 'get',
        objectName: name,
        handle: (_r, _u, vault) => {
          const secret = findSecret(vault, name);
          const version = third === undefined || third === '' ? latestVersion(secret?.versions ?? []) : secret?.versions.find((v) => v.version.toLowerCase() === third.toLowerCase());
          if (secret === undefined || version === undefined) return notFound('secret', name, third || undefined);
          // Key Vault answers Forbidden with the inner code SecretDisabled (Azure/azure-sdk-for-js#24756).
          if (!version.enabled) return kvError(403, 'Forbidden', 'Operation get is not allowed on a disabled secret.', 'SecretDisabled');
          return HttpResponse.json(secretBundle(vault, secret, version));
        },
      };
    }
    return undefined;
  }
  if (collection === 'deletedsecrets') {
    if (name === undefined && method === 'GET') {
      return {
        objectType: 'secret',
        operation: 'list',
        handle: (_r, url, vault) => page(url, [...(vault.deletedSecrets ?? [])].sort((a, b) => byName(a.secret, b.secret)).flatMap((d) => deletedSecretItem(vault, d, false))),
      };
    }
    if (name === undefined) return undefined;
    if (method === 'GET' && third === undefined) {
      // GetDeletedSecret "requires the secrets/get permission" (keyvault-data-plane secrets.json); the listing needs list.
      return {
        objectType: 'secret',
        operation: 'get',
        objectName: name,
        handle: (_r, _u, vault) => {
          const deleted = findDeletedSecret(vault, name);
          return deleted === undefined ? deletedNotFound(name) : HttpResponse.json(deletedSecretItem(vault, deleted, true)[0]);
        },
      };
    }
    if (method === 'POST' && third === 'recover') {
      return { objectType: 'secret', operation: 'recover', objectName: name, handle: (_r, _u, vault) => recoverSecret(ctx, vault, name) };
    }
    if (method === 'DELETE' && third === undefined) {
      return { objectType: 'secret', operation: 'purge', objectName: name, handle: (_r, _u, vault) => purgeSecret(ctx, vault, name) };
    }
    return undefined;
  }
  if (collection === 'keys' && method === 'GET') {
    if (name === undefined) {
      return {
        objectType: 'key',
        operation: 'list',
        handle: (_r, url, vault) =>
          page(
            url,
            [...(vault.keys ?? [])].sort(byName).flatMap((k) => {
              const latest = latestVersion(k.versions);
              return latest ? [keyItem(vault, k, latest, false)] : [];
            }),
          ),
      };
    }
    if (third === 'versions') {
      return {
        objectType: 'key',
        operation: 'list',
        objectName: name,
        handle: (_r, url, vault) => {
          const key = findKey(vault, name);
          if (key === undefined) return notFound('key', name);
          return page(url, [...key.versions].sort((a, b) => a.createdMs - b.createdMs).map((v) => keyItem(vault, key, v, true)));
        },
      };
    }
    return {
      objectType: 'key',
      operation: 'get',
      objectName: name,
      handle: (_r, _u, vault) => {
        const key = findKey(vault, name);
        const version = third === undefined || third === '' ? latestVersion(key?.versions ?? []) : key?.versions.find((v) => v.version.toLowerCase() === third.toLowerCase());
        if (key === undefined || version === undefined) return notFound('key', name, third || undefined);
        return HttpResponse.json(keyBundle(vault, key, version));
      },
    };
  }
  if (collection === 'certificates' && method === 'GET') {
    if (name === undefined) {
      return {
        objectType: 'certificate',
        operation: 'list',
        handle: (_r, url, vault) =>
          page(
            url,
            [...vault.certificates].sort(byName).flatMap((c) => {
              const latest = latestVersion(c.versions);
              return latest ? [certificateItem(vault, c, latest, false)] : [];
            }),
          ),
      };
    }
    if (third === 'versions') {
      return {
        objectType: 'certificate',
        operation: 'list',
        objectName: name,
        handle: (_r, url, vault) => {
          const cert = findCertificate(vault, name);
          if (cert === undefined) return notFound('certificate', name);
          return page(url, [...cert.versions].sort((a, b) => a.createdMs - b.createdMs).map((v) => certificateItem(vault, cert, v, true)));
        },
      };
    }
    return {
      objectType: 'certificate',
      operation: 'get',
      objectName: name,
      handle: (_r, _u, vault) => {
        const cert = findCertificate(vault, name);
        const version = third === undefined || third === '' ? latestVersion(cert?.versions ?? []) : cert?.versions.find((v) => v.version.toLowerCase() === third.toLowerCase());
        if (cert === undefined || version === undefined) return notFound('certificate', name, third || undefined);
        if (!version.enabled) return kvError(403, 'Forbidden', 'Operation get is not allowed on a disabled certificate.', 'CertificateDisabled');
        return HttpResponse.json(certificateBundle(vault, cert, version));
      },
    };
  }
  return undefined;
}

async function setSecret(ctx: AzureHandlerContext, request: Request, vault: Vault, azure: AzureState, name: string): Promise<Response> {
  if (!SECRET_NAME.test(name)) return kvError(400, 'BadParameter', `The request URI contains an invalid name: ${name}`);
  const body = await readJson(request);
  if (body === undefined || typeof body.value !== 'string') return kvError(400, 'BadParameter', 'Property value is required.');
  const deleted = findDeletedSecret(vault, name);
  if (deleted !== undefined) {
    // 409 Conflict / ObjectIsDeletedButRecoverable, the text Key Vault returns (quoted in the Azure SDK for .NET tests).
    return kvError(
      409,
      'Conflict',
      `Secret ${deleted.secret.name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.`,
      'ObjectIsDeletedButRecoverable',
    );
  }
  const existing = findSecret(vault, name);
  if (existing?.versions.some((v) => v.kid !== undefined)) {
    return kvError(403, 'Forbidden', `Secret ${existing.name} is managed by a certificate and cannot be set. Update the certificate instead.`);
  }
  const nowMs = ctx.clock.nowMs();
  const attrs = body.attributes ?? {};
  const version: SecretVersion = {
    version: nextVersion(azure),
    value: body.value,
    tags: parseTags(body.tags) ?? {},
    enabled: typeof attrs.enabled === 'boolean' ? attrs.enabled : true,
    createdMs: nowMs,
    updatedMs: nowMs,
  };
  if (typeof body.contentType === 'string') version.contentType = body.contentType;
  if (typeof attrs.nbf === 'number') version.notBeforeMs = attrs.nbf * 1000;
  if (typeof attrs.exp === 'number') version.expiresMs = attrs.exp * 1000;
  const secret = existing ?? { name, versions: [] };
  secret.versions.push(version);
  if (existing === undefined) vault.secrets.push(secret);
  ctx.onMutation();
  return HttpResponse.json(secretBundle(vault, secret, version));
}

async function updateSecret(ctx: AzureHandlerContext, request: Request, vault: Vault, name: string, versionId: string): Promise<Response> {
  const secret = findSecret(vault, name);
  const version = secret?.versions.find((v) => v.version.toLowerCase() === versionId.toLowerCase());
  if (secret === undefined || version === undefined) return notFound('secret', name, versionId);
  const body = (await readJson(request)) ?? {};
  const tags = parseTags(body.tags);
  if (tags !== undefined) version.tags = tags;
  if (typeof body.contentType === 'string') version.contentType = body.contentType;
  const attrs = body.attributes ?? {};
  if (typeof attrs.enabled === 'boolean') version.enabled = attrs.enabled;
  if (typeof attrs.nbf === 'number') version.notBeforeMs = attrs.nbf * 1000;
  if (typeof attrs.exp === 'number') version.expiresMs = attrs.exp * 1000;
  version.updatedMs = ctx.clock.nowMs();
  ctx.onMutation();
  return HttpResponse.json(secretItem(vault, secret, version, true));
}

function checkToken(vault: Vault, token: string | undefined): AccessTokenClaims | Response {
  if (token === undefined) return unauthorized(vault, 'AKV10000: Request is missing a Bearer or PoP token.');
  const claims = decodeAccessToken(token);
  if (claims === undefined) return unauthorized(vault, 'AKV10001: Unable to parse the token: it was not issued by this tenant.');
  if (!KEY_VAULT_AUDIENCES.includes(claims.aud)) {
    return unauthorized(vault, `AKV10022: Invalid audience. Expected https://vault.azure.net, found: ${claims.aud}.`);
  }
  if (claims.tid.toLowerCase() !== vault.tenantId.toLowerCase()) {
    const t = vault.tenantId;
    return unauthorized(
      vault,
      `AKV10032: Invalid issuer. Expected one of https://sts.windows.net/${t}/, https://login.microsoftonline.com/${t}/v2.0, https://login.windows.net/${t}/, https://login.microsoft.com/${t}/, found ${claims.iss}.`,
    );
  }
  return claims;
}

/**
 * The Key Vault data plane for every vault of the state, at `https://<vault>.vault.azure.net`.
 * Order as the service: unknown vault → no such host; no token → 401 challenge (before the body is read);
 * then authorization (403) before existence (404), so a caller without access learns nothing about the objects.
 */
export function createKeyVaultHandlers(ctx: AzureHandlerContext): RequestHandler[] {
  let requestCount = 0;
  return [
    http.all(KEY_VAULT_HOST, async ({ request }) => {
      const fault = await ctx.applyFaults(request);
      if (fault) return fault;
      const url = new URL(request.url);
      const azure = ctx.azure();
      const vaultName = url.hostname.split('.')[0] ?? '';
      const vault = findVault(azure, vaultName);
      if (vault === undefined) return HttpResponse.error();
      requestCount += 1;
      const response = await answer(ctx, request, url, azure, vault);
      return withServiceHeaders(response, vault, azure, deterministicUuid('kv-request', vault.name, String(ctx.clock.nowMs()), String(requestCount)));
    }),
  ];
}

/** The headers every Key Vault answer carries, as recorded from the service (azure-sdk-for-js keyvault recordings). */
function withServiceHeaders(response: Response, vault: Vault, azure: AzureState, requestId: string): Response {
  const headers = response.headers;
  headers.set('cache-control', 'no-cache');
  headers.set('pragma', 'no-cache');
  headers.set('expires', '-1');
  headers.set('x-ms-keyvault-region', vault.location);
  headers.set('x-ms-request-id', requestId);
  headers.set('x-ms-keyvault-service-version', KEY_VAULT_SERVICE_VERSION);
  headers.set('x-ms-keyvault-network-info', `conn_type=Ipv4;addr=${azure.callerAddress ?? DEFAULT_CALLER_ADDRESS};act_addr_fam=InterNetwork;`);
  headers.set('strict-transport-security', 'max-age=31536000;includeSubDomains');
  headers.set('x-content-type-options', 'nosniff');
  if (headers.get('content-type')?.startsWith('application/json') === true) headers.set('content-type', 'application/json; charset=utf-8');
  return response;
}

/**
 * Order as the service: no token → 401 challenge (before the body is read); an api-version it does not know → 400;
 * then authorization (403) before existence (404), so a caller without access learns nothing about the objects.
 */
async function answer(ctx: AzureHandlerContext, request: Request, url: URL, azure: AzureState, vault: Vault): Promise<Response> {
  const claims = checkToken(vault, bearerToken(request));
  if (claims instanceof Response) return claims;
  const apiVersion = url.searchParams.get('api-version') ?? '';
  if (!KEY_VAULT_API_VERSIONS.includes(apiVersion)) {
    // Key Vault's text for an unknown version (quoted in the fog-azure-rm client's comments and Azurite's emulator).
    return kvError(400, 'BadParameter', `The specified version (${apiVersion}) is not recognized. Consider using the latest supported version (${KEY_VAULT_LATEST_API_VERSION}).`);
  }
  const segments = url.pathname.split('/').slice(1).map(decodeURIComponent);
  while (segments.length > 1 && segments[segments.length - 1] === '') segments.pop();
  const route = routeFor(request.method, segments, ctx);
  if (route === undefined) return kvError(400, 'BadParameter', `The request URI or method is not supported: ${request.method} ${url.pathname}`);
  const decision = evaluateDataPlaneAccess(azure, {
    vaultName: vault.name,
    principal: { clientId: claims.appid, objectId: claims.oid },
    operation: route.operation,
    objectType: route.objectType,
    ...(route.objectName === undefined ? {} : { objectName: route.objectName }),
    nowMs: ctx.clock.nowMs(),
  });
  if (!decision.allowed) {
    if (decision.status === 401) return unauthorized(vault, decision.message);
    return kvError(decision.status, decision.code, decision.message, decision.innerCode);
  }
  return route.handle(request, url, vault, azure);
}
