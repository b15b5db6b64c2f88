/**
 * What the model list says about a model, from its card alone: what it learned from, its
 * figures, collapse; which shipped model is the default; and the recipe a model is continued with.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultModelName, FALLBACK_MODEL } from '../../../main/ml/default-model';
import { codesCollapsed, codeSpreadOf, modelFigures, trainedOnOf } from '../../../main/ml/model-card';
import { nativeModelsDir } from '../../../main/ml/models';
import { DEFAULT_PHOTO_MODEL, photoRecipe } from '../../../main/ml/shipped/photo-recipes';
import { ADAPT_INITIAL_WEIGHT_SHARE, recipeOptions, recipeToContinue, trainingDefaults, withOverrides } from '../../../main/ml/dim/train-defaults';
import { codeSpread } from '../../../main/ml/eval/code-spread';

const shippedCard = async (name: string) => JSON.parse(await readFile(join(nativeModelsDir(), name, 'card.json'), 'utf8')) as Record<string, unknown>;

test('trainedOn: the card’s own word, CIFAR-10 for the shipped CIFAR cards, the library for app-trained models', async () => {
  assert.equal(trainedOnOf(await shippedCard('dim-both')), 'CIFAR-10');
  assert.equal(trainedOnOf({ trainedOn: 'mini-ImageNet', data: { folder: 'mini-ImageNet train' } }), 'mini-ImageNet');
  assert.equal(trainedOnOf({ trainedIn: 'dimsearch app', data: { folder: '/lib' } }), 'this library');
  assert.equal(trainedOnOf({ trainedOn: 'CIFAR-10, then this library', trainedIn: 'dimsearch app' }), 'CIFAR-10, then this library');
  assert.equal(trainedOnOf({ data: { folder: '/photos/x' } }), 'photos in /photos/x');
  assert.equal(trainedOnOf({}), 'unknown');
});

test('figures: kNN and precision of each labelled evaluation, edited copies, information, spread', async () => {
  const figures = modelFigures(await shippedCard('dim-both'));
  const labels = figures.map((f) => f.label);
  assert.ok(labels.includes('CIFAR-10 kNN@20') && labels.includes('CIFAR-10 precision@10'), labels.join());
  assert.equal(figures.find((f) => f.label === 'CIFAR-10 kNN@20')!.value, '61.1 %');
  const own = modelFigures({
    evaluationMiniImagenet: { dataset: 'mini-ImageNet', model: { knn20: 31.25, precisionAt10: 18 } },
    copies: { top1: 0.975, measuredOn: '32 held-out photos' },
    codeSpread: { medianCosine: 0.95, photos: 32, measuredOn: 'held-out photos' },
  });
  assert.deepEqual(own.map((f) => [f.label, f.value]), [
    ['mini-ImageNet kNN@20', '31.3 %'],
    ['mini-ImageNet precision@10', '18.0 %'],
    ['edited copies found first', '97.5 %'],
    ['unrelated photos, median score', '0.95'],
  ]);
  assert.match(own[3].detail, /^codes collapsed/);
});

test('collapse: a median cosine between unrelated photos above 0.9', () => {
  assert.equal(codesCollapsed({}), false, 'unknown is not flagged');
  assert.equal(codesCollapsed({ codeSpread: { medianCosine: 0.91 } }), true);
  assert.equal(codesCollapsed({ codeSpread: { medianCosine: 0.9 } }), false);
  assert.equal(codeSpreadOf({ codeSpread: { medianCosine: 'x' } }), null);
  // Measured from codes: identical codes collapse, orthogonal ones do not.
  const same = new Float32Array(8 * 4).map((_, i) => (i % 4) + 1);
  assert.equal(codeSpread(same, 8, 4).collapsed, true);
  const basis = new Float32Array(4 * 4);
  for (let i = 0; i < 4; i++) basis[i * 4 + i] = 1;
  const spread = codeSpread(basis, 4, 4);
  assert.deepEqual([spread.medianCosine, spread.pairs, spread.collapsed], [0, 6, false]);
  assert.throws(() => codeSpread(basis, 1, 4), /at least 2 photos/);
});

test('the default model: the photo model once published in native-models/, else dim-both', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'dimsearch-default-'));
  assert.equal(defaultModelName(dir), FALLBACK_MODEL);
  await mkdir(join(dir, DEFAULT_PHOTO_MODEL));
  assert.equal(defaultModelName(dir), FALLBACK_MODEL, 'a folder without a model is not published');
  await writeFile(join(dir, DEFAULT_PHOTO_MODEL, 'model.json'), '{}');
  assert.equal(defaultModelName(dir), DEFAULT_PHOTO_MODEL);
});

test('a model is continued with its own recipe, never the one-view JSD recipe', async () => {
  const cifar = recipeToContinue(await shippedCard('dim-both'), 32);
  assert.deepEqual([cifar.augmentation, cifar.estimator, cifar.inputSize, cifar.gamma, cifar.alpha, cifar.beta], ['pad-crop', 'infonce', 32, 0, 0.5, 1.5]);
  const photo = recipeToContinue({ augment: true, augmentation: 'photo', sourceSize: photoRecipe.sourceSize, estimator: 'infonce', objective: 'both', weights: { alpha: 0.5, beta: 1.5, gamma: 0 } }, 64);
  assert.deepEqual([photo.augmentation, photo.sourceSize, photo.inputSize], ['photo', photoRecipe.sourceSize, 64]);
  const oneView = recipeToContinue({ augment: false, estimator: 'jsd', objective: 'global', weights: { alpha: 1, beta: 0, gamma: 0.01 } }, 32);
  assert.deepEqual([oneView.augmentation, oneView.estimator, oneView.gamma, oneView.objective], [trainingDefaults.augmentation, trainingDefaults.estimator, trainingDefaults.gamma, 'global']);
  // The defaults themselves: two views with photo augmentation and InfoNCE.
  assert.deepEqual([trainingDefaults.augmentation, trainingDefaults.estimator], ['photo', 'infonce']);
  const options = recipeOptions(withOverrides(trainingDefaults, { epochs: 3, estimator: undefined }));
  assert.deepEqual([options.augment, options.augmentation, options.epochs, options.estimator], [true, 'photo', 3, 'infonce']);
  // A continued model keeps half its starting weights (weight-blend.ts); a new one has none to keep.
  assert.equal(recipeOptions(photo).initialWeightShare, ADAPT_INITIAL_WEIGHT_SHARE);
  assert.equal(ADAPT_INITIAL_WEIGHT_SHARE, 0.5);
  assert.equal('initialWeightShare' in options, false);
  assert.equal('initialWeightShare' in recipeOptions(withOverrides(photo, { initialWeightShare: 0 })), false, 'share 0: the trained weights alone');
});
