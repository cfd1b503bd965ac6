/** Cluster tiers: policy and approvals are decided per tier. */
export const TIERS = ['dev', 'hub', 'prd'] as const;
export type Tier = (typeof TIERS)[number];

/** Whether tier `a` is stricter than `b`: the order of TIERS (prd over hub over dev). */
export function isStricterTier(a: Tier, b: Tier): boolean {
  return TIERS.indexOf(a) > TIERS.indexOf(b);
}
