/**
 * K18. kvcsi's own access to the cluster: the API server refused (403) reads the diagnosis needs, so it names the
 * identity, what was refused and the binding to add. The text is the API server's forbidden message
 * (k8s.io/apiserver `responsewriters.forbiddenMessage`); on AKS clusters with Azure RBAC for Kubernetes guard appends
 * `User does not have access to the resource in Azure. Update role assignment to allow access.`
 * (Azure/guard `authz/providers/azure/rbac`, AccessNotAllowedVerdict).
 */
import type { Cluster } from '../../clusters/registry.js';
import type { AppFacts, PodFacts } from '../facts.js';
import { finding, type Finding } from '../finding.js';
import type { Analyzer } from './helpers.js';
import { clusterBindingCommands, parseForbidden, type ForbiddenCall } from '../cluster-forbidden.js';

type Refusal = ForbiddenCall;

/** Reasons of every fact that is unknown because of a 403 (facts are plain data: walk them). */
function forbiddenReasons(value: unknown, out: string[], depth = 0): string[] {
  if (depth > 6 || value === null || typeof value !== 'object') return out;
  const fact = value as { status?: unknown; code?: unknown; reason?: unknown };
  if (fact.status === 'unknown' && fact.code === 'FORBIDDEN' && typeof fact.reason === 'string') {
    out.push(fact.reason);
    return out;
  }
  for (const child of Array.isArray(value) ? value : Object.values(value)) forbiddenReasons(child, out, depth + 1);
  return out;
}

function refusalsOf(reasons: readonly string[]): Refusal[] {
  const seen = new Map<string, Refusal>();
  for (const reason of reasons) {
    const refusal = parseForbidden(reason);
    if (refusal !== undefined) seen.set(JSON.stringify(refusal), refusal);
  }
  return [...seen.values()];
}

const describe = (r: Refusal): string =>
  `${r.verb} ${r.resource}${r.apiGroup === '' ? '' : ` (${r.apiGroup})`} ${r.namespace === undefined ? 'at the cluster scope' : `in namespace ${r.namespace}`}`;

/** One finding per refused identity, from the reasons of facts the API server would not let kvcsi read. */
export function clusterAccessFindings(reasons: readonly string[], cluster?: Cluster): Finding[] {
  const byUser = new Map<string, Refusal[]>();
  for (const refusal of refusalsOf(reasons)) byUser.set(refusal.user, [...(byUser.get(refusal.user) ?? []), refusal]);
  return [...byUser.entries()].map(([user, refusals]) => {
    const azureRbac = refusals.some((r) => r.azureRbac);
    const where = cluster === undefined ? 'the cluster' : `cluster ${cluster.name}`;
    return finding({
      id: 'K18',
      severity: 'error',
      title: 'kvcsi may not read the cluster: the API server refused its identity',
      summary: `The API server of ${where} refused ${user}: ${refusals.map(describe).join('; ')}. The diagnosis cannot check what those reads would show.`,
      evidence: refusals.map((r) => `User "${r.user}" cannot ${describe(r)}${r.azureRbac ? ' (Azure RBAC for Kubernetes)' : ''}`),
      cause: azureRbac
        ? 'The cluster authorizes Entra ID callers with Azure RBAC for Kubernetes (or a ClusterRoleBinding), and kvcsi\'s identity holds neither for these reads. AKS RBAC Reader is not enough: it has no nodes, no CSIDriver and no SecretProviderClasses.'
        : 'Kubernetes RBAC binds no role with these reads to kvcsi\'s identity.',
      fix: { commands: clusterBindingCommands({ user, azureRbac }, cluster === undefined ? {} : { cluster }), docs: ['https://learn.microsoft.com/azure/aks/manage-azure-rbac', 'https://kubernetes.io/docs/reference/access-authn-authz/rbac/'] },
      confidence: 'confirmed',
    });
  });
}

export const analyzeClusterAccess: Analyzer = (facts: PodFacts): Finding[] => clusterAccessFindings(forbiddenReasons(facts, []), facts.cluster);

/** The same over an app's facts (its pods' facts and its SecretProviderClass list), for `diagnose <app>`. */
export function analyzeAppClusterAccess(facts: AppFacts): Finding[] {
  return clusterAccessFindings(forbiddenReasons(facts, []), facts.pods[0]?.cluster);
}
