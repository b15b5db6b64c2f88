/**
 * Every shipped encoder loads with its card, and re-measuring it on the card's fixed subset (CIFAR-10
 * for the CIFAR trio, mini-ImageNet for the photo encoders) gives the card's figures within the
 * card's stated tolerance.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'node:test';
import { decodeModelPixels } from '../../../main/core/imaging/decode';
import { evaluateEncoder } from '../../../main/ml/eval/harness';
import { PixelsEncoder } from '../../../main/ml/eval/pixels';
import { defaultCifar10Tarball, ensureCifar10 } from '../../../main/ml/eval/cifar10';
import { measureInformation, samplePhotos } from '../../../main/ml/information';
import { scanFolder } from '../../../main/core/imaging/scan';
import { listModels, loadDimEncoder, loadEncoder, nativeModelsDir } from '../../../main/ml/models';
import { shippedRecipes } from '../../../main/ml/shipped/recipes';
import { photoRecipes } from '../../../main/ml/shipped/photo-recipes';
import { CIFAR_TRIO, compareShipped, PHOTO_TRIO } from '../../../main/ml/shipped/comparison';
import { defaultMiniImagenetTarball, ensureMiniImagenet } from '../../../main/ml/eval/mini-imagenet';
import { DimEncoder, encoderOptions } from '../../../main/ml/dim/encoder';

interface Figures {
  knn1: number;
  knn20: number;
  knn200: number;
  precisionAt10: number;
}

async function shippedNames(): Promise<string[]> {
  const entries = await readdir(nativeModelsDir(), { withFileTypes: true });
  return entries.filter((e) => e.isDirectory() && existsSync(join(nativeModelsDir(), e.name, 'model.json'))).map((e) => e.name).sort();
}

test('the loader reads every shipped model and its card', async () => {
  const names = await shippedNames();
  assert.ok(names.includes('dim-both'), 'dim-both (the default encoder) is shipped');
  const listed = new Map((await listModels()).map((m) => [m.name, m]));
  for (const name of names) {
    const photo = photoRecipes.some((r) => r.name === name);
    assert.ok(photo || shippedRecipes.some((r) => r.name === name), `${name} has a recipe (npm run train:shipped -- ${name})`);
    const card = JSON.parse(await readFile(join(nativeModelsDir(), name, 'card.json'), 'utf8'));
    const info = listed.get(name);
    assert.ok(info, `${name} is listed`);
    assert.equal(card.id, info.id, `${name}: the card's id matches its weights`);
    assert.equal(card.inputSize, photo ? 64 : 32);
    if (photo) {
      assert.equal(card.trainedOn, 'mini-ImageNet');
      assert.match(String(card.terms), /non-commercial/, `${name}: the card carries ImageNet's terms`);
      assert.ok(card.epochs >= 1 && card.copies && card.information && card.codeSpread, `${name}: epochs, copy score, information and code spread on the card`);
    }
    assert.match(String(card.preprocessing), /centre square area-averaged/, `${name}: the card says how a large photo is brought to the input size`);
    assert.ok(card.trainingSeconds > 0 && card.backend, `${name}: training time and backend on the card`);
    // How it searches is on the card: the CIFAR trio by z_mean, photo models by the joined code; both at the side they learned at.
    assert.equal(card.searchCode ?? 'global', photo ? 'global+2local' : 'global', `${name}: search code`);
    assert.equal(card.searchInputSize ?? card.inputSize, card.inputSize, `${name}: search input size`);
    assert.equal(card.searchCode, info.searchCode === 'global' ? undefined : info.searchCode, `${name}: the card's search code is model.json's`);
    const encoder = await loadEncoder(name);
    try {
      assert.equal(encoder.dim, photo ? card.zDim + card.architecture.blockWidths.at(-1) : card.zDim);
      assert.equal(encoder.inputSize, info.searchInputSize);
      assert.equal(encoder.trainingInputSize, card.inputSize);
      const codes = await encoder.encode(new Float32Array(2 * encoder.inputSize * encoder.inputSize * 3).fill(0.1), 2);
      assert.equal(codes.length, 2 * encoder.dim);
      assert.ok(codes.every(Number.isFinite));
    } finally {
      encoder.dispose();
    }
  }
});

for (const trio of [CIFAR_TRIO, PHOTO_TRIO]) {
  test(`the ${trio.both} trio is compared on its cards (${trio.benchmark}), and ${trio.both} is at least as good as ${trio.global}`, async () => {
    const names = await shippedNames();
    const members = [trio.both, trio.global, trio.local];
    for (const name of members) assert.ok(names.includes(name), `${name} is shipped`);
    const cards = Object.fromEntries(await Promise.all(members.map(async (name) => [name, JSON.parse(await readFile(join(nativeModelsDir(), name, 'card.json'), 'utf8'))] as const)));
    const knn20 = (name: string) => cards[name][trio.evaluationField].model.knn20 as number;
    assert.ok(knn20(trio.both) >= knn20(trio.global), `${trio.both} ${knn20(trio.both)} ≥ ${trio.global} ${knn20(trio.global)}`);
    // Each card carries what the comparison makes of the three measured figures, word for word: it
    // names its benchmark and sets the measured order against the paper's.
    const expected = compareShipped(Object.fromEntries(members.map((name) => [name, knn20(name)])), trio);
    assert.match(expected.explanation, /the paper's/);
    assert.ok(expected.ordering.endsWith(`(kNN@20 %, ${trio.benchmark})`), expected.ordering);
    for (const [name, card] of Object.entries(cards)) assert.deepEqual(card.comparison, expected, `${name}: the card carries the comparison of the measured kNN@20`);
  });
}

test('each shipped model reproduces its card figures on the fixed CIFAR-10 subset', async (t) => {
  if (!existsSync(defaultCifar10Tarball())) {
    t.skip(`CIFAR-10 tarball not found at ${defaultCifar10Tarball()} (set DIMSEARCH_CIFAR10_TARBALL)`);
    return;
  }
  const data = await ensureCifar10();
  for (const name of (await shippedNames()).filter((n) => shippedRecipes.some((r) => r.name === n))) {
    const card = JSON.parse(await readFile(join(nativeModelsDir(), name, 'card.json'), 'utf8'));
    const subset = card.evaluation?.subset as { limit: number; tolerance: number; model: Figures } | undefined;
    assert.ok(subset, `${name}: the card records figures on a fixed subset`);
    const full = card.evaluation.model as Figures;
    for (const baseline of ['pixels', 'random'] as const)
      assert.ok(full.knn20 > card.evaluation[baseline].knn20, `${name}: kNN@20 ${full.knn20} beats the ${baseline} baseline ${card.evaluation[baseline].knn20}`);
    const result = await evaluateEncoder(await loadEncoder(name), data.train, data.test, { decode: decodeModelPixels, limit: subset.limit });
    const measured: Figures = { knn1: result.knn.accuracy[1], knn20: result.knn.accuracy[20], knn200: result.knn.accuracy[200], precisionAt10: result.knn.precision };
    assert.equal(result.n, subset.limit * 10);
    for (const key of ['knn1', 'knn20', 'knn200', 'precisionAt10'] as const)
      assert.ok(Math.abs(measured[key] - subset.model[key]) <= subset.tolerance, `${name} ${key}: measured ${measured[key].toFixed(2)}, card ${subset.model[key]} (±${subset.tolerance})`);
  }
});

test('the default encoder’s two views of a held-out photo share information: a clearly positive bound, far above an untrained encoder’s', async (t) => {
  if (!existsSync(defaultCifar10Tarball())) {
    t.skip(`CIFAR-10 tarball not found at ${defaultCifar10Tarball()} (set DIMSEARCH_CIFAR10_TARBALL)`);
    return;
  }
  const data = await ensureCifar10();
  const files = (await scanFolder(data.test)).files.map((f) => f.path).sort();
  // 128 photos: the bound is read on a quarter of them (cap log 32); with 64 it swings by a nat
  // between equally good encoders.
  const photos = samplePhotos(files, 128);
  const { encoder } = await loadDimEncoder('dim-both');
  const untrained = new DimEncoder(encoderOptions(32), { seed: 0 });
  try {
    const information = await measureInformation(encoder, photos, { decode: decodeModelPixels, steps: 200 });
    const baseline = await measureInformation(untrained, photos, { decode: decodeModelPixels, steps: 200 });
    assert.equal(information.samples, 128);
    assert.ok(information.cap !== null && information.miGlobal <= information.cap + 1e-6);
    assert.ok(information.miGlobal > 1, `global bound ${information.miGlobal} nats (cap ${information.cap})`);
    assert.ok(information.miGlobal > baseline.miGlobal + 1, `global bound ${information.miGlobal} vs untrained ${baseline.miGlobal} nats`);
    assert.ok(information.miLocal > Math.max(0, baseline.miLocal), `local bound ${information.miLocal} vs untrained ${baseline.miLocal} nats`);
  } finally {
    encoder.dispose();
    untrained.dispose();
  }
});

test('each shipped photo model reproduces its card figures on the fixed mini-ImageNet subset and beats pixels there', async (t) => {
  const names = (await shippedNames()).filter((n) => photoRecipes.some((r) => r.name === n));
  if (names.length === 0) {
    t.skip('no photo model published in native-models/ yet');
    return;
  }
  if (!existsSync(defaultMiniImagenetTarball())) {
    t.skip(`mini-ImageNet tarball not found at ${defaultMiniImagenetTarball()}`);
    return;
  }
  const data = await ensureMiniImagenet();
  for (const name of names) {
    const card = JSON.parse(await readFile(join(nativeModelsDir(), name, 'card.json'), 'utf8'));
    const evaluation = card.evaluationMiniImagenet;
    assert.equal(evaluation?.dataset, 'mini-ImageNet', `${name}: the card records its mini-ImageNet evaluation`);
    for (const baseline of ['pixels', 'random'] as const)
      assert.ok(evaluation.model.knn20 > evaluation[baseline].knn20, `${name}: kNN@20 ${evaluation.model.knn20} beats the ${baseline} baseline ${evaluation[baseline].knn20}`);
    const subset = evaluation.subset as { limit: number; tolerance: number; model: Figures };
    const run = async (encoder: Parameters<typeof evaluateEncoder>[0]) => {
      const result = await evaluateEncoder(encoder, data.train, data.test, { decode: decodeModelPixels, limit: subset.limit });
      assert.equal(result.n, subset.limit * 100);
      return { knn1: result.knn.accuracy[1], knn20: result.knn.accuracy[20], knn200: result.knn.accuracy[200], precisionAt10: result.knn.precision };
    };
    const measured = await run(await loadEncoder(name));
    for (const key of ['knn1', 'knn20', 'knn200', 'precisionAt10'] as const)
      assert.ok(Math.abs(measured[key] - subset.model[key]) <= subset.tolerance, `${name} ${key}: measured ${measured[key].toFixed(2)}, card ${subset.model[key]} (±${subset.tolerance})`);
    const pixels = await run(new PixelsEncoder(card.searchInputSize ?? card.inputSize));
    assert.ok(measured.knn20 > pixels.knn20 && measured.precisionAt10 > pixels.precisionAt10, `${name} on the subset: kNN@20 ${measured.knn20.toFixed(1)} / p@10 ${measured.precisionAt10.toFixed(1)} vs pixels ${pixels.knn20.toFixed(1)} / ${pixels.precisionAt10.toFixed(1)}`);
  }
});
