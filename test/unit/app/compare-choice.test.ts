/**
 * What the Compare view shows before the user picks: the search model, then the shipped trios'
 * models, three at most — so the default search model with its whole trio shows that trio and its note.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import type { ModelInfo } from '../../../main/api/contract';
import { compareShipped, PHOTO_TRIO } from '../../../main/ml/shipped/comparison';
import { defaultCompareChoice } from '../../../renderer/src/lib/compare-choice';
import { trioComparison } from '../../../renderer/src/lib/trio-comparison';

const model = (name: string, card: Record<string, unknown> = {}): ModelInfo => ({ id: `${name}-1`, name, dir: name, inputSize: 64, dim: 512, card });
const names = (ids: string[]) => ids.map((id) => id.replace(/-1$/, ''));

test('the search model first, then the photo trio, then the CIFAR-10 trio, three at most', () => {
  const list = ['dim-both', 'dim-global', 'dim-local', 'dim-photo-both', 'dim-photo-global', 'mine'].map((n) => model(n));
  assert.deepEqual(names(defaultCompareChoice(list, 'dim-photo-both-1')), ['dim-photo-both', 'dim-photo-global', 'dim-both']);
  assert.deepEqual(names(defaultCompareChoice(list, 'mine-1')), ['mine', 'dim-photo-both', 'dim-photo-global'], 'a trained search model leads');
  assert.deepEqual(names(defaultCompareChoice(list, null)), ['dim-photo-both', 'dim-photo-global', 'dim-both'], 'no search model yet');
  assert.deepEqual(names(defaultCompareChoice([model('a'), model('b')], 'gone')), ['a', 'b'], 'fewer than three: all of them');
});

test('with the whole photo trio shipped and its both searching, the trio and its measured note show by default', () => {
  const comparison = compareShipped({ 'dim-photo-both': 31, 'dim-photo-global': 29, 'dim-photo-local': 27 }, PHOTO_TRIO);
  const list = ['dim-both', 'dim-global', 'dim-local', PHOTO_TRIO.both, PHOTO_TRIO.global, PHOTO_TRIO.local].map((n) => model(n, n.startsWith('dim-photo') ? { comparison } : {}));
  const shown = defaultCompareChoice(list, `${PHOTO_TRIO.both}-1`);
  assert.deepEqual(names(shown), [PHOTO_TRIO.both, PHOTO_TRIO.global, PHOTO_TRIO.local]);
  const note = trioComparison(shown.map((id) => list.find((m) => m.id === id)!));
  assert.match(note?.ordering ?? '', /^dim-photo-both 31\.0 > dim-photo-global 29\.0 > dim-photo-local 27\.0/);
});
