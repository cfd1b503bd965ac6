import { X509Certificate, createHash } from 'node:crypto';
import { KvcsiError } from '@kvcsi/core';
import type { Scenario } from '../scenarios/schema.js';
import { deterministicUuid, deterministicVersion } from './ids.js';
import type { ManagedClusterWithAuth } from './aksCluster.js';
import type { AccessPolicy, AzureState, Certificate, DeletedSecret, Key, ManagedCluster, ManagedIdentity, RoleAssignment, RoleDefinition, Secret, Vault } from './model.js';
import { managedClusterResourceId, roleDefinitionResourceId, vaultResourceId } from './resourceIds.js';
import { BUILT_IN_ROLE_DEFINITIONS } from './roles.js';

/** A reference error in a scenario: `field` is the path inside the file, e.g. `vaults[2].accessPolicies[0].principal`. */
function referenceError(field: string, message: string): KvcsiError {
  return new KvcsiError('CONFIG_INVALID', message, { field, rule: 'must name an object defined in the scenario' });
}

/**
 * Turns a validated scenario into the Azure state: fills every missing ID deterministically from the scenario's seed
 * (so state files are stable), resolves names to IDs, and creates each certificate's backing secret.
 */
export function azureStateFromScenario(scenario: Scenario): AzureState {
  const seed = scenario.idSeed ?? scenario.name;
  const id = (...parts: string[]): string => deterministicUuid(seed, ...parts);
  const startMs = Date.parse(scenario.startTime);
  const tenantId = scenario.tenant.id.toLowerCase();

  const subscriptions = scenario.subscriptions.map((s) => ({ name: s.name, id: (s.id ?? id('subscription', s.name)).toLowerCase() }));
  const subscriptionId = (ref: string, field: string): string => {
    const found = subscriptions.find((s) => s.name === ref || s.id === ref.toLowerCase());
    if (found === undefined) throw referenceError(field, `unknown subscription "${ref}" (define it under subscriptions)`);
    return found.id;
  };
  const resourceGroups = new Set<string>();
  const addResourceGroup = (sub: string, rg: string): void => void resourceGroups.add(`${sub}/${rg}`);

  const identities: ManagedIdentity[] = scenario.identities.map((i, n) => {
    const sub = subscriptionId(i.subscription, `identities[${n}].subscription`);
    addResourceGroup(sub, i.resourceGroup);
    const identity: ManagedIdentity = {
      name: i.name,
      clientId: (i.clientId ?? id('identity-client', i.name)).toLowerCase(),
      objectId: (i.objectId ?? id('identity-object', i.name)).toLowerCase(),
      subscriptionId: sub,
      resourceGroup: i.resourceGroup,
      location: i.location,
      tags: i.tags,
      federatedCredentials: [],
    };
    if (i.clientSecret !== undefined) identity.clientSecret = i.clientSecret;
    return identity;
  });
  const servicePrincipals = scenario.servicePrincipals.map((s) => ({
    name: s.name,
    clientId: (s.clientId ?? id('sp-client', s.name)).toLowerCase(),
    objectId: (s.objectId ?? id('sp-object', s.name)).toLowerCase(),
    ...(s.clientSecret === undefined ? {} : { clientSecret: s.clientSecret }),
  }));
  const users = scenario.users.map((u) => ({
    name: u.name,
    objectId: (u.objectId ?? id('user', u.name)).toLowerCase(),
    userPrincipalName: u.userPrincipalName,
    displayName: u.displayName,
    ...(u.slackUserId === undefined ? {} : { slackUserId: u.slackUserId }),
  }));
  const principalsByName = new Map<string, { objectId: string; type: RoleAssignment['principalType'] }>();
  const definePrincipal = (name: string, objectId: string, type: RoleAssignment['principalType'], field: string): void => {
    if (principalsByName.has(name)) throw new KvcsiError('CONFIG_INVALID', `principal name "${name}" is used twice`, { field, rule: 'principal names must be unique across identities, service principals, users and groups' });
    principalsByName.set(name, { objectId, type });
  };
  identities.forEach((i, n) => definePrincipal(i.name, i.objectId, 'ServicePrincipal', `identities[${n}].name`));
  servicePrincipals.forEach((s, n) => definePrincipal(s.name, s.objectId, 'ServicePrincipal', `servicePrincipals[${n}].name`));
  users.forEach((u, n) => definePrincipal(u.name, u.objectId, 'User', `users[${n}].name`));
  const groups = scenario.groups.map((g, n) => {
    const objectId = (g.objectId ?? id('group', g.name)).toLowerCase();
    definePrincipal(g.name, objectId, 'Group', `groups[${n}].name`);
    return { name: g.name, objectId, members: g.members };
  });
  const principal = (name: string, field: string): { objectId: string; type: RoleAssignment['principalType'] } => {
    const found = principalsByName.get(name);
    if (found === undefined) throw referenceError(field, `unknown principal "${name}"`);
    return found;
  };
  const resolvedGroups = groups.map((g, n) => ({
    name: g.name,
    objectId: g.objectId,
    memberObjectIds: g.members.map((m, k) => principal(m, `groups[${n}].members[${k}]`).objectId),
  }));
  const identityByName = (name: string, field: string): ManagedIdentity => {
    const found = identities.find((i) => i.name === name);
    if (found === undefined) throw referenceError(field, `unknown identity "${name}" (define it under identities)`);
    return found;
  };

  const managedClusters: ManagedCluster[] = scenario.clusters.map((c, n) => {
    const sub = subscriptionId(c.subscription, `clusters[${n}].subscription`);
    addResourceGroup(sub, c.resourceGroup);
    const nodeResourceGroup = `MC_${c.resourceGroup}_${c.name}_${c.location}`;
    addResourceGroup(sub, nodeResourceGroup);
    const kubelet = identityByName(c.kubeletIdentity, `clusters[${n}].kubeletIdentity`);
    const addon = c.keyVaultSecretsProviderIdentity === undefined ? undefined : identityByName(c.keyVaultSecretsProviderIdentity, `clusters[${n}].keyVaultSecretsProviderIdentity`);
    const extra = c.nodeIdentities.map((name, k) => identityByName(name, `clusters[${n}].nodeIdentities[${k}]`));
    const nodeIdentityClientIds = [...new Set([kubelet, ...(addon ? [addon] : []), ...extra].map((i) => i.clientId))];
    const cluster: ManagedCluster = {
      name: c.name,
      subscriptionId: sub,
      resourceGroup: c.resourceGroup,
      location: c.location,
      kubernetesVersion: c.kubernetesVersion,
      dnsPrefix: c.name,
      nodeResourceGroup,
      kubeletIdentityClientId: kubelet.clientId,
      nodeIdentityClientIds,
      oidcIssuerUrl: c.oidcIssuerUrl ?? `https://${c.location}.oic.prod-aks.azure.com/${tenantId}/${id('oidc-issuer', c.name)}/`,
      workloadIdentityEnabled: c.workloadIdentityEnabled,
      secretsStoreCsi: c.secretsStoreCsi,
      tags: c.tags,
    };
    if (addon) cluster.keyVaultSecretsProviderIdentityClientId = addon.clientId;
    if (c.secretRotation !== undefined) cluster.secretRotation = c.secretRotation;
    cluster.outboundIp = c.outboundIp ?? derivedAddress(id('outbound-ip', c.name));
    const withAuth: ManagedClusterWithAuth = cluster;
    if (c.aad !== undefined) {
      const adminGroupObjectIds = c.aad.adminGroups.map((g, k) => principal(g, `clusters[${n}].aad.adminGroups[${k}]`).objectId);
      withAuth.aad = { managed: true, enableAzureRbac: c.aad.azureRbac, adminGroupObjectIds, tenantId };
    }
    if (c.disableLocalAccounts) withAuth.disableLocalAccounts = true;
    if (c.privateCluster !== undefined) withAuth.privateCluster = { publicFqdn: c.privateCluster.publicFqdn };
    return cluster;
  });

  scenario.identities.forEach((i, n) => {
    const identity = identities[n];
    if (identity === undefined) return;
    identity.federatedCredentials = i.federatedCredentials.map((f, k) => {
      let issuer = f.issuer;
      if (f.issuerFromCluster !== undefined) {
        const cluster = managedClusters.find((c) => c.name === f.issuerFromCluster);
        if (cluster === undefined) throw referenceError(`identities[${n}].federatedCredentials[${k}].issuerFromCluster`, `unknown cluster "${f.issuerFromCluster}"`);
        issuer = cluster.oidcIssuerUrl;
      }
      return { name: f.name, issuer: issuer ?? '', subject: f.subject, audiences: f.audiences };
    });
  });

  const vaults: Vault[] = scenario.vaults.map((v, n) => {
    const sub = subscriptionId(v.subscription, `vaults[${n}].subscription`);
    addResourceGroup(sub, v.resourceGroup);
    const accessPolicies: AccessPolicy[] = v.accessPolicies.map((p, k) => ({
      tenantId,
      objectId: principal(p.principal, `vaults[${n}].accessPolicies[${k}].principal`).objectId,
      ...(p.applicationId === undefined ? {} : { applicationId: p.applicationId.toLowerCase() }),
      permissions: { secrets: [...p.secrets], certificates: [...p.certificates], keys: [...p.keys] },
    }));
    let tick = 0;
    // Scenario objects are created one second apart in file order, so "latest" is well defined.
    const createdAt = (): number => startMs - 86_400_000 + 1000 * tick++;
    const secrets: Secret[] = v.secrets.map((s) => {
      const versions = s.versions ?? [{ value: s.value ?? '', enabled: s.enabled, contentType: s.contentType, tags: s.tags }];
      return {
        name: s.name,
        versions: versions.map((ver, k) => {
          const at = createdAt();
          return {
            version: deterministicVersion(seed, v.name, 'secret', s.name, String(k)),
            value: ver.value,
            tags: { ...s.tags, ...ver.tags },
            enabled: ver.enabled,
            createdMs: at,
            updatedMs: at,
            ...((ver.contentType ?? s.contentType) === undefined ? {} : { contentType: ver.contentType ?? s.contentType }),
            ...('expires' in ver && ver.expires !== undefined ? { expiresMs: Date.parse(ver.expires) } : {}),
            ...('notBefore' in ver && ver.notBefore !== undefined ? { notBeforeMs: Date.parse(ver.notBefore) } : {}),
          };
        }),
      };
    });
    const certificates: Certificate[] = v.certificates.map((c, k) => {
      const x509 = parseCertificate(c.pem, `vaults[${n}].certificates[${k}].pem`);
      const version = deterministicVersion(seed, v.name, 'certificate', c.name);
      const at = createdAt();
      if (secrets.some((s) => s.name.toLowerCase() === c.name.toLowerCase())) {
        throw new KvcsiError('CONFIG_INVALID', `certificate "${c.name}" clashes with a secret of the same name: a certificate's backing secret takes its name`, {
          field: `vaults[${n}].certificates[${k}].name`,
          rule: 'certificate and secret names must differ',
        });
      }
      secrets.push({
        name: c.name,
        versions: [
          {
            version,
            value: c.pem,
            contentType: 'application/x-pem-file',
            tags: {},
            enabled: c.enabled,
            createdMs: at,
            updatedMs: at,
            notBeforeMs: Date.parse(x509.validFrom),
            expiresMs: Date.parse(x509.validTo),
            kid: `https://${v.name}.vault.azure.net/keys/${c.name}/${version}`,
          },
        ],
      });
      return {
        name: c.name,
        versions: [
          {
            version,
            cer: x509.raw.toString('base64'),
            x5t: createHash('sha1').update(x509.raw).digest('base64url'),
            subject: x509.subject.replace(/\n/g, ', '),
            enabled: c.enabled,
            createdMs: at,
            updatedMs: at,
            notBeforeMs: Date.parse(x509.validFrom),
            expiresMs: Date.parse(x509.validTo),
            contentType: 'application/x-pem-file',
          },
        ],
      };
    });
    const deletedAt = startMs - 3_600_000;
    const deletedSecrets: DeletedSecret[] = v.secrets.flatMap((s, k) => {
      const secret = secrets[k];
      return s.deleted && secret !== undefined ? [{ secret, deletedMs: deletedAt, scheduledPurgeMs: deletedAt + v.softDeleteRetentionInDays * 86_400_000 }] : [];
    });
    const liveSecrets = secrets.filter((secret) => !deletedSecrets.some((d) => d.secret === secret));
    const keys: Key[] = v.keys.map((key) => {
      const at = createdAt();
      const version = deterministicVersion(seed, v.name, 'key', key.name);
      return {
        name: key.name,
        versions: [{ version, kty: 'RSA', n: derivedModulus(seed, v.name, key.name), e: 'AQAB', keyOps: [...key.keyOps], enabled: key.enabled, createdMs: at, updatedMs: at, tags: key.tags }],
      };
    });
    return {
      name: v.name,
      subscriptionId: sub,
      resourceGroup: v.resourceGroup,
      location: v.location,
      tenantId,
      enableRbacAuthorization: v.enableRbacAuthorization,
      publicNetworkAccess: v.publicNetworkAccess,
      enableSoftDelete: v.enableSoftDelete,
      softDeleteRetentionInDays: v.softDeleteRetentionInDays,
      sku: v.sku,
      tags: v.tags,
      accessPolicies,
      secrets: liveSecrets,
      certificates,
      deletedSecrets,
      keys,
      ...(v.networkAcls === undefined ? {} : { networkAcls: { ...v.networkAcls, ipRules: [...v.networkAcls.ipRules], virtualNetworkRules: [...v.networkAcls.virtualNetworkRules] } }),
    };
  });

  const resolveScope = (scope: string, field: string): string => {
    if (scope.startsWith('/')) return scope;
    const [kind, ...rest] = scope.split(':');
    const target = rest.join(':');
    if (kind === 'subscription') return `/subscriptions/${subscriptionId(target, field)}`;
    if (kind === 'resourceGroup') {
      const [sub, rg] = target.split('/');
      return `/subscriptions/${subscriptionId(sub ?? '', field)}/resourceGroups/${rg ?? ''}`;
    }
    if (kind === 'vault') {
      const [name, ...objectPath] = target.split('/');
      const vault = vaults.find((v) => v.name === name);
      if (vault === undefined) throw referenceError(field, `unknown vault "${name ?? ''}"`);
      return objectPath.length === 0 ? vaultResourceId(vault) : `${vaultResourceId(vault)}/${objectPath.join('/')}`;
    }
    if (kind === 'cluster') {
      const [name, ...namespacePath] = target.split('/');
      const cluster = managedClusters.find((c) => c.name === name);
      if (cluster === undefined) throw referenceError(field, `unknown cluster "${name ?? ''}"`);
      return namespacePath.length === 0 ? managedClusterResourceId(cluster) : `${managedClusterResourceId(cluster)}/${namespacePath.join('/')}`;
    }
    throw new KvcsiError('CONFIG_INVALID', `scope "${scope}" is not understood`, { field, rule: 'use vault:<name>[/secrets/<secret>], subscription:<name>, resourceGroup:<subscription>/<rg>, cluster:<name>[/namespaces/<ns>], or an ARM scope starting with /' });
  };

  const roleDefinitions: RoleDefinition[] = [
    ...BUILT_IN_ROLE_DEFINITIONS.map((d) => structuredClone(d)),
    ...scenario.customRoles.map((r): RoleDefinition => ({
      name: (r.name ?? id('role-definition', r.roleName)).toLowerCase(),
      roleName: r.roleName,
      description: r.description,
      roleType: 'CustomRole',
      permissions: [{ actions: r.actions, notActions: r.notActions, dataActions: r.dataActions, notDataActions: r.notDataActions }],
    })),
  ];

  const roleAssignments: RoleAssignment[] = scenario.roleAssignments.map((a, n) => {
    const field = `roleAssignments[${n}]`;
    const definition = roleDefinitions.find((d) => d.roleName.toLowerCase() === a.role.toLowerCase() || d.name === a.role.toLowerCase());
    if (definition === undefined) throw referenceError(`${field}.role`, `unknown role "${a.role}" (use a built-in or custom role name, or a GUID)`);
    const scope = resolveScope(a.scope, `${field}.scope`);
    const who = principal(a.principal, `${field}.principal`);
    const sub = /^\/subscriptions\/([^/]+)/i.exec(scope)?.[1];
    const assignment: RoleAssignment = {
      name: (a.name ?? id('role-assignment', scope.toLowerCase(), who.objectId, definition.name)).toLowerCase(),
      scope,
      roleDefinitionName: definition.name,
      roleDefinitionId: roleDefinitionResourceId(definition.name, sub),
      principalId: who.objectId,
      principalType: who.type,
      // Scenario assignments exist from the start: they have propagated.
      createdMs: startMs - 86_400_000,
    };
    if (a.description !== undefined) assignment.description = a.description;
    return assignment;
  });

  return {
    tenantId,
    tenantDomain: scenario.tenant.domain,
    subscriptions,
    resourceGroups: [...resourceGroups].sort(),
    identities,
    servicePrincipals,
    users,
    groups: resolvedGroups,
    vaults,
    roleDefinitions,
    roleAssignments,
    managedClusters,
    roleAssignmentPropagationDelayInMs: scenario.roleAssignmentPropagationDelayInMs,
    ...(scenario.callerAddress === undefined ? {} : { callerAddress: scenario.callerAddress }),
    idCounter: 0,
    idSeed: seed,
  };
}

/** A stable public IPv4 address from a GUID (the first octet fixed in a public Azure range). */
function derivedAddress(guid: string): string {
  const bytes = Buffer.from(guid.replace(/-/g, ''), 'hex');
  return `20.206.${bytes[0] ?? 0}.${(bytes[1] ?? 0) % 254 + 1}`;
}

/**
 * A 2048-bit RSA-shaped modulus (base64url) derived from the seed: the sandbox serves public keys only and never
 * computes with them, so a stable odd number with the top bit set is enough for clients to parse.
 */
function derivedModulus(...parts: string[]): string {
  const chunks: Buffer[] = [];
  for (let i = 0; chunks.length * 32 < 256; i += 1) chunks.push(createHash('sha256').update([...parts, String(i)].join('\u0000')).digest());
  const modulus = Buffer.concat(chunks).subarray(0, 256);
  modulus[0] = (modulus[0] ?? 0) | 0x80;
  modulus[255] = (modulus[255] ?? 0) | 0x01;
  return modulus.toString('base64url');
}

function parseCertificate(pem: string, field: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (cause) {
    throw new KvcsiError('CONFIG_INVALID', 'the PEM does not hold a valid X.509 certificate', { field, rule: 'must hold a PEM certificate and its private key', cause });
  }
}
