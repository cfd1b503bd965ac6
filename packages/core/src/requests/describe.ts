import type { AccessRequest } from './model.js';

/** Why a request can no longer take the asked transition, naming who settled it: "already approved by slack:U1 at …". */
export function describeSettledRequest(request: AccessRequest): string {
  const by = request.decision ? ` by ${request.decision.by} at ${request.decision.at}` : '';
  switch (request.status) {
    case 'pending':
      return `request ${request.id} is pending approval`;
    case 'approved':
      return request.applyClaim
        ? `request ${request.id} was already approved${by} and is being applied by ${request.applyClaim.by} since ${request.applyClaim.at}`
        : `request ${request.id} was already approved${by}`;
    case 'rejected':
      return `request ${request.id} was already rejected${by}${request.decision?.reason ? `: ${request.decision.reason}` : ''}`;
    case 'expired':
      return `request ${request.id} expired at ${request.expiresAt} without a decision; submit a new request`;
    case 'applied':
      return `request ${request.id} was already approved${by} and applied at ${request.appliedAt ?? request.updatedAt}`;
    case 'failed':
      return `request ${request.id} was approved${by} but failed to apply (${request.failureReason ?? 'unknown reason'}); submit a new request`;
  }
}
