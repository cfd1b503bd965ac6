/**
 * One app's bindings, read from the index: items per SecretProviderClass with per-object health, findings the index
 * alone can show (lint rules, missing objects, access, pods that cannot start), and one error per source that failed
 * (its last good data is still served). A pod that cannot start is shown under the SecretProviderClass's first error
 * (`causedBy`) when there is one: one cause, its consequence folded under it.
 */
import type { BindingItem, BindingObject, FindingDto, ObjectAccess, SourceError, SourceKind } from '@kvcsi/backstage-plugin-common';
import { sh, type ClusterRegistry } from '@kvcsi/core';
import { accessKey, mountKey, type IndexedLintFinding, type IndexSnapshot, type SourceState, type StuckPod } from './bindings-index.js';

/**
 * kubelet's podAttachAndMountTimeout (2m3s, pkg/kubelet/volumemanager/volume_manager.go): a pod still in
 * ContainerCreating after it has not mounted its volumes, not merely starting.
 */
export const STUCK_CREATING_AFTER_MS = 123_000;

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

function indexFinding(input: Omit<FindingDto, 'evidence' | 'confidence' | 'fix'> & { commands?: string[]; evidence?: string[] }): FindingDto {
  const { commands, evidence, ...rest } = input;
  return { ...rest, evidence: evidence ?? [], confidence: 'confirmed', fix: { commands: commands ?? [], docs: [] } };
}

/** One finding per lint rule (a rule can fire on several secretObjects): `spc-lint/<rule>`. */
function lintFindings(lint: readonly IndexedLintFinding[], subject: FindingDto['subject'], namespace: string, spc: string): FindingDto[] {
  const byRule = new Map<string, IndexedLintFinding[]>();
  for (const finding of lint) byRule.set(finding.rule, [...(byRule.get(finding.rule) ?? []), finding]);
  return [...byRule].map(([rule, findings]) => ({
    id: `spc-lint/${rule}`, severity: findings[0]!.severity, title: `SecretProviderClass ${spc}: ${rule}`,
    summary: `${namespace}/${spc}: ${findings.map((finding) => finding.message).join('; ')}`,
    evidence: [], cause: `kvcsi lint rule ${rule}, run on the SecretProviderClass as the cluster holds it.`,
    fix: { commands: [...new Set(findings.map((finding) => finding.fix))], docs: [] }, confidence: 'confirmed',
    ...(subject ? { subject } : {}),
  }));
}

/** Pods that declare the class and do not run: CreateContainerConfigError and the like now, ContainerCreating past kubelet's mount timeout. */
function podFinding(pods: readonly StuckPod[], namespace: string, spc: string, nowInMs: number, causedBy: string | undefined): FindingDto | undefined {
  const stuck = pods.filter((pod) => pod.reason !== 'ContainerCreating' || pod.startedAt === undefined || nowInMs - pod.startedAt >= STUCK_CREATING_AFTER_MS);
  const starting = pods.filter((pod) => !stuck.includes(pod));
  if (stuck.length === 0 && starting.length === 0) return undefined;
  const describe = (pod: StuckPod) => `${pod.name} (${pod.reason}${pod.container ? ` in ${pod.container}` : ''}${pod.message ? `: ${pod.message}` : ''})`;
  const shown = stuck.length > 0 ? stuck : starting;
  return indexFinding({
    id: 'pods-not-running', severity: stuck.length > 0 ? 'error' : 'info',
    title: stuck.length > 0 ? `${stuck.length === 1 ? 'A pod' : `${stuck.length} pods`} mounting ${spc} cannot start` : `Pods mounting ${spc} are starting`,
    summary: `${namespace}: ${shown.map(describe).join(', ')}`,
    evidence: shown.map((pod) => `pod ${namespace}/${pod.name}: ${pod.reason}${pod.message ? `: ${pod.message}` : ''}`),
    cause: causedBy !== undefined
      ? 'A consequence of the SecretProviderClass\'s error above: the mount fails (ContainerCreating) or the synced Secret is never created (CreateContainerConfigError).'
      : 'kubelet cannot mount the CSI volume (ContainerCreating) or a container reads a Secret or key that does not exist (CreateContainerConfigError). Diagnose the pod for the cause.',
    subject: { kind: 'Pod', namespace, name: shown[0]!.name },
    commands: [`kubectl describe pod -n ${namespace} ${shown[0]!.name}`],
    ...(causedBy !== undefined ? { causedBy } : {}),
  });
}

