import { KvcsiError } from '../errors.js';
import type { Actor, KvcsiService, ServiceCallOptions } from './types.js';

export interface ReadableClusters {
  readable: string[];
  /** Each cluster the policy's read rules deny the reader, with the FORBIDDEN error (already audited by checkRead). */
  denied: { cluster: string; error: KvcsiError }[];
}

/**
 * Splits clusters by the policy's `read` rules for the reader, for callers that read them by other means (the
 * Backstage index, a watch): denials are kept per cluster, anything else (an unknown cluster) is thrown.
 */
export async function partitionReadable(service: Pick<KvcsiService, 'checkRead'>, clusters: readonly string[], options: ServiceCallOptions & { reader: Actor }): Promise<ReadableClusters> {
  const checked = await Promise.all(clusters.map(async (cluster) => {
    try {
      await service.checkRead({ ...options, cluster });
      return { cluster };
    } catch (error) {
      if (!(error instanceof KvcsiError) || error.code !== 'FORBIDDEN') throw error;
      return { cluster, error };
    }
  }));
  return {
    readable: checked.flatMap((entry) => (entry.error === undefined ? [entry.cluster] : [])),
    denied: checked.flatMap((entry) => (entry.error === undefined ? [] : [{ cluster: entry.cluster, error: entry.error }])),
  };
}
