import type { PolicyConfigInput } from '@kvcsi/core';

/** The sandbox policy with Backstage principals: the static token's service and two guest-like users may request; prd needs an approver. */
export const SANDBOX_DEV_POLICY: PolicyConfigInput = {
  groups: {
    'approvers-prd': ['backstage:user:default/approver', 'aad:approver@cafehyna.com.br'],
    requesters: ['backstage:service:external/kvcsi-dev', 'backstage:user:default/requester', 'backstage:user:development/guest', 'aad:requester@cafehyna.com.br'],
  },
  rules: [{ principals: ['group:requesters', 'group:approvers-prd'], actions: ['secret-request', 'secret-create', 'grant', 'revoke'] }],
  approvals: { prd: { required: true, group: 'approvers-prd' } },
};
