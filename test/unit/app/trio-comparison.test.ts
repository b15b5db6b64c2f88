/**
 * The Compare view's note on a shipped trio: shown for exactly the three models whose cards carry
 * the same comparison (the shipped CIFAR-10 cards here, as published), never for another set.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import type { ModelInfo } from '../../../main/api/contract';
import { shippedModelInfo } from './shipped-model-info';
import { compareShipped, PHOTO_TRIO } from '../../../main/ml/shipped/comparison';
import { trioComparison } from '../../../renderer/src/lib/trio-comparison';

const shipped = shippedModelInfo;

test('the shipped CIFAR-10 trio shows its measured comparison; any other set of models shows none', () => {
  const [both, global, local] = ['dim-both', 'dim-global', 'dim-local'].map(shipped);
  const note = trioComparison([local!, both!, global!]);
  assert.ok(note, 'the three shipped CIFAR-10 models carry one comparison');
  assert.deepEqual(Object.keys(note.knn20).sort(), ['dim-both', 'dim-global', 'dim-local']);
  assert.equal(note.ordering, (both!.card.comparison as { ordering: string }).ordering);
  assert.match(note.ordering, /\(kNN@20 %, CIFAR-10 test\)$/);

  assert.equal(trioComparison([both!, global!]), null, 'two of the three');
  const photo = shipped('dim-photo-both');
  assert.equal(trioComparison([photo, global!, local!]), null, 'a model of another trio in place of one');
  const retrained: ModelInfo = { ...both!, card: { ...both!.card, comparison: compareShipped({ 'dim-both': 1, 'dim-global': 2, 'dim-local': 3 }) } };
  assert.equal(trioComparison([retrained, global!, local!]), null, 'cards whose comparisons disagree');
});

test('the photo trio is recognised from comparisons written for it', () => {
  const comparison = compareShipped({ 'dim-photo-both': 31, 'dim-photo-global': 30, 'dim-photo-local': 26 }, PHOTO_TRIO);
  const model = (name: string): ModelInfo => ({ id: `${name}-0`, name, dir: name, inputSize: 64, dim: 512, card: { comparison } });
  const note = trioComparison([PHOTO_TRIO.both, PHOTO_TRIO.global, PHOTO_TRIO.local].map(model));
  assert.equal(note?.ordering, 'dim-photo-both 31.0 > dim-photo-global 30.0 > dim-photo-local 26.0 (kNN@20 %, mini-ImageNet val)');
  assert.equal(note?.knn20['dim-photo-local'], 26);
  assert.equal(trioComparison([PHOTO_TRIO.both, PHOTO_TRIO.global, 'dim-both'].map(model)), null, 'a name the comparison does not measure');
});
