import type { Signal } from '../signals.js';
import { evidenceOf } from './helpers.js';

const signal = (origin: Signal['origin'], objectName: string, excerpt: string): Signal => ({
  id: 'D2',
  family: 'D',
  title: '403',
  specificity: 3,
  generic: false,
  fields: { objectName, vault: 'kv-a', status: 403, innerCode: 'ForbiddenByRbac' },
  span: { start: 0, end: 1 },
  line: 1,
  excerpt,
  origin,
});

describe('evidenceOf', () => {
  it('quotes one error once and names the other places it was seen', () => {
    const evidence = evidenceOf([
      signal({ kind: 'event', type: 'Warning', reason: 'FailedMount', count: 4 }, 'db', 'event text'),
      signal({ kind: 'log', component: 'provider', pod: 'provider-1' } as Signal['origin'], 'db', 'provider text'),
      signal({ kind: 'log', component: 'driver', pod: 'driver-1' } as Signal['origin'], 'db', 'driver text'),
      signal({ kind: 'log', component: 'provider', pod: 'provider-1' } as Signal['origin'], 'other', 'other object'),
    ]);
    expect(evidence).toEqual([
      'event Warning FailedMount (x4) (the same error in provider log (provider-1), driver log (driver-1)): event text',
      'provider log (provider-1): other object',
    ]);
  });
});
