import { assertValidTransition, KvcsiError, type AccessRequest, type ListRequestsOptions, type RequestExpectation, type RequestStore } from '@kvcsi/core';
import type { Knex } from 'knex';
import { isUniqueViolation, runStoreOperation } from './errors.js';
import { REQUESTS_TABLE } from './tables.js';

interface RequestRow {
  id: string;
  kind: string;
  status: string;
  version: number;
  requester: string;
  app: string | null;
  cluster: string;
  tier: string;
  created_at: string;
  updated_at: string;
  expires_at: string;
  document: string;
}

/** The columns kept beside the JSON document, for queries and for the compare-and-set. */
function toRow(request: AccessRequest): RequestRow {
  return {
    id: request.id,
    kind: request.kind,
    status: request.status,
    version: request.version,
    requester: request.requester,
    app: request.target.app ?? null,
    cluster: request.target.cluster,
    tier: request.target.tier,
    created_at: request.createdAt,
    updated_at: request.updatedAt,
    expires_at: request.expiresAt,
    document: JSON.stringify(request),
  };
}

function fromRow(row: Pick<RequestRow, 'document'>): AccessRequest {
  return JSON.parse(row.document) as AccessRequest;
}

export function createKnexRequestStore(knex: Knex): RequestStore {
  const run = runStoreOperation;
  return {
    createRequest: (request, options = {}) => run('create request', options, async () => {
      try {
        await knex(REQUESTS_TABLE).insert(toRow(request));
      } catch (error) {
        if (isUniqueViolation(error)) throw new KvcsiError('ALREADY_EXISTS', `request ${request.id} exists already`, { cause: error });
        throw error;
      }
    }),

    getRequest: (id, options = {}) => run('get request', options, async () => {
      const row = await knex(REQUESTS_TABLE).select('document').where({ id }).first<Pick<RequestRow, 'document'> | undefined>();
      return row ? fromRow(row) : undefined;
    }),

    listRequests: (options: ListRequestsOptions = {}) => run('list requests', options, async () => {
      const query = knex(REQUESTS_TABLE).select('document');
      if (options.status !== undefined) query.whereIn('status', ([] as string[]).concat(options.status));
      if (options.kind !== undefined) query.where('kind', options.kind);
      if (options.requester !== undefined) query.where('requester', options.requester);
      if (options.app !== undefined) query.where('app', options.app);
      if (options.cluster !== undefined) query.where('cluster', options.cluster);
      if (options.expiresBefore !== undefined) query.where('expires_at', '<=', options.expiresBefore);
      const rows: Pick<RequestRow, 'document'>[] = await query.orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(options.limit ?? 100);
      return rows.map(fromRow);
    }),

    compareAndSetRequest: (expected: RequestExpectation, next: AccessRequest, options = {}) => run('update request', options, async () => {
      assertValidTransition(expected, next);
      const { id: _id, ...changes } = toRow(next);
      // The compare-and-set: exactly one writer can move a row away from (status, version).
      const affected = await knex(REQUESTS_TABLE)
        .where({ id: expected.id, status: expected.status, version: expected.version })
        .update(changes);
      return affected === 1;
    }),
  };
}
