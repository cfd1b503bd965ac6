import { KvcsiError } from './errors.js';

describe('KvcsiError', () => {
  it('carries code, field and rule and serialises without stack', () => {
    const error = new KvcsiError('INVALID_INPUT', 'bad name', { field: 'name', rule: '1-127 characters' });
    expect(KvcsiError.is(error, 'INVALID_INPUT')).toBe(true);
    expect(KvcsiError.is(error, 'NOT_FOUND')).toBe(false);
    expect(error.toJSON()).toEqual({ code: 'INVALID_INPUT', message: 'bad name', field: 'name', rule: '1-127 characters' });
  });
});
