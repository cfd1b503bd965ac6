import { AsyncLocalStorage } from 'node:async_hooks';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';

/** What the pipeline saw during one adapter call, beyond what the SDK hands back. */
export interface Observation {
  /** `nextLink` of the last successful list response. */
  nextLink?: string | undefined;
  /** The error body of the last failed response: `{ error: { code, message, innererror: { code } } }`. */
  serviceError?: { code?: string; innerCode?: string; message?: string } | undefined;
}

const current = new AsyncLocalStorage<Observation>();

/** Runs `fn` with a fresh observation the pipeline policy below fills in. */
export function observe<T>(observation: Observation, fn: () => Promise<T>): Promise<T> {
  return current.run(observation, fn);
}

export function currentObservation(): Observation | undefined {
  return current.getStore();
}

const asString = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/**
 * keyvault-secrets 4.11 loses two things on the way out: it maps each page with `page.map(…)`, dropping the page's
 * `continuationToken`, and a failed page becomes a RestError without `details` (no inner code such as
 * ForbiddenByRbac). This per-call policy reads both from the response itself, for the call that is running
 * (AsyncLocalStorage, so concurrent calls do not mix). Response bodies of list and error answers hold no secret value.
 */
export const observingPolicy: PipelinePolicy = {
  name: 'kvcsiObserve',
  async sendRequest(request, next) {
    const response = await next(request);
    const observation = current.getStore();
    if (observation === undefined || !response.bodyAsText || (request.method !== 'GET' && response.status < 400)) return response;
    let body: Record<string, unknown> | undefined;
    try {
      body = JSON.parse(response.bodyAsText) as Record<string, unknown>;
    } catch {
      body = undefined;
    }
    if (response.status >= 400) {
      const error = body?.['error'] as { code?: unknown; message?: unknown; innererror?: { code?: unknown }; innerError?: { code?: unknown } } | undefined;
      const innerCode = asString(error?.innererror?.code ?? error?.innerError?.code);
      const code = asString(error?.code);
      const message = asString(error?.message);
      observation.serviceError = { ...(code === undefined ? {} : { code }), ...(innerCode === undefined ? {} : { innerCode }), ...(message === undefined ? {} : { message }) };
    } else if (body !== undefined && Array.isArray(body['value'])) {
      const nextLink = asString(body['nextLink']);
      observation.nextLink = nextLink === '' ? undefined : nextLink;
    }
    return response;
  },
};
