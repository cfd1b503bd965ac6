/**
 * Who fixed a problem the watcher saw resolve: the kvcsi request applied on its cluster while it was open (a grant
 * approved in Slack, say), else a change made outside kvcsi. Read from the requests, so every replica says the same.
 */
import type { AccessRequest } from '../requests/model.js';
import type { ResolvedBy } from './problems.js';
import type { FixQuery } from './watcher.js';

/** The requests to look in: the request store's `list`, or the service's `listRequests`. */
export type ListAppliedRequests = (query: { status: ('approved' | 'applied')[]; cluster: string }) => Promise<AccessRequest[]>;

/**
 * A request's change lands (the role exists, the pod mounts, the watcher sees the problem resolve) before the request
 * is recorded as applied: one approved or applied up to this long after the resolution still counts.
 */
const RECORDED_AFTER_THE_EFFECT_IN_MS = 30_000;

/** When a request took effect: applied, else (still applying) approved. */
const effectAt = (request: AccessRequest): number => Date.parse(request.appliedAt ?? request.decision?.at ?? request.updatedAt);

/**
 * Builds the watcher's `fixedBy`: among the requests applied (or approved and being applied) on the message's cluster
 * between its opening and its resolution (a revoke fixes nothing), the latest, preferring one aimed at the problem's
 * namespace or at the app the finding's fix names. None: "a change outside kvcsi".
 */
export function fixedByRequests(list: ListAppliedRequests): (query: FixQuery) => Promise<ResolvedBy> {
  return async (query) => {
    const applied = (await list({ status: ['approved', 'applied'], cluster: query.cluster })).filter((request) => {
      if (request.kind === 'revoke' || request.target.cluster !== query.cluster) return false;
      const at = effectAt(request);
      return at >= query.from && at <= query.to + RECORDED_AFTER_THE_EFFECT_IN_MS;
    });
    const app = query.finding.action?.params['app'];
    const secretName = query.finding.action?.kind === 'recover-secret' ? query.finding.action.params['name']?.toLowerCase() : undefined;
    const aimed = applied.filter((request) => request.target.namespace === query.namespace || (app !== undefined && request.target.app === app) || request.target.app === query.namespace
      || (secretName !== undefined && request.target.secretName?.toLowerCase() === secretName));
    const latest = (aimed.length > 0 ? aimed : applied).sort((a, b) => effectAt(b) - effectAt(a))[0];
    if (latest === undefined) return { kind: 'outside' };
    const approver = latest.decision !== undefined && latest.decision.by !== 'policy' ? latest.decision.by : undefined;
    return { kind: 'request', requestId: latest.id, requestKind: latest.kind, requester: latest.requester, ...(approver === undefined ? {} : { approver }) };
  };
}
