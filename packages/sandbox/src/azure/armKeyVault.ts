import { HttpResponse } from 'msw';
import { findVault } from './access.js';
import { armError, authorize, authorizeThenCheckContainers, canRead, checkContainers, readJsonBody, resourceNotFound, sameText, type ArmRequest, type ArmRoute } from './armHttp.js';
import type { AccessPolicy, Vault } from './model.js';
import { vaultResourceId } from './resourceIds.js';

const VAULT_READ = 'Microsoft.KeyVault/vaults/read';
const ACCESS_POLICY_WRITE = 'Microsoft.KeyVault/vaults/accessPolicies/write';
const PERMISSION_FAMILIES = ['keys', 'secrets', 'certificates', 'storage'] as const;

export function vaultJson(vault: Vault): Record<string, unknown> {
  return {
    id: vaultResourceId(vault),
    name: vault.name,
    type: 'Microsoft.KeyVault/vaults',
    location: vault.location,
    tags: vault.tags,
    systemData: systemDataOf(vault),
    properties: {
      tenantId: vault.tenantId,
      sku: { family: 'A', name: vault.sku },
      accessPolicies: vault.accessPolicies.map(accessPolicyJson),
      enabledForDeployment: false,
      enabledForDiskEncryption: false,
      enabledForTemplateDeployment: false,
      enableSoftDelete: vault.enableSoftDelete,
      softDeleteRetentionInDays: vault.softDeleteRetentionInDays,
      enableRbacAuthorization: vault.enableRbacAuthorization,
      vaultUri: `https://${vault.name}.vault.azure.net/`,
      provisioningState: 'Succeeded',
      publicNetworkAccess: vault.publicNetworkAccess,
      ...(vault.networkAcls === undefined
        ? {}
        : {
            networkAcls: {
              bypass: vault.networkAcls.bypass,
              defaultAction: vault.networkAcls.defaultAction,
              ipRules: vault.networkAcls.ipRules.map((value) => ({ value })),
              virtualNetworkRules: vault.networkAcls.virtualNetworkRules.map((id) => ({ id, ignoreMissingVnetServiceEndpoint: false })),
            },
          }),
    },
  };
}

/** ARM's systemData: the sandbox's vaults were created when their oldest object was (a day before the scenario starts). */
function systemDataOf(vault: Vault): Record<string, string> {
  const created = Math.min(...vault.secrets.flatMap((x) => x.versions.map((v) => v.createdMs)), Date.UTC(2025, 0, 1));
  const at = new Date(created).toISOString().replace(/\.(\d{3})Z$/, '.$10000Z');
  return { createdAt: at, createdBy: 'kvcsi-sandbox', createdByType: 'Application', lastModifiedAt: at, lastModifiedBy: 'kvcsi-sandbox', lastModifiedByType: 'Application' };
}

/** One page of an ARM list: `$top` items and a `nextLink` carrying the offset in `$skiptoken`, as ARM pages. */
export function armPage(url: URL, items: Record<string, unknown>[]): Response {
  const top = Number(url.searchParams.get('$top') ?? '0');
  const offset = Number(url.searchParams.get('$skiptoken') ?? '0');
  if (!Number.isInteger(top) || top <= 0 || !Number.isInteger(offset)) return HttpResponse.json({ value: items });
  const page = items.slice(offset, offset + top);
  if (offset + top >= items.length) return HttpResponse.json({ value: page });
  const next = new URL(url.toString());
  next.searchParams.set('$skiptoken', String(offset + top));
  return HttpResponse.json({ value: page, nextLink: next.toString() });
}

function accessPolicyJson(p: AccessPolicy): Record<string, unknown> {
  const permissions: Record<string, string[]> = {};
  for (const family of PERMISSION_FAMILIES) if (p.permissions[family] !== undefined) permissions[family] = [...(p.permissions[family] ?? [])];
  return { tenantId: p.tenantId, objectId: p.objectId, ...(p.applicationId ? { applicationId: p.applicationId } : {}), permissions };
}

function findVaultIn(req: ArmRequest, g: Record<string, string>, action: string): Vault | Response {
  const missing = authorizeThenCheckContainers(req, action, g['sub'] ?? '', g['rg']);
  if (missing) return missing;
  const vault = findVault(req.azure, g['name'] ?? '');
  if (vault === undefined || !sameText(vault.subscriptionId, g['sub'] ?? '') || !sameText(vault.resourceGroup, g['rg'] ?? '')) {
    return resourceNotFound('Microsoft.KeyVault/vaults', g['name'] ?? '', g['rg'] ?? '');
  }
  return vault;
}

function parsePolicies(body: Record<string, unknown> | undefined): AccessPolicy[] | undefined {
  const properties = body?.['properties'] as { accessPolicies?: unknown } | undefined;
  if (!Array.isArray(properties?.accessPolicies)) return undefined;
  const out: AccessPolicy[] = [];
  for (const raw of properties.accessPolicies as unknown[]) {
    const p = raw as Partial<AccessPolicy> | null;
    if (!p || typeof p.objectId !== 'string' || typeof p.tenantId !== 'string' || typeof p.permissions !== 'object' || p.permissions === null) return undefined;
    const permissions: AccessPolicy['permissions'] = {};
    for (const family of PERMISSION_FAMILIES) {
      const list = (p.permissions as Record<string, unknown>)[family];
      if (Array.isArray(list)) permissions[family] = list.filter((x): x is string => typeof x === 'string').map((x) => x.toLowerCase());
    }
    out.push({ tenantId: p.tenantId, objectId: p.objectId, ...(typeof p.applicationId === 'string' ? { applicationId: p.applicationId } : {}), permissions });
  }
  return out;
}

