import { finding } from './finding.js';
import { groupByCause, rankFindings } from './rank.js';

const base = { title: 't', summary: 's', cause: 'c' };

describe('rankFindings', () => {
  it('puts errors before warnings, causes before symptoms (even warnings), confirmed before likely; folds the symptom under the first cause', () => {
    const ranked = rankFindings([
      finding({ ...base, id: 'W', severity: 'warning' }),
      finding({ ...base, id: 'A6', severity: 'error', generic: true, confidence: 'confirmed' }),
      finding({ ...base, id: 'D7', severity: 'error', confidence: 'likely' }),
      finding({ ...base, id: 'D2', severity: 'error', confidence: 'confirmed' }),
    ]);
    expect(ranked.map((f) => [f.id, f.causedBy])).toEqual([['D2', undefined], ['A6', 'D2'], ['D7', undefined], ['W', undefined]]);
    expect(groupByCause(ranked).map((group) => [group.cause.id, group.consequences.map((c) => c.id)])).toEqual([['D2', ['A6']], ['D7', []], ['W', []]]);
  });

  it('a specific warning still outranks a generic error, which becomes its consequence', () => {
    const ranked = rankFindings([finding({ ...base, id: 'A6', severity: 'error', generic: true }), finding({ ...base, id: 'D11', severity: 'warning' })]);
    expect(ranked.map((f) => [f.id, f.causedBy])).toEqual([['D11', undefined], ['A6', 'D11']]);
  });

  it('what an event reports now beats what the facts predict', () => {
    const ranked = rankFindings([
      finding({ ...base, id: 'D2', severity: 'error', confidence: 'confirmed' }),
      finding({ ...base, id: 'C4.2', severity: 'error', confidence: 'likely', observed: true }),
    ]);
    expect(ranked.map((f) => f.id)).toEqual(['C4.2', 'D2']);
  });

  it('fresher evidence first among equals, then more occurrences', () => {
    const ranked = rankFindings([
      finding({ ...base, id: 'A1', severity: 'error', observed: true, ageInSeconds: 1800, occurrences: 1 }),
      finding({ ...base, id: 'D7', severity: 'error', observed: true, ageInSeconds: 60, occurrences: 1 }),
      finding({ ...base, id: 'D1', severity: 'error', observed: true, ageInSeconds: 90, occurrences: 7 }),
    ]);
    expect(ranked.map((f) => f.id)).toEqual(['D1', 'D7', 'A1']);
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
