/** Search codes: the joined global + local code against plain ops, its cosine, how models carry it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../main/ml/backend';
import { DimEncoder, encoderOptions } from '../../../main/ml/dim/encoder';
import { computeSearchCode, defaultSearchCode, describeSearchCode, searchCodeLength, searchCodeOf, searchInputSizeOf } from '../../../main/ml/dim/search-code';
import { createRandomEncoder, listModels, loadEncoder, modelIdFor, saveEncoder } from '../../../main/ml/models';

await initBackend();
const arch = encoderOptions(16, { blockWidths: [4, 8], headWidths: [8], zDim: 6 });

function images(count: number, seed: number): Float32Array {
  return tf.tidy(() => tf.randomUniform([count * 16 * 16 * 3], -0.5, 0.5, 'float32', seed).dataSync() as Float32Array);
}

/** Inference with plain ops: the code mean and the local map C (after the last pooled block). */
function reference(encoder: DimEncoder, x: tf.Tensor4D): { mean: number[][]; local: number[][][][] } {
  return tf.tidy(() => {
    const v = (name: string) => encoder.variables.get(name)!;
    const o = encoder.options;
    let h: tf.Tensor4D = x;
    let local: tf.Tensor4D | null = null;
    const layers = [...o.blockWidths.map((_, i) => [`encoder/block${i}`, true] as const), ...o.headWidths.map((_, i) => [`encoder/head${i}`, false] as const)];
    layers.forEach(([name, pool], i) => {
      h = tf.conv2d(h, v(`${name}/conv/kernel`) as tf.Tensor4D, 1, 'same');
      h = tf.batchNorm(h, v(`${name}/bn/moving_mean`), v(`${name}/bn/moving_variance`), v(`${name}/bn/beta`), v(`${name}/bn/gamma`), o.bnEpsilon) as tf.Tensor4D;
      h = tf.leakyRelu(h, o.leakyAlpha) as tf.Tensor4D;
      if (pool) h = tf.maxPool(h, 2, 2, 'valid');
      if (i === o.blockWidths.length - 1) local = h;
    });
    const mean = tf.add(tf.matMul(tf.max(h, [1, 2]) as tf.Tensor2D, v('encoder/z_mean/kernel') as tf.Tensor2D), v('encoder/z_mean/bias'));
    return { mean: mean.arraySync() as number[][], local: local!.arraySync() as number[][][][] };
  });
}

const unit = (xs: number[]) => {
  const n = Math.hypot(...xs);
  return xs.map((x) => x / n);
};
const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, x, i) => s + x * b[i], 0);

test("'global+local' joins the unit code mean and the unit per-channel maximum of the local map", () => {
  const encoder = new DimEncoder(arch, { seed: 5 });
  const x = tf.tensor4d(images(3, 1), [3, 16, 16, 3]);
  const ref = reference(encoder, x);
  const joined = computeSearchCode(encoder, x, 'global+local');
  assert.deepEqual(joined.shape, [3, searchCodeLength('global+local', arch)]);
  assert.equal(joined.shape[1], 6 + 8);
  const got = joined.arraySync();
  for (let n = 0; n < 3; n++) {
    const channels = ref.local[n][0][0].length;
    const localMax = Array.from({ length: channels }, (_, c) => Math.max(...ref.local[n].flatMap((row) => row.map((px) => px[c]))));
    const expected = [...unit(ref.mean[n]), ...unit(localMax)];
    expected.forEach((e, i) => assert.ok(Math.abs(got[n][i] - e) < 1e-4, `photo ${n} value ${i}: ${got[n][i]} vs ${e}`));
  }
  // The global code is the code mean itself, unscaled.
  const plain = computeSearchCode(encoder, x, 'global').arraySync();
  ref.mean.forEach((row, n) => row.forEach((e, i) => assert.ok(Math.abs(plain[n][i] - e) < 1e-4)));
  tf.dispose([x, joined]);
  encoder.dispose();
});

