import { Observable, type ConfigurationOptions, type ObservableMiddleware } from '@kubernetes/client-node';
import { KvcsiError } from '@kvcsi/core';
import { toKvcsiError, type KubeCallContext } from './errors.js';

/**
 * Per-request options for a generated client-node API: a middleware that hands the request our AbortSignal (node-fetch
 * honours it). The object-parameter APIs call the Observable flavour underneath, so the middleware answers Observables.
 */
function withSignal(signal: AbortSignal): ConfigurationOptions {
  const middleware: ObservableMiddleware = {
    pre: (context) => {
      context.setSignal(signal);
      return new Observable(Promise.resolve(context));
    },
    post: (context) => new Observable(Promise.resolve(context)),
  };
  return { middleware: [middleware], middlewareMergeStrategy: 'append' };
}

/**
 * Runs one API call under the caller's signal and the time budget, and translates what fails. client-node has no
 * retries of its own and we add none: a diagnosis reports what it could not read rather than waiting.
 */
export async function callKube<T>(
  budget: { signal?: AbortSignal | undefined; timeoutInMs: number },
  context: KubeCallContext,
  run: (options: ConfigurationOptions) => Promise<T>,
): Promise<T> {
  const { signal } = budget;
  const details = { operation: context.operation, cluster: context.cluster };
  if (signal?.aborted) throw new KvcsiError('ABORTED', `${context.operation} on cluster ${context.cluster}: aborted before it started`, { details });
  const timeout = AbortSignal.timeout(budget.timeoutInMs);
  const combined = signal === undefined ? timeout : AbortSignal.any([signal, timeout]);
  let onAbort: (() => void) | undefined;
  // Also race the signal: a request stuck before node-fetch sees it must not hold the caller.
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
    combined.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([run(withSignal(combined)), aborted]);
  } catch (error) {
    if (signal?.aborted) throw new KvcsiError('ABORTED', `${context.operation} on cluster ${context.cluster}: aborted by the caller`, { details });
    if (timeout.aborted) {
      throw new KvcsiError('TIMEOUT', `${context.operation} on cluster ${context.cluster}: no answer within ${budget.timeoutInMs} ms`, { details: { ...details, timeoutInMs: budget.timeoutInMs } });
    }
    throw toKvcsiError(error, context);
  } finally {
    if (onAbort !== undefined) combined.removeEventListener('abort', onAbort);
  }
}
