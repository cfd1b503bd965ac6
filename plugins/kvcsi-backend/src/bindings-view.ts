/**
 * One app's bindings, read from the index: items per SecretProviderClass with per-object health, findings the index
 * alone can show, and one error per source that failed (its last good data is still served).
 */
import type { BindingItem, BindingObject, FindingDto, ObjectAccess, SourceError, SourceKind } from '@kvcsi/backstage-plugin-common';
import type { ClusterRegistry } from '@kvcsi/core';
import { accessKey, mountKey, type IndexSnapshot, type SourceState } from './bindings-index.js';

export interface AppBindingsView {
  items: BindingItem[];
  errors: SourceError[];
  /** The oldest refresh among the sources that answered (RFC 3339). */
  indexedAt?: string;
}

const iso = (epochInMs: number) => new Date(epochInMs).toISOString();

function sourceError<T>(cluster: string, source: SourceKind, name: string, state: SourceState<T> | undefined): SourceError | undefined {
  if (state?.error === undefined) return undefined;
  return {
    cluster, source, name, code: state.error.code, message: state.error.message,
    ...(state.refreshedAt !== undefined ? { lastSuccessAt: iso(state.refreshedAt) } : {}),
  };
}

function indexFinding(input: Omit<FindingDto, 'evidence' | 'confidence' | 'fix'> & { commands?: string[] }): FindingDto {
  const { commands, ...rest } = input;
  return { ...rest, evidence: [], confidence: 'confirmed', fix: { commands: commands ?? [], docs: [] } };
}

export function viewAppBindings(snapshot: IndexSnapshot, registry: ClusterRegistry, app: string, clusterNames: readonly string[]): AppBindingsView {
  const items: BindingItem[] = [];
  const errors: SourceError[] = [];
  const reported = new Set<string>();
  const report = (error: SourceError | undefined) => {
    if (error === undefined) return;
    const key = `${error.source}/${error.name}`;
    if (reported.has(key)) return;
    reported.add(key);
    errors.push(error);
  };
  let oldest: number | undefined;
  const seen = (at: number | undefined) => {
    if (at !== undefined && (oldest === undefined || at < oldest)) oldest = at;
  };

  for (const clusterName of clusterNames) {
    const cluster = registry.get(clusterName);
    const clusterState = snapshot.clusters.get(clusterName);
    report(sourceError(clusterName, 'kubernetes', `cluster/${clusterName}`, clusterState));
    seen(clusterState?.refreshedAt);
    const mounts = snapshot.mounts.get(clusterName);
    for (const { binding, syncedTo } of clusterState?.data?.bindings ?? []) {
      if (binding.app !== app) continue;
      const vaultState = binding.vault !== undefined ? snapshot.vaults.get(binding.vault.toLowerCase()) : undefined;
      const accessState = binding.vault !== undefined && binding.identity.clientId !== undefined
        ? snapshot.access.get(accessKey(binding.vault, binding.identity.clientId)) : undefined;
      if (binding.vault !== undefined) {
        report(sourceError(clusterName, 'vault', `vault/${binding.vault}`, vaultState));
        if (binding.identity.clientId !== undefined) report(sourceError(clusterName, 'access', `access/${binding.vault}/${binding.identity.clientId}`, accessState));
      }
      report(sourceError(clusterName, 'pod-status', `pod-status/${clusterName}`, mounts));
      seen(vaultState?.refreshedAt);
      const mountedBy = mounts?.data?.get(mountKey(binding.namespace, binding.name)) ?? [];

      const objects: BindingObject[] = binding.objects.map((object) => {
        const name = object.objectName.toLowerCase();
        // Keys are not secrets: the secret listing cannot tell whether one exists.
        const exists = vaultState?.data === undefined || object.objectType === 'key' ? null : vaultState.data.names.has(name);
        const access: ObjectAccess = accessState?.data === undefined
          ? 'unknown'
          : accessState.data.vaultWide || accessState.data.secrets.has(name) ? 'granted' : 'denied';
        const targets = syncedTo.get(object.objectAlias ?? object.objectName) ?? syncedTo.get(object.objectName);
        return {
          objectName: object.objectName,
          objectType: object.objectType,
          ...(object.objectAlias !== undefined ? { alias: object.objectAlias } : {}),
          ...(object.objectVersion !== undefined ? { version: object.objectVersion } : {}),
          ...(targets ? { syncedTo: targets.join(', ') } : {}),
          // The driver writes synced Secrets only while a pod mounts the class.
          status: { exists, access, synced: targets ? (mounts?.data === undefined ? null : mountedBy.length > 0) : null, mountedBy },
        };
      });

      const findings: FindingDto[] = [];
      const subject = { kind: 'SecretProviderClass', namespace: binding.namespace, name: binding.name };
      if (binding.problems.length > 0) {
        findings.push(indexFinding({
          id: 'spc-objects-unreadable', severity: 'error', title: 'The objects parameter cannot be read',
          summary: `${binding.namespace}/${binding.name}: ${binding.problems.join('; ')}`, cause: 'The provider parses parameters.objects as YAML; it fails the mount when it cannot.', subject,
        }));
      }
      if (binding.vault === undefined) {
        findings.push(indexFinding({
          id: 'spc-no-vault', severity: 'error', title: 'No keyvaultName', summary: `${binding.namespace}/${binding.name} names no Key Vault (parameters.keyvaultName)`,
          cause: 'The provider cannot know which vault to read.', subject,
        }));
      }
      const missing = objects.filter((object) => object.status.exists === false);
      if (missing.length > 0 && binding.vault !== undefined) {
        findings.push(indexFinding({
          id: 'objects-missing', severity: 'error', title: 'Objects missing in the vault',
          summary: `${binding.vault} has no ${missing.map((object) => object.objectName).join(', ')}: pods mounting ${binding.name} fail with SecretNotFound`,
          cause: 'The SecretProviderClass names objects the vault does not hold (typo, other vault, or not created yet).', subject,
          action: { kind: 'create-secret', params: { vault: binding.vault, cluster: clusterName, name: missing[0]!.objectName } },
        }));
      }
      const denied = objects.filter((object) => object.status.access === 'denied');
      if (denied.length > 0 && binding.vault !== undefined) {
        findings.push(indexFinding({
          id: 'access-denied', severity: 'error', title: 'The identity cannot read the vault',
          summary: `identity ${binding.identity.clientId ?? '?'} has no read access to ${denied.map((object) => object.objectName).join(', ')} in ${binding.vault}`,
          cause: 'No access policy with get on secrets, and no Key Vault Secrets User role at the vault or on these secrets.', subject,
          action: { kind: 'grant', params: { app, cluster: clusterName } },
          commands: [`kvcsi grant ${app} ${clusterName}`],
        }));
      }
      items.push({
        cluster: clusterName, tier: cluster.tier, namespace: binding.namespace, spc: binding.name,
        ...(binding.vault !== undefined ? { vault: binding.vault } : {}),
        identity: { mode: binding.identity.mode, ...(binding.identity.clientId !== undefined ? { clientId: binding.identity.clientId } : {}), source: binding.identity.source },
        objects, findings,
      });
    }
  }
  return { items, errors, ...(oldest !== undefined ? { indexedAt: iso(oldest) } : {}) };
}
