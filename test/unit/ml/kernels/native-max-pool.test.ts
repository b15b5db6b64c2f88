/**
 * The native max-pooling gradient (main/ml/native/window_max_pool.c) against the composed mask of
 * layers.ts on the cpu backend, for 2×2 windows and a global max, ties included. Skips, saying
 * why, where the addon is not built (CI builds it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { initBackend } from '../../../../main/ml/backend';
import { globalMaxPool, maxPool2x2 } from '../../../../main/ml/dim/layers';
import { windowMaxPoolGradKernel } from '../../../../main/ml/kernels/native-max-pool';
import { nativeKernelsStatus } from '../../../../main/ml/kernels/register';
import { onBlasThreads } from '../../../../main/ml/kernels/native-addon';

await initBackend('wasm');
const status = nativeKernelsStatus();
const skip = status.active ? false : `native addon not active: ${status.reason}`;

async function gradientOn(backend: string, pool: (x: tf.Tensor4D) => tf.Tensor, shape: [number, number, number, number], ties: boolean): Promise<Float32Array> {
  await tf.setBackend(backend);
  return gradient(pool, shape, ties);
}

/** The pooling gradient of seeded input on the active backend. */
function gradient(pool: (x: tf.Tensor4D) => tf.Tensor, shape: [number, number, number, number], ties: boolean): Float32Array {
  return tf.tidy(() => {
    // Rounded values make ties within windows common; both rules must send dy to every tie.
    const raw = tf.randomNormal(shape, 0, 1, 'float32', 3);
    const x = (ties ? tf.round(raw) : raw) as tf.Tensor4D;
    const dy = tf.randomNormal(pool(x).shape, 0, 1, 'float32', 4);
    return Float32Array.from(tf.grad((a: tf.Tensor) => tf.sum(tf.mul(pool(a as tf.Tensor4D), dy)))(x).dataSync());
  });
}

test('on wasm the max-pooling gradient runs as the native kernel', { skip }, async () => {
  assert.ok(tf.getKernel(windowMaxPoolGradKernel, 'wasm'));
});

test('native max-pooling gradient matches the composed mask, ties included', { skip }, async () => {
  for (const ties of [false, true])
    for (const [name, pool, shape] of [
      ['2×2', maxPool2x2, [2, 8, 6, 5]],
      ['2×2 wide', maxPool2x2, [4, 16, 16, 64]],
      ['global', globalMaxPool, [3, 4, 4, 7]],
    ] as const) {
      const native = await gradientOn('wasm', pool, [...shape], ties);
      const composed = await gradientOn('cpu', pool, [...shape], ties);
      assert.equal(native.length, composed.length);
      // Exactly equal values (the composed mask gives −0 where the native kernel writes 0).
      const differing = native.findIndex((v, i) => v !== composed[i]);
      assert.equal(differing, -1, `${name}${ties ? ' with ties' : ''}: first difference at ${differing}`);
    }
});

test('native MaxPool (windows = strides, dividing the sides) matches cpu; other poolings go to the wasm kernel', { skip }, async () => {
  const run = (shape: [number, number, number, number], size: number | [number, number], stride: number | [number, number], pad: 'valid' | 'same') => async (backend: string) => {
    await tf.setBackend(backend);
    return tf.tidy(() => Float32Array.from(tf.maxPool(tf.round(tf.randomNormal(shape, 0, 2, 'float32', 5)) as tf.Tensor4D, size, stride, pad).dataSync()));
  };
  for (const [name, go] of [
    ['2×2 stride 2', run([3, 8, 6, 5], 2, 2, 'valid')],
    ['2×2 same', run([2, 16, 16, 32], 2, 2, 'same')],
    ['3×1 windows', run([2, 9, 4, 3], [3, 1], [3, 1], 'valid')],
    ['overlapping 3×3 stride 2 (wasm kernel)', run([2, 9, 9, 4], 3, 2, 'valid')],
    ['not dividing 2×2 on 7×7 (wasm kernel)', run([1, 7, 7, 3], 2, 2, 'valid')],
  ] as const) {
    // + 0 makes −0 (rounded small negatives) and 0 the same value: kernels may keep either.
    const native = Array.from(await go('wasm'), (v) => v + 0);
    const reference = Array.from(await go('cpu'), (v) => v + 0);
    assert.deepEqual(native, reference, name);
  }
});

test('split over two threads, pooling and its gradient give exactly the one-thread results and cpu’s', { skip }, async () => {
  // Large enough (262,144 values) that parallel_shares.c splits the images between two threads.
  const shape: [number, number, number, number] = [8, 32, 32, 32];
  const forward = () => tf.tidy(() => Array.from(maxPool2x2(tf.round(tf.randomNormal(shape, 0, 2, 'float32', 6)) as tf.Tensor4D).dataSync(), (v) => v + 0));
  // Freed memory is reused: fill it with NaN first, so a share left unwritten cannot pass on stale right answers.
  const poison = () => tf.tidy(() => [tf.fill(shape, NaN).dataSync(), tf.fill(shape, NaN).dataSync(), tf.fill(shape, NaN).dataSync()]);
  const run = () => {
    poison();
    const pooled = forward();
    poison();
    return { forward: pooled, gradient: gradient(maxPool2x2, shape, true) };
  };
  await tf.setBackend('wasm');
  const two = onBlasThreads(2, run);
  const one = onBlasThreads(1, run);
  await tf.setBackend('cpu');
  const reference = forward();
  assert.deepEqual(two.forward, one.forward);
  assert.deepEqual(two.forward, reference);
  const composed = await gradientOn('cpu', maxPool2x2, shape, true);
  assert.equal(two.gradient.findIndex((v, i) => v !== one.gradient[i]), -1, 'two threads match one');
  assert.equal(two.gradient.findIndex((v, i) => v !== composed[i]), -1, 'two threads match the composed mask');
});
