import { finding } from './finding.js';
import { rankFindings } from './rank.js';

const base = { title: 't', summary: 's', cause: 'c' };

describe('rankFindings', () => {
  it('puts errors before warnings, causes before symptoms, confirmed before likely', () => {
    const ranked = rankFindings([
      finding({ ...base, id: 'W', severity: 'warning' }),
      finding({ ...base, id: 'A6', severity: 'error', generic: true, confidence: 'confirmed' }),
      finding({ ...base, id: 'D7', severity: 'error', confidence: 'likely' }),
      finding({ ...base, id: 'D2', severity: 'error', confidence: 'confirmed' }),
    ]);
    expect(ranked.map((f) => f.id)).toEqual(['D2', 'D7', 'A6', 'W']);
  });

  it('merges the same finding from two sources, keeping all evidence and the stronger severity', () => {
    const ranked = rankFindings([
      finding({ ...base, id: 'D1', severity: 'warning', evidence: ['from the event'] }),
      finding({ ...base, id: 'D1', severity: 'error', evidence: ['from the provider log'] }),
    ]);
    expect(ranked).toHaveLength(1);
    expect(ranked[0]).toMatchObject({ severity: 'error', evidence: ['from the event', 'from the provider log'] });
  });

  it('keeps analyzer order for equal scores', () => {
    const ranked = rankFindings(['B1', 'B2', 'B3'].map((id) => finding({ ...base, id, title: id, severity: 'error' })));
    expect(ranked.map((f) => f.id)).toEqual(['B1', 'B2', 'B3']);
  });
});
