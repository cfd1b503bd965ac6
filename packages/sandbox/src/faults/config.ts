import { z } from 'zod';

const match = {
  /** Exact host (`kv-cafehyna-prd.vault.azure.net`) or a glob (`*.vault.azure.net`). */
  host: z.string().min(1),
  /** Only requests with this method (any when absent). */
  method: z.string().optional(),
  /** Only requests whose path starts with this (any when absent). */
  pathPrefix: z.string().optional(),
  /** Apply to this share of matching requests, 0..1 (seeded, so runs repeat). Default 1. */
  probability: z.number().min(0).max(1).optional(),
  /** Apply to the next N matching requests, then expire. Unlimited when absent. */
  times: z.number().int().positive().optional(),
};

export const faultRuleSchema = z.discriminatedUnion('kind', [
  /** Delay, then answer normally. */
  z.object({ kind: z.literal('latency'), fixedInMs: z.number().int().min(0), jitterInMs: z.number().int().min(0).optional(), ...match }).strict(),
  /** A 5xx answer (an error rate with `probability`). */
  z.object({ kind: z.literal('error'), status: z.number().int().min(500).max(599).default(503), retryAfterSeconds: z.number().int().min(0).optional(), ...match }).strict(),
  /** 429 with Retry-After (a storm with `times`, or unlimited). */
  z.object({ kind: z.literal('throttle'), retryAfterSeconds: z.number().int().min(0).default(1), ...match }).strict(),
  /** No answer: hang until the client gives up, or fail the connection after `afterInMs`. */
  z.object({ kind: z.literal('timeout'), afterInMs: z.number().int().min(0).optional(), ...match }).strict(),
  /** The host name does not resolve. */
  z.object({ kind: z.literal('dns'), ...match }).strict(),
  /** The host refuses connections (a cluster whose API server is down). */
  z.object({ kind: z.literal('down'), ...match }).strict(),
]);

export const faultConfigSchema = z
  .object({
    /** Seed of the generator behind `probability` and `jitterInMs`. */
    seed: z.number().int().optional(),
    rules: z.array(faultRuleSchema).default([]),
  })
  .strict();

export type FaultRule = z.input<typeof faultRuleSchema>;
export type ResolvedFaultRule = z.output<typeof faultRuleSchema>;
export type FaultConfig = z.input<typeof faultConfigSchema>;

export const vaultHost = (vaultName: string): string => `${vaultName}.vault.azure.net`;
export const clusterHost = (clusterName: string): string => `${clusterName}.sandbox.azmk8s.io`;
export const ENTRA_HOSTNAME = 'login.microsoftonline.com';
export const ARM_HOSTNAME = 'management.azure.com';
