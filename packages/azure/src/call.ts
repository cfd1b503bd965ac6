import { withDeadline } from '@kvcsi/core';
import { toKvcsiError, type AzureCallContext } from './errors.js';
import { observe, type Observation } from './observe.js';

export interface CallBudget {
  /** The caller's signal. */
  signal?: AbortSignal | undefined;
  /** The whole call, SDK retries included. */
  timeoutInMs: number;
}

/**
 * Runs one adapter operation under the caller's signal and a time budget, and translates whatever fails. The SDKs
 * retry on their own (429 with Retry-After, 5xx, network); this adds no loop on top, only the deadline.
 */
export async function callAzure<T>(budget: CallBudget, context: AzureCallContext, run: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
  const observation: Observation = {};
  return withDeadline((signal) => observe(observation, () => run(signal)), {
    timeoutInMs: budget.timeoutInMs,
    signal: budget.signal,
    what: `${context.operation}${context.target === undefined ? '' : ` (${context.target})`}`,
    details: { operation: context.operation },
    translate: (error) => toKvcsiError(error, { ...context, ...(observation.serviceError === undefined ? {} : { serviceError: observation.serviceError }) }),
  });
}
