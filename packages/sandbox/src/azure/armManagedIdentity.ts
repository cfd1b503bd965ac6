import { HttpResponse } from 'msw';
import { armError, authorize, authorizeThenCheckContainers, canRead, checkContainers, readJsonBody, resourceNotFound, sameText, type ArmRequest, type ArmRoute } from './armHttp.js';
import type { FederatedIdentityCredential, ManagedIdentity } from './model.js';
import { armPage } from './armKeyVault.js';
import { identityResourceId } from './resourceIds.js';

const IDENTITY_TYPE = 'Microsoft.ManagedIdentity/userAssignedIdentities';
const FIC_TYPE = 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials';
const FIC_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_-]{2,119}$/;

/**
 * Api-version 2026-05-31 adds `isolationScope` and `assignmentRestrictions` (shared/reference SOURCES.md: older
 * versions, such as the 2024-11-30 arm-msi 2.2.0 sends, do not return them).
 */
export function identityJson(identity: ManagedIdentity, tenantId: string, apiVersion = ''): Record<string, unknown> {
  const newer = apiVersion >= '2026-05-31';
  return {
    id: identityResourceId(identity),
    name: identity.name,
    type: IDENTITY_TYPE,
    location: identity.location,
    tags: identity.tags,
    properties: {
      tenantId, principalId: identity.objectId, clientId: identity.clientId,
      ...(newer ? { isolationScope: 'None', assignmentRestrictions: { providers: [] } } : {}),
    },
  };
}

function ficJson(identity: ManagedIdentity, fic: FederatedIdentityCredential): Record<string, unknown> {
  return {
    id: `${identityResourceId(identity)}/federatedIdentityCredentials/${fic.name}`,
    name: fic.name,
    type: FIC_TYPE,
    properties: { issuer: fic.issuer, subject: fic.subject, audiences: [...fic.audiences] },
  };
}

function findIdentity(req: ArmRequest, g: Record<string, string>, action: string): ManagedIdentity | Response {
  const missing = authorizeThenCheckContainers(req, action, g['sub'] ?? '', g['rg']);
  if (missing) return missing;
  const identity = req.azure.identities.find(
    (i) => sameText(i.name, g['name'] ?? '') && sameText(i.subscriptionId, g['sub'] ?? '') && sameText(i.resourceGroup, g['rg'] ?? ''),
  );
  return identity ?? resourceNotFound(IDENTITY_TYPE, g['name'] ?? '', g['rg'] ?? '');
}

const BASE = '^/subscriptions/(?<sub>[^/]+)/resourceGroups/(?<rg>[^/]+)/providers/Microsoft\\.ManagedIdentity/userAssignedIdentities';
const READ = 'Microsoft.ManagedIdentity/userAssignedIdentities/read';
const FIC_READ = 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/read';
const FIC_WRITE = 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/write';
const FIC_DELETE = 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/delete';

