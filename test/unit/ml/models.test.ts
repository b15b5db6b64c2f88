/** Model directories: save/load round trip, ids, atomic writes, listing, the random baseline, encode. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../main/ml/backend';
import { DimEncoder, encoderOptions } from '../../../main/ml/dim/encoder';
import { createRandomEncoder, listModels, loadEncoder, modelIdFor, resolveModelDir, saveEncoder } from '../../../main/ml/models';

await initBackend();
const arch = encoderOptions(16, { blockWidths: [4, 8], headWidths: [8], zDim: 6 });

function images(count: number, size: number, seed: number): Float32Array {
  return tf.tidy(() => tf.randomUniform([count * size * size * 3], -0.5, 0.5, 'float32', seed).dataSync() as Float32Array);
}

/** Inference written out with plain ops (BatchNorm on running statistics, not folded). */
function referenceMeans(encoder: DimEncoder, x: tf.Tensor4D): tf.Tensor2D {
  const v = (name: string) => encoder.variables.get(name)!;
  const o = encoder.options;
  let h: tf.Tensor4D = x;
  const layers = [...o.blockWidths.map((_, i) => [`encoder/block${i}`, true] as const), ...o.headWidths.map((_, i) => [`encoder/head${i}`, false] as const)];
  for (const [name, pool] of layers) {
    h = tf.conv2d(h, v(`${name}/conv/kernel`) as tf.Tensor4D, 1, 'same');
    h = tf.batchNorm(h, v(`${name}/bn/moving_mean`), v(`${name}/bn/moving_variance`), v(`${name}/bn/beta`), v(`${name}/bn/gamma`), o.bnEpsilon) as tf.Tensor4D;
    h = tf.leakyRelu(h, o.leakyAlpha) as tf.Tensor4D;
    if (pool) h = tf.maxPool(h, 2, 2, 'valid');
  }
  return tf.add(tf.matMul(tf.max(h, [1, 2]) as tf.Tensor2D, v('encoder/z_mean/kernel') as tf.Tensor2D), v('encoder/z_mean/bias')) as tf.Tensor2D;
}

test('save → load round trip keeps weights, id, card; writes leave no temp dirs', async () => {
  const root = await mkdtemp(join(tmpdir(), 'dimsearch-models-'));
  const encoder = new DimEncoder(arch, { seed: 3 });
  // Move the running statistics away from 0/1 so folding BatchNorm is really exercised.
  const x = tf.tensor4d(images(8, 16, 1), [8, 16, 16, 3]);
  tf.tidy(() => {
    encoder.forwardTrain(x);
  });
  const saved = await saveEncoder(join(root, 'tiny'), encoder, { note: 'test' });
  const again = await saveEncoder(join(root, 'tiny'), encoder, { note: 'test' }); // overwrite in place
  assert.equal(again.id, saved.id);
  assert.deepEqual(readdirSync(root), ['tiny']);
  const weights = await readFile(join(root, 'tiny', 'weights.bin'));
  assert.equal(saved.id, modelIdFor('tiny', weights));
  assert.match(saved.id, /^tiny-[0-9a-f]{12}$/);

  const loaded = await loadEncoder(join(root, 'tiny'));
  assert.equal(loaded.modelId, saved.id);
  assert.equal(loaded.inputSize, 16);
  assert.equal(loaded.dim, 6);
  assert.equal(loaded.card.note, 'test');
  const pixels = images(5, 16, 2);
  const codes = await loaded.encode(pixels, 5);
  const expected = tf.tidy(() => referenceMeans(encoder, tf.tensor4d(pixels, [5, 16, 16, 3])).dataSync());
  assert.equal(codes.length, 30);
  for (let i = 0; i < codes.length; i++) assert.ok(Math.abs(codes[i] - expected[i]) < 1e-4, `code ${i}: ${codes[i]} vs ${expected[i]}`);

  const listed = await listModels(root);
  assert.deepEqual(listed.map((m) => [m.id, m.inputSize, m.dim]), [[saved.id, 16, 6]]);
  loaded.dispose();
  encoder.dispose();
  x.dispose();
});

test('encode is batched, rejects wrong sizes and leaks no tensors', async () => {
  const random = await createRandomEncoder({ inputSize: 16, blockWidths: [4, 8], headWidths: [8], zDim: 6, seed: 9 });
  const many = images(300, 16, 4); // more than one internal chunk
  await random.encode(many.subarray(0, 16 * 16 * 3), 1); // folds BatchNorm into the kernels once (cached)
  const before = tf.memory().numTensors;
  const all = await random.encode(many, 300);
  const some = await random.encode(many.subarray(0, 3 * 16 * 16 * 3), 3);
  for (let i = 0; i < some.length; i++) assert.ok(Math.abs(all[i] - some[i]) < 1e-5);
  await assert.rejects(random.encode(new Float32Array(10), 1), /expected/);
  assert.equal(tf.memory().numTensors, before);
  random.dispose();
});

test('the random baseline is seeded: same seed, same id and codes; another seed differs', async () => {
  const a = await createRandomEncoder({ inputSize: 16, blockWidths: [4, 8], headWidths: [8], zDim: 6, seed: 1 });
  const b = await createRandomEncoder({ inputSize: 16, blockWidths: [4, 8], headWidths: [8], zDim: 6, seed: 1 });
  const c = await createRandomEncoder({ inputSize: 16, blockWidths: [4, 8], headWidths: [8], zDim: 6, seed: 2 });
  assert.equal(a.modelId, b.modelId);
  assert.notEqual(a.modelId, c.modelId);
  assert.match(a.modelId, /^random-/);
  const px = images(2, 16, 5);
  assert.deepEqual(await a.encode(px, 2), await b.encode(px, 2));
  [a, b, c].forEach((e) => e.dispose());
});

test('bad model directories fail with a clear error; bare names resolve under native-models', async () => {
  const root = await mkdtemp(join(tmpdir(), 'dimsearch-models-'));
  await assert.rejects(loadEncoder(join(root, 'missing')), /model\.json missing/);
  await writeFile(join(root, 'model.json'), '{"format":"something-else"}');
  await assert.rejects(loadEncoder(root), /not a dimsearch DIM encoder/);
  assert.ok(resolveModelDir('dim-both').endsWith(join('native-models', 'dim-both')));
  assert.ok(existsSync(join(resolveModelDir('dim-both'), 'model.json')), 'the shipped model is present');
});
