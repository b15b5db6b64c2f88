/** The keep rule, the threshold's bounds and default, and union-find. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareForKeeping, pickKeep } from '../../../../main/core/duplicates/keep-rule';
import { checkThreshold, DEFAULT_DUPLICATE_THRESHOLD, thresholdFromCard, ThresholdError } from '../../../../main/core/duplicates/threshold';
import { UnionFind } from '../../../../main/core/duplicates/union-find';

const photo = (path: string, width: number, height: number, bytes: number, mtime: number) => ({ path, width, height, bytes, mtime });

test('keep: the most pixels first, then the larger file, then the oldest, then the path', () => {
  const big = photo('/b.jpg', 4000, 3000, 1000, 50);
  const small = photo('/a.jpg', 2000, 1500, 9000, 10);
  assert.equal(pickKeep([small, big]), big, 'pixels beat file size and age');
  const heavier = photo('/c.jpg', 4000, 3000, 2000, 60);
  assert.equal(pickKeep([big, heavier]), heavier, 'same pixels: the larger file');
  const older = photo('/d.jpg', 4000, 3000, 2000, 5);
  assert.equal(pickKeep([heavier, older]), older, 'same pixels and bytes: the oldest');
  const twin = photo('/a-twin.jpg', 4000, 3000, 2000, 5);
  assert.equal(pickKeep([older, twin]), twin, 'all equal: the first path');
  assert.equal(pickKeep([twin, older]), twin, 'whatever the order');
  const unknownSize = { path: '/u.jpg', width: null, height: null, bytes: 10 ** 9, mtime: 0 };
  assert.ok(compareForKeeping(small, unknownSize) < 0, 'a photo of unknown size comes last');
  assert.throws(() => pickKeep([]), /no photos/);
});

test('threshold: only numbers in (0, 1] are accepted', () => {
  assert.equal(checkThreshold(1), 1);
  assert.equal(checkThreshold(0.0001), 0.0001);
  for (const bad of [0, -0.5, 1.0001, Number.NaN, Number.POSITIVE_INFINITY, '0.9', null]) {
    assert.throws(() => checkThreshold(bad), ThresholdError, String(bad));
  }
});

test('threshold from the card: three quarters from unrelated p99 to 1, or the p99–copies p5 midpoint if higher; default without a card', () => {
  assert.deepEqual(thresholdFromCard({}).threshold, DEFAULT_DUPLICATE_THRESHOLD);
  const measured = { copies: { copyScore: { p5: 0.4756, p50: 0.83 }, otherScore: { p50: 0, p95: 0.39, p99: 0.56 } } };
  assert.equal(thresholdFromCard(measured).threshold, 0.89); // 0.56 + 0.75 · 0.44
  const separated = { copies: { copyScore: { p5: 0.99, p50: 0.995 }, otherScore: { p50: 0.5, p95: 0.7, p99: 0.8 } } };
  assert.equal(thresholdFromCard(separated).threshold, 0.95); // 0.8 + 0.15 = 0.95 ≥ midpoint 0.895
  const high = { copies: { copyScore: { p5: 0.999, p50: 1 }, otherScore: { p50: 0.2, p95: 0.3, p99: 0.2 } } };
  assert.equal(thresholdFromCard(high).threshold, 0.8);
  const t = thresholdFromCard(measured).threshold;
  assert.ok(t > measured.copies.otherScore.p99 && t <= 1);
  assert.equal(thresholdFromCard({ copies: { copyScore: { p5: 'x' } } }).threshold, DEFAULT_DUPLICATE_THRESHOLD, 'a malformed measurement is ignored');
});

test('union-find joins chains into one set and leaves singletons out of sets(2)', () => {
  const sets = new UnionFind(7);
  sets.union(0, 1);
  sets.union(1, 2);
  sets.union(4, 5);
  const groups = sets.sets(2).map((g) => g.sort()).sort((a, b) => b.length - a.length);
  assert.deepEqual(groups, [[0, 1, 2], [4, 5]]);
  assert.equal(sets.find(2), sets.find(0));
  assert.notEqual(sets.find(3), sets.find(0));
});