const samePolicyTarget = (a: AccessPolicy, b: AccessPolicy): boolean =>
  sameText(a.objectId, b.objectId) && sameText(a.tenantId, b.tenantId) && (a.applicationId ?? '') === (b.applicationId ?? '');

/** `add` merges permissions, `replace` overwrites them, `remove` takes the listed permissions away (and the entry once empty). */
function applyPolicyChange(vault: Vault, kind: string, changes: AccessPolicy[]): void {
  for (const change of changes) {
    const existing = vault.accessPolicies.find((p) => samePolicyTarget(p, change));
    if (kind === 'add') {
      if (existing === undefined) {
        vault.accessPolicies.push(change);
        continue;
      }
      for (const family of PERMISSION_FAMILIES) {
        const added = change.permissions[family];
        if (added !== undefined) existing.permissions[family] = [...new Set([...(existing.permissions[family] ?? []), ...added])];
      }
    } else if (kind === 'replace') {
      if (existing === undefined) vault.accessPolicies.push(change);
      else existing.permissions = change.permissions;
    } else if (existing !== undefined) {
      for (const family of PERMISSION_FAMILIES) {
        const removed = change.permissions[family];
        if (removed !== undefined) existing.permissions[family] = (existing.permissions[family] ?? []).filter((x) => !removed.includes(x));
      }
      const empty = PERMISSION_FAMILIES.every((f) => (existing.permissions[f] ?? []).length === 0);
      if (empty || PERMISSION_FAMILIES.every((f) => change.permissions[f] === undefined)) {
        vault.accessPolicies.splice(vault.accessPolicies.indexOf(existing), 1);
      }
    }
  }
}

const RG = '/subscriptions/(?<sub>[^/]+)/resourceGroups/(?<rg>[^/]+)';

export const armKeyVaultRoutes: ArmRoute[] = [
  {
    method: 'GET',
    pattern: new RegExp(`^${RG}/providers/Microsoft\\.KeyVault/vaults/(?<name>[^/]+)$`, 'i'),
    handle: (req, g) => {
      const vault = findVaultIn(req, g, VAULT_READ);
      if (vault instanceof Response) return vault;
      return authorize(req, VAULT_READ, vaultResourceId(vault)) ?? HttpResponse.json(vaultJson(vault));
    },
  },
  {
    method: 'PUT',
    pattern: new RegExp(`^${RG}/providers/Microsoft\\.KeyVault/vaults/(?<name>[^/]+)/accessPolicies/(?<kind>[^/]+)$`, 'i'),
    handle: async (req, g) => {
      const kind = (g['kind'] ?? '').toLowerCase();
      if (!['add', 'replace', 'remove'].includes(kind)) {
        return armError(400, 'BadRequest', `The value '${g['kind'] ?? ''}' is not valid for operationKind. Valid values are 'add', 'replace', 'remove'.`);
      }
      const vault = findVaultIn(req, g, ACCESS_POLICY_WRITE);
      if (vault instanceof Response) return vault;
      const denied = authorize(req, ACCESS_POLICY_WRITE, vaultResourceId(vault));
      if (denied) return denied;
      const changes = parsePolicies(await readJsonBody(req.request));
      if (changes === undefined) return armError(400, 'BadRequest', 'The request body must contain properties.accessPolicies with tenantId, objectId and permissions.');
      applyPolicyChange(vault, kind, changes);
      req.ctx.onMutation();
      return HttpResponse.json({
        id: `${vaultResourceId(vault)}/accessPolicies/${kind}`,
        name: kind,
        type: 'Microsoft.KeyVault/vaults/accessPolicies',
        location: vault.location,
        properties: { accessPolicies: vault.accessPolicies.map(accessPolicyJson) },
      });
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^${RG}/providers/Microsoft\\.KeyVault/vaults$`, 'i'),
    handle: (req, g) => {
      const missing = checkContainers(req.azure, g['sub'] ?? '', g['rg']);
      if (missing) return missing;
      const value = req.azure.vaults
        .filter((v) => sameText(v.subscriptionId, g['sub'] ?? '') && sameText(v.resourceGroup, g['rg'] ?? '') && canRead(req, VAULT_READ, vaultResourceId(v)))
        .map(vaultJson);
      return armPage(req.url, value);
    },
  },
  {
    method: 'GET',
    pattern: /^\/subscriptions\/(?<sub>[^/]+)\/providers\/Microsoft\.KeyVault\/vaults$/i,
    handle: (req, g) => {
      const missing = checkContainers(req.azure, g['sub'] ?? '');
      if (missing) return missing;
      const value = req.azure.vaults.filter((v) => sameText(v.subscriptionId, g['sub'] ?? '') && canRead(req, VAULT_READ, vaultResourceId(v))).map(vaultJson);
      return armPage(req.url, value);
    },
  },
  {
    // `vaults.list()` goes through the generic resources API with a resourceType filter.
    method: 'GET',
    pattern: /^\/subscriptions\/(?<sub>[^/]+)\/resources$/i,
    handle: (req, g) => {
      const missing = checkContainers(req.azure, g['sub'] ?? '');
      if (missing) return missing;
      const filter = req.url.searchParams.get('$filter') ?? '';
      const wantsVaults = filter === '' || /resourceType eq 'Microsoft\.KeyVault\/vaults'/i.test(filter);
      const value = wantsVaults
        ? req.azure.vaults
            .filter((v) => sameText(v.subscriptionId, g['sub'] ?? '') && canRead(req, VAULT_READ, vaultResourceId(v)))
            .map((v) => ({ id: vaultResourceId(v), name: v.name, type: 'Microsoft.KeyVault/vaults', location: v.location, tags: v.tags }))
        : [];
      return HttpResponse.json({ value });
    },
  },
];
