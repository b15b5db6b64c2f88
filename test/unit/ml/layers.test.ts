/** The hand-written training layers against tfjs's own ops and autodiff (cpu backend). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '../../../main/ml/gradients';
import { batchNormLeakyRelu, globalMaxPool, maxPool2x2, type BatchStatistics } from '../../../main/ml/dim/layers';

await tf.setBackend('cpu');

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).arraySync() as number);
}

test('batchNormLeakyRelu: value, statistics and gradients match batchNorm + leakyRelu autodiff', () => {
  tf.tidy(() => {
    const x = tf.randomNormal([3, 4, 5, 6], 0.5, 2, 'float32', 1) as tf.Tensor4D;
    const gamma = tf.randomNormal([6], 1, 0.3, 'float32', 2) as tf.Tensor1D;
    const beta = tf.randomNormal([6], 0, 0.3, 'float32', 3) as tf.Tensor1D;
    const dy = tf.randomNormal([3, 4, 5, 6], 0, 1, 'float32', 4);
    let stats: { mean: number[]; variance: number[]; count: number } | null = null;
    const ours = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(batchNormLeakyRelu(a as tf.Tensor4D, g as tf.Tensor1D, b as tf.Tensor1D, 1e-3, 0.2, (s: BatchStatistics) => (stats = { mean: s.mean.arraySync(), variance: s.variance.arraySync(), count: s.count })), dy));
    const reference = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const { mean, variance } = tf.moments(a, [0, 1, 2]);
      return tf.sum(tf.mul(tf.leakyRelu(tf.batchNorm(a as tf.Tensor4D, mean, variance, b as tf.Tensor1D, g as tf.Tensor1D, 1e-3), 0.2), dy));
    };
    const [gx, gg, gb] = tf.grads(ours)([x, gamma, beta]);
    const [rx, rg, rb] = tf.grads(reference)([x, gamma, beta]);
    assert.ok(Math.abs((ours(x, gamma, beta).arraySync() as number) - (reference(x, gamma, beta).arraySync() as number)) < 1e-3);
    assert.ok(maxDiff(gx, rx) < 1e-4, `dx differs by ${maxDiff(gx, rx)}`);
    assert.ok(maxDiff(gg, rg) < 1e-3, `dgamma differs by ${maxDiff(gg, rg)}`);
    assert.ok(maxDiff(gb, rb) < 1e-3, `dbeta differs by ${maxDiff(gb, rb)}`);
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    assert.ok(stats !== null);
    const s = stats as unknown as { mean: number[]; variance: number[]; count: number };
    assert.equal(s.count, 60);
    assert.ok(maxDiff(tf.tensor1d(s.mean), mean) < 1e-5 && maxDiff(tf.tensor1d(s.variance), variance) < 1e-4);
  });
});

test('maxPool2x2: value and gradient match maxPool autodiff', () => {
  tf.tidy(() => {
    const x = tf.randomNormal([2, 6, 4, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
    const dy = tf.randomNormal([2, 3, 2, 3], 0, 1, 'float32', 6);
    const ours = (a: tf.Tensor) => tf.sum(tf.mul(maxPool2x2(a as tf.Tensor4D), dy));
    const reference = (a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid'), dy));
    assert.ok(maxDiff(maxPool2x2(x), tf.maxPool(x, 2, 2, 'valid')) === 0);
    assert.ok(maxDiff(tf.grad(ours)(x), tf.grad(reference)(x)) < 1e-6);
  });
});

test('globalMaxPool: value and gradient match max over the spatial axes', () => {
  tf.tidy(() => {
    const x = tf.randomNormal([3, 4, 4, 5], 0, 1, 'float32', 7) as tf.Tensor4D;
    const dy = tf.randomNormal([3, 5], 0, 1, 'float32', 8);
    const ours = (a: tf.Tensor) => tf.sum(tf.mul(globalMaxPool(a as tf.Tensor4D), dy));
    const reference = (a: tf.Tensor) => tf.sum(tf.mul(tf.max(a, [1, 2]), dy));
    assert.deepEqual(globalMaxPool(x).shape, [3, 5]);
    assert.ok(maxDiff(globalMaxPool(x), tf.max(x, [1, 2])) === 0);
    assert.ok(maxDiff(tf.grad(ours)(x), tf.grad(reference)(x)) < 1e-6);
  });
});

test('batchNormLeakyRelu gives the same gradients on wasm as on cpu', async () => {
  const { initBackend } = await import('../../../main/ml/backend');
  await initBackend('wasm');
  const run = async (backend: string) => {
    await tf.setBackend(backend);
    return tf.tidy(() => {
      const x = tf.randomNormal([2, 8, 8, 5], 0.3, 1.5, 'float32', 7) as tf.Tensor4D;
      const g = tf.randomNormal([5], 1, 0.2, 'float32', 8) as tf.Tensor1D;
      const b = tf.randomNormal([5], 0, 0.2, 'float32', 9) as tf.Tensor1D;
      const dy = tf.randomNormal([2, 8, 8, 5], 0, 1, 'float32', 10);
      const f = (a: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) =>
        tf.sum(tf.mul(batchNormLeakyRelu(a as tf.Tensor4D, gg as tf.Tensor1D, bb as tf.Tensor1D, 1e-3, 0.2), dy));
      return tf.grads(f)([x, g, b]).map((t) => Array.from(t.dataSync()));
    });
  };
  const wasm = await run('wasm');
  const cpu = await run('cpu');
  for (let k = 0; k < 3; k++) for (let i = 0; i < cpu[k].length; i++) assert.ok(Math.abs(wasm[k][i] - cpu[k][i]) < 1e-4, `grad ${k}[${i}]`);
  await tf.setBackend('cpu');
});