test('the cosine of two joined codes is the mean of the two parts’ cosines', () => {
  const encoder = new DimEncoder(arch, { seed: 6 });
  const x = tf.tensor4d(images(2, 2), [2, 16, 16, 3]);
  const [a, b] = computeSearchCode(encoder, x, 'global+local').arraySync();
  const cos = (p: number[], q: number[]) => dot(p, q) / (Math.hypot(...p) * Math.hypot(...q));
  const expected = (cos(a.slice(0, 6), b.slice(0, 6)) + cos(a.slice(6), b.slice(6))) / 2;
  assert.ok(Math.abs(cos(a, b) - expected) < 1e-5, `${cos(a, b)} vs ${expected}`);
  x.dispose();
  encoder.dispose();
});

test("'global+2local' scales the local part to length √2: the cosine counts C's twice", () => {
  const encoder = new DimEncoder(arch, { seed: 6 });
  const x = tf.tensor4d(images(2, 2), [2, 16, 16, 3]);
  const equal = computeSearchCode(encoder, x, 'global+local').arraySync();
  const weighted = computeSearchCode(encoder, x, 'global+2local').arraySync();
  assert.equal(weighted[0].length, searchCodeLength('global+2local', arch));
  for (let n = 0; n < 2; n++) {
    weighted[n].forEach((v, i) => assert.ok(Math.abs(v - (i < 6 ? 1 : Math.SQRT2) * equal[n][i]) < 1e-5, `photo ${n} value ${i}`));
    assert.ok(Math.abs(dot(weighted[n].slice(6), weighted[n].slice(6)) - 2) < 1e-4);
  }
  const [a, b] = weighted;
  const cos = (p: number[], q: number[]) => dot(p, q) / (Math.hypot(...p) * Math.hypot(...q));
  const expected = (cos(a.slice(0, 6), b.slice(0, 6)) + 2 * cos(a.slice(6), b.slice(6))) / 3;
  assert.ok(Math.abs(cos(a, b) - expected) < 1e-5, `${cos(a, b)} vs ${expected}`);
  x.dispose();
  encoder.dispose();
});

test('a saved model carries its search code: length, id and codes follow it; the same weights under the other code are another model', async () => {
  const root = await mkdtemp(join(tmpdir(), 'dimsearch-search-code-'));
  const encoder = new DimEncoder(arch, { seed: 7 });
  const joinedDir = join(root, 'joined');
  const plainDir = join(root, 'plain');
  const joined = await saveEncoder(joinedDir, encoder, {}, 'tiny', null, { code: 'global+local' });
  const plain = await saveEncoder(plainDir, encoder, {}, 'tiny');
  const weights = await readFile(join(joinedDir, 'weights.bin'));
  assert.deepEqual(weights, await readFile(join(plainDir, 'weights.bin')));
  assert.notEqual(joined.id, plain.id, 'codes of one search code must never mix with the other’s');
  assert.equal(joined.id, modelIdFor('tiny', weights, 'global+local'));
  assert.equal(plain.id, modelIdFor('tiny', weights), "'global' keeps the ids models had before search codes existed");
  assert.equal(JSON.parse(await readFile(join(joinedDir, 'model.json'), 'utf8')).searchCode, 'global+local');
  assert.equal(JSON.parse(await readFile(join(plainDir, 'model.json'), 'utf8')).searchCode, undefined);

  const loaded = await loadEncoder(joinedDir);
  assert.equal(loaded.modelId, joined.id);
  assert.equal(loaded.dim, 14);
  const pixels = images(4, 3);
  const codes = await loaded.encode(pixels, 4);
  const expected = tf.tidy(() => computeSearchCode(encoder, tf.tensor4d(pixels, [4, 16, 16, 3]), 'global+local').dataSync());
  codes.forEach((c, i) => assert.ok(Math.abs(c - expected[i]) < 1e-4));
  for (let n = 0; n < 4; n++) assert.ok(Math.abs(dot(codes.subarray(n * 14, n * 14 + 6), codes.subarray(n * 14, n * 14 + 6)) - 1) < 1e-4);
  loaded.dispose();
  const listed = await listModels(root);
  assert.deepEqual(listed.map((m) => [m.name, m.dim, m.searchCode]).sort(), [['tiny', 14, 'global+local'], ['tiny', 6, 'global']]);

  // An unknown search code is a clear error, not a silent fallback.
  const modelPath = join(plainDir, 'model.json');
  await writeFile(modelPath, JSON.stringify({ ...JSON.parse(await readFile(modelPath, 'utf8')), searchCode: 'sideways' }));
  await assert.rejects(loadEncoder(plainDir), /unknown search code 'sideways'/);
  encoder.dispose();
});

