/**
 * The native fused BatchNorm + LeakyReLU kernels (main/ml/native/batch_norm_leaky_relu.c) against
 * the layer composed from tfjs ops on the cpu backend: output, batch statistics, and the gradients
 * for x, γ and β. Skips, saying why, where the addon is not built (CI builds it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { initBackend } from '../../../../main/ml/backend';
import { batchNormLeakyRelu, type BatchStatistics } from '../../../../main/ml/dim/layers';
import { batchNormLeakyReluKernel } from '../../../../main/ml/kernels/native-batch-norm';
import { nativeKernelsStatus } from '../../../../main/ml/kernels/register';
import { onBlasThreads } from '../../../../main/ml/kernels/native-addon';
import { assertClose } from './against-cpu';

await initBackend('wasm');
const status = nativeKernelsStatus();
const skip = status.active ? false : `native addon not active: ${status.reason}`;

async function layerOn(backend: string, shape: [number, number, number, number], alpha: number) {
  await tf.setBackend(backend);
  return layer(shape, alpha);
}

/** Output, gradients and batch statistics of the layer on seeded input, on the active backend. */
function layer(shape: [number, number, number, number], alpha: number) {
  let stats: number[][] = [];
  const result = tf.tidy(() => {
    const x = tf.randomNormal(shape, 0.3, 1.5, 'float32', 7) as tf.Tensor4D;
    const g = tf.randomNormal([shape[3]], 1, 0.2, 'float32', 8) as tf.Tensor1D;
    const b = tf.randomNormal([shape[3]], 0, 0.2, 'float32', 9) as tf.Tensor1D;
    const dy = tf.randomNormal(shape, 0, 1, 'float32', 10);
    const capture = (s: BatchStatistics) => {
      stats = [Array.from(s.mean.dataSync()), Array.from(s.variance.dataSync())];
    };
    const out = batchNormLeakyRelu(x, g, b, 1e-3, alpha, capture);
    const f = (a: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(batchNormLeakyRelu(a as tf.Tensor4D, gg as tf.Tensor1D, bb as tf.Tensor1D, 1e-3, alpha), dy));
    return [out, ...tf.grads(f)([x, g, b])].map((t) => Float32Array.from(t.dataSync()));
  });
  return { result, stats };
}

test('on wasm the layer runs as the native kernels', { skip }, async () => {
  await tf.setBackend('wasm');
  assert.ok(tf.getKernel(batchNormLeakyReluKernel, 'wasm'));
});

test('native BatchNorm + LeakyReLU matches the composed layer: output, statistics, gradients', { skip }, async () => {
  for (const [shape, alpha] of [[[2, 8, 8, 5], 0.2], [[16, 16, 16, 64], 0.2], [[3, 1, 1, 7], 0.01]] as const) {
    const native = await layerOn('wasm', [...shape], alpha);
    const composed = await layerOn('cpu', [...shape], alpha);
    const names = ['output', 'dx', 'dγ', 'dβ'];
    for (const [i, name] of names.entries()) assertClose(native.result[i], composed.result[i], 1e-4, `${name} ${shape.join('×')}`);
    assertClose(native.stats[0], composed.stats[0], 1e-5, `mean ${shape.join('×')}`);
    assertClose(native.stats[1], composed.stats[1], 1e-4, `variance ${shape.join('×')}`);
  }
});

test('split over two threads, BatchNorm + LeakyReLU matches one thread and the composed layer', { skip }, async () => {
  // 524,288 values: parallel_shares.c splits the rows between two threads, each summing its share.
  const shape: [number, number, number, number] = [16, 32, 32, 32];
  // Freed memory is reused: fill it with NaN first, so a share left unwritten cannot pass on stale right answers.
  const poisoned = () => {
    tf.tidy(() => [tf.fill(shape, NaN).dataSync(), tf.fill(shape, NaN).dataSync(), tf.fill(shape, NaN).dataSync()]);
    return layer(shape, 0.2);
  };
  await tf.setBackend('wasm');
  const two = onBlasThreads(2, poisoned);
  const one = onBlasThreads(1, poisoned);
  const composed = await layerOn('cpu', shape, 0.2);
  for (const [i, name] of ['output', 'dx', 'dγ', 'dβ'].entries()) {
    assertClose(two.result[i], one.result[i], 1e-5, `${name}: two threads against one`);
    assertClose(two.result[i], composed.result[i], 1e-4, `${name}: two threads against cpu`);
  }
  assertClose(two.stats[0], one.stats[0], 1e-6, 'mean: two threads against one');
  assertClose(two.stats[1], composed.stats[1], 1e-4, 'variance: two threads against cpu');
});
