import { deterministicSuffix, deterministicUid } from './ids.js';
import type { ContainerStatus, KubeObject, NodeObject, PodObject } from './types.js';

interface DaemonSetTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: {
    nodeSelector?: Record<string, string>;
    tolerations?: { operator?: string; key?: string; effect?: string }[];
    affinity?: { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: NodeSelectorTerm[] } } };
    containers?: { name: string; image?: string }[];
    [key: string]: unknown;
  };
}

interface NodeSelectorTerm {
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

function termMatches(term: NodeSelectorTerm, labels: Record<string, string>): boolean {
  return (term.matchExpressions ?? []).every((expression) => {
    const value = labels[expression.key];
    const values = expression.values ?? [];
    switch (expression.operator) {
      case 'In':
        return value !== undefined && values.includes(value);
      case 'NotIn':
        return value === undefined || !values.includes(value);
      case 'Exists':
        return value !== undefined;
      case 'DoesNotExist':
        return value === undefined;
      default:
        return false;
    }
  });
}

function tolerates(template: DaemonSetTemplate, node: NodeObject): boolean {
  const tolerations = template.spec?.tolerations ?? [];
  return (node.spec?.taints ?? []).filter((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute').every((taint) =>
    tolerations.some((t) => (t.operator === 'Exists' && (t.key === undefined || t.key === taint.key))
      || (t.key === taint.key && (t.effect === undefined || t.effect === taint.effect))));
}

/** Whether the DaemonSet controller would place a pod on the node (nodeSelector, required node affinity, taints). */
export function daemonSetFitsNode(template: DaemonSetTemplate, node: NodeObject): boolean {
  const labels = node.metadata.labels ?? {};
  const selectorOk = Object.entries(template.spec?.nodeSelector ?? {}).every(([k, v]) => labels[k] === v);
  const terms = template.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  const affinityOk = terms === undefined || terms.length === 0 || terms.some((term) => termMatches(term, labels));
  return selectorOk && affinityOk && tolerates(template, node);
}

function runningStatus(containers: { name: string; image?: string }[], startedAt: string): ContainerStatus[] {
  return containers.map((c) => ({
    name: c.name,
    ready: true,
    started: true,
    restartCount: 0,
    image: c.image ?? '',
    imageID: c.image === undefined ? '' : `${c.image.split(':')[0] ?? c.image}@sha256:${deterministicUid(c.image).replace(/-/g, '')}`,
    containerID: `containerd://${deterministicUid(c.name, startedAt).replace(/-/g, '')}`,
    state: { running: { startedAt } },
  }));
}

/**
 * The pods the DaemonSet controller would have created: one Running, Ready pod per fitting node, skipping nodes
 * where the manifests already hold a pod owned by that DaemonSet.
 */
export function scheduleDaemonSetPods(daemonSets: KubeObject[], nodes: KubeObject[], existingPods: KubeObject[]): PodObject[] {
  const pods: PodObject[] = [];
  for (const daemonSet of daemonSets) {
    const template = ((daemonSet.spec as { template?: DaemonSetTemplate } | undefined)?.template) ?? {};
    const dsName = daemonSet.metadata.name;
    const namespace = daemonSet.metadata.namespace ?? 'default';
    for (const node of nodes as NodeObject[]) {
      if (!daemonSetFitsNode(template, node)) continue;
      const nodeName = node.metadata.name;
      const alreadyThere = (existingPods as PodObject[]).some((p) => p.metadata.namespace === namespace && p.spec.nodeName === nodeName
        && (p.metadata.ownerReferences ?? []).some((o) => o.kind === 'DaemonSet' && o.name === dsName));
      if (alreadyThere) continue;
      const containers = template.spec?.containers ?? [];
      const startedAt = daemonSet.metadata.creationTimestamp ?? '2026-01-01T00:00:00Z';
      pods.push({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: `${dsName}-${deterministicSuffix(5, dsName, nodeName)}`,
          namespace,
          labels: { ...(template.metadata?.labels ?? {}), 'controller-revision-hash': deterministicSuffix(10, dsName), 'pod-template-generation': '1' },
          ...(template.metadata?.annotations === undefined ? {} : { annotations: template.metadata.annotations }),
          ownerReferences: [{
            apiVersion: 'apps/v1', kind: 'DaemonSet', name: dsName, uid: daemonSet.metadata.uid ?? '', controller: true, blockOwnerDeletion: true,
          }],
        },
        spec: { ...(template.spec ?? {}), containers: containers.map((c) => ({ ...c })), nodeName },
        status: {
          phase: 'Running',
          conditions: ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({
            type, status: 'True' as const, lastProbeTime: null, lastTransitionTime: startedAt,
          })),
          containerStatuses: runningStatus(containers, startedAt),
          startTime: startedAt,
          qosClass: 'Burstable',
        },
      });
    }
  }
  return pods;
}
