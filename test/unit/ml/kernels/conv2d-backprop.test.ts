/**
 * The wasm gradient fillers against the cpu backend's own kernels, on several shapes, strides
 * and paddings (including ones whose stride leaves input rows unused).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { initBackend } from '../../../../main/ml/backend';
import { assertAllClose, outputsOn, seededValues } from './against-cpu';
import { CONV_CASES } from './conv-cases';

await initBackend('wasm');

for (const c of CONV_CASES) {
  const label = `${c.n}×${c.h}×${c.w}×${c.ci} k${c.kh}×${c.kw}→${c.co} stride ${JSON.stringify(c.stride)} pad ${JSON.stringify(c.pad)}`;
  const info = tf.backend_util.computeConv2DInfo([c.n, c.h, c.w, c.ci], [c.kh, c.kw, c.ci, c.co], c.stride, 1, c.pad);
  const xShape = [c.n, c.h, c.w, c.ci] as [number, number, number, number];
  const fShape = [c.kh, c.kw, c.ci, c.co] as [number, number, number, number];
  const dyShape = [c.n, info.outHeight, info.outWidth, c.co] as [number, number, number, number];
  const x = seededValues(xShape.reduce((a, b) => a * b), 1);
  const f = seededValues(fShape.reduce((a, b) => a * b), 2);
  const dy = seededValues(dyShape.reduce((a, b) => a * b), 3);
  const attrs = { strides: c.stride, pad: c.pad, dataFormat: 'NHWC' as const };

  test(`Conv2DBackpropFilter on wasm matches cpu: ${label}`, async () => {
    const run = () =>
      tf.engine().runKernel(tf.Conv2DBackpropFilter, { x: tf.tensor4d(x, xShape), dy: tf.tensor4d(dy, dyShape) }, { ...attrs, filterShape: fShape } as never) as tf.Tensor;
    assertAllClose(await outputsOn('wasm', run), await outputsOn('cpu', run), 1e-5, label);
  });

  test(`Conv2DBackpropInput on wasm matches cpu: ${label}`, async () => {
    const run = () =>
      tf.engine().runKernel(tf.Conv2DBackpropInput, { dy: tf.tensor4d(dy, dyShape), filter: tf.tensor4d(f, fShape) }, { ...attrs, inputShape: xShape } as never) as tf.Tensor;
    assertAllClose(await outputsOn('wasm', run), await outputsOn('cpu', run), 1e-5, label);
  });
}

test('the fillers leak no tensors', async () => {
  await tf.setBackend('wasm');
  const before = tf.memory().numTensors;
  const x = tf.randomNormal([2, 8, 8, 3]) as tf.Tensor4D;
  const init = tf.randomNormal([3, 3, 3, 4]);
  const w = tf.variable(init);
  init.dispose();
  for (const stride of [1, 2] as const) {
    const grads = tf.variableGrads(() => tf.sum(tf.conv2d(x, w as tf.Tensor4D, stride, 'same')) as tf.Scalar, [w]);
    tf.dispose([grads.value, ...Object.values(grads.grads)]);
  }
  // The inputs are still readable (a filler must not free data it was only lent).
  const total = tf.sum(x);
  assert.ok(Number.isFinite((await total.data())[0]));
  total.dispose();
  tf.dispose([x, w]);
  assert.equal(tf.memory().numTensors, before);
});

test('BatchMatMul with transposes on wasm matches cpu', async () => {
  for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
    const aShape = ta ? [2, 7, 5] : [2, 5, 7];
    const bShape = tb ? [2, 3, 7] : [2, 7, 3];
    const a = seededValues(70, 11);
    const b = seededValues(42, 12);
    const run = () => tf.matMul(tf.tensor3d(a, aShape as [number, number, number]), tf.tensor3d(b, bShape as [number, number, number]), ta, tb);
    assertAllClose(await outputsOn('wasm', run), await outputsOn('cpu', run), 1e-5, `matMul transposeA=${ta} transposeB=${tb}`);
    const fused = () =>
      tf.fused.matMul({ a: tf.tensor2d(a.subarray(0, 35), ta ? [7, 5] : [5, 7]), b: tf.tensor2d(b.subarray(0, 21), tb ? [3, 7] : [7, 3]), transposeA: ta, transposeB: tb, bias: tf.ones([3]), activation: 'relu' });
    assertAllClose(await outputsOn('wasm', fused), await outputsOn('cpu', fused), 1e-5, `fused matMul transposeA=${ta} transposeB=${tb}`);
  }
});
