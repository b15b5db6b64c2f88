/** Score words come from a model's measured `copies`, else from the stated dim-both figures. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FALLBACK_COPIES, minimumChoices, scoreBands, scoreWord } from '../../../renderer/src/lib/similarity';
import { thresholdFromCard } from '../../../main/core/duplicates/threshold';

test('bands follow the card, with the fallback when it has no copies', () => {
  const card = { copies: { model: 'm', n: 500, top1: 0.9, top10: 0.97, copyScore: { p5: 0.9, p50: 0.97 }, otherScore: { p50: 0.2, p95: 0.5, p99: 0.7 }, measuredOn: 'photos' } };
  const bands = scoreBands({ name: 'm', card });
  // near-duplicate starts well above the unrelated tail (0.7 + 0.75 × 0.3), not at the copies' p5 alone.
  assert.deepEqual([bands.nearDuplicate, bands.verySimilar, bands.similar, bands.alike], [0.925, 0.7, 0.5, 0.2]);
  // The Duplicates view groups by likeness (codes and colour layouts), on its own scale: this card has no likeness figures.
  assert.equal(thresholdFromCard(card).source, 'the default: this model has no measurement of how alike unrelated photos score');
  assert.equal(scoreWord(0.95, bands), 'near-duplicate');
  assert.equal(scoreWord(0.75, bands), 'very similar');
  assert.equal(scoreWord(0.55, bands), 'similar');
  assert.equal(scoreWord(0.3, bands), 'loosely alike');
  assert.equal(scoreWord(0.1, bands), 'unrelated');
  const fallback = scoreBands({ name: 'x', card: {} });
  assert.equal(fallback.similar, FALLBACK_COPIES.otherScore.p95);
  assert.match(fallback.source, /dim-both/);
  assert.deepEqual(minimumChoices(bands).map((c) => c.value), [0, 0.2, 0.5, 0.7, 0.925]);
});
