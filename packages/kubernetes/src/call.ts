import { Observable, type ConfigurationOptions, type ObservableMiddleware } from '@kubernetes/client-node';
import { withDeadline } from '@kvcsi/core';
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
  run: (options: ConfigurationOptions, signal: AbortSignal) => Promise<T>,
): Promise<T> {
  return withDeadline((signal) => run(withSignal(signal), signal), {
    timeoutInMs: budget.timeoutInMs,
    signal: budget.signal,
    what: `${context.operation} on cluster ${context.cluster}`,
    details: { operation: context.operation, cluster: context.cluster },
    translate: (error) => toKvcsiError(error, context),
  });
}
