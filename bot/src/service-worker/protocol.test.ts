import { KvcsiError } from '@kvcsi/core';
import { SecretScrubber } from '../logger.js';
import { SERVICE_METHODS, fromWireError, secretValuesOf, toWireError } from './protocol.js';

describe('errors across the worker boundary', () => {
  it('a KvcsiError keeps its code, message, field, rule and details', () => {
    const error = new KvcsiError('NOT_FOUND', 'no request req-1', { field: 'requestId', rule: 'ids come from /kvcsi requests', details: { requestId: 'req-1' } });
    const rebuilt = fromWireError(structuredClone(toWireError(error)));
    expect(rebuilt).toBeInstanceOf(KvcsiError);
    expect(rebuilt.toJSON()).toEqual(error.toJSON());
    expect(rebuilt.details).toEqual({ requestId: 'req-1' });
  });

  it('anything else becomes INTERNAL with its class name only', () => {
    const wire = toWireError(new TypeError('cannot read x of hunter2-secret-value'));
    expect(wire).toEqual({ code: 'INTERNAL', message: 'unexpected TypeError in the kvcsi service' });
  });

  it('cuts the secret values of the call from message, field, rule and details', () => {
    const value = 'canary-0123456789';
    const scrubber = new SecretScrubber();
    scrubber.hold(value);
    const error = new KvcsiError('CONFLICT', `value ${value} exists`, { rule: `not ${value}`, field: value, details: { nested: [{ quoted: `"${value}"` }] } });
    const wire = toWireError(error, (text) => scrubber.scrub(text));
    expect(JSON.stringify(wire)).not.toContain(value);
    expect(wire.message).toBe('value [redacted] exists');
  });

  it('an unknown code arrives as INTERNAL', () => {
    expect(fromWireError({ code: 'NOPE' as never, message: 'x' }).code).toBe('INTERNAL');
  });
});

describe('the method list', () => {
  it('names every method of the service, and the secret-carrying calls expose their value', () => {
    expect(SERVICE_METHODS).toEqual(expect.arrayContaining(['diagnoseApp', 'createSecret', 'supplySecretValue', 'approve', 'audit']));
    expect(secretValuesOf('createSecret', [{ value: 's3cret-value' }])).toEqual(['s3cret-value']);
    expect(secretValuesOf('supplySecretValue', [{ value: 's3cret-value' }])).toEqual(['s3cret-value']);
    expect(secretValuesOf('grant', [{ value: 'not-a-secret' }])).toEqual([]);
  });
});
