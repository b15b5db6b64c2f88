/**
 * The model picker's order: the model in use first, then the models made for photos (shipped
 * photo encoders, anything trained on the library), then the CIFAR-10 research models, which are
 * folded away wherever a model for photos exists. Run on the shipped cards as published.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import type { ModelInfo } from '../../../main/api/contract';
import { shippedModelInfo } from './shipped-model-info';
import { groupModels, inPickerOrder, isComparisonModel } from '../../../renderer/src/lib/model-groups';

const shipped = shippedModelInfo;
const trainedHere = (name: string, from: string): ModelInfo => ({
  id: `${name}-1`,
  name,
  dir: '',
  inputSize: 64,
  dim: 256,
  card: { trained: true, trainedIn: 'dimsearch app', trainedOn: `${from}, then this library` },
});

test('the picker lists the model in use, then the photo models, then the CIFAR-10 research models', () => {
  const [both, global, local, photo] = ['dim-both', 'dim-global', 'dim-local', 'dim-photo-both'].map(shipped);
  const adapted = trainedHere('dim-photo-both-adapted', 'mini-ImageNet');
  const adaptedFromCifar = trainedHere('dim-both-adapted', 'CIFAR-10');
  const list = [both!, global!, local!, photo!, adapted, adaptedFromCifar];

  const groups = groupModels(list, photo!.id);
  assert.equal(groups.current, photo);
  assert.deepEqual(groups.forPhotos.map((m) => m.name), ['dim-photo-both-adapted', 'dim-both-adapted'], 'what was trained on the library is the user’s own');
  assert.deepEqual(groups.forComparison.map((m) => m.name), ['dim-both', 'dim-global', 'dim-local']);

  // A research model in use is still shown first, and leaves its group.
  const usingCifar = groupModels(list, both!.id);
  assert.equal(usingCifar.current, both);
  assert.deepEqual(usingCifar.forPhotos.map((m) => m.name), ['dim-photo-both', 'dim-photo-both-adapted', 'dim-both-adapted']);
  assert.deepEqual(usingCifar.forComparison.map((m) => m.name), ['dim-global', 'dim-local']);

  // Listed flat (the Compare view's chips), every model appears exactly once, in the picker's order.
  assert.deepEqual(inPickerOrder(groups).map((m) => m.name), ['dim-photo-both', 'dim-photo-both-adapted', 'dim-both-adapted', 'dim-both', 'dim-global', 'dim-local']);
  assert.deepEqual(inPickerOrder(usingCifar).map((m) => m.name), ['dim-both', 'dim-photo-both', 'dim-photo-both-adapted', 'dim-both-adapted', 'dim-global', 'dim-local']);
  assert.deepEqual(inPickerOrder(groupModels(list, 'gone')).map((m) => m.name), ['dim-photo-both', 'dim-photo-both-adapted', 'dim-both-adapted', 'dim-both', 'dim-global', 'dim-local']);
  assert.equal(groups.photoModelExists, true);
  assert.equal(usingCifar.photoModelExists, true);
  // Research models alone: nothing is folded away; a photo model in use alone still counts.
  assert.equal(groupModels([both!, global!, local!], both!.id).photoModelExists, false);
  assert.equal(groupModels([photo!, both!], photo!.id).photoModelExists, true);
  // A current id that is not listed puts nothing first.
  assert.equal(groupModels(list, 'gone').current, null);
});

test('untrained placeholders count as research models; every shipped photo model is for photos', () => {
  assert.equal(isComparisonModel({ ...trainedHere('random', 'x'), card: { trained: false } }), true);
  for (const name of ['dim-photo-both', 'dim-photo-global']) assert.equal(isComparisonModel(shipped(name)), false, name);
  for (const name of ['dim-both', 'dim-global', 'dim-local']) assert.equal(isComparisonModel(shipped(name)), true, name);
});
