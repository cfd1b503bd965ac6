import { KvcsiError } from '@kvcsi/core';
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
 * retry on their own (429 with Retry-After, 5xx, network); this adds no loop on top, only the deadline. The call is
 * also raced against the signal, so a credential that ignores `abortSignal` cannot hold us past the deadline.
 */
export async function callAzure<T>(budget: CallBudget, context: AzureCallContext, run: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
  const { signal } = budget;
  if (signal?.aborted) throw new KvcsiError('ABORTED', `${context.operation}: aborted before it started`, { details: { operation: context.operation } });
  const timeout = AbortSignal.timeout(budget.timeoutInMs);
  const combined = signal === undefined ? timeout : AbortSignal.any([signal, timeout]);
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
    combined.addEventListener('abort', onAbort, { once: true });
  });
  const observation: Observation = {};
  try {
    return await Promise.race([observe(observation, () => run(combined)), aborted]);
  } catch (error) {
    if (signal?.aborted) throw new KvcsiError('ABORTED', `${context.operation}: aborted by the caller`, { details: { operation: context.operation } });
    if (timeout.aborted) {
      throw new KvcsiError('TIMEOUT', `${context.operation}${context.target === undefined ? '' : ` (${context.target})`}: no answer within ${budget.timeoutInMs} ms`, {
        details: { operation: context.operation, timeoutInMs: budget.timeoutInMs },
      });
    }
    throw toKvcsiError(error, { ...context, ...(observation.serviceError === undefined ? {} : { serviceError: observation.serviceError }) });
  } finally {
    if (onAbort !== undefined) combined.removeEventListener('abort', onAbort);
    aborted.catch(() => undefined);
  }
}