export const armManagedIdentityRoutes: ArmRoute[] = [
  {
    method: 'GET',
    pattern: new RegExp(`${BASE}/(?<name>[^/]+)$`, 'i'),
    handle: (req, g) => {
      const identity = findIdentity(req, g, READ);
      if (identity instanceof Response) return identity;
      return authorize(req, READ, identityResourceId(identity)) ?? HttpResponse.json(identityJson(identity, req.azure.tenantId, req.url.searchParams.get('api-version') ?? ''));
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`${BASE}$`, 'i'),
    handle: (req, g) => {
      const missing = checkContainers(req.azure, g['sub'] ?? '', g['rg']);
      if (missing) return missing;
      const value = req.azure.identities
        .filter((i) => sameText(i.subscriptionId, g['sub'] ?? '') && sameText(i.resourceGroup, g['rg'] ?? '') && canRead(req, READ, identityResourceId(i)))
        .map((i) => identityJson(i, req.azure.tenantId));
      return HttpResponse.json({ value });
    },
  },
  {
    method: 'GET',
    pattern: /^\/subscriptions\/(?<sub>[^/]+)\/providers\/Microsoft\.ManagedIdentity\/userAssignedIdentities$/i,
    handle: (req, g) => {
      const missing = checkContainers(req.azure, g['sub'] ?? '');
      if (missing) return missing;
      const value = req.azure.identities
        .filter((i) => sameText(i.subscriptionId, g['sub'] ?? '') && canRead(req, READ, identityResourceId(i)))
        .map((i) => identityJson(i, req.azure.tenantId));
      return HttpResponse.json({ value });
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`${BASE}/(?<name>[^/]+)/federatedIdentityCredentials$`, 'i'),
    handle: (req, g) => {
      const identity = findIdentity(req, g, FIC_READ);
      if (identity instanceof Response) return identity;
      const denied = authorize(req, FIC_READ, identityResourceId(identity));
      if (denied) return denied;
      return armPage(req.url, identity.federatedCredentials.map((f) => ficJson(identity, f)));
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`${BASE}/(?<name>[^/]+)/federatedIdentityCredentials/(?<fic>[^/]+)$`, 'i'),
    handle: (req, g) => {
      const identity = findIdentity(req, g, FIC_READ);
      if (identity instanceof Response) return identity;
      const denied = authorize(req, FIC_READ, identityResourceId(identity));
      if (denied) return denied;
      const fic = identity.federatedCredentials.find((f) => sameText(f.name, g['fic'] ?? ''));
      return fic ? HttpResponse.json(ficJson(identity, fic)) : resourceNotFound(FIC_TYPE, `${identity.name}/${g['fic'] ?? ''}`, identity.resourceGroup);
    },
  },
  {
    method: 'PUT',
    pattern: new RegExp(`${BASE}/(?<name>[^/]+)/federatedIdentityCredentials/(?<fic>[^/]+)$`, 'i'),
    handle: async (req, g) => {
      const identity = findIdentity(req, g, FIC_WRITE);
      if (identity instanceof Response) return identity;
      const denied = authorize(req, FIC_WRITE, identityResourceId(identity));
      if (denied) return denied;
      const name = g['fic'] ?? '';
      if (!FIC_NAME.test(name)) return armError(400, 'BadRequest', `The federated identity credential name '${name}' is invalid: 3-120 characters, letters, digits, '-' and '_', starting with a letter or digit.`);
      const props = ((await readJsonBody(req.request))?.['properties'] ?? {}) as Record<string, unknown>;
      const audiences = Array.isArray(props['audiences']) ? props['audiences'].filter((a): a is string => typeof a === 'string') : [];
      if (typeof props['issuer'] !== 'string' || typeof props['subject'] !== 'string' || audiences.length !== 1) {
        return armError(400, 'BadRequest', 'properties.issuer, properties.subject and exactly one properties.audiences entry are required.');
      }
      const fic: FederatedIdentityCredential = { name, issuer: props['issuer'], subject: props['subject'], audiences };
      const index = identity.federatedCredentials.findIndex((f) => sameText(f.name, name));
      if (index >= 0) identity.federatedCredentials[index] = fic;
      else identity.federatedCredentials.push(fic);
      req.ctx.onMutation();
      return HttpResponse.json(ficJson(identity, fic), { status: index >= 0 ? 200 : 201 });
    },
  },
  {
    method: 'DELETE',
    pattern: new RegExp(`${BASE}/(?<name>[^/]+)/federatedIdentityCredentials/(?<fic>[^/]+)$`, 'i'),
    handle: (req, g) => {
      const identity = findIdentity(req, g, FIC_DELETE);
      if (identity instanceof Response) return identity;
      const denied = authorize(req, FIC_DELETE, identityResourceId(identity));
      if (denied) return denied;
      const index = identity.federatedCredentials.findIndex((f) => sameText(f.name, g['fic'] ?? ''));
      if (index < 0) return new HttpResponse(null, { status: 204 });
      identity.federatedCredentials.splice(index, 1);
      req.ctx.onMutation();
      return new HttpResponse(null, { status: 200 });
    },
  },
];
