import { parameterValue } from '../../parse.js';
import { flagEnabled, parameterText, quote, tenantParameter } from '../helpers.js';
import type { LintRule, RuleFinding } from '../types.js';

export const missingNamespaceRule: LintRule = {
  id: 'missing-namespace',
  severity: 'error',
  description: 'a file at `<gitops-root>/<app>/<cluster>/…` whose SecretProviderClass has no `metadata.namespace` (it must live in the pod\'s namespace)',
  check({ spc, gitops }) {
    if (!gitops || (spc.namespace && spc.namespace.value.trim() !== '')) return [];
    return [{ line: spc.metadataLine, message: 'metadata.namespace is missing: the driver looks the SecretProviderClass up in the pod\'s namespace, so it must be explicit', fix: `Add \`namespace: <the namespace of the ${gitops.app} pods>\` under metadata.` }];
  },
};

export const unknownClusterRule: LintRule = {
  id: 'unknown-cluster',
  severity: 'warning',
  description: 'a file at `<gitops-root>/<app>/<cluster>/…` for a cluster the registry does not know',
  check({ gitops, registry }) {
    if (!gitops || !registry || gitops.registered) return [];
    return [{ line: 1, message: `cluster directory ${quote(gitops.cluster)} is not a cluster in ${registry.source}: vault, identity and tenant cannot be checked`, fix: `Move the file under one of: ${registry.list().map((cluster) => cluster.name).join(', ')}; or add the cluster to the configuration.` }];
  },
};

export const registryMismatchRule: LintRule = {
  id: 'registry-mismatch',
  severity: 'error',
  description: 'in `<gitops-root>/<app>/<cluster>/…`: `keyvaultName`, identity client ID, `tenantId` or `cloudName` that disagree with the registry for that cluster',
  check({ spc, gitops }) {
    const cluster = gitops?.registered;
    if (!cluster) return [];
    const findings: RuleFinding[] = [];
    const vault = parameterText(spc, 'keyvaultName');
    if (vault !== undefined && vault.toLowerCase() !== cluster.keyVault.name.toLowerCase()) {
      findings.push({ line: parameterValue(spc, 'keyvaultName')!.line, message: `keyvaultName ${quote(vault)} is not the vault of cluster ${cluster.name} (${cluster.keyVault.name})`, fix: `Set \`keyvaultName: ${cluster.keyVault.name}\`.` });
    }
    const tenant = tenantParameter(spc);
    if (tenant && tenant.value.trim().toLowerCase() !== cluster.tenantId.toLowerCase()) {
      findings.push({ line: tenant.line, message: `${tenant.key} ${quote(tenant.value.trim())} is not the tenant of cluster ${cluster.name} (${cluster.tenantId})`, fix: `Set \`tenantId: ${cluster.tenantId}\`.` });
    }
    const cloud = parameterText(spc, 'cloudName');
    if (cloud !== undefined && cloud.toLowerCase() !== cluster.cloud.toLowerCase()) {
      findings.push({ line: parameterValue(spc, 'cloudName')!.line, message: `cloudName ${quote(cloud)} is not the cloud of cluster ${cluster.name} (${cluster.cloud})`, fix: `Set \`cloudName: ${cluster.cloud}\`.` });
    }
    if (cluster.identity.kind === 'fixed') {
      const expected = cluster.identity.clientId;
      const usesVm = flagEnabled(spc, 'useVMManagedIdentity');
      const key = usesVm ? 'userAssignedIdentityID' : 'clientID';
      const actual = parameterText(spc, key);
      const line = parameterValue(spc, key)?.line ?? parameterValue(spc, 'useVMManagedIdentity')?.line;
      if (actual !== undefined && actual.toLowerCase() !== expected.toLowerCase()) {
        findings.push({ line: line!, message: `${key} ${quote(actual)} is not the identity of cluster ${cluster.name} (${expected}): the mount fails with an identity or access error`, fix: `Set \`${key}: ${expected}\`.` });
      } else if (actual === undefined && usesVm && line !== undefined) {
        findings.push({ line, message: `useVMManagedIdentity is "true" without userAssignedIdentityID: the system-assigned identity is used, not the cluster's identity ${expected}`, fix: `Set \`userAssignedIdentityID: ${expected}\`.` });
      }
    }
    return findings;
  },
};
