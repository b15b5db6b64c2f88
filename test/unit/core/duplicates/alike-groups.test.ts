/**
 * Groups without chains: a borderline pair does not chain two groups that are unalike on average,
 * the mean kept by sums equals the mean over every pair, identical files join whatever, and two
 * single photos join on their own measured likeness.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AlikeGroups } from '../../../../main/core/duplicates/alike-groups';
import { UnionFind } from '../../../../main/core/duplicates/union-find';
import { groupDuplicates } from '../../../../main/core/duplicates/grouping';
import type { LayoutSource } from '../../../../main/core/duplicates/layouts';
import type { PhotoWithCode } from '../../../../main/core/index/store';
import { VectorIndex } from '../../../../main/core/index/vector-index';
import { LAYOUT_LENGTH, likeness } from '../../../../main/ml/eval/likeness';
import { rng } from '../../../fixtures/photos';

const unit = (values: number[]) => {
  const norm = Math.hypot(...values);
  return Float32Array.from(values, (v) => v / norm);
};
const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, v, d) => s + v * b[d]!, 0);

test('a borderline pair does not chain two unalike groups; union-find would have', () => {
  // Codes at 0°, 20°, 50° and 70°: two pairs of copies 20° apart, their inner photos 30° apart.
  const codes = [0, 20, 50, 70].map((deg) => unit([Math.cos((deg * Math.PI) / 180), Math.sin((deg * Math.PI) / 180)]));
  const sets = new AlikeGroups(4, { code: 2, layout: 0 }, (i) => codes[i]!, () => null);
  const pair = (i: number, j: number) => likeness(dot(codes[i]!, codes[j]!), null);
  const threshold = 0.65;
  const edges = [[0, 1], [2, 3], [1, 2]].map(([i, j]) => ({ i: i!, j: j!, score: pair(i!, j!) })).sort((a, b) => b.score - a.score);
  for (const { i, j } of edges) assert.ok(pair(i, j) >= threshold, `pair ${i},${j} is above the threshold (${pair(i, j).toFixed(3)})`);
  assert.ok(pair(0, 3) < threshold, 'the ends are unalike');
  const joined = edges.map(({ i, j, score }) => sets.joinIfAlike(i, j, score, threshold));
  assert.deepEqual(
    sets.sets(2).map((g) => g.sort()).sort((a, b) => a[0]! - b[0]!),
    [[0, 1], [2, 3]],
  );
  assert.equal(joined.filter((j) => !j).length, 1, 'only the borderline pair is declined');
  const chains = new UnionFind(4);
  for (const { i, j } of edges) chains.union(i, j);
  assert.equal(chains.sets(2).length, 1, 'union-find chains all four');
});

test('the mean likeness between groups, kept by sums, is the mean over every pair across them', () => {
  const random = rng(3);
  const n = 12;
  const codes = Array.from({ length: n }, () => unit(Array.from({ length: 8 }, () => random() + 0.5)));
  const layouts = Array.from({ length: n }, (_, i) => (i === 5 ? null : unit(Array.from({ length: 6 }, () => random() - 0.5))));
  const sets = new AlikeGroups(n, { code: 8, layout: 6 }, (i) => codes[i]!, (i) => layouts[i]!);
  for (const [i, j] of [[0, 1], [1, 2], [3, 4], [4, 5], [6, 7]]) sets.join(i!, j!);
  const A = [0, 1, 2];
  const B = [3, 4, 5];
  let total = 0;
  for (const a of A) for (const b of B) total += likeness(dot(codes[a]!, codes[b]!), layouts[a] && layouts[b] ? dot(layouts[a]!, layouts[b]!) : null);
  const mean = total / (A.length * B.length);
  // Just above and just below the exact mean: the decision flips exactly there.
  assert.equal(new AlikeGroups(n, { code: 8, layout: 6 }, (i) => codes[i]!, (i) => layouts[i]!).joinIfAlike(0, 1, 0, 0.5), false, 'two single photos join on the likeness given');
  assert.equal(sets.joinIfAlike(2, 4, 1, mean + 1e-9), false);
  assert.equal(sets.groupOf(2) === sets.groupOf(4), false);
  assert.equal(sets.joinIfAlike(2, 4, 1, mean - 1e-9), true);
  assert.equal(sets.groupOf(0), sets.groupOf(5));
  assert.deepEqual(sets.sets(2).map((g) => g.sort((a, b) => a - b)).sort((a, b) => b.length - a.length), [[0, 1, 2, 3, 4, 5], [6, 7]]);
  assert.equal(sets.joinIfAlike(0, 5, 0, 2), true, 'photos of one group are joined already');
});

test('identical files join whatever their likeness', () => {
  const codes = [unit([1, 0]), unit([0, 1]), unit([1, 0.01])];
  const sets = new AlikeGroups(3, { code: 2, layout: 0 }, (i) => codes[i]!, () => null);
  sets.join(0, 1);
  assert.equal(sets.groupOf(0), sets.groupOf(1));
  // Photo 2 is a copy of 0 but not of 1: on average the group is only half alike.
  assert.equal(sets.joinIfAlike(2, 0, likeness(dot(codes[2]!, codes[0]!), null), 0.7), false);
  assert.equal(sets.joinIfAlike(2, 0, likeness(dot(codes[2]!, codes[0]!), null), 0.35), true);
});

test('grouping: a group of byte-identical files keeps its colour layout when an edited copy asks to join', async () => {
  // A and A′ share their bytes (one hash); B is an edited copy of A: cosine 0.9, the same layout.
  const dim = 4;
  const index = VectorIndex.create(dim, undefined, 3);
  const a = unit([1, 0, 0, 0]);
  const b = unit([0.9, Math.sqrt(1 - 0.81), 0, 0]);
  index.add(Float32Array.from([...a, ...a, ...b]), 3);
  const row = (i: number, hash: string): PhotoWithCode => ({ id: i + 1, folderId: 1, path: `/photos/${i}.jpg`, size: 1000, mtimeMs: 0, hash, width: 10, height: 10, label: i });
  const rows = [row(0, 'same'), row(1, 'same'), row(2, 'edited')];
  const layout = unit(Array.from({ length: LAYOUT_LENGTH }, (_, k) => Math.sin(k)));
  const layouts: LayoutSource = async (photos) => photos.map(() => layout);
  // B's likeness to A (and A′) is 0.8 · 0.9 + 0.2 · 1 = 0.92; without the layouts the group would offer only 0.72.
  const { groups } = await groupDuplicates(rows, index, 0.85, layouts);
  assert.deepEqual(groups.map((g) => g.photos.map((p) => p.path).sort()), [['/photos/0.jpg', '/photos/1.jpg', '/photos/2.jpg']]);
});
