/** KvcsiError → the @backstage/errors class whose name the backend's error handler maps to an HTTP status. */
import { ConflictError, InputError, NotAllowedError, NotFoundError, ServiceUnavailableError } from '@backstage/errors';
import { KvcsiError } from '@kvcsi/core';

export function toBackstageError(error: unknown): unknown {
  if (!KvcsiError.is(error)) return error;
  switch (error.code) {
    case 'INVALID_INPUT':
      return new InputError(error.message);
    case 'NOT_FOUND':
      return new NotFoundError(error.message);
    case 'ALREADY_EXISTS':
    case 'CONFLICT':
      return new ConflictError(error.message);
    case 'FORBIDDEN':
      return new NotAllowedError(error.message);
    // kvcsi's own credentials or an upstream failing: not the caller's fault, and worth a retry.
    case 'UNAUTHENTICATED':
    case 'THROTTLED':
    case 'UNAVAILABLE':
    case 'TIMEOUT':
    case 'ABORTED':
      return new ServiceUnavailableError(error.message);
    default:
      return new Error(error.message);
  }
}
