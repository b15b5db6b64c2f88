import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blendWithInitial } from '../../../main/ml/dim/weight-blend';
import type { WireTensor } from '../../../main/ml/dim/train-step';

const float = (shape: number[], values: number[]): WireTensor => ({ shape, dtype: 'float32', data: Float32Array.from(values) });

test('blendWithInitial mixes each tensor the starting model also has, by its share, and passes the rest through', () => {
  const trained = {
    'encoder/conv/kernel': float([2, 2], [1, 2, 3, 4]),
    'critic/new': float([2], [5, 6]),
    'encoder/head/kernel': float([2], [1, 1]),
    'optimizer/0': { shape: [], dtype: 'int32', data: Int32Array.from([7]) } satisfies WireTensor,
  };
  const initial = { 'encoder/conv/kernel': float([2, 2], [3, 2, 1, 0]), 'encoder/head/kernel': float([1, 2], [9, 9]) };
  const blended = blendWithInitial(trained, initial, 0.25);
  assert.deepEqual(Array.from(blended['encoder/conv/kernel'].data), [1.5, 2, 2.5, 3]);
  assert.deepEqual(blended['encoder/conv/kernel'].shape, [2, 2]);
  assert.equal(blended['critic/new'], trained['critic/new'], 'a tensor the start lacks is kept');
  assert.equal(blended['encoder/head/kernel'], trained['encoder/head/kernel'], 'a tensor of another shape is kept');
  assert.equal(blended['optimizer/0'], trained['optimizer/0']);
  assert.deepEqual(Array.from(trained['encoder/conv/kernel'].data), [1, 2, 3, 4], 'the trained weights are not changed in place');
  assert.deepEqual(Array.from(blendWithInitial(trained, initial, 1)['encoder/conv/kernel'].data), [3, 2, 1, 0], 'share 1: the starting weights exactly');
  assert.equal(blendWithInitial(trained, initial, 0)['encoder/conv/kernel'], trained['encoder/conv/kernel'], 'share 0: the trained weights');
  assert.throws(() => blendWithInitial(trained, initial, -0.1), /within 0–1/);
  assert.throws(() => blendWithInitial(trained, initial, Number.NaN), /within 0–1/);
});