test('the random baseline may search with the code of the model it stands beside', async () => {
  const random = await createRandomEncoder({ inputSize: 16, blockWidths: [4, 8], headWidths: [8], zDim: 6, searchCode: 'global+2local' });
  assert.equal(random.dim, 14);
  assert.equal((await random.encode(images(2, 4), 2)).length, 28);
  random.dispose();
});

test('a model may search at a larger side than it learned at: photos are encoded whole at that side', async () => {
  const root = await mkdtemp(join(tmpdir(), 'dimsearch-search-size-'));
  const encoder = new DimEncoder(arch, { seed: 8 });
  const larger = await saveEncoder(join(root, 'larger'), encoder, {}, 'tiny', null, { code: 'global+local', inputSize: 24 });
  const same = await saveEncoder(join(root, 'same'), encoder, {}, 'tiny', null, { code: 'global+local', inputSize: 16 });
  assert.notEqual(larger.id, same.id);
  assert.equal(JSON.parse(await readFile(join(root, 'same', 'model.json'), 'utf8')).searchInputSize, undefined, 'the input size itself is not written');
  const loaded = await loadEncoder(join(root, 'larger'));
  assert.equal(loaded.inputSize, 24);
  assert.equal(loaded.trainingInputSize, 16);
  const pixels = tf.tidy(() => tf.randomUniform([2 * 24 * 24 * 3], -0.5, 0.5, 'float32', 9).dataSync() as Float32Array);
  const codes = await loaded.encode(pixels, 2);
  const expected = tf.tidy(() => computeSearchCode(encoder, tf.tensor4d(pixels, [2, 24, 24, 3]), 'global+local').dataSync());
  codes.forEach((c, i) => assert.ok(Math.abs(c - expected[i]) < 1e-4));
  await assert.rejects(loaded.encode(images(1, 1), 1), /expected 1×24×24×3/);
  loaded.dispose();
  const [info] = (await listModels(root)).filter((m) => m.id === larger.id);
  assert.deepEqual([info.inputSize, info.searchInputSize, info.dim], [16, 24, 14]);
  await assert.rejects(saveEncoder(join(root, 'odd'), encoder, {}, 'tiny', null, { inputSize: 18 }), /multiple of 4 no smaller than 16, got 18/);
  await assert.rejects(saveEncoder(join(root, 'small'), encoder, {}, 'tiny', null, { inputSize: 8 }), /no smaller than 16, got 8/);
  encoder.dispose();
});

test('defaults: photo-recipe models search with the joined code (C counting twice), others with the code mean; both at the side they learned at', () => {
  assert.equal(searchInputSizeOf(undefined, arch, 'x'), 16);
  assert.match(describeSearchCode('global+local', 96, 64), /encoded whole at 96×96 \(trained on 64 px crops\)/);
  assert.equal(describeSearchCode('global', 32, 32), 'z_mean, compare by cosine similarity');
  assert.equal(defaultSearchCode('photo'), 'global+2local');
  assert.match(describeSearchCode('global+2local', 64, 64), /\(\(cosine of z_mean \+ 2 × cosine of C’s maxima\) \/ 3\)$/);
  assert.equal(defaultSearchCode('pad-crop'), 'global');
  assert.equal(defaultSearchCode('none'), 'global');
  assert.equal(searchCodeOf(undefined, 'x'), 'global');
  assert.throws(() => searchCodeOf(3, 'model.json'), /model.json: unknown search code/);
});
