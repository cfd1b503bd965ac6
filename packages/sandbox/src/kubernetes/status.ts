import { KvcsiError } from '@kvcsi/core';
import { RESOURCES, qualifiedResourceName } from './resources.js';
import type { ResourcePlural } from './resources.js';

/** A `metav1.Status` failure body exactly as the API server writes it. */
export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason: string;
  details?: { name?: string; group?: string; kind?: string; causes?: { reason: string; message: string; field?: string }[] };
  code: number;
}

export function statusBody(code: number, reason: string, message: string, details?: StatusBody['details']): StatusBody {
  return {
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason,
    ...(details === undefined ? {} : { details }), code,
  };
}

export const UNAUTHORIZED_STATUS = statusBody(401, 'Unauthorized', 'Unauthorized');

function resourceDetails(plural: ResourcePlural, name?: string): NonNullable<StatusBody['details']> {
  const { group } = RESOURCES[plural];
  return { ...(name === undefined ? {} : { name }), ...(group === '' ? {} : { group }), kind: plural };
}

export function notFoundStatus(plural: ResourcePlural, name: string): StatusBody {
  return statusBody(404, 'NotFound', `${qualifiedResourceName(RESOURCES[plural])} "${name}" not found`, resourceDetails(plural, name));
}

export const UNKNOWN_PATH_STATUS = statusBody(404, 'NotFound', 'the server could not find the requested resource', {});

/** `secrets "x" is forbidden: User "u" cannot get resource "secrets" in API group "" in the namespace "ns"`. */
export function forbiddenStatus(request: { user: string; verb: string; plural: ResourcePlural; subresource?: string; namespace?: string; name?: string }): StatusBody {
  const resource = RESOURCES[request.plural];
  const subject = request.name === undefined ? qualifiedResourceName(resource) : `${qualifiedResourceName(resource)} "${request.name}"`;
  const resourceText = request.subresource === undefined ? request.plural : `${request.plural}/${request.subresource}`;
  const where = request.namespace === undefined ? 'at the cluster scope' : `in the namespace "${request.namespace}"`;
  return statusBody(403, 'Forbidden',
    `${subject} is forbidden: User "${request.user}" cannot ${request.verb} resource "${resourceText}" in API group "${resource.group}" ${where}`,
    resourceDetails(request.plural, request.name));
}

/** Maps the store's errors onto the Status the API server would send. */
export function statusFromError(error: unknown, plural: ResourcePlural, name?: string): StatusBody {
  if (KvcsiError.is(error)) {
    const detailName = typeof error.details?.name === 'string' ? error.details.name : name;
    const details = resourceDetails(plural, detailName);
    switch (error.code) {
      case 'NOT_FOUND':
        return statusBody(404, 'NotFound', error.message, (error.details?.kind === 'namespaces') ? { name: String(error.details.name), kind: 'namespaces' } : details);
      case 'ALREADY_EXISTS':
        return statusBody(409, 'AlreadyExists', error.message, details);
      case 'CONFLICT':
        return error.details?.reason === 'Expired'
          ? statusBody(410, 'Expired', error.message)
          : statusBody(409, 'Conflict', error.message, details);
      case 'INVALID_INPUT':
        return statusBody(400, 'BadRequest', error.message);
      default:
        break;
    }
  }
  return statusBody(500, 'InternalError', 'Internal error occurred: the sandbox failed to handle the request');
}
