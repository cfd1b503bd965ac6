import { explain } from '@kvcsi/core';
import { familyOf, loadCorpus } from './corpus/corpus';

// Accuracy of `explain` on real-world texts (test/src/corpus): the first finding must be in the family the thread
// resolved the failure to, for at least 95 % of the excerpts; healthy excerpts must produce no error at all.
const corpus = loadCorpus();
const failures = corpus.filter((entry) => !entry.healthy);
const healthy = corpus.filter((entry) => entry.healthy);

describe('the real-world corpus', () => {
  it('holds at least 60 sourced failure excerpts and some healthy ones, each with a cause', () => {
    expect(failures.length).toBeGreaterThanOrEqual(60);
    expect(healthy.length).toBeGreaterThanOrEqual(8);
    expect(new Set(corpus.map((entry) => entry.id)).size).toBe(corpus.length);
    for (const entry of corpus) {
      expect(entry.source).toMatch(/^https:\/\/\S+$/);
      expect(entry.cause.length).toBeGreaterThan(10);
      expect(entry.text.trim().length).toBeGreaterThan(0);
      if (!entry.healthy) expect(entry.family).toMatch(/^[A-GK]$/);
    }
  });

  it('puts the first finding in the right family for at least 95 % of the failures', () => {
    const misses = failures
      .map((entry) => ({ entry, first: explain(entry.text).findings[0] }))
      .filter(({ entry, first }) => !first || familyOf(first.id) !== entry.family)
      .map(({ entry, first }) => `${entry.file}#${entry.id}: expected ${entry.family}, got ${first ? `${first.id} ${first.title}` : 'nothing'}`);
    const accuracy = (failures.length - misses.length) / failures.length;
    if (accuracy < 0.95) throw new Error(`accuracy ${(accuracy * 100).toFixed(1)} % (< 95 %); misses:\n${misses.join('\n')}`);
    expect(accuracy).toBeGreaterThanOrEqual(0.95);
  });

  it('names the exact finding where the corpus expects one, for at least 90 %', () => {
    const withExpect = failures.filter((entry) => entry.expect);
    const misses = withExpect
      .map((entry) => ({ entry, ids: explain(entry.text).findings.map((finding) => finding.id) }))
      .filter(({ entry, ids }) => ids[0] !== entry.expect)
      .map(({ entry, ids }) => `${entry.id}: expected ${entry.expect}, got ${ids.join(',') || 'nothing'}`);
    const rate = (withExpect.length - misses.length) / withExpect.length;
    if (rate < 0.9) throw new Error(`exact ${(rate * 100).toFixed(1)} % (< 90 %); misses:\n${misses.join('\n')}`);
    expect(rate).toBeGreaterThanOrEqual(0.9);
  });

  it('reports no error for any healthy excerpt', () => {
    const errors = healthy.flatMap((entry) => explain(entry.text).findings.filter((finding) => finding.severity === 'error').map((finding) => `${entry.id}: ${finding.id} ${finding.title}`));
    expect(errors).toEqual([]);
  });
});
