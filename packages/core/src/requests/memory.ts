import { KvcsiError } from '../errors.js';
import type { CallOptions } from '../ports.js';
import type { AccessRequest } from './model.js';
import type { ListRequestsOptions, RequestExpectation, RequestStore } from './ports.js';

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new KvcsiError('ABORTED', 'the request store operation was aborted');
}

/** Checks what every RequestStore must: the next version follows the expected one and the id does not change. */
export function assertValidTransition(expected: RequestExpectation, next: AccessRequest): void {
  if (next.id !== expected.id || next.version !== expected.version + 1) {
    throw new KvcsiError('INTERNAL', `a compare-and-set must keep the id and bump the version by one (${expected.id} v${expected.version})`);
  }
}

/** An in-memory RequestStore with the same compare-and-set semantics as @kvcsi/store, for tests and one-shot runs. */
export function createMemoryRequestStore(): RequestStore {
  const requests = new Map<string, AccessRequest>();
  return {
    async createRequest(request: AccessRequest, options: CallOptions = {}) {
      throwIfAborted(options.signal);
      if (requests.has(request.id)) throw new KvcsiError('ALREADY_EXISTS', `request ${request.id} exists already`);
      requests.set(request.id, structuredClone(request));
    },
    async getRequest(id: string, options: CallOptions = {}) {
      throwIfAborted(options.signal);
      const request = requests.get(id);
      return request && structuredClone(request);
    },
    async listRequests(options: ListRequestsOptions = {}) {
      throwIfAborted(options.signal);
      const statuses = options.status === undefined ? undefined : ([] as string[]).concat(options.status);
      return [...requests.values()]
        .filter((request) => (statuses === undefined || statuses.includes(request.status))
          && (options.kind === undefined || request.kind === options.kind)
          && (options.requester === undefined || request.requester === options.requester)
          && (options.app === undefined || request.target.app === options.app)
          && (options.cluster === undefined || request.target.cluster === options.cluster)
          && (options.expiresBefore === undefined || request.expiresAt <= options.expiresBefore))
        .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0))
        .slice(0, options.limit ?? 100)
        .map((request) => structuredClone(request));
    },
    async compareAndSetRequest(expected: RequestExpectation, next: AccessRequest, options: CallOptions = {}) {
      throwIfAborted(options.signal);
      assertValidTransition(expected, next);
      const current = requests.get(expected.id);
      if (!current || current.status !== expected.status || current.version !== expected.version) return false;
      requests.set(next.id, structuredClone(next));
      return true;
    },
  };
}
