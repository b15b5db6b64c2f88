/**
 * Identity on wasm shares its input's data (main/ml/kernels/shared-identity.ts) instead of copying
 * it: a clone costs no memory and no copy, and still behaves as an independent tensor.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../../main/ml/backend';

await initBackend('wasm');

test('a clone on wasm shares the data: no new buffer, and it outlives the original', () => {
  const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
  const before = tf.memory().numDataBuffers;
  const y = tf.clone(x);
  assert.equal(y.dataId, x.dataId);
  assert.equal(tf.memory().numDataBuffers, before, 'no copy was made');
  x.dispose();
  assert.deepEqual(Array.from(y.dataSync()), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(y.shape, [2, 3]);
  y.dispose();
  assert.equal(tf.memory().numDataBuffers, before - 1, 'the data is freed with its last reference');
});

test('a clone of a variable keeps its values when the variable is assigned', () => {
  const v = tf.variable(tf.tensor1d([1, 2, 3]));
  const saved = tf.clone(v);
  v.assign(tf.tensor1d([7, 8, 9]));
  assert.deepEqual(Array.from(saved.dataSync()), [1, 2, 3]);
  assert.deepEqual(Array.from(v.dataSync()), [7, 8, 9]);
  tf.dispose([v, saved]);
});

test('gradients through a custom gradient (which clones what it saves) are unchanged', () => {
  const square = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
    save([x]);
    return { value: tf.square(x), gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) => tf.mul(dy, tf.mul(2, saved!)) };
  }) as never) as (x: tf.Tensor) => tf.Tensor;
  const g = tf.grad((x: tf.Tensor) => tf.sum(square(x)))(tf.tensor1d([1, -2, 3]));
  assert.deepEqual(Array.from(g.dataSync()), [2, -4, 6]);
});
