import { KvcsiError } from '../errors.js';

/**
 * An instant as stored in audit and requests: RFC 3339 in UTC with milliseconds, so that string order is time order.
 * Accepts anything `Date` parses (`2025-03-01`, `2025-03-01T10:00:00+02:00`).
 */
export function toStoredInstant(value: string | Date, field = 'since'): string {
  const time = value instanceof Date ? value.getTime() : Date.parse(value);
  if (Number.isNaN(time)) throw new KvcsiError('INVALID_INPUT', `${field} must be a date or an RFC 3339 time`, { field });
  return new Date(time).toISOString();
}