export function viewAppBindings(
  snapshot: IndexSnapshot, registry: ClusterRegistry, app: string, clusterNames: readonly string[], nowInMs: number = Date.now(),
): AppBindingsView {
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
    const pods = snapshot.pods.get(clusterName);
    for (const { binding, syncedTo, lint } of clusterState?.data?.bindings ?? []) {
      if (binding.app !== app) continue;
      const vaultState = binding.vault !== undefined ? snapshot.vaults.get(binding.vault.toLowerCase()) : undefined;
      const accessState = binding.vault !== undefined && binding.identity.clientId !== undefined
        ? snapshot.access.get(accessKey(binding.vault, binding.identity.clientId)) : undefined;
      if (binding.vault !== undefined) {
        report(sourceError(clusterName, 'vault', `vault/${binding.vault}`, vaultState));
        if (binding.identity.clientId !== undefined) report(sourceError(clusterName, 'access', `access/${binding.vault}/${binding.identity.clientId}`, accessState));
      }
      report(sourceError(clusterName, 'pod-status', `pod-status/${clusterName}`, mounts));
      report(sourceError(clusterName, 'kubernetes', `pods/${clusterName}`, pods));
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
      findings.push(...lintFindings(lint, subject, binding.namespace, binding.name));
      const lintErrors = lint.some((finding) => finding.severity === 'error');
      // The lint rules say the same with the provider's own error text (objects-yaml, required-parameter); these two stay for an index without lint.
      if (binding.problems.length > 0 && !lintErrors) {
        findings.push(indexFinding({
          id: 'spc-objects-unreadable', severity: 'error', title: 'The objects parameter cannot be read',
          summary: `${binding.namespace}/${binding.name}: ${binding.problems.join('; ')}`, cause: 'The provider parses parameters.objects as YAML; it fails the mount when it cannot.', subject,
        }));
      }
      if (binding.vault === undefined && !lintErrors) {
        findings.push(indexFinding({
          id: 'spc-no-vault', severity: 'error', title: 'No keyvaultName', summary: `${binding.namespace}/${binding.name} names no Key Vault (parameters.keyvaultName)`,
          cause: 'The provider cannot know which vault to read.', subject,
        }));
      }
      const deletedNames = vaultState?.data?.deleted ?? new Set<string>();
      const deleted = objects.filter((object) => object.status.exists === false && deletedNames.has(object.objectName.toLowerCase()));
      if (deleted.length > 0 && binding.vault !== undefined) {
        // Soft-deleted: a recover brings back the value the app had; creating one with its name fails with 409 until purged.
        findings.push(indexFinding({
          id: 'objects-deleted', severity: 'error', title: 'Secrets deleted from the vault (recoverable)',
          summary: `${binding.vault} holds ${deleted.map((object) => object.objectName).join(', ')} as deleted secrets: pods mounting ${binding.name} fail with SecretNotFound until they are recovered`,
          cause: 'Someone deleted the secret; Key Vault keeps it for the retention period, when a recover brings back every version.', subject,
          action: { kind: 'recover-secret', params: { vault: binding.vault, cluster: clusterName, name: deleted[0]!.objectName } },
          commands: deleted.map((object) => sh`kvcsi secret recover ${object.objectName} -c ${clusterName}`),
        }));
      }
      const missing = objects.filter((object) => object.status.exists === false && !deletedNames.has(object.objectName.toLowerCase()));
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
      const cause = findings.find((finding) => finding.severity === 'error');
      // A pod in ContainerCreating whose volume of this class mounted waits for another of its volumes: not this class's doing.
      const podsOfClass = (pods?.data?.get(mountKey(binding.namespace, binding.name)) ?? [])
        .filter((pod) => !(pod.reason === 'ContainerCreating' && mountedBy.includes(pod.name)));
      const stuck = podFinding(podsOfClass, binding.namespace, binding.name, nowInMs, cause?.id);
      if (stuck !== undefined) findings.push(stuck);
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
