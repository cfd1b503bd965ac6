/** Error texts for the tab: the backend's message when it sent one, and whether the caller was refused. */
import { ResponseError } from '@backstage/errors';

export function isDenied(error: Error): boolean {
  return error instanceof ResponseError ? error.statusCode === 403 || error.statusCode === 401 : error.name === 'NotAllowedError';
}

export function errorText(error: Error): string {
  if (error instanceof ResponseError) return `${error.cause.message} (${error.statusCode})`;
  return error.message;
}
