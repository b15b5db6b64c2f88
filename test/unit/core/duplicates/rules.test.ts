/** The keep rule, the threshold's bounds and default, and union-find. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareForKeeping, keepReason, pickKeep } from '../../../../main/core/duplicates/keep-rule';
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

test('keep: the reason names the rule that decided against the closest runner-up', () => {
  const photo = (path: string, width: number, bytes: number, mtime: number) => ({ path, width, height: width, bytes, mtime });
  const big = photo('/a/big.jpg', 400, 50_000, 3);
  const small = photo('/a/small.jpg', 200, 90_000, 1);
  assert.equal(keepReason(big, [big, small]), 'most pixels');
  const heavier = photo('/a/heavier.jpg', 400, 60_000, 5);
  assert.equal(keepReason(heavier, [big, heavier, small]), 'largest file', 'same pixels as the runner-up: the file size decides');
  const older = photo('/a/older.jpg', 400, 60_000, 2);
  assert.equal(keepReason(older, [heavier, older]), 'oldest');
  const twin = photo('/a/twin.jpg', 400, 60_000, 2);
  assert.equal(keepReason(older, [older, twin]), 'first by name');
  // A photo the rule would not keep was the user's choice.
  for (const keep of [small, heavier, twin]) assert.equal(keepReason(keep, [big, older, small, heavier, twin]), 'your pick', keep.path);
  assert.equal(keepReason(big, [big]), 'the only one');
  // The reason agrees with the rule: the photo pickKeep chooses never reads as the user's pick.
  const group = [big, small, heavier, older, twin];
  assert.notEqual(keepReason(pickKeep(group), group), 'your pick');
});

test('threshold: only numbers in (0, 1] are accepted', () => {
  assert.equal(checkThreshold(1), 1);
  assert.equal(checkThreshold(0.0001), 0.0001);
  for (const bad of [0, -0.5, 1.0001, Number.NaN, Number.POSITIVE_INFINITY, '0.9', null]) {
    assert.throws(() => checkThreshold(bad), ThresholdError, String(bad));
  }
});

test('threshold from the card: a fifth of the way from the unrelated photos\' 1-in-10,000 likeness to 1; default without that measurement', () => {
  assert.equal(thresholdFromCard({}).threshold, DEFAULT_DUPLICATE_THRESHOLD);
  const cosineOnly = { copies: { copyScore: { p5: 0.77, p50: 0.91 }, otherScore: { p50: 0, p95: 0.39, p99: 0.56 } } };
  assert.equal(thresholdFromCard(cosineOnly).threshold, DEFAULT_DUPLICATE_THRESHOLD, 'a card measured before the likeness has no tail to go by');
  const likeness = { copy: { p5: 0.7337, p50: 0.8834 }, other: { p99: 0.4759, p999: 0.6161, p9999: 0.7161 } };
  const measured = { copies: { ...cosineOnly.copies, likeness } };
  assert.equal(thresholdFromCard(measured).threshold, 0.773); // 0.7161 + 0.2 · 0.2839
  assert.match(thresholdFromCard(measured).source, /only 1 in 10,000 pairs of unrelated photos score above 0\.716$/, 'rounded as the slider shows the threshold');
  const unrounded = { copies: { ...cosineOnly.copies, likeness: { ...likeness, other: { ...likeness.other, p9999: 0.7799449401259007 } } } };
  assert.match(thresholdFromCard(unrounded).source, /score above 0\.780$/);
  const high = { copies: { ...cosineOnly.copies, likeness: { ...likeness, other: { p99: 0.99, p999: 0.999, p9999: 1 } } } };
  assert.equal(thresholdFromCard(high).threshold, 0.999, 'never above 0.999: identical codes still group');
  const malformed = { copies: { ...cosineOnly.copies, likeness: { copy: { p5: 'x' }, other: {} } } };
  assert.equal(thresholdFromCard(malformed).threshold, DEFAULT_DUPLICATE_THRESHOLD, 'a malformed measurement is ignored');
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
