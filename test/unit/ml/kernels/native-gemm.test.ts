/**
 * The native GEMM kernels (OpenBLAS behind im2col, main/ml/native) against the cpu backend:
 * convolutions forward and both gradients over strides, paddings and dilations, the fused
 * epilogues, and matrix products with transposes and batch broadcasts. In CI the addon must be
 * built (.ci/run installs OpenBLAS); elsewhere these tests skip, saying why, when it is not.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { initBackend } from '../../../../main/ml/backend';
import { nativeKernelsStatus } from '../../../../main/ml/kernels/register';
import { loadNativeKernels, onOneBlasThread } from '../../../../main/ml/kernels/native-addon';
import { createRandomEncoder } from '../../../../main/ml/models';
import { assertAllClose, outputsOn, seededValues } from './against-cpu';
import { CONV_CASES } from './conv-cases';
import { Worker } from 'node:worker_threads';

await initBackend('wasm');
const status = nativeKernelsStatus();
const skip = status.active ? false : `native GEMM addon not active: ${status.reason}`;

test('the native GEMM addon is built where CI installs OpenBLAS', { skip: !process.env.CI && 'outside CI' }, () => {
  assert.ok(status.active, status.reason);
});

test('conv2d and both of its gradients match cpu', { skip }, async () => {
  for (const c of CONV_CASES) {
    const x = seededValues(c.n * c.h * c.w * c.ci, 1);
    const f = seededValues(c.kh * c.kw * c.ci * c.co, 2);
    const run = () => {
      const xt = tf.tensor4d(x, [c.n, c.h, c.w, c.ci]);
      const ft = tf.tensor4d(f, [c.kh, c.kw, c.ci, c.co]);
      const loss = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad)));
      return [tf.conv2d(xt, ft, c.stride, c.pad), ...tf.grads(loss)([xt, ft])];
    };
    assertAllClose(await outputsOn('wasm', run), await outputsOn('cpu', run), 2e-5, `conv ${JSON.stringify(c)}`);
  }
});

test('dilated conv2d and fused conv2d with bias and activations match cpu', { skip }, async () => {
  const x = seededValues(2 * 9 * 9 * 3, 3);
  const f = seededValues(3 * 3 * 3 * 4, 4);
  const dilated = () => tf.conv2d(tf.tensor4d(x, [2, 9, 9, 3]), tf.tensor4d(f, [3, 3, 3, 4]), 1, 'same', 'NHWC', 2);
  assertAllClose(await outputsOn('wasm', dilated), await outputsOn('cpu', dilated), 2e-5, 'dilated conv');
  for (const activation of ['linear', 'relu', 'leakyrelu', 'relu6', 'elu'] as const) {
    const fused = () =>
      tf.fused.conv2d({ x: tf.tensor4d(x, [2, 9, 9, 3]), filter: tf.tensor4d(f, [3, 3, 3, 4]), strides: 2, pad: 'same', bias: tf.tensor1d([0.5, -1, 0, 2]), activation, leakyreluAlpha: 0.1 });
    assertAllClose(await outputsOn('wasm', fused), await outputsOn('cpu', fused), 2e-5, `fused conv ${activation}`);
  }
});

test('matrix products with transposes, batches and broadcasts match cpu', { skip }, async () => {
  for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
    const a = seededValues(2 * 5 * 7, 5);
    const b = seededValues(2 * 7 * 3, 6);
    const batched = () => tf.matMul(tf.tensor3d(a, ta ? [2, 7, 5] : [2, 5, 7]), tf.tensor3d(b, tb ? [2, 3, 7] : [2, 7, 3]), ta, tb);
    assertAllClose(await outputsOn('wasm', batched), await outputsOn('cpu', batched), 2e-5, `batched matMul ${ta} ${tb}`);
    const broadcast = () => tf.matMul(tf.tensor3d(a, ta ? [2, 7, 5] : [2, 5, 7]), tf.tensor2d(b.subarray(0, 21), tb ? [3, 7] : [7, 3]), ta, tb);
    assertAllClose(await outputsOn('wasm', broadcast), await outputsOn('cpu', broadcast), 2e-5, `broadcast matMul ${ta} ${tb}`);
    const fused = () =>
      tf.fused.matMul({ a: tf.tensor2d(a.subarray(0, 35), ta ? [7, 5] : [5, 7]), b: tf.tensor2d(b.subarray(0, 21), tb ? [3, 7] : [7, 3]), transposeA: ta, transposeB: tb, bias: tf.tensor1d([1, -2, 0.5]), activation: 'leakyrelu', leakyreluAlpha: 0.3 });
    assertAllClose(await outputsOn('wasm', fused), await outputsOn('cpu', fused), 2e-5, `fused matMul ${ta} ${tb}`);
  }
});

test('the native kernels free nothing they were lent and leak nothing', { skip }, async () => {
  await tf.setBackend('wasm');
  const before = tf.memory().numTensors;
  const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 7);
  const init = tf.randomNormal([3, 3, 3, 4], 0, 1, 'float32', 8);
  const w = tf.variable(init);
  init.dispose();
  const grads = tf.variableGrads(() => tf.sum(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same')) as tf.Scalar, [w]);
  tf.dispose([grads.value, ...Object.values(grads.grads)]);
  const total = tf.sum(x);
  assert.ok(Number.isFinite((await total.data())[0]), 'the input is still readable');
  tf.dispose([total, x, w]);
  assert.equal(tf.memory().numTensors, before);
});

test('a worker thread can use the addon and exit (its im2col scratch is freed with it), twice', { skip }, async () => {
  const addon = new URL('../../../../main/ml/native/build/Release/dimsearch_kernels.node', import.meta.url).pathname;
  const source = `
    const { parentPort, workerData } = require('node:worker_threads');
    const kernels = require(workerData);
    const [n, h, w, c, o] = [4, 8, 8, 3, 5];
    const out = new Float32Array(n * h * w * o);
    kernels.conv2d(new Float32Array(n * h * w * c).fill(1), new Float32Array(9 * c * o).fill(1), out, Int32Array.from([n, h, w, c, h, w, o, 3, 3, 1, 1, 1, 1, 1, 1]));
    parentPort.postMessage(Array.from(out.subarray(0, o * (w + 1))));`;
  for (let round = 0; round < 2; round++) {
    const values = await new Promise<number[]>((resolve, reject) => {
      const worker = new Worker(source, { eval: true, workerData: addon });
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    // Corner pixel: a 2×2 window of ones over 3 channels = 12; next to it on the top row, 2×3×3 = 18.
    assert.equal(values[0], 12);
    assert.equal(values[5], 18);
  }
});

test('an encode with the cores busy runs its GEMMs on one OpenBLAS thread, gives the same codes and restores the count', { skip }, async () => {
  const kernels = loadNativeKernels().kernels!;
  const threads = kernels.blasThreads!();
  let inside = 0;
  assert.equal(onOneBlasThread(() => (inside = kernels.blasThreads!())), inside);
  assert.equal(inside, 1);
  assert.equal(kernels.blasThreads!(), threads);
  assert.throws(() => onOneBlasThread(() => {
    throw new Error('kernel failed');
  }), /kernel failed/);
  assert.equal(kernels.blasThreads!(), threads, 'restored after a throw too');

  // A batch big enough for OpenBLAS to split across threads when it may.
  const encoder = await createRandomEncoder({ inputSize: 32, seed: 4 });
  const count = 32;
  const pixels = seededValues(count * 32 * 32 * 3, 8).map((v) => v / 4);
  const shared = await encoder.encode(pixels, count);
  const alone = await encoder.encode(pixels, count, { coresBusy: true });
  encoder.dispose();
  assertAllClose([alone], [shared], 1e-5, 'codes on one thread');
  assert.equal(kernels.blasThreads!(), threads);
});
