/** Which events and pod states wake the watcher, and which workload a pod belongs to. */
import type { KubeEvent, KubePod } from '../ports.js';

/**
 * Event reasons that mean a CSI mount or a synced Secret is failing: kubelet's FailedMount, the driver's
 * FailedToCreateSecret (secret sync controller), MountRotationFailed and SecretRotationFailed (rotation reconciler,
 * pkg/rotation/reconciler.go).
 */
export const TRIGGER_REASONS: ReadonlySet<string> = new Set(['FailedMount', 'FailedToCreateSecret', 'MountRotationFailed', 'SecretRotationFailed']);

/** kubelet's `Failed` for a container whose env or envFrom names a Secret that does not exist (kuberuntime: `Error: secret "x" not found`). */
const SECRET_NOT_FOUND = /Error: secret "[^"]+" not found/;

/** True for a Warning on a pod that the watcher should diagnose. */
export function isTriggerEvent(event: KubeEvent): boolean {
  if (event.involvedObject.kind !== undefined && event.involvedObject.kind !== 'Pod') return false;
  if (event.type !== undefined && event.type !== 'Warning') return false;
  const reason = event.reason ?? '';
  if (TRIGGER_REASONS.has(reason)) return true;
  return reason === 'Failed' && SECRET_NOT_FOUND.test(event.message ?? '');
}

/** A container waiting in CreateContainerConfigError (a status, not an event reason): often a synced Secret missing. */
export function isWaitingOnConfig(pod: KubePod): boolean {
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  return statuses.some((status) => status.state?.waiting?.reason === 'CreateContainerConfigError');
}

/** Running with every container ready: its mounts worked. */
export function isPodReady(pod: KubePod): boolean {
  if (pod.status?.phase !== 'Running') return false;
  const ready = pod.status.conditions?.find((condition) => condition.type === 'Ready');
  if (ready !== undefined) return ready.status === 'True';
  const statuses = pod.status.containerStatuses ?? [];
  return statuses.length > 0 && statuses.every((status) => status.ready);
}

/** When the pod became ready (its Ready condition's transition), in epoch ms; undefined when unknown. */
export function readySinceMs(pod: KubePod): number | undefined {
  const stamp = pod.status?.conditions?.find((condition) => condition.type === 'Ready' && condition.status === 'True')?.lastTransitionTime;
  const parsed = stamp === undefined ? Number.NaN : Date.parse(stamp);
  return Number.isNaN(parsed) ? undefined : parsed;
}

export interface WorkloadRef {
  kind: string;
  name: string;
}

/**
 * The workload that owns a pod: a ReplicaSet's pods belong to its Deployment (the ReplicaSet name minus the
 * pod-template-hash suffix), StatefulSet, DaemonSet and Job pods to their controller, a bare pod to itself. Replicas of
 * one Deployment are one problem.
 */
export function workloadOf(pod: KubePod): WorkloadRef {
  const owner = pod.metadata.ownerReferences?.find((reference) => reference.controller === true) ?? pod.metadata.ownerReferences?.[0];
  if (owner === undefined) return { kind: 'Pod', name: pod.metadata.name };
  if (owner.kind === 'ReplicaSet') {
    const hash = pod.metadata.labels?.['pod-template-hash'];
    if (hash !== undefined && owner.name.endsWith(`-${hash}`)) return { kind: 'Deployment', name: owner.name.slice(0, -(hash.length + 1)) };
    const cut = owner.name.lastIndexOf('-');
    return cut > 0 ? { kind: 'Deployment', name: owner.name.slice(0, cut) } : { kind: 'ReplicaSet', name: owner.name };
  }
  return { kind: owner.kind, name: owner.name };
}
