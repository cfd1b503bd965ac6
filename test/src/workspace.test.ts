import { KvcsiError } from '@kvcsi/core';

it('resolves workspace packages from sources', () => {
  expect(new KvcsiError('NOT_FOUND', 'x').code).toBe('NOT_FOUND');
});
