import type { CallOptions } from '../ports.js';
import type { AccessRequest, RequestKind, RequestStatus } from './model.js';

export interface ListRequestsOptions extends CallOptions {
  status?: RequestStatus | readonly RequestStatus[];
  kind?: RequestKind;
  requester?: string;
  app?: string;
  cluster?: string;
  /** Only requests whose `expiresAt` is at or before this RFC 3339 instant. */
  expiresBefore?: string;
  /** Newest first; default 100. */
  limit?: number;
}

/** What the store must guarantee for a transition. */
export interface RequestExpectation {
  id: string;
  status: RequestStatus;
  version: number;
}

/**
 * Where requests live. Every change after creation is a compare-and-set: it succeeds only when the stored request still
 * has the expected status and version, so of two concurrent transitions exactly one wins.
 */
export interface RequestStore {
  /** Throws KvcsiError ALREADY_EXISTS when the id is taken. */
  createRequest(request: AccessRequest, options?: CallOptions): Promise<void>;
  getRequest(id: string, options?: CallOptions): Promise<AccessRequest | undefined>;
  listRequests(options?: ListRequestsOptions): Promise<AccessRequest[]>;
  /**
   * Replaces the request with `next` if and only if it still matches `expected`; `next.version` must be
   * `expected.version + 1`. Returns false when another writer got there first.
   */
  compareAndSetRequest(expected: RequestExpectation, next: AccessRequest, options?: CallOptions): Promise<boolean>;
}
