/** Cluster tiers: policy and approvals are decided per tier. */
export const TIERS = ['dev', 'hub', 'prd'] as const;
export type Tier = (typeof TIERS)[number];
